"""The mirror of Exact's accounts and the sync cursors, in Core statements.

Upserts go as one executemany per call (ON CONFLICT DO UPDATE on PostgreSQL
and SQLite alike): a feed page of 1,000 accounts is one round trip, not 1,000
ORM objects.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Row, Select, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from application.exact import AccountFields, ExactAccount
from application.ports import SyncCursor
from infrastructure.persistence.tables import exact_accounts, exact_sync_cursors

IDS_PER_STATEMENT = 1000
_FIELDS = tuple(AccountFields.__dataclass_fields__)
_KEY = ("division", "account_id")


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), IDS_PER_STATEMENT):
        yield unique[start : start + IDS_PER_STATEMENT]


def _row(division: int, account: ExactAccount, timestamp: int) -> dict[str, Any]:
    # Exact's Modified is its local wall-clock time; it is kept as if it were UTC so
    # it comes back unchanged (the column only stores aware times).
    modified = account.modified.replace(tzinfo=dt.UTC) if account.modified else None
    return {
        "division": division,
        "account_id": account.account_id,
        "code": account.code,
        **{name: getattr(account.fields, name) for name in _FIELDS},
        "status": account.status,
        "modified": modified,
        "sync_timestamp": timestamp,
    }


def _account(row: Row[Any]) -> ExactAccount:
    values = row._mapping
    modified = values["modified"]
    return ExactAccount(
        account_id=values["account_id"],
        code=values["code"],
        fields=AccountFields(**{name: values[name] for name in _FIELDS}),
        status=values["status"],
        modified=modified.replace(tzinfo=None) if modified else None,
    )


def _upsert(session: AsyncSession, table: Any, key: Sequence[str]) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    replaced = {c.name: statement.excluded[c.name] for c in table.c if c.name not in key}
    return statement.on_conflict_do_update(index_elements=list(key), set_=replaced)


class SqlAlchemyExactAccountMirror:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cursor(self, name: str) -> SyncCursor | None:
        query = select(exact_sync_cursors).where(exact_sync_cursors.c.name == name)
        row = (await self.session.execute(query)).first()
        return None if row is None else SyncCursor(row.name, row.value, row.updated)

    async def save_cursor(self, name: str, value: int, updated: dt.datetime) -> None:
        statement = _upsert(self.session, exact_sync_cursors, ("name",))
        await self.session.execute(statement, [{"name": name, "value": value, "updated": updated}])

    async def upsert(self, division: int, accounts: Sequence[ExactAccount], timestamp: int) -> None:
        if accounts:
            rows = [_row(division, account, timestamp) for account in accounts]
            await self.session.execute(_upsert(self.session, exact_accounts, _KEY), rows)

    async def account(self, division: int, account_id: uuid.UUID) -> ExactAccount | None:
        found = await self.accounts(division, [account_id])
        return found[0] if found else None

    async def accounts(
        self, division: int, ids: Sequence[uuid.UUID] | None = None
    ) -> list[ExactAccount]:
        if ids is None:
            return await self._read(self._select(division))
        found: list[ExactAccount] = []
        for chunk in _chunks(ids):
            found += await self._read(
                self._select(division).where(exact_accounts.c.account_id.in_(chunk))
            )
        return sorted(found, key=lambda a: (a.code, str(a.account_id)))

    async def by_code(self, division: int, code: str) -> list[ExactAccount]:
        return await self._read(self._select(division).where(exact_accounts.c.code == code))

    async def changed_since(self, division: int, timestamp: int) -> list[ExactAccount]:
        newer = exact_accounts.c.sync_timestamp > timestamp
        return await self._read(self._select(division).where(newer))

    async def account_ids(self, division: int) -> set[uuid.UUID]:
        query = select(exact_accounts.c.account_id).where(exact_accounts.c.division == division)
        return set((await self.session.scalars(query)).all())

    async def remove(self, division: int, ids: Sequence[uuid.UUID]) -> None:
        for chunk in _chunks(ids):
            await self.session.execute(
                delete(exact_accounts).where(
                    exact_accounts.c.division == division,
                    exact_accounts.c.account_id.in_(chunk),
                )
            )

    @staticmethod
    def _select(division: int) -> Select[Any]:
        return select(exact_accounts).where(exact_accounts.c.division == division)

    async def _read(self, query: Select[Any]) -> list[ExactAccount]:
        ordered = query.order_by(exact_accounts.c.code, exact_accounts.c.account_id)
        return [_account(row) for row in await self.session.execute(ordered)]
