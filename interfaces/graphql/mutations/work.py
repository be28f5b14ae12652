"""Employees, projects, tasks, rate rules, VAT codes and invoicing settings."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from application.use_cases.work import (
    CreateEmployeeRequest,
    CreateProjectRequest,
    CreateRateRuleRequest,
    CreateTaskRequest,
    SaveVatCodeRequest,
    UpdateCompanyDetailsRequest,
    UpdateInvoicingSettingsRequest,
)
from domain.settings import CompanyDetails
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import attempt
from interfaces.graphql.mutations.payload import DeletePayload, Payload
from interfaces.graphql.reader import InputReader, read_id
from interfaces.graphql.types.work import (
    Employee,
    InvoicingSettings,
    Project,
    RateRule,
    Task,
    VatCode,
)


@strawberry.input
class CreateEmployeeInput:
    code: str
    name: str

    def to_request(self) -> CreateEmployeeRequest:
        return CreateEmployeeRequest(code=self.code, name=self.name)


@strawberry.input
class CreateProjectInput:
    customer_id: strawberry.ID
    code: str
    name: str

    def to_request(self) -> CreateProjectRequest:
        customer_id = read_id(self.customer_id, "Customer", "customerId")
        return CreateProjectRequest(customer_id=customer_id, code=self.code, name=self.name)


@strawberry.input
class CreateTaskInput:
    project_id: strawberry.ID
    code: str
    name: str
    item_code: str | None = None

    def to_request(self) -> CreateTaskRequest:
        return CreateTaskRequest(
            project_id=read_id(self.project_id, "Project", "projectId"),
            code=self.code,
            name=self.name,
            item_code=self.item_code,
        )


@strawberry.input(description="A rule naming none of customer, project, employee is the default.")
class CreateRateRuleInput:
    rate: Decimal
    customer_id: strawberry.ID | None = None
    project_id: strawberry.ID | None = None
    employee_id: strawberry.ID | None = None

    def to_request(self) -> CreateRateRuleRequest:
        read = InputReader()
        request = CreateRateRuleRequest(
            rate=read.decimal(self.rate, "rate"),
            customer_id=read.optional_id(self.customer_id, "Customer", "customerId"),
            project_id=read.optional_id(self.project_id, "Project", "projectId"),
            employee_id=read.optional_id(self.employee_id, "Employee", "employeeId"),
        )
        read.check()
        return request


@strawberry.input
class DeleteRateRuleInput:
    id: strawberry.ID


@strawberry.input(description="Creates the VAT code, or changes the one with this code.")
class SaveVatCodeInput:
    code: str
    description: str
    percentage: Decimal

    def to_request(self) -> SaveVatCodeRequest:
        read = InputReader()
        percentage = read.decimal(self.percentage, "percentage")
        read.check()
        return SaveVatCodeRequest(self.code, self.description, percentage)


@strawberry.input(description="Fields left out or null stay as they are.")
class UpdateInvoicingSettingsInput:
    default_vat_code: str | None = None
    hours_item_code: str | None = strawberry.field(
        default=None, description="An empty string clears it."
    )

    def to_request(self) -> UpdateInvoicingSettingsRequest:
        return UpdateInvoicingSettingsRequest(self.default_vat_code, self.hours_item_code)


@strawberry.input(
    description="Replaces the sender's details as a whole: an optional field left out, null "
    "or blank is emptied."
)
class UpdateCompanyDetailsInput:
    name: str
    address_line: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str = strawberry.field(default="NL", description="Two-letter ISO code.")
    vat_number: str | None = None
    chamber_of_commerce: str | None = None
    iban: str | None = None
    email: str | None = None
    phone: str | None = None
    payment_term_days: int | None = strawberry.field(
        default=None, description="0 to 365; null keeps the current term."
    )

    def to_request(self) -> UpdateCompanyDetailsRequest:
        company = CompanyDetails(
            name=self.name,
            address_line=self.address_line,
            postcode=self.postcode,
            city=self.city,
            country=self.country,
            vat_number=self.vat_number,
            chamber_of_commerce=self.chamber_of_commerce,
            iban=self.iban,
            email=self.email,
            phone=self.phone,
        )
        return UpdateCompanyDetailsRequest(company, self.payment_term_days)


@strawberry.type
class CreateEmployeePayload(Payload):
    employee: Employee | None = None


@strawberry.type
class CreateProjectPayload(Payload):
    project: Project | None = None


@strawberry.type
class CreateTaskPayload(Payload):
    task: Task | None = None


@strawberry.type
class CreateRateRulePayload(Payload):
    rate_rule: RateRule | None = None


@strawberry.type
class DeleteRateRulePayload(DeletePayload):
    pass


@strawberry.type
class SaveVatCodePayload(Payload):
    vat_code: VatCode | None = None


@strawberry.type
class UpdateInvoicingSettingsPayload(Payload):
    invoicing_settings: InvoicingSettings | None = None


@strawberry.type
class UpdateCompanyDetailsPayload(Payload):
    invoicing_settings: InvoicingSettings | None = None


@strawberry.type
class WorkMutations:
    @strawberry.mutation
    async def create_employee(
        self, info: Info, input: CreateEmployeeInput
    ) -> CreateEmployeePayload:
        return await attempt(
            input,
            CreateEmployeePayload,
            lambda: hourbill(info).create_employee.execute(input.to_request()),
            lambda employee: CreateEmployeePayload(employee=Employee.from_domain(employee)),
        )

    @strawberry.mutation
    async def create_project(self, info: Info, input: CreateProjectInput) -> CreateProjectPayload:
        return await attempt(
            input,
            CreateProjectPayload,
            lambda: hourbill(info).create_project.execute(input.to_request()),
            lambda project: CreateProjectPayload(project=Project.from_domain(project)),
        )

    @strawberry.mutation
    async def create_task(self, info: Info, input: CreateTaskInput) -> CreateTaskPayload:
        return await attempt(
            input,
            CreateTaskPayload,
            lambda: hourbill(info).create_task.execute(input.to_request()),
            lambda task: CreateTaskPayload(task=Task.from_domain(task)),
        )

    @strawberry.mutation
    async def create_rate_rule(
        self, info: Info, input: CreateRateRuleInput
    ) -> CreateRateRulePayload:
        return await attempt(
            input,
            CreateRateRulePayload,
            lambda: hourbill(info).create_rate_rule.execute(input.to_request()),
            lambda rule: CreateRateRulePayload(rate_rule=RateRule.from_domain(rule)),
        )

    @strawberry.mutation
    async def delete_rate_rule(
        self, info: Info, input: DeleteRateRuleInput
    ) -> DeleteRateRulePayload:
        return await attempt(
            input,
            DeleteRateRulePayload,
            lambda: hourbill(info).delete_rate_rule.execute(read_id(input.id, "RateRule", "id")),
            lambda _: DeleteRateRulePayload(deleted_id=input.id),
        )

    @strawberry.mutation
    async def save_vat_code(self, info: Info, input: SaveVatCodeInput) -> SaveVatCodePayload:
        return await attempt(
            input,
            SaveVatCodePayload,
            lambda: hourbill(info).save_vat_code.execute(input.to_request()),
            lambda vat_code: SaveVatCodePayload(vat_code=VatCode.from_domain(vat_code)),
        )

    @strawberry.mutation
    async def update_invoicing_settings(
        self, info: Info, input: UpdateInvoicingSettingsInput
    ) -> UpdateInvoicingSettingsPayload:
        return await attempt(
            input,
            UpdateInvoicingSettingsPayload,
            lambda: hourbill(info).update_invoicing_settings.execute(input.to_request()),
            lambda settings: UpdateInvoicingSettingsPayload(
                invoicing_settings=InvoicingSettings.from_domain(settings)
            ),
        )

    @strawberry.mutation(description="Who sends the invoices, and the payment term.")
    async def update_company_details(
        self, info: Info, input: UpdateCompanyDetailsInput
    ) -> UpdateCompanyDetailsPayload:
        return await attempt(
            input,
            UpdateCompanyDetailsPayload,
            lambda: hourbill(info).update_company_details.execute(input.to_request()),
            lambda settings: UpdateCompanyDetailsPayload(
                invoicing_settings=InvoicingSettings.from_domain(settings)
            ),
        )
