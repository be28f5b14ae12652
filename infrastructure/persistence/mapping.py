"""Classical mapping: the pure domain classes onto the tables, without the domain knowing."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm import registry, relationship

from domain.bookings import HourBooking, Supply
from domain.customers import Customer
from domain.orders import BookingRef, Order, OrderLine, SupplyRef
from domain.rates import RateRule
from domain.settings import InvoicingSettings
from domain.vat import VatCode
from domain.work import Employee, Project, Task
from infrastructure.persistence import tables

mapper_registry = registry()

OWNED = "all, delete-orphan"


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
    refs = tables.order_line_bookings, tables.order_line_supplies
    mapper_registry.map_imperatively(
        BookingRef, refs[0], properties={"_line_id": refs[0].c.line_id}
    )
    mapper_registry.map_imperatively(SupplyRef, refs[1], properties={"_line_id": refs[1].c.line_id})
    mapper_registry.map_imperatively(
        OrderLine,
        tables.order_lines,
        properties={
            "_order_id": tables.order_lines.c.order_id,
            "bookings": relationship(
                BookingRef,
                lazy="selectin",
                cascade=OWNED,
                passive_deletes=True,
                order_by=refs[0].c.booking_id,
            ),
            "supplies": relationship(
                SupplyRef,
                lazy="selectin",
                cascade=OWNED,
                passive_deletes=True,
                order_by=refs[1].c.supply_id,
            ),
        },
    )
    mapper_registry.map_imperatively(
        Order,
        tables.orders,
        properties={
            "lines": relationship(
                OrderLine,
                lazy="selectin",
                cascade=OWNED,
                passive_deletes=True,
                order_by=tables.order_lines.c.position,
            )
        },
    )
