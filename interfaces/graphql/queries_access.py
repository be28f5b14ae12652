"""Queries for admins: the API keys and the audit log (both ADMIN in access.py's ROLES)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from application.access import AuditFilter
from domain.audit import AuditOutcome as DomainAuditOutcome
from domain.errors import ErrorCode
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import ClientError
from interfaces.graphql.queries import AFTER, FIRST, answer, filter_id
from interfaces.graphql.relay import DEFAULT_PAGE_SIZE, Connection, connection, page_request
from interfaces.graphql.types.access import ApiKey, AuditEntry, AuditOutcome


@strawberry.input(description="Every filter given must match.")
class AuditLogFilter:
    actor_key_id: strawberry.ID | None = strawberry.field(
        default=None, description="Entries of this ApiKey (its global id)."
    )
    action: str | None = strawberry.field(
        default=None, description="The mutation's name, e.g. `createApiKey`."
    )
    outcome: AuditOutcome | None = None  # type: ignore[valid-type]
    since: dt.datetime | None = strawberry.field(
        default=None, description="From this moment on (inclusive); with a time zone."
    )
    until: dt.datetime | None = strawberry.field(
        default=None, description="Before this moment (exclusive); with a time zone."
    )

    def to_filter(self) -> AuditFilter:
        return AuditFilter(
            actor_key_id=filter_id(self.actor_key_id, "ApiKey", "actorKeyId"),
            action=self.action,
            outcome=DomainAuditOutcome(self.outcome) if self.outcome is not None else None,
            since=_aware(self.since, "since"),
            until=_aware(self.until, "until"),
        )


def _aware(moment: dt.datetime | None, field: str) -> dt.datetime | None:
    if moment is not None and moment.utcoffset() is None:
        raise ClientError(
            f'{field} needs a time zone, e.g. "2026-11-30T12:00:00Z"', ErrorCode.INVALID, field
        )
    return moment


@strawberry.type
class AccessQueries:
    @strawberry.field(description="API keys, oldest first; active keys only unless asked.")
    async def api_keys(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = DEFAULT_PAGE_SIZE,
        after: Annotated[str | None, AFTER] = None,
        include_revoked: bool | None = False,
    ) -> Connection[ApiKey]:
        request = page_request(first, after)
        page = await answer(hourbill(info).api_keys.page(request, bool(include_revoked)))
        return connection(page, ApiKey.from_domain)

    @strawberry.field(description="Every mutation: who asked for what, when, and how it ended.")
    async def audit_log(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = DEFAULT_PAGE_SIZE,
        after: Annotated[str | None, AFTER] = None,
        filter: AuditLogFilter | None = None,
    ) -> Connection[AuditEntry]:
        request = page_request(first, after)
        where = filter.to_filter() if filter is not None else AuditFilter()
        page = await answer(hourbill(info).audit_log.page(where, request))
        return connection(page, AuditEntry.from_domain)
