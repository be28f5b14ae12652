"""The SQL repository of per-line Exact mappings (`exact_line_mappings`)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ErrorCode, HourbillError
from domain.exact_mapping import LineMapping, MappingScope
from infrastructure.persistence.tables import exact_line_mappings as table


class SqlAlchemyLineMappingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> list[LineMapping]:
        query = select(LineMapping).order_by(table.c.scope, table.c.key)
        return list((await self.session.scalars(query)).all())

    async def get(self, mapping_id: uuid.UUID) -> LineMapping | None:
        return await self.session.get(LineMapping, mapping_id)

    async def by_scope_key(self, scope: MappingScope, key: str) -> LineMapping | None:
        query = select(LineMapping).where(table.c.scope == scope, table.c.key == key).limit(1)
        return (await self.session.scalars(query)).first()

    async def add(self, mapping: LineMapping) -> None:
        """Insert now, so a (scope, key) taken meanwhile is a DUPLICATE, not a failed commit."""
        self.session.add(mapping)
        try:
            await self.session.flush()
        except IntegrityError:
            raise HourbillError.single(
                ErrorCode.DUPLICATE,
                f"{mapping.scope} {mapping.key} was mapped meanwhile; try again",
                "key",
            ) from None

    async def delete(self, mapping: LineMapping) -> None:
        await self.session.delete(mapping)
