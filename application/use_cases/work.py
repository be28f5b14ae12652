"""Employees, projects, tasks, rate rules, VAT codes and invoicing settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from application.use_cases._base import UseCase, require
from domain.errors import ErrorCode, HourbillError, Problems
from domain.rates import RateRule
from domain.settings import CompanyDetails, InvoicingSettings
from domain.vat import VatCode
from domain.work import Employee, Project, Task


def _duplicate(kind: str, code: str) -> HourbillError:
    return HourbillError.single(ErrorCode.DUPLICATE, f"{kind} {code!r} already exists", "code")


@dataclass(frozen=True)
class CreateEmployeeRequest:
    code: str
    name: str


@dataclass(frozen=True)
class CreateProjectRequest:
    customer_id: uuid.UUID
    code: str
    name: str


@dataclass(frozen=True)
class CreateTaskRequest:
    project_id: uuid.UUID
    code: str
    name: str
    item_code: str | None = None


@dataclass(frozen=True)
class CreateRateRuleRequest:
    rate: Decimal
    customer_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    employee_id: uuid.UUID | None = None


@dataclass(frozen=True)
class SaveVatCodeRequest:
    code: str
    description: str
    percentage: Decimal


@dataclass(frozen=True)
class UpdateInvoicingSettingsRequest:
    default_vat_code: str | None = None
    hours_item_code: str | None = None


@dataclass(frozen=True)
class UpdateCompanyDetailsRequest:
    """The sender's details, replaced as a whole (None or blank clears an optional field).

    `payment_term_days` None keeps the current term.
    """

    company: CompanyDetails
    payment_term_days: int | None = None


class CreateEmployee(UseCase):
    async def execute(self, request: CreateEmployeeRequest) -> Employee:
        employee = Employee(request.code, request.name)
        async with self.uow() as uow:
            if await uow.work.employee_by_code(employee.code) is not None:
                raise _duplicate("employee", employee.code)
            await uow.work.add_employee(employee)
            await uow.commit()
        return employee


class CreateProject(UseCase):
    async def execute(self, request: CreateProjectRequest) -> Project:
        project = Project(request.customer_id, request.code, request.name)
        async with self.uow() as uow:
            await require(
                uow.customers.get(request.customer_id),
                "customer",
                request.customer_id,
                "customerId",
            )
            if await uow.work.project_by_code(project.customer_id, project.code) is not None:
                raise _duplicate("project", project.code)
            await uow.work.add_project(project)
            await uow.commit()
        return project


class CreateTask(UseCase):
    async def execute(self, request: CreateTaskRequest) -> Task:
        task = Task(request.project_id, request.code, request.name, request.item_code)
        async with self.uow() as uow:
            await require(
                uow.work.project(request.project_id), "project", request.project_id, "projectId"
            )
            if await uow.work.task_by_code(task.project_id, task.code) is not None:
                raise _duplicate("task", task.code)
            await uow.work.add_task(task)
            await uow.commit()
        return task


class CreateRateRule(UseCase):
    async def execute(self, request: CreateRateRuleRequest) -> RateRule:
        rule = RateRule(request.rate, request.customer_id, request.project_id, request.employee_id)
        async with self.uow() as uow:
            problems = Problems()
            if rule.customer_id and await uow.customers.get(rule.customer_id) is None:
                problems.add(ErrorCode.NOT_FOUND, "customer does not exist", "customerId")
            project = await uow.work.project(rule.project_id) if rule.project_id else None
            if rule.project_id and project is None:
                problems.add(ErrorCode.NOT_FOUND, "project does not exist", "projectId")
            if project and rule.customer_id and project.customer_id != rule.customer_id:
                problems.add(
                    ErrorCode.CUSTOMER_MISMATCH,
                    f"project {project.code} belongs to another customer",
                    "projectId",
                )
            if rule.employee_id and await uow.work.employee(rule.employee_id) is None:
                problems.add(ErrorCode.NOT_FOUND, "employee does not exist", "employeeId")
            if any(r.dimensions == rule.dimensions for r in await uow.rate_rules.all()):
                problems.add(
                    ErrorCode.DUPLICATE,
                    "a rule for this customer, project and employee exists; delete it first",
                    "rate",
                )
            problems.raise_if_any()
            await uow.rate_rules.add(rule)
            await uow.commit()
        return rule


class DeleteRateRule(UseCase):
    async def execute(self, rule_id: uuid.UUID) -> uuid.UUID:
        async with self.uow() as uow:
            rule = await require(uow.rate_rules.get(rule_id), "rate rule", rule_id, "id")
            await uow.rate_rules.delete(rule)
            await uow.commit()
        return rule_id


class SaveVatCode(UseCase):
    """Create a VAT code, or change the description and percentage of an existing one.

    Lines keep the percentage they were priced at; only new lines see the change.
    """

    async def execute(self, request: SaveVatCodeRequest) -> VatCode:
        candidate = VatCode(request.code.strip(), request.description, request.percentage)
        if not candidate.code:
            raise HourbillError.single(ErrorCode.REQUIRED, "code is required", "code")
        async with self.uow() as uow:
            existing = await uow.vat_codes.get(candidate.code)
            if existing is None:
                await uow.vat_codes.add(candidate)
                existing = candidate
            else:
                existing.description = candidate.description
                existing.percentage = candidate.percentage
            await uow.commit()
        return existing


class UpdateInvoicingSettings(UseCase):
    async def execute(self, request: UpdateInvoicingSettingsRequest) -> InvoicingSettings:
        async with self.uow() as uow:
            settings = await uow.settings.invoicing()
            if request.default_vat_code is not None:
                await require(
                    uow.vat_codes.get(request.default_vat_code),
                    "VAT code",
                    request.default_vat_code,
                    "defaultVatCode",
                )
                settings.default_vat_code = request.default_vat_code
            if request.hours_item_code is not None:
                settings.hours_item_code = request.hours_item_code.strip() or None
            await uow.commit()
        return settings


class UpdateCompanyDetails(UseCase):
    """Who sends the invoices, and their payment term: printed on every document."""

    async def execute(self, request: UpdateCompanyDetailsRequest) -> InvoicingSettings:
        async with self.uow() as uow:
            settings = await uow.settings.invoicing()
            days = request.payment_term_days
            settings.set_company(
                request.company, settings.payment_term_days if days is None else days
            )
            await uow.commit()
        return settings
