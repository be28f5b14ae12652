"""What the printed documents hold: the (concept) invoice and the specification report.

These are plain values built from an order and what it bills; a renderer
(a port in application/, an adapter in infrastructure/) only lays them out.
Every amount here comes from the order itself, so a document can never show
totals that differ from the order's:

- the invoice's lines, VAT per rate and total are the order's `totals()`;
- the specification lists, per order line, the bookings and supplies on it at
  the hours, rates and prices they were billed at (the provenance), and closes
  each line with the line's own amount. When that differs from what its sources
  add up to (a discount, an edited price or quantity, a manual line), the
  difference is shown as its own row, so every subtotal adds up on paper and
  the grand total equals the order's subtotal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.bookings import HourBooking, Supply
from domain.customers import Customer, Language
from domain.money import ZERO, round_money
from domain.orders import Order, OrderLine
from domain.settings import CompanyDetails, InvoicingSettings
from domain.vat import VatLine
from domain.work import Employee, Project, Task

MAX_BATCH = 200
"""Orders printed in one PDF at most: a page of orders, with room to spare."""


class DocumentKind(StrEnum):
    CONCEPT_INVOICE = "CONCEPT_INVOICE"
    """The invoice as it will look, marked as a concept (an order, before Exact)."""
    INVOICE = "INVOICE"
    """The same layout without the concept mark: what is attached in Exact."""
    SPECIFICATION = "SPECIFICATION"


@dataclass(frozen=True, slots=True)
class Addressee:
    """A name with its postal lines, as printed in an address block."""

    name: str
    lines: tuple[str, ...] = ()
    vat_number: str | None = None

    @classmethod
    def of_customer(cls, customer: Customer) -> Addressee:
        place = " ".join(p for p in (customer.postcode, customer.city) if p)
        lines = [line for line in (customer.address_line, place) if line]
        if customer.country != "NL":
            lines.append(customer.country)
        return cls(customer.name, tuple(lines), customer.vat_number)


@dataclass(frozen=True, slots=True)
class DocumentHeader:
    """What both documents print at the top: who, to whom, which order, when."""

    language: Language
    company: CompanyDetails
    customer: Addressee
    customer_code: str
    order_number: int
    order_date: dt.date
    description: str
    reference: str | None
    """The customer's own reference on the order (printed as "your reference")."""
    period_start: dt.date | None
    period_end: dt.date | None
    invoice_reference: str | None = None
    """Hourbill's reference in Exact (YourRef) once the order is invoiced."""
    exact_order_number: int | None = None
    invoice_number: int | None = None
    """Exact's final invoice number, once processed."""

    @property
    def payment_reference(self) -> str:
        """What the customer quotes when paying: the best number known so far."""
        if self.invoice_number is not None:
            return str(self.invoice_number)
        return self.invoice_reference or str(self.order_number)


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    position: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    amount: Decimal
    vat_rate: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    """A concept invoice (or, unmarked, the invoice attached in Exact)."""

    kind: DocumentKind
    header: DocumentHeader
    lines: tuple[InvoiceLine, ...]
    subtotal: Decimal
    vat: tuple[VatLine, ...]
    vat_total: Decimal
    total: Decimal
    payment_term_days: int

    @property
    def due_date(self) -> dt.date:
        return self.header.order_date + dt.timedelta(days=self.payment_term_days)

    @property
    def is_concept(self) -> bool:
        return self.kind is DocumentKind.CONCEPT_INVOICE


@dataclass(frozen=True, slots=True)
class BookingRow:
    date: dt.date
    employee: str
    project: str
    task: str
    description: str
    hours: Decimal
    rate: Decimal
    amount: Decimal
    """hours × rate, rounded to cents for print (the line total rounds the exact sum)."""


@dataclass(frozen=True, slots=True)
class SupplyRow:
    date: dt.date
    item_code: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class SpecificationLine:
    """One invoice line and what it bills."""

    position: int
    description: str
    project: str | None
    bookings: tuple[BookingRow, ...]
    supplies: tuple[SupplyRow, ...]
    discount_percent: Decimal
    adjustment: Decimal
    """line amount − what the printed rows add up to; a row of its own when not zero."""
    amount: Decimal
    """The invoice line's amount (excl. VAT): the line's subtotal."""

    @property
    def hours(self) -> Decimal:
        return sum((b.hours for b in self.bookings), ZERO)

    @property
    def has_sources(self) -> bool:
        return bool(self.bookings or self.supplies)


@dataclass(frozen=True, slots=True)
class ProjectSubtotal:
    project: str | None
    """None: lines that belong to no project."""
    hours: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class SpecificationReport:
    header: DocumentHeader
    lines: tuple[SpecificationLine, ...]
    projects: tuple[ProjectSubtotal, ...]
    subtotal: Decimal
    """Equals the order's subtotal (excl. VAT): the sum of the line amounts."""
    vat_total: Decimal
    total: Decimal

    @property
    def hours(self) -> Decimal:
        return sum((line.hours for line in self.lines), ZERO)

    @property
    def booking_count(self) -> int:
        return sum(len(line.bookings) for line in self.lines)


Document = InvoiceDocument | SpecificationReport


@dataclass(frozen=True)
class InvoiceNumbers:
    """What is known of an order's invoice in Exact, for the header."""

    reference: str | None = None
    exact_order_number: int | None = None
    invoice_number: int | None = None


@dataclass(frozen=True)
class OrderSources:
    """Everything a specification needs besides the order: its bookings, supplies and names.

    Bookings or supplies that no longer exist (they cannot be deleted while
    billed, but data imported from elsewhere might lack them) still print from
    their provenance, with what is unknown left blank.
    """

    bookings: Mapping[uuid.UUID, HourBooking]
    supplies: Mapping[uuid.UUID, Supply]
    employees: Mapping[uuid.UUID, Employee]
    projects: Mapping[uuid.UUID, Project]
    tasks: Mapping[uuid.UUID, Task]


def document_header(
    order: Order,
    customer: Customer,
    settings: InvoicingSettings,
    numbers: InvoiceNumbers | None = None,
    language: Language | None = None,
) -> DocumentHeader:
    assert order.number is not None, "documents are printed for numbered orders"
    numbers = numbers or InvoiceNumbers()
    return DocumentHeader(
        language=language or customer.language,
        company=settings.company,
        customer=Addressee.of_customer(customer),
        customer_code=customer.code,
        order_number=order.number,
        order_date=order.order_date,
        description=order.description,
        reference=order.reference,
        period_start=order.period_start,
        period_end=order.period_end,
        invoice_reference=numbers.reference,
        exact_order_number=numbers.exact_order_number,
        invoice_number=numbers.invoice_number,
    )


def invoice_document(
    header: DocumentHeader, order: Order, settings: InvoicingSettings, *, concept: bool = True
) -> InvoiceDocument:
    totals = order.totals()
    return InvoiceDocument(
        kind=DocumentKind.CONCEPT_INVOICE if concept else DocumentKind.INVOICE,
        header=header,
        lines=tuple(
            InvoiceLine(
                position=line.position,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                amount=line.amount,
                vat_rate=line.vat_rate,
            )
            for line in order.lines
        ),
        subtotal=totals.subtotal,
        vat=totals.vat,
        vat_total=totals.vat_total,
        total=totals.total,
        payment_term_days=settings.payment_term_days,
    )


def specification_report(
    header: DocumentHeader, order: Order, sources: OrderSources
) -> SpecificationReport:
    lines = tuple(_specification_line(line, sources) for line in order.lines)
    totals = order.totals()
    return SpecificationReport(
        header=header,
        lines=lines,
        projects=_per_project(lines),
        subtotal=totals.subtotal,
        vat_total=totals.vat_total,
        total=totals.total,
    )


def _name(names: Mapping[uuid.UUID, Employee | Project | Task], key: uuid.UUID | None) -> str:
    if key is None:
        return ""
    found = names.get(key)
    return found.name if found is not None else ""


def _specification_line(line: OrderLine, sources: OrderSources) -> SpecificationLine:
    bookings = []
    for ref in line.bookings:
        booking = sources.bookings.get(ref.booking_id)
        bookings.append(
            BookingRow(
                date=booking.date if booking else dt.date.min,
                employee=_name(sources.employees, booking.employee_id) if booking else "",
                project=_name(sources.projects, booking.project_id) if booking else "",
                task=_name(sources.tasks, booking.task_id) if booking else "",
                description=booking.description if booking else "",
                hours=ref.hours,
                rate=ref.rate,
                amount=round_money(ref.amount),
            )
        )
    supplies = []
    for sref in line.supplies:
        supply = sources.supplies.get(sref.supply_id)
        supplies.append(
            SupplyRow(
                date=supply.date if supply else dt.date.min,
                item_code=supply.item_code if supply else "",
                description=supply.description if supply else "",
                quantity=sref.quantity,
                unit=supply.unit if supply else "",
                unit_price=sref.unit_price,
                amount=round_money(sref.amount),
            )
        )
    bookings.sort(key=lambda b: (b.date, b.employee))
    supplies.sort(key=lambda s: (s.date, s.item_code))
    printed = sum((b.amount for b in bookings), ZERO) + sum((s.amount for s in supplies), ZERO)
    has_sources = bool(bookings or supplies)
    return SpecificationLine(
        position=line.position,
        description=line.description,
        project=_name(sources.projects, line.project_id) or None,
        bookings=tuple(bookings),
        supplies=tuple(supplies),
        discount_percent=line.discount_percent,
        adjustment=line.amount - printed if has_sources else ZERO,
        amount=line.amount,
    )


def _per_project(lines: tuple[SpecificationLine, ...]) -> tuple[ProjectSubtotal, ...]:
    hours: dict[str | None, Decimal] = {}
    amounts: dict[str | None, Decimal] = {}
    for line in lines:
        hours[line.project] = hours.get(line.project, ZERO) + line.hours
        amounts[line.project] = amounts.get(line.project, ZERO) + line.amount
    ordered = sorted(amounts, key=lambda p: (p is None, p or ""))
    return tuple(ProjectSubtotal(p, hours[p], amounts[p]) for p in ordered)
