"""Queries of the Exact administration: the pickers read from Exact, and the line mappings."""

from __future__ import annotations

import strawberry

from domain.exact_mapping import MappingScope
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.types.administration import (
    ExactAdministration,
    LineMapping,
    LineMappingScope,
)


@strawberry.type
class AdministrationQueries:
    @strawberry.field(
        description=(
            "Exact's divisions, sales journals, items and VAT codes to pick from; each "
            "list carries its own errors (e.g. Exact not connected or unavailable)."
        )
    )
    def exact_administration(self) -> ExactAdministration:
        return ExactAdministration()

    @strawberry.field(description="Per-line mappings by scope and key; of one scope when given.")
    async def line_mappings(
        self,
        info: Info,
        scope: LineMappingScope | None = None,  # type: ignore[valid-type]
    ) -> list[LineMapping]:
        wanted = MappingScope(scope) if scope is not None else None
        found = await hourbill(info).list_line_mappings.execute(wanted)
        return [LineMapping.from_domain(m) for m in found]
