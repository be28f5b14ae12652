"""API keys and the audit log in SQL (Core statements on the unit of work's session)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from application.access import AuditFilter
from application.ports import MAX_PAGE_SIZE, Page, PageRequest
from domain.access import ApiKey, Role
from domain.audit import AuditEntry, AuditOutcome
from domain.errors import ErrorCode, HourbillError
from infrastructure.persistence.tables import api_keys, audit_log

_K = api_keys.c
_A = audit_log.c


def _key(row: Row[Any]) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        prefix=row.prefix,
        digest=row.digest,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def _key_values(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "role": key.role,
        "prefix": key.prefix,
        "digest": key.digest,
        "created_at": key.created_at,
        "created_by": key.created_by,
        "revoked_at": key.revoked_at,
        "last_used_at": key.last_used_at,
    }


def _cursor(parts: Sequence[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps([str(p) for p in parts]).encode()).decode()


def _after(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        ms, ident = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return dt.datetime.fromtimestamp(int(ms) / 1000, tz=dt.UTC), uuid.UUID(ident)
    except (ValueError, TypeError):
        raise HourbillError.single(
            ErrorCode.INVALID, "`after` is not a cursor of this list", "after"
        ) from None


def _ms(value: dt.datetime) -> int:
    return round(value.timestamp() * 1000)


async def _page(
    session: AsyncSession,
    table_columns: Any,
    conditions: list[ColumnElement[bool]],
    at: Any,
    ident: Any,
    request: PageRequest,
    *,
    newest_first: bool,
) -> tuple[list[Row[Any]], bool, int]:
    """Keyset pagination on (time, id), either way round."""
    limit = max(0, min(request.first, MAX_PAGE_SIZE))
    total = await session.scalar(select(func.count()).select_from(table_columns).where(*conditions))
    query = select(table_columns).where(*conditions)
    if request.after is not None:
        moment, last = _after(request.after)
        beyond = (at < moment) if newest_first else (at > moment)
        tie = (ident < last) if newest_first else (ident > last)
        query = query.where(or_(beyond, and_(at == moment, tie)))
    order = (at.desc(), ident.desc()) if newest_first else (at.asc(), ident.asc())
    rows = list((await session.execute(query.order_by(*order).limit(limit + 1))).all())
    return rows[:limit], len(rows) > limit, total or 0


class SqlAlchemyApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _one(self, *conditions: ColumnElement[bool]) -> ApiKey | None:
        row = (await self.session.execute(select(api_keys).where(*conditions))).first()
        return _key(row) if row else None

    async def add(self, key: ApiKey) -> None:
        await self.session.execute(insert(api_keys).values(**_key_values(key)))

    async def save(self, key: ApiKey) -> None:
        await self.session.execute(
            update(api_keys).where(_K.id == key.id).values(**_key_values(key))
        )

    async def get(self, key_id: uuid.UUID) -> ApiKey | None:
        return await self._one(_K.id == key_id)

    async def by_prefix(self, prefix: str) -> ApiKey | None:
        return await self._one(_K.prefix == prefix)

    async def active_by_name(self, name: str) -> ApiKey | None:
        return await self._one(_K.name == name, _K.revoked_at.is_(None))

    async def any_active(self) -> bool:
        found = await self.session.scalar(select(_K.id).where(_K.revoked_at.is_(None)).limit(1))
        return found is not None

    async def page(self, request: PageRequest, include_revoked: bool) -> Page[ApiKey]:
        conditions = [] if include_revoked else [_K.revoked_at.is_(None)]
        rows, more, total = await _page(
            self.session, api_keys, conditions, _K.created_at, _K.id, request, newest_first=False
        )
        keys = [_key(row) for row in rows]
        return Page(
            edges=[(_cursor((_ms(k.created_at), k.id)), k) for k in keys],
            has_next_page=more,
            has_previous_page=request.after is not None,
            total_count=total,
        )


def _entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        action=row.action,
        actor_key_id=row.actor_key_id,
        actor_name=row.actor_name,
        actor_role=Role(row.actor_role) if row.actor_role else None,
        arguments=row.arguments,
        outcome=AuditOutcome(row.outcome),
        error_codes=tuple(code for code in row.error_codes.split(",") if code),
        correlation_id=row.correlation_id,
        finished_at=row.finished_at,
    )


def _entry_values(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at,
        "action": entry.action,
        "actor_key_id": entry.actor_key_id,
        "actor_name": entry.actor_name,
        "actor_role": entry.actor_role,
        "arguments": entry.arguments,
        "outcome": entry.outcome,
        "error_codes": ",".join(entry.error_codes),
        "correlation_id": entry.correlation_id,
        "finished_at": entry.finished_at,
    }


def _audit_conditions(where: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.actor_key_id is not None:
        conditions.append(_A.actor_key_id == where.actor_key_id)
    if where.action is not None:
        conditions.append(_A.action == where.action)
    if where.outcome is not None:
        conditions.append(_A.outcome == where.outcome)
    if where.since is not None:
        conditions.append(_A.at >= where.since)
    if where.until is not None:
        conditions.append(_A.at < where.until)
    return conditions


class SqlAlchemyAuditLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, entry: AuditEntry) -> None:
        await self.session.execute(insert(audit_log).values(**_entry_values(entry)))

    async def save(self, entry: AuditEntry) -> None:
        await self.session.execute(
            update(audit_log).where(_A.id == entry.id).values(**_entry_values(entry))
        )

    async def page(self, where: AuditFilter, request: PageRequest) -> Page[AuditEntry]:
        rows, more, total = await _page(
            self.session,
            audit_log,
            _audit_conditions(where),
            _A.at,
            _A.id,
            request,
            newest_first=True,
        )
        entries = [_entry(row) for row in rows]
        return Page(
            edges=[(_cursor((_ms(e.at), e.id)), e) for e in entries],
            has_next_page=more,
            has_previous_page=request.after is not None,
            total_count=total,
        )
