"""`idempotencyKey` on the mutations that create things, scoped to the caller's API key."""

from __future__ import annotations

from typing import Any

import strawberry

from domain.idempotency import IdempotencyKey, scope_of
from interfaces.graphql.context import Info

DESCRIPTION = (
    "Chosen by the client (1 to 255 printable ASCII characters), unique per intended "
    "creation: a retry with the same key and input answers with what the first call "
    "created and creates nothing; with another input it is IDEMPOTENCY_KEY_REUSED. Keys "
    "belong to the API key that sent them and are kept for 24 hours (by default)."
)


def idempotency_key_field(note: str = "") -> Any:
    """An optional `idempotencyKey: String` input field."""
    return strawberry.field(default=None, description=f"{DESCRIPTION} {note}".strip())


def idempotency_key(info: Info, value: str | None) -> IdempotencyKey | None:
    """The key in the scope of the API key the operation acts as; INVALID when malformed."""
    return IdempotencyKey.of(value, info.context.principal)


def required_idempotency_key(info: Info, value: str) -> IdempotencyKey:
    return IdempotencyKey(value, scope_of(info.context.principal))
