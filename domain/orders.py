"""Orders: draft invoices per customer, with lines that know what they bill."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from domain.bookings import checked_date
from domain.errors import ErrorCode, HourbillError, Problems
from domain.money import HUNDRED, ZERO, checked_decimal, line_amount, round_money
from domain.vat import VatLine, vat_breakdown


class OrderStatus(StrEnum):
    DRAFT = "DRAFT"
    INVOICED = "INVOICED"


class LineKind(StrEnum):
    HOURS = "HOURS"
    SUPPLY = "SUPPLY"
    MANUAL = "MANUAL"


@dataclass(frozen=True, slots=True)
class BookingRef:
    """Provenance: one booking billed on a line, with the hours and rate it was priced at.

    A value: fixed when the line is made, gone when the line is deleted.
    """

    booking_id: uuid.UUID
    hours: Decimal
    rate: Decimal

    @property
    def amount(self) -> Decimal:
        return self.hours * self.rate


@dataclass(frozen=True, slots=True)
class SupplyRef:
    """Provenance: one supply billed on a line, with the quantity and price it was priced at."""

    supply_id: uuid.UUID
    quantity: Decimal
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(eq=False)
class OrderLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_code: str
    vat_rate: Decimal
    unit: str = "pc"
    item_code: str | None = None
    discount_percent: Decimal = ZERO
    kind: LineKind = LineKind.MANUAL
    project_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    position: int = 0
    bookings: list[BookingRef] = field(default_factory=list)
    supplies: list[SupplyRef] = field(default_factory=list)
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        problems = Problems()
        if not self.description.strip():
            problems.add(ErrorCode.REQUIRED, "description is required", "description")
        if not self.vat_code.strip():
            problems.add(ErrorCode.REQUIRED, "vatCode is required", "vatCode")
        for name, attr, places, minimum, maximum in (
            ("quantity", "quantity", 4, None, None),
            ("unitPrice", "unit_price", 4, None, None),
            ("discountPercent", "discount_percent", 2, ZERO, HUNDRED),
        ):
            try:
                value = checked_decimal(
                    getattr(self, attr), name, places=places, minimum=minimum, maximum=maximum
                )
                setattr(self, attr, value)
            except HourbillError as error:
                problems.extend(error)
        if self.quantity == ZERO:
            problems.add(ErrorCode.OUT_OF_RANGE, "quantity must not be 0", "quantity")
        problems.raise_if_any()

    @property
    def amount(self) -> Decimal:
        return line_amount(self.quantity, self.unit_price, self.discount_percent)

    @property
    def booking_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(ref.booking_id for ref in self.bookings)

    @property
    def supply_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(ref.supply_id for ref in self.supplies)

    @property
    def source_amount(self) -> Decimal:
        """What the line's bookings and supplies are worth, rounded like a line."""
        return round_money(
            sum((r.amount for r in self.bookings), ZERO)
            + sum((r.amount for r in self.supplies), ZERO)
        )


@dataclass(frozen=True)
class OrderTotals:
    subtotal: Decimal
    vat: tuple[VatLine, ...]
    vat_total: Decimal
    total: Decimal


@dataclass(eq=False)
class Order:
    """A draft invoice for one customer. Editable until it is invoiced."""

    customer_id: uuid.UUID
    order_date: dt.date
    description: str = ""
    reference: str | None = None
    project_id: uuid.UUID | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    status: OrderStatus = OrderStatus.DRAFT
    number: int | None = None
    lines: list[OrderLine] = field(default_factory=list)
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        self.validate_header()

    def validate_header(self) -> None:
        problems = Problems()
        try:
            checked_date(self.order_date, "orderDate")
        except HourbillError as error:
            problems.extend(error)
        if (
            self.period_start is not None
            and self.period_end is not None
            and self.period_end < self.period_start
        ):
            problems.add(ErrorCode.INVALID, "period end lies before its start", "periodEnd")
        if self.reference is not None and len(self.reference) > 255:
            problems.add(ErrorCode.OUT_OF_RANGE, "reference is at most 255 characters", "reference")
        problems.raise_if_any()

    # -- locking -------------------------------------------------------------

    @property
    def editable(self) -> bool:
        return self.status is OrderStatus.DRAFT

    def ensure_editable(self, field: str = "id") -> None:
        if not self.editable:
            raise HourbillError.single(
                ErrorCode.LOCKED,
                f"order {self.number} is {self.status.value.lower()} and can no longer be changed",
                field,
            )

    def mark_invoiced(self) -> None:
        """Locked from now on: the order has become an invoice."""
        self.ensure_editable()
        self.status = OrderStatus.INVOICED

    # -- lines ---------------------------------------------------------------

    def add_line(self, line: OrderLine) -> OrderLine:
        self.ensure_editable()
        line.position = len(self.lines) + 1
        self.lines.append(line)
        return line

    def line(self, line_id: uuid.UUID) -> OrderLine:
        for line in self.lines:
            if line.id == line_id:
                return line
        raise HourbillError.single(
            ErrorCode.NOT_FOUND, f"order {self.number} has no line {line_id}", "lineId"
        )

    def remove_line(self, line_id: uuid.UUID) -> OrderLine:
        self.ensure_editable()
        line = self.line(line_id)
        self.lines.remove(line)
        self._renumber()
        return line

    def _renumber(self) -> None:
        for position, line in enumerate(self.lines, start=1):
            line.position = position

    # -- provenance and totals ----------------------------------------------

    @property
    def booking_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(b for line in self.lines for b in line.booking_ids)

    @property
    def supply_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(s for line in self.lines for s in line.supply_ids)

    def totals(self) -> OrderTotals:
        subtotal = sum((line.amount for line in self.lines), ZERO)
        vat = tuple(vat_breakdown((ln.vat_code, ln.vat_rate, ln.amount) for ln in self.lines))
        vat_total = sum((v.amount for v in vat), ZERO)
        return OrderTotals(subtotal, vat, vat_total, subtotal + vat_total)

    # -- merging -------------------------------------------------------------

    def absorb(self, others: list[Order]) -> None:
        """Move the lines of other orders of the same customer onto this one."""
        problems = Problems()
        for order in [self, *others]:
            if not order.editable:
                problems.add(
                    ErrorCode.LOCKED, f"order {order.number} is no longer a draft", "orderIds"
                )
        if any(o.customer_id != self.customer_id for o in others):
            problems.add(
                ErrorCode.CUSTOMER_MISMATCH,
                "only orders of the same customer can be merged",
                "orderIds",
            )
        if any(o is self or o.id == self.id for o in others):
            problems.add(ErrorCode.DUPLICATE, "an order cannot be merged into itself", "orderIds")
        problems.raise_if_any()
        for order in others:
            self.lines.extend(order.lines)
            order.lines = []
            if self.project_id != order.project_id:
                self.project_id = None
            self.period_start = _earliest(self.period_start, order.period_start)
            self.period_end = _latest(self.period_end, order.period_end)
        self._renumber()


def _earliest(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return min(d for d in (a, b) if d is not None) if (a or b) else None


def _latest(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return max(d for d in (a, b) if d is not None) if (a or b) else None
