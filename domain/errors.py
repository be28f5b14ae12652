"""Domain errors: one exception type carrying typed problems a client can act on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    TOO_PRECISE = "TOO_PRECISE"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    LOCKED = "LOCKED"
    IN_USE = "IN_USE"
    CUSTOMER_MISMATCH = "CUSTOMER_MISMATCH"
    NO_RATE = "NO_RATE"
    NOTHING_TO_GENERATE = "NOTHING_TO_GENERATE"
    CONFLICT = "CONFLICT"
    INVALID_STATE = "INVALID_STATE"
    NOT_CONFIGURED = "NOT_CONFIGURED"
    EMPTY_ORDER = "EMPTY_ORDER"
    UNKNOWN_IN_EXACT = "UNKNOWN_IN_EXACT"
    VAT_MISMATCH = "VAT_MISMATCH"
    CUSTOMER_NOT_LINKABLE = "CUSTOMER_NOT_LINKABLE"
    EXACT_REJECTED = "EXACT_REJECTED"
    EXACT_UNAVAILABLE = "EXACT_UNAVAILABLE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    """No API key, or one that is unknown or revoked."""
    FORBIDDEN = "FORBIDDEN"
    """The key's role may not do this."""
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    """The idempotency key was used before for a different request."""


@dataclass(frozen=True)
class Problem:
    code: ErrorCode
    message: str
    field: str | None = None


class HourbillError(Exception):
    """Raised when a command cannot be carried out; nothing has changed."""

    def __init__(self, *problems: Problem) -> None:
        if not problems:
            raise ValueError("HourbillError needs at least one problem")
        self.problems: tuple[Problem, ...] = problems
        super().__init__("; ".join(p.message for p in problems))

    @classmethod
    def single(cls, code: ErrorCode, message: str, field: str | None = None) -> HourbillError:
        return cls(Problem(code, message, field))


def not_found(kind: str, ident: object, field: str | None = "id") -> HourbillError:
    return HourbillError.single(ErrorCode.NOT_FOUND, f"{kind} {ident} does not exist", field)


class Problems:
    """Collects validation problems so a client sees all of them at once."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def add(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        self._items.append(Problem(code, message, field))

    def extend(self, error: HourbillError) -> None:
        self._items.extend(error.problems)

    def raise_if_any(self) -> None:
        if self._items:
            raise HourbillError(*self._items)
