"""Inserting many new orders at once (generation), past the ORM unit of work.

The rows go in batches, parents first; on PostgreSQL through COPY, elsewhere
through executemany. The orders stay out of the session, so nothing is flushed twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orders import Order, OrderLine
from infrastructure.persistence.conflicts import billed_twice, is_billed_twice
from infrastructure.persistence.tables import (
    order_line_bookings,
    order_line_supplies,
    order_lines,
    orders,
)

Rows = list[dict[str, Any]]
ROWS_PER_BATCH = 10_000


class _Rows:
    """Insert rows for one table, read from the attributes named like its columns."""

    def __init__(self, table: Table, parent: str | None = None) -> None:
        self.table = table
        self.parent = parent
        self.names = [c.name for c in table.c if c.name != parent]
        self.values = attrgetter(*self.names)

    def of(self, item: object, parent_id: object = None) -> dict[str, Any]:
        row = dict(zip(self.names, self.values(item), strict=True))
        if self.parent is not None:
            row[self.parent] = parent_id
        return row


ORDERS = _Rows(orders)
LINES = _Rows(order_lines, "order_id")
BOOKING_REFS = _Rows(order_line_bookings, "line_id")
SUPPLY_REFS = _Rows(order_line_supplies, "line_id")


def _size(order: Order) -> int:
    return sum(1 + len(line.bookings) + len(line.supplies) for line in order.lines)


def batches(new_orders: Sequence[Order]) -> Iterator[list[tuple[Table, Rows]]]:
    """Rows per table, parents first, in batches of about ROWS_PER_BATCH rows."""
    batch: list[Order] = []
    size = 0
    for order in new_orders:
        batch.append(order)
        size += _size(order)
        if size >= ROWS_PER_BATCH:
            yield _rows(batch)
            batch, size = [], 0
    if batch:
        yield _rows(batch)


def _rows(batch: list[Order]) -> list[tuple[Table, Rows]]:
    lines: list[tuple[Order, OrderLine]] = [(o, line) for o in batch for line in o.lines]
    return [
        (orders, [ORDERS.of(o) for o in batch]),
        (order_lines, [LINES.of(line, o.id) for o, line in lines]),
        (order_line_bookings, [BOOKING_REFS.of(r, ln.id) for _, ln in lines for r in ln.bookings]),
        (order_line_supplies, [SUPPLY_REFS.of(r, ln.id) for _, ln in lines for r in ln.supplies]),
    ]


async def insert(session: AsyncSession, new_orders: Sequence[Order]) -> None:
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"
    write = _copy if postgres else _execute_many
    for batch in batches(new_orders):
        for table, rows in batch:
            if rows:
                await write(session, table, rows)


async def _execute_many(session: AsyncSession, table: Table, rows: Rows) -> None:
    await session.execute(table.insert(), rows)


async def _copy(session: AsyncSession, table: Table, rows: Rows) -> None:
    """COPY, PostgreSQL's fastest way in, on the unit of work's own transaction."""
    connection = await session.connection()
    driver: Any = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():
        await connection.execute(select(1))
    try:
        await driver.copy_records_to_table(
            table.name, columns=list(rows[0]), records=[tuple(row.values()) for row in rows]
        )
    except asyncpg.IntegrityConstraintViolationError as error:
        if is_billed_twice(error):
            raise billed_twice() from error
        raise IntegrityError(f"COPY {table.name}", None, error) from error
