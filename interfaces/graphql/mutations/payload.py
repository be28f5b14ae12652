"""What every payload has: the typed errors of a command that was not carried out."""

from __future__ import annotations

import re

import strawberry

from interfaces.graphql.errors import UserError


@strawberry.type
class Payload:
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why nothing was changed; empty when the mutation succeeded.",
    )


@strawberry.type
class DeletePayload(Payload):
    deleted_id: strawberry.ID | None = None


CLEAR = strawberry.field(
    default=None,
    description="camelCase names of optional fields to empty (a null field means: unchanged).",
)


def snake_case(names: list[str] | None) -> frozenset[str]:
    """Input field names as the use cases name them: `vatNumber` -> `vat_number`."""
    return frozenset(re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() for name in names or ())
