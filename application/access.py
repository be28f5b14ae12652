"""API keys and the audit log: making, revoking and checking keys; recording every mutation.

Keys are made and revoked with the CLI (`hourbill keys …`) or by an admin over
GraphQL. A request presents its key as `Authorization: Bearer hb_…` (or in the
websocket's `connection_init`); `Authenticate` turns it into the `Principal` the
request acts as, or None. Which role may do what is decided where the entry points
are (interfaces/graphql/access.py, interfaces/http/guard.py); this module only knows
keys and roles.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Protocol

from application.ports import Clock, Page, PageRequest, UnitOfWorkFactory
from domain.access import ApiKey, Principal, Role, new_key_secret, token_prefix, valid_name
from domain.audit import AuditEntry, AuditOutcome
from domain.errors import ErrorCode, HourbillError, not_found

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
"""`last_used_at` is written at most this often per key, not on every request."""

DEVELOPMENT_KEY_NAME = "development"
_PREFIX = re.compile(r"[0-9a-f]{12}")


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...
    async def save(self, key: ApiKey) -> None:
        """Store a changed key (revoked, used)."""
        ...

    async def get(self, key_id: uuid.UUID) -> ApiKey | None: ...
    async def by_prefix(self, prefix: str) -> ApiKey | None: ...
    async def active_by_name(self, name: str) -> ApiKey | None: ...
    async def any_active(self) -> bool: ...
    async def page(self, request: PageRequest, include_revoked: bool) -> Page[ApiKey]:
        """Keys by creation, oldest first."""
        ...


@dataclass(frozen=True)
class AuditFilter:
    actor_key_id: uuid.UUID | None = None
    action: str | None = None
    outcome: AuditOutcome | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


class AuditLogRepository(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...
    async def save(self, entry: AuditEntry) -> None:
        """Store the outcome of an entry added before."""
        ...

    async def page(self, where: AuditFilter, request: PageRequest) -> Page[AuditEntry]:
        """Newest first."""
        ...


@dataclass(frozen=True, slots=True)
class NewApiKey:
    key: ApiKey
    token: str
    """The key itself: shown this once, never stored."""


class CreateApiKey:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, name: str, role: Role, created_by: str) -> NewApiKey:
        name = valid_name(name)
        secret = new_key_secret()
        key = ApiKey(
            id=uuid.uuid4(),
            name=name,
            role=role,
            prefix=secret.prefix,
            digest=secret.digest,
            created_at=self.clock.now(),
            created_by=created_by,
        )
        async with self.uow() as uow:
            if await uow.api_keys.active_by_name(name) is not None:
                raise HourbillError.single(
                    ErrorCode.DUPLICATE, f"an active key named {name!r} exists", "name"
                )
            await uow.api_keys.add(key)
            await uow.commit()
        return NewApiKey(key, secret.token)


class RevokeApiKey:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, key: uuid.UUID | str) -> ApiKey:
        """Revoke by id, by the name of an active key or by its prefix; from the next request on."""
        async with self.uow() as uow:
            if isinstance(key, uuid.UUID):
                found = await uow.api_keys.get(key)
            else:
                found = await uow.api_keys.active_by_name(" ".join(key.split()))
                if found is None and _PREFIX.fullmatch(key):
                    found = await uow.api_keys.by_prefix(key)
            if found is None:
                raise not_found("API key", key)
            revoked = found.revoked(self.clock.now())
            await uow.api_keys.save(revoked)
            await uow.commit()
        return revoked


class ApiKeys:
    """The read side: keys (never their secrets) for the CLI and the admin."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    async def page(self, request: PageRequest, include_revoked: bool = False) -> Page[ApiKey]:
        async with self.uow() as uow:
            return await uow.api_keys.page(request, include_revoked)

    async def get(self, key_id: uuid.UUID) -> ApiKey | None:
        async with self.uow() as uow:
            return await uow.api_keys.get(key_id)


class Authenticate:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, token: str) -> Principal | None:
        """Who the key belongs to; None when it is malformed, unknown or revoked."""
        prefix = token_prefix(token)
        if prefix is None:
            return None
        async with self.uow() as uow:
            key = await uow.api_keys.by_prefix(prefix)
            if key is None or not key.matches(token) or not key.active:
                return None
            now = self.clock.now()
            if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
                await uow.api_keys.save(key.used(now))
                await uow.commit()
        return key.principal()


class EnsureDevelopmentKey:
    """On the embedded default's first start: an admin key, so the API can be tried at once."""

    def __init__(self, create: CreateApiKey, uow: UnitOfWorkFactory) -> None:
        self.create = create
        self.uow = uow

    async def execute(self) -> NewApiKey | None:
        """A new admin key when there is no active key at all; None otherwise."""
        async with self.uow() as uow:
            if await uow.api_keys.any_active():
                return None
        return await self.create.execute(DEVELOPMENT_KEY_NAME, Role.ADMIN, "first start")


class AuditLog:
    """Writes an entry before a mutation runs and its outcome after, each in its own
    short transaction: a crash in between leaves the entry PENDING, never missing."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def begin(
        self,
        action: str,
        actor: Principal | None,
        arguments: str,
        *,
        actor_name: str | None = None,
        correlation_id: str | None = None,
    ) -> AuditEntry:
        entry = AuditEntry.start(
            action,
            actor,
            arguments,
            self.clock.now(),
            actor_name=actor_name,
            correlation_id=correlation_id,
        )
        async with self.uow() as uow:
            await uow.audit_log.add(entry)
            await uow.commit()
        return entry

    async def finish(
        self, entry: AuditEntry, outcome: AuditOutcome, error_codes: tuple[str, ...] = ()
    ) -> AuditEntry:
        done = entry.finished(outcome, self.clock.now(), error_codes)
        async with self.uow() as uow:
            await uow.audit_log.save(done)
            await uow.commit()
        return done

    async def record(
        self,
        action: str,
        actor: Principal | None,
        arguments: str,
        outcome: AuditOutcome,
        error_codes: tuple[str, ...] = (),
        *,
        actor_name: str | None = None,
        correlation_id: str | None = None,
    ) -> AuditEntry:
        """One entry for something already decided (a refused call)."""
        now = self.clock.now()
        entry = AuditEntry.start(
            action, actor, arguments, now, actor_name=actor_name, correlation_id=correlation_id
        ).finished(outcome, now, error_codes)
        async with self.uow() as uow:
            await uow.audit_log.add(entry)
            await uow.commit()
        return entry

    async def page(self, where: AuditFilter, request: PageRequest) -> Page[AuditEntry]:
        async with self.uow() as uow:
            return await uow.audit_log.page(where, request)
