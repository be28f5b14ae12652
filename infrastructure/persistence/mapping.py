"""Classical mapping: the pure domain classes onto the tables, without the domain knowing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, inspect
from sqlalchemy.orm import Relationship, registry, relationship

from domain.bookings import HourBooking, Supply
from domain.customers import Customer
from domain.orders import BookingRef, Order, OrderLine, SupplyRef
from domain.rates import RateRule
from domain.settings import InvoicingSettings
from domain.vat import VatCode
from domain.work import Employee, Project, Task
from infrastructure.persistence import tables

mapper_registry = registry()


def map_tables() -> None:
    """Map every domain class once; later calls do nothing."""
    if inspect(Order, raiseerr=False) is not None:
        return
    plain = [
        (Customer, tables.customers),
        (Employee, tables.employees),
        (Project, tables.projects),
        (Task, tables.tasks),
        (HourBooking, tables.bookings),
        (Supply, tables.supplies),
        (RateRule, tables.rate_rules),
        (VatCode, tables.vat_codes),
        (InvoicingSettings, tables.invoicing_settings),
    ]
    for cls, table in plain:
        mapper_registry.map_imperatively(cls, table)
    _map_orders()


def _map_orders() -> None:
    """Orders own their lines, lines own their provenance; all of it loads with the order."""
    booking_refs, supply_refs = tables.order_line_bookings, tables.order_line_supplies
    mapper_registry.map_imperatively(
        BookingRef, booking_refs, properties={"_line_id": booking_refs.c.line_id}
    )
    mapper_registry.map_imperatively(
        SupplyRef, supply_refs, properties={"_line_id": supply_refs.c.line_id}
    )
    mapper_registry.map_imperatively(
        OrderLine,
        tables.order_lines,
        properties={
            "_order_id": tables.order_lines.c.order_id,
            "bookings": _owned(BookingRef, booking_refs.c.booking_id),
            "supplies": _owned(SupplyRef, supply_refs.c.supply_id),
        },
    )
    mapper_registry.map_imperatively(
        Order,
        tables.orders,
        properties={"lines": _owned(OrderLine, tables.order_lines.c.position)},
    )


def _owned(cls: type, order_by: ColumnElement[Any]) -> Relationship[Any]:
    """Children saved and deleted with their parent, loaded in one query per level."""
    return relationship(
        cls,
        lazy="selectin",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=order_by,
    )
