"""Used idempotency keys in SQL: the primary key (scope, key) lets one transaction claim a key.

A claim inserts at once. A concurrent transaction inserting the same key waits
for the first one to end (PostgreSQL: on the index entry; SQLite: for the write
lock) and then fails on the primary key when the first one committed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from application.ports import IdempotencyKeyTaken
from domain.idempotency import IdempotencyRecord
from infrastructure.persistence.tables import idempotency_keys

_K = idempotency_keys.c


def _taken(error: IntegrityError) -> bool:
    """The primary key failed, as PostgreSQL and SQLite name it."""
    text = str(error.orig)
    return "pk_idempotency_keys" in text or "UNIQUE constraint failed: idempotency_keys." in text


class SqlAlchemyIdempotencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        query = select(idempotency_keys).where(_K.scope == scope, _K.key == key)
        row = (await self.session.execute(query)).one_or_none()
        return None if row is None else IdempotencyRecord(**row._mapping)

    async def add(self, record: IdempotencyRecord, *, replacing_before: dt.datetime) -> None:
        expired = _K.created_at < replacing_before
        same_key = (_K.scope == record.scope) & (_K.key == record.key)
        await self.session.execute(delete(idempotency_keys).where(same_key, expired))
        values = {c.name: getattr(record, c.name) for c in idempotency_keys.columns}
        try:
            await self.session.execute(insert(idempotency_keys).values(values))
        except IntegrityError as error:
            if _taken(error):
                raise IdempotencyKeyTaken(record.key) from None
            raise

    async def purge(self, before: dt.datetime, limit: int) -> int:
        oldest = (
            select(_K.scope, _K.key)
            .where(_K.created_at < before)
            .order_by(_K.created_at)
            .limit(limit)
        )
        statement = delete(idempotency_keys).where(tuple_(_K.scope, _K.key).in_(oldest))
        result = await self.session.execute(statement)
        return int(result.rowcount)  # type: ignore[attr-defined]  # a CursorResult
