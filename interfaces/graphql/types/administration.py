"""The Exact administration: pickers read from Exact, and per-line mappings.

A picker answers its options with the saved choice and its own `errors`: an
Exact that is down or not connected makes that one picker show why (a typed
`UserError`), while the rest of the page still loads.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from decimal import Decimal
from typing import Annotated, TypeVar

import strawberry

from application.administration import Choices
from application.exact import ExactDivision as PortDivision
from application.exact import ExactItem as PortItem
from application.exact import ExactJournal as PortJournal
from application.exact import ExactVatCode as PortVatCode
from domain.errors import HourbillError
from domain.exact_mapping import LineMapping as DomainLineMapping
from domain.exact_mapping import MappingScope
from interfaces.graphql.context import Info, hourbill, loaders
from interfaces.graphql.errors import UserError, user_errors
from interfaces.graphql.ids import global_id
from interfaces.graphql.loaders import load_as
from interfaces.graphql.types.work import Project, Task

LineMappingScope = strawberry.enum(
    MappingScope,
    name="LineMappingScope",
    description=(
        "What a line mapping's key names: TASK and PROJECT a global id; ITEM Hourbill's "
        "item code (of a task or supply); VAT Hourbill's VAT code (maps to a VAT code only)."
    ),
)

Division = Annotated[
    int | None, strawberry.argument(description="Exact division code; null: the saved division.")
]
PICKER_ERRORS = strawberry.field(
    description=(
        "Why the options could not be read: NOT_CONFIGURED (not connected, or no division "
        "picked), UNKNOWN_IN_EXACT on `division`, EXACT_UNAVAILABLE (try again later)."
    )
)


@strawberry.type(description="An Exact administration (company) the connected user can open.")
class ExactDivision:
    code: int
    description: str
    active: bool = strawberry.field(description="Only an active division can be picked.")

    @classmethod
    def from_port(cls, division: PortDivision) -> ExactDivision:
        return cls(code=division.code, description=division.description, active=division.active)


@strawberry.type(description="A sales journal of an Exact division.")
class ExactJournal:
    code: str
    description: str

    @classmethod
    def from_port(cls, journal: PortJournal) -> ExactJournal:
        return cls(code=journal.code, description=journal.description)


@strawberry.type(description="A sales item of an Exact division.")
class ExactItem:
    code: str
    description: str
    unit: str | None
    vat_code: str | None = strawberry.field(description="The item's own sales VAT code in Exact.")

    @classmethod
    def from_port(cls, item: PortItem) -> ExactItem:
        return cls(
            code=item.code, description=item.description, unit=item.unit, vat_code=item.vat_code
        )


@strawberry.type(description="A VAT code of an Exact division.")
class ExactVatCode:
    code: str
    description: str
    percentage: Decimal = strawberry.field(description='In percent, like VatCode: "21".')

    @classmethod
    def from_port(cls, vat_code: PortVatCode) -> ExactVatCode:
        percent = (vat_code.percentage * 100).normalize()
        return cls(code=vat_code.code, description=vat_code.description, percentage=percent)


@strawberry.type(description="The divisions to pick from.")
class ExactDivisionChoices:
    options: list[ExactDivision]
    selected: int | None = strawberry.field(description="The saved division.")
    errors: list[UserError] = PICKER_ERRORS


@strawberry.type(description="Sales journals (not blocked) of `division`.")
class ExactJournalChoices:
    division: int | None
    options: list[ExactJournal]
    selected: str | None = strawberry.field(
        description="The saved journal, when `division` is the saved division."
    )
    errors: list[UserError] = PICKER_ERRORS


@strawberry.type(description="Sales items of `division`.")
class ExactItemChoices:
    division: int | None
    options: list[ExactItem]
    selected: str | None = strawberry.field(
        description="The saved default item, when `division` is the saved division."
    )
    errors: list[UserError] = PICKER_ERRORS


@strawberry.type(description="VAT codes (not blocked) of `division`.")
class ExactVatCodeChoices:
    division: int | None
    options: list[ExactVatCode]
    selected: str | None = strawberry.field(
        description="The saved default VAT code, when `division` is the saved division."
    )
    errors: list[UserError] = PICKER_ERRORS


P = TypeVar("P")
C = TypeVar("C", int, str)

PICKER_FIELDS = frozenset({"division"})


async def _read(read: Awaitable[Choices[P, C]]) -> tuple[Choices[P, C], list[UserError]]:
    """Exact's options; a typed error of the read becomes the picker's `errors`."""
    try:
        return await read, []
    except HourbillError as error:
        return Choices([], None), user_errors(error, PICKER_FIELDS)


@strawberry.type(
    description=(
        "Exact's lists to pick the division, sales journal, default item and default VAT "
        "code from; read from Exact on every request. Save the picks with "
        "`saveExactAdministration`."
    )
)
class ExactAdministration:
    @strawberry.field
    async def divisions(self, info: Info) -> ExactDivisionChoices:
        found, errors = await _read(hourbill(info).exact_pickers.divisions())
        options = [ExactDivision.from_port(d) for d in found.options]
        return ExactDivisionChoices(options=options, selected=found.selected, errors=errors)

    @strawberry.field
    async def journals(self, info: Info, division: Division = None) -> ExactJournalChoices:
        found, errors = await _read(hourbill(info).exact_pickers.journals(division))
        return ExactJournalChoices(
            division=found.division if found.division is not None else division,
            options=[ExactJournal.from_port(j) for j in found.options],
            selected=found.selected,
            errors=errors,
        )

    @strawberry.field
    async def items(self, info: Info, division: Division = None) -> ExactItemChoices:
        found, errors = await _read(hourbill(info).exact_pickers.items(division))
        return ExactItemChoices(
            division=found.division if found.division is not None else division,
            options=[ExactItem.from_port(i) for i in found.options],
            selected=found.selected,
            errors=errors,
        )

    @strawberry.field
    async def vat_codes(self, info: Info, division: Division = None) -> ExactVatCodeChoices:
        found, errors = await _read(hourbill(info).exact_pickers.vat_codes(division))
        return ExactVatCodeChoices(
            division=found.division if found.division is not None else division,
            options=[ExactVatCode.from_port(v) for v in found.options],
            selected=found.selected,
            errors=errors,
        )


@strawberry.type(
    description=(
        "Which Exact item and/or VAT code lines of a task, project, item code or VAT code "
        "are pushed with. Per code, the most specific mapping wins: task, project, item "
        "code, VAT code; the saved defaults cover the rest."
    )
)
class LineMapping:
    id: strawberry.ID
    scope: LineMappingScope  # type: ignore[valid-type]
    key: str = strawberry.field(
        description="A Task or Project global id, Hourbill's item code or Hourbill's VAT code."
    )
    exact_item_code: str | None
    exact_vat_code: str | None
    task_id: strawberry.Private[uuid.UUID | None]
    project_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The task mapped, for TASK mappings.")
    async def task(self, info: Info) -> Task | None:
        return await load_as(loaders(info).task, self.task_id, Task.from_domain)

    @strawberry.field(description="The project mapped, for PROJECT mappings.")
    async def project(self, info: Info) -> Project | None:
        return await load_as(loaders(info).project, self.project_id, Project.from_domain)

    @classmethod
    def from_domain(cls, mapping: DomainLineMapping) -> LineMapping:
        task_id = project_id = None
        key = mapping.key
        if mapping.scope is MappingScope.TASK:
            task_id = uuid.UUID(mapping.key)
            key = global_id("Task", task_id)
        elif mapping.scope is MappingScope.PROJECT:
            project_id = uuid.UUID(mapping.key)
            key = global_id("Project", project_id)
        return cls(
            id=strawberry.ID(global_id("LineMapping", mapping.id)),
            scope=mapping.scope,
            key=key,
            exact_item_code=mapping.exact_item_code,
            exact_vat_code=mapping.exact_vat_code,
            task_id=task_id,
            project_id=project_id,
        )
