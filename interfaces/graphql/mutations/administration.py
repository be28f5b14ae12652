"""Saving the Exact administration and the per-line mappings; each choice is checked in Exact."""

from __future__ import annotations

import strawberry

from application.administration import SaveExactAdministrationRequest, SaveLineMappingRequest
from domain.exact_mapping import MappingScope
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import attempt
from interfaces.graphql.mutations.payload import DeletePayload, Payload
from interfaces.graphql.reader import read_id
from interfaces.graphql.types.administration import LineMapping, LineMappingScope
from interfaces.graphql.types.work import InvoicingSettings


@strawberry.input(
    description=(
        "Fields left out or null stay as they are. A new division re-checks the saved "
        "journal, item and VAT code: one missing there is an error on its field."
    )
)
class SaveExactAdministrationInput:
    division: int | None = strawberry.field(default=None, description="Exact division code.")
    journal: str | None = strawberry.field(default=None, description="Sales journal code.")
    default_item: str | None = strawberry.field(
        default=None, description="Exact item for lines no mapping covers."
    )
    default_vat_code: str | None = strawberry.field(
        default=None, description="Exact VAT code for lines no mapping covers."
    )
    attach_pdf: bool | None = strawberry.field(
        default=None, description="Attach the invoice PDF to the sales invoice in Exact."
    )

    def to_request(self) -> SaveExactAdministrationRequest:
        return SaveExactAdministrationRequest(
            division=self.division,
            journal=self.journal,
            default_item=self.default_item,
            default_vat_code=self.default_vat_code,
            attach_pdf=self.attach_pdf,
        )


@strawberry.input(
    description=(
        "Creates the mapping of (scope, key), or replaces its codes. Give an Exact item, "
        "a VAT code or both; a code left out is not mapped (the next rule decides it)."
    )
)
class SaveLineMappingInput:
    scope: LineMappingScope  # type: ignore[valid-type]
    key: str = strawberry.field(
        description="TASK: a Task id; PROJECT: a Project id; ITEM: an item code; VAT: a VAT code."
    )
    exact_item_code: str | None = None
    exact_vat_code: str | None = None

    def to_request(self) -> SaveLineMappingRequest:
        scope = MappingScope(self.scope)
        key = self.key
        if scope in (MappingScope.TASK, MappingScope.PROJECT):
            type_name = "Task" if scope is MappingScope.TASK else "Project"
            key = str(read_id(self.key, type_name, "key"))
        return SaveLineMappingRequest(scope, key, self.exact_item_code, self.exact_vat_code)


@strawberry.input
class DeleteLineMappingInput:
    id: strawberry.ID


@strawberry.type
class SaveExactAdministrationPayload(Payload):
    invoicing_settings: InvoicingSettings | None = None


@strawberry.type
class SaveLineMappingPayload(Payload):
    line_mapping: LineMapping | None = None


@strawberry.type
class DeleteLineMappingPayload(DeletePayload):
    pass


@strawberry.type
class AdministrationMutations:
    @strawberry.mutation(description="Division, sales journal, default item and VAT code.")
    async def save_exact_administration(
        self, info: Info, input: SaveExactAdministrationInput
    ) -> SaveExactAdministrationPayload:
        return await attempt(
            input,
            SaveExactAdministrationPayload,
            lambda: hourbill(info).save_exact_administration.execute(input.to_request()),
            lambda settings: SaveExactAdministrationPayload(
                invoicing_settings=InvoicingSettings.from_domain(settings)
            ),
        )

    @strawberry.mutation
    async def save_line_mapping(
        self, info: Info, input: SaveLineMappingInput
    ) -> SaveLineMappingPayload:
        return await attempt(
            input,
            SaveLineMappingPayload,
            lambda: hourbill(info).save_line_mapping.execute(input.to_request()),
            lambda mapping: SaveLineMappingPayload(line_mapping=LineMapping.from_domain(mapping)),
        )

    @strawberry.mutation(description="Lines it covered fall back to the next rule or the default.")
    async def delete_line_mapping(
        self, info: Info, input: DeleteLineMappingInput
    ) -> DeleteLineMappingPayload:
        return await attempt(
            input,
            DeleteLineMappingPayload,
            lambda: hourbill(info).delete_line_mapping.execute(
                read_id(input.id, "LineMapping", "id")
            ),
            lambda _: DeleteLineMappingPayload(deleted_id=input.id),
        )
