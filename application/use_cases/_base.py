"""What every use case shares: a unit-of-work factory and lookups that fail typed."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import fields, replace
from typing import Any, TypeVar

from application.idempotency import Idempotency
from application.ports import UnitOfWorkFactory
from domain.errors import ErrorCode, HourbillError, not_found

T = TypeVar("T")


class UseCase:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow


class CreatingUseCase(UseCase):
    """Creates something, at most once per idempotency key (application/idempotency.py)."""

    def __init__(self, uow: UnitOfWorkFactory, idempotency: Idempotency | None = None) -> None:
        super().__init__(uow)
        self.idempotency = idempotency or Idempotency(uow)


async def require(lookup: Awaitable[T | None], kind: str, ident: uuid.UUID | str, field: str) -> T:
    """Await a repository lookup; a missing thing is a NOT_FOUND error on `field`."""
    found = await lookup
    if found is None:
        raise not_found(kind, ident, field)
    return found


def changes(request: object, *, skip: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    """The fields of a patch request that were given (not None)."""
    return {
        name: value
        for name, value in vars(request).items()
        if name not in skip and value is not None
    }


def patched(entity: T, patch: dict[str, Any], clear: Iterable[str] = ()) -> T:
    """A validated copy of the entity with the patch applied; the entity is untouched.

    Collections (an order's lines, a line's provenance) are not handed to the copy:
    it exists only to validate, and sharing them would give their items two owners.
    """
    values = {**patch, **dict.fromkeys(clear)}
    empty: dict[str, list[object]] = {
        f.name: []
        for f in fields(entity)  # type: ignore[arg-type]
        if f.name not in values and isinstance(getattr(entity, f.name), list)
    }
    return replace(entity, **empty, **values)  # type: ignore[type-var]


def apply_patch(entity: Any, patch: dict[str, Any], clear: Iterable[str] = ()) -> None:
    """Validate the patched entity as a whole first; only then change the entity itself."""
    candidate = patched(entity, patch, clear)
    for name in [*patch, *clear]:
        setattr(entity, name, getattr(candidate, name))


def distinct_ids(ids: Sequence[uuid.UUID], field: str, noun: str = "order") -> list[uuid.UUID]:
    """The orders (or other `noun`s) a command names: at least one, none twice."""
    if not ids:
        raise HourbillError.single(ErrorCode.REQUIRED, f"give at least one {noun}", field)
    if len(set(ids)) != len(ids):
        article = "an" if noun[0] in "aeiou" else "a"
        raise HourbillError.single(ErrorCode.DUPLICATE, f"{article} {noun} is named twice", field)
    return list(ids)
