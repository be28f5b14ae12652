"""Rows for inserting many new orders at once, bypassing the ORM unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table

from domain.orders import Order
from infrastructure.persistence.tables import (
    order_line_bookings,
    order_line_supplies,
    order_lines,
    orders,
)

Rows = list[dict[str, Any]]


def _attributes(table: Table, parent_key: str | None = None) -> list[str]:
    return [column.name for column in table.c if column.name != parent_key]


ORDER = _attributes(orders)
LINE = _attributes(order_lines, "order_id")
BOOKING_REF = _attributes(order_line_bookings, "line_id")
SUPPLY_REF = _attributes(order_line_supplies, "line_id")


def order_rows(new_orders: Sequence[Order]) -> list[tuple[Table, Rows]]:
    """Insert rows per table, parents before children."""
    order_rows: Rows = []
    line_rows: Rows = []
    booking_rows: Rows = []
    supply_rows: Rows = []
    for order in new_orders:
        order_rows.append({name: getattr(order, name) for name in ORDER})
        for line in order.lines:
            line_rows.append({"order_id": order.id} | {n: getattr(line, n) for n in LINE})
            booking_rows.extend(
                {"line_id": line.id} | {n: getattr(ref, n) for n in BOOKING_REF}
                for ref in line.bookings
            )
            supply_rows.extend(
                {"line_id": line.id} | {n: getattr(ref, n) for n in SUPPLY_REF}
                for ref in line.supplies
            )
    return [
        (orders, order_rows),
        (order_lines, line_rows),
        (order_line_bookings, booking_rows),
        (order_line_supplies, supply_rows),
    ]
