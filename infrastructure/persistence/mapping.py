"""Classical mapping: the pure domain classes onto the tables, without the domain knowing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, event, inspect
from sqlalchemy.orm import Relationship, registry, relationship

from domain.bookings import HourBooking, Supply
from domain.customers import Customer
from domain.exact_mapping import LineMapping
from domain.invoices import Invoice, InvoiceHistoryEntry, InvoiceRun
from domain.orders import Order, OrderLine
from domain.rates import RateRule
from domain.settings import InvoicingSettings
from domain.vat import VatCode
from domain.work import Employee, Project, Task
from infrastructure.persistence import provenance, tables

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
        (LineMapping, tables.exact_line_mappings),
        (Invoice, tables.invoices),
        (InvoiceRun, tables.invoice_runs),
        (InvoiceHistoryEntry, tables.invoice_history),
    ]
    for cls, table in plain:
        mapper_registry.map_imperatively(cls, table)
    _map_orders()


def _map_orders() -> None:
    """Orders own their lines and load them with the order; provenance is not mapped.

    A line's BookingRef and SupplyRef values are written by `provenance` with the
    line and attached by the order repository after loading.
    """
    mapper_registry.map_imperatively(
        OrderLine,
        tables.order_lines,
        properties={"_order_id": tables.order_lines.c.order_id},
    )
    event.listen(OrderLine, "after_insert", provenance.insert_with_line)
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
