"""Employees, projects, tasks, rate rules, VAT codes and invoicing settings."""

from __future__ import annotations

import uuid
from decimal import Decimal

import strawberry

from domain.rates import RateRule as DomainRateRule
from domain.settings import CompanyDetails as DomainCompanyDetails
from domain.settings import InvoicingSettings as DomainInvoicingSettings
from domain.vat import VatCode as DomainVatCode
from domain.work import Employee as DomainEmployee
from domain.work import Project as DomainProject
from domain.work import Task as DomainTask
from interfaces.graphql.context import Info, loaders
from interfaces.graphql.ids import global_id
from interfaces.graphql.loaders import load_as
from interfaces.graphql.relay import Node
from interfaces.graphql.types.customers import Customer


@strawberry.type(description="Someone who books hours.")
class Employee(Node):
    code: str
    name: str

    @classmethod
    def from_domain(cls, employee: DomainEmployee) -> Employee:
        return cls(
            id=strawberry.ID(global_id("Employee", employee.id)),
            code=employee.code,
            name=employee.name,
        )


@strawberry.type(description="A project of a customer; hours are booked on its tasks.")
class Project(Node):
    code: str
    name: str
    customer_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await load_as(loaders(info).customer, self.customer_id, Customer.from_domain)

    @strawberry.field
    async def tasks(self, info: Info) -> list[Task]:
        return [
            Task.from_domain(t) for t in await loaders(info).project_tasks.load(self.project_id)
        ]

    @classmethod
    def from_domain(cls, project: DomainProject) -> Project:
        return cls(
            id=strawberry.ID(global_id("Project", project.id)),
            code=project.code,
            name=project.name,
            customer_id=project.customer_id,
            project_id=project.id,
        )


@strawberry.type(description="A task of a project.")
class Task(Node):
    code: str
    name: str
    item_code: str | None = strawberry.field(
        description="The Exact item its hours are invoiced as; the default hours item when null."
    )
    project_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def project(self, info: Info) -> Project | None:
        return await load_as(loaders(info).project, self.project_id, Project.from_domain)

    @classmethod
    def from_domain(cls, task: DomainTask) -> Task:
        return cls(
            id=strawberry.ID(global_id("Task", task.id)),
            code=task.code,
            name=task.name,
            item_code=task.item_code,
            project_id=task.project_id,
        )


@strawberry.type(
    description="An hourly rate for a customer, project and/or employee; the most specific wins."
)
class RateRule(Node):
    rate: Decimal
    customer_id: strawberry.Private[uuid.UUID | None]
    project_id: strawberry.Private[uuid.UUID | None]
    employee_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await load_as(loaders(info).customer, self.customer_id, Customer.from_domain)

    @strawberry.field
    async def project(self, info: Info) -> Project | None:
        return await load_as(loaders(info).project, self.project_id, Project.from_domain)

    @strawberry.field
    async def employee(self, info: Info) -> Employee | None:
        return await load_as(loaders(info).employee, self.employee_id, Employee.from_domain)

    @classmethod
    def from_domain(cls, rule: DomainRateRule) -> RateRule:
        return cls(
            id=strawberry.ID(global_id("RateRule", rule.id)),
            rate=rule.rate,
            customer_id=rule.customer_id,
            project_id=rule.project_id,
            employee_id=rule.employee_id,
        )


@strawberry.type(description="A VAT code and its percentage; identified by its code.")
class VatCode:
    code: str
    description: str
    percentage: Decimal

    @classmethod
    def from_domain(cls, vat_code: DomainVatCode) -> VatCode:
        return cls(
            code=vat_code.code,
            description=vat_code.description,
            percentage=vat_code.percentage,
        )


@strawberry.type(description="Who sends the invoices: printed on every document.")
class CompanyDetails:
    name: str
    address_line: str | None
    postcode: str | None
    city: str | None
    country: str
    vat_number: str | None
    chamber_of_commerce: str | None
    iban: str | None
    email: str | None
    phone: str | None

    @classmethod
    def from_domain(cls, company: DomainCompanyDetails) -> CompanyDetails:
        return cls(
            name=company.name,
            address_line=company.address_line,
            postcode=company.postcode,
            city=company.city,
            country=company.country,
            vat_number=company.vat_number,
            chamber_of_commerce=company.chamber_of_commerce,
            iban=company.iban,
            email=company.email,
            phone=company.phone,
        )


@strawberry.type(description="Administration-wide defaults for invoicing.")
class InvoicingSettings:
    default_vat_code: str
    hours_item_code: str | None
    exact_division: int | None = strawberry.field(
        description="The Exact division invoices go to (`saveExactAdministration`)."
    )
    exact_journal: str | None = strawberry.field(description="Code of the Exact sales journal.")
    exact_default_item: str | None = strawberry.field(
        description="The Exact item of lines no line mapping covers."
    )
    exact_default_vat_code: str | None = strawberry.field(
        description="The Exact VAT code of lines no line mapping covers."
    )
    attach_pdf: bool = strawberry.field(
        description="The invoice PDF is attached to the sales invoice in Exact."
    )
    payment_term_days: int = strawberry.field(
        description="Days after the invoice date an invoice is due; printed on the documents."
    )
    company: CompanyDetails = strawberry.field(description="`updateCompanyDetails`.")

    @classmethod
    def from_domain(cls, settings: DomainInvoicingSettings) -> InvoicingSettings:
        return cls(
            default_vat_code=settings.default_vat_code,
            hours_item_code=settings.hours_item_code,
            exact_division=settings.exact_division,
            exact_journal=settings.exact_journal,
            exact_default_item=settings.exact_default_item,
            exact_default_vat_code=settings.exact_default_vat_code,
            attach_pdf=settings.attach_pdf,
            payment_term_days=settings.payment_term_days,
            company=CompanyDetails.from_domain(settings.company),
        )
