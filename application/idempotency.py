"""Creating things at most once per idempotency key (docs/adr/0022).

A use case hands `Idempotency.once` its request, the client's key and a
`create` function. Without a key, `create` simply runs. With one, the key is
looked up first: used before for the same operation and request, the first
result is re-read by id and returned, and nothing runs; used for anything else,
IDEMPOTENCY_KEY_REUSED. Otherwise `create` runs and calls its `Claim` inside
its transaction, just before it writes, so the key is kept exactly when what it
created is. A concurrent call that claimed the key first makes the claim fail;
then the winner's result is read and returned.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from application.ports import IdempotencyKeyTaken, UnitOfWork, UnitOfWorkFactory
from domain.errors import ErrorCode, HourbillError
from domain.idempotency import (
    FIELD,
    IdempotencyKey,
    IdempotencyRecord,
    key_reused,
    result_gone,
)

R = TypeVar("R")

DEFAULT_RETENTION = dt.timedelta(hours=24)
PURGE_EVERY = dt.timedelta(minutes=5)
PURGE_BATCH = 1000
ATTEMPTS = 3


class Claim(Protocol):
    async def __call__(self, uow: UnitOfWork, result_ids: Sequence[uuid.UUID]) -> None:
        """Record the key with the ids of what this transaction creates (a no-op without key)."""
        ...


async def no_claim(uow: UnitOfWork, result_ids: Sequence[uuid.UUID]) -> None:
    return None


@dataclass(frozen=True)
class Creation(Generic[R]):
    """An operation that creates things: its name, and how to re-read what it created."""

    name: str
    reload: Callable[[UnitOfWork, tuple[uuid.UUID, ...]], Awaitable[R | None]]
    """None when any of it no longer exists."""


def fingerprint(request: object) -> str:
    """A stable hash of a request value: equal requests hash alike, in any process."""
    text = json.dumps(_plain(request), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"type": type(value).__name__, "fields": fields}
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, Decimal):
        return f"decimal:{value.normalize():f}"
    if isinstance(value, dt.date | uuid.UUID):
        return f"{type(value).__name__}:{value}"
    if isinstance(value, frozenset | set):
        return sorted((_plain(item) for item in value), key=repr)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


class Now(Protocol):
    """The part of a Clock this needs."""

    def now(self) -> dt.datetime: ...


class _UtcNow:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class Idempotency:
    """Runs creations at most once per (scope, key), within the retention window.

    Records older than `retention` count as never made. They are purged by the
    calls that come along: at most `PURGE_BATCH` at a time, every `PURGE_EVERY`
    per process (sooner while there is more).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Now | None = None,
        retention: dt.timedelta = DEFAULT_RETENTION,
    ) -> None:
        self.uow = uow
        self.clock: Now = clock or _UtcNow()
        self.retention = retention
        self._next_purge: dt.datetime | None = None

    async def once(
        self,
        creation: Creation[R],
        key: IdempotencyKey | None,
        request: object,
        create: Callable[[Claim], Awaitable[R]],
    ) -> R:
        if key is None:
            return await create(no_claim)
        await self._purge_now_and_then()
        claim = _KeyClaim(self, creation.name, key, fingerprint(request))
        for _ in range(ATTEMPTS):
            found = await self._replay(creation, claim)
            if found is not None:
                return found
            try:
                return await create(claim)
            except IdempotencyKeyTaken:
                continue  # a concurrent call with this key won: answer with its result
        raise HourbillError.single(
            ErrorCode.CONFLICT, "this idempotencyKey is being used concurrently; try again", FIELD
        )

    def cutoff(self) -> dt.datetime:
        """Records created before this have expired."""
        return self.clock.now() - self.retention

    async def _replay(self, creation: Creation[R], claim: _KeyClaim) -> R | None:
        async with self.uow() as uow:
            record = await uow.idempotency.get(claim.key.scope, claim.key.value)
            if record is None or record.created_at < self.cutoff():
                return None
            if not record.matches(creation.name, claim.fingerprint):
                raise key_reused(record.operation)
            result = await creation.reload(uow, record.result_ids)
        if result is None:
            raise result_gone(record.operation)
        return result

    async def _purge_now_and_then(self) -> None:
        now = self.clock.now()
        if self._next_purge is not None and now < self._next_purge:
            return
        self._next_purge = now + PURGE_EVERY
        async with self.uow() as uow:
            purged = await uow.idempotency.purge(now - self.retention, PURGE_BATCH)
            if purged:
                await uow.commit()
        if purged == PURGE_BATCH:  # there is more: the next call goes on with it
            self._next_purge = now


@dataclass(frozen=True)
class _KeyClaim:
    owner: Idempotency
    operation: str
    key: IdempotencyKey
    fingerprint: str

    async def __call__(self, uow: UnitOfWork, result_ids: Sequence[uuid.UUID]) -> None:
        record = IdempotencyRecord(
            scope=self.key.scope,
            key=self.key.value,
            operation=self.operation,
            fingerprint=self.fingerprint,
            result_ids=tuple(result_ids),
            created_at=self.owner.clock.now(),
        )
        await uow.idempotency.add(record, replacing_before=self.owner.cutoff())
