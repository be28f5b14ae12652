"""Idempotency keys: a client's name for one intended creation, and what it created.

A key belongs to whoever sent it: the API key a request acts as, or `SYSTEM`
for callers without one (the CLI, tests). Two API keys never share a key.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from domain.access import Principal
from domain.errors import ErrorCode, HourbillError

SYSTEM = "system"
MAX_LENGTH = 255
FIELD = "idempotencyKey"


def scope_of(principal: Principal | None) -> str:
    return SYSTEM if principal is None else str(principal.key_id)


def _printable_ascii(value: str) -> bool:
    return all(" " <= char <= "~" for char in value)


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """Chosen by the client: 1 to 255 printable ASCII characters, not all spaces; exact."""

    value: str
    scope: str = SYSTEM

    def __post_init__(self) -> None:
        valid = len(self.value) <= MAX_LENGTH and _printable_ascii(self.value)
        if not valid or not self.value.strip():
            raise HourbillError.single(
                ErrorCode.INVALID,
                f"idempotencyKey must be 1 to {MAX_LENGTH} printable ASCII characters "
                "(not only spaces)",
                FIELD,
            )

    @classmethod
    def of(cls, value: str | None, principal: Principal | None) -> IdempotencyKey | None:
        return None if value is None else cls(value, scope_of(principal))


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A key that was used: by which operation, for which request, and what it created."""

    scope: str
    key: str
    operation: str
    fingerprint: str
    """A hash of the request without the key: the same key must come with the same request."""
    result_ids: tuple[uuid.UUID, ...]
    created_at: dt.datetime

    def matches(self, operation: str, fingerprint: str) -> bool:
        return (self.operation, self.fingerprint) == (operation, fingerprint)


def key_reused(operation: str) -> HourbillError:
    return HourbillError.single(
        ErrorCode.IDEMPOTENCY_KEY_REUSED,
        f"this idempotencyKey was used for another request ({operation}); "
        "use a new key for a new request",
        FIELD,
    )


def result_gone(operation: str) -> HourbillError:
    return HourbillError.single(
        ErrorCode.NOT_FOUND,
        f"what this idempotencyKey created ({operation}) no longer exists; "
        "use a new key to create it again",
        FIELD,
    )
