"""Provenance rows: which bookings and supplies each order line bills.

`BookingRef` and `SupplyRef` are immutable values, not mapped entities: they are
written once, with their line (a mapper hook for lines the ORM inserts, the bulk
path for generated orders), deleted with it by the database (ON DELETE CASCADE),
and attached to loaded lines with one query per kind, however many lines.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper

from domain.orders import BookingRef, Order, OrderLine, SupplyRef
from infrastructure.persistence.tables import order_line_bookings, order_line_supplies

IN_CHUNK = 500


def booking_rows(line: OrderLine) -> list[dict[str, Any]]:
    return [
        {"line_id": line.id, "booking_id": r.booking_id, "hours": r.hours, "rate": r.rate}
        for r in line.bookings
    ]


def supply_rows(line: OrderLine) -> list[dict[str, Any]]:
    return [
        {
            "line_id": line.id,
            "supply_id": r.supply_id,
            "quantity": r.quantity,
            "unit_price": r.unit_price,
        }
        for r in line.supplies
    ]


def insert_with_line(_mapper: Mapper[Any], connection: Connection, line: OrderLine) -> None:
    """Mapper `after_insert` hook: a line's provenance goes in with the line, same flush."""
    for table, rows in (
        (order_line_bookings, booking_rows(line)),
        (order_line_supplies, supply_rows(line)),
    ):
        if rows:
            connection.execute(insert(table), rows)


async def attach(session: AsyncSession, loaded: Iterable[Order]) -> None:
    """Give freshly loaded lines their provenance (lines that have it already keep it)."""
    lines = {ln.id: ln for order in loaded for ln in order.lines if "bookings" not in ln.__dict__}
    if not lines:
        return
    bookings: dict[uuid.UUID, list[BookingRef]] = defaultdict(list)
    supplies: dict[uuid.UUID, list[SupplyRef]] = defaultdict(list)
    ids = sorted(lines)
    for chunk in (ids[i : i + IN_CHUNK] for i in range(0, len(ids), IN_CHUNK)):
        await _read(session, chunk, bookings, supplies)
    for line_id, line in lines.items():
        line.bookings = bookings.get(line_id, [])
        line.supplies = supplies.get(line_id, [])


async def _read(
    session: AsyncSession,
    line_ids: Sequence[uuid.UUID],
    bookings: dict[uuid.UUID, list[BookingRef]],
    supplies: dict[uuid.UUID, list[SupplyRef]],
) -> None:
    b, s = order_line_bookings.c, order_line_supplies.c
    booking_query = (
        select(b.line_id, b.booking_id, b.hours, b.rate)
        .where(b.line_id.in_(line_ids))
        .order_by(b.line_id, b.booking_id)
    )
    for line_id, booking_id, hours, rate in await session.execute(booking_query):
        bookings[line_id].append(BookingRef(booking_id, hours, rate))
    supply_query = (
        select(s.line_id, s.supply_id, s.quantity, s.unit_price)
        .where(s.line_id.in_(line_ids))
        .order_by(s.line_id, s.supply_id)
    )
    for line_id, supply_id, quantity, unit_price in await session.execute(supply_query):
        supplies[line_id].append(SupplyRef(supply_id, quantity, unit_price))
