"""Orders, their lines, VAT breakdown and provenance (which bookings and supplies a line bills)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, TypedDict

import strawberry

from domain.orders import BookingRef as DomainBookingRef
from domain.orders import LineKind as DomainLineKind
from domain.orders import Order as DomainOrder
from domain.orders import OrderLine as DomainOrderLine
from domain.orders import SupplyRef as DomainSupplyRef
from domain.vat import VatLine as DomainVatLine
from interfaces.graphql.context import Info, loaders
from interfaces.graphql.ids import global_id
from interfaces.graphql.loaders import load_as
from interfaces.graphql.relay import Node
from interfaces.graphql.types.customers import Customer
from interfaces.graphql.types.enums import LineKind, OrderStatus
from interfaces.graphql.types.sources import Booking, Supply
from interfaces.graphql.types.work import Project, Task
from interfaces.graphql.urls import document_urls

if TYPE_CHECKING:
    from interfaces.graphql.types.invoices import Invoice


@strawberry.type(description="One booking billed on a line, at the hours and rate it was priced.")
class BookingRef:
    hours: Decimal
    rate: Decimal
    amount: Decimal = strawberry.field(description="hours × rate, not rounded.")
    booking_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def booking(self, info: Info) -> Booking | None:
        return await load_as(loaders(info).booking, self.booking_id, Booking.from_domain)

    @classmethod
    def from_domain(cls, ref: DomainBookingRef) -> BookingRef:
        return cls(hours=ref.hours, rate=ref.rate, amount=ref.amount, booking_id=ref.booking_id)


@strawberry.type(
    description="One supply billed on a line, at the quantity and price it was priced."
)
class SupplyRef:
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal = strawberry.field(description="quantity × unit price, not rounded.")
    supply_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def supply(self, info: Info) -> Supply | None:
        return await load_as(loaders(info).supply, self.supply_id, Supply.from_domain)

    @classmethod
    def from_domain(cls, ref: DomainSupplyRef) -> SupplyRef:
        return cls(
            quantity=ref.quantity,
            unit_price=ref.unit_price,
            amount=ref.amount,
            supply_id=ref.supply_id,
        )


@strawberry.type(description="VAT for one code and rate: rounded once over the sum of its lines.")
class VatLine:
    vat_code: str
    rate: Decimal
    base: Decimal
    amount: Decimal

    @classmethod
    def from_domain(cls, line: DomainVatLine) -> VatLine:
        return cls(vat_code=line.vat_code, rate=line.rate, base=line.base, amount=line.amount)


@strawberry.type
class LineFields:
    """What an order line and a planned line share."""

    position: int
    kind: LineKind  # type: ignore[valid-type]
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    item_code: str | None
    vat_code: str
    vat_rate: Decimal
    amount: Decimal = strawberry.field(description="Net amount, rounded to cents once.")
    booking_count: int
    supply_count: int
    project_id: strawberry.Private[uuid.UUID | None]
    task_id: strawberry.Private[uuid.UUID | None]
    source: strawberry.Private[DomainOrderLine]

    @strawberry.field(description="The bookings this line bills (provenance).")
    def bookings(self) -> list[BookingRef]:
        return [BookingRef.from_domain(ref) for ref in self.source.bookings]

    @strawberry.field(description="The supplies this line bills (provenance).")
    def supplies(self) -> list[SupplyRef]:
        return [SupplyRef.from_domain(ref) for ref in self.source.supplies]

    @strawberry.field
    async def project(self, info: Info) -> Project | None:
        return await load_as(loaders(info).project, self.project_id, Project.from_domain)

    @strawberry.field
    async def task(self, info: Info) -> Task | None:
        return await load_as(loaders(info).task, self.task_id, Task.from_domain)


class LineValues(TypedDict):
    position: int
    kind: DomainLineKind
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    item_code: str | None
    vat_code: str
    vat_rate: Decimal
    amount: Decimal
    booking_count: int
    supply_count: int
    project_id: uuid.UUID | None
    task_id: uuid.UUID | None
    source: DomainOrderLine


def line_fields(line: DomainOrderLine) -> LineValues:
    return {
        "position": line.position,
        "kind": line.kind,
        "description": line.description,
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": line.unit_price,
        "discount_percent": line.discount_percent,
        "item_code": line.item_code,
        "vat_code": line.vat_code,
        "vat_rate": line.vat_rate,
        "amount": line.amount,
        "booking_count": len(line.bookings),
        "supply_count": len(line.supplies),
        "project_id": line.project_id,
        "task_id": line.task_id,
        "source": line,
    }


@strawberry.type(description="A line of an order, with the bookings and supplies it bills.")
class OrderLine(LineFields):
    id: strawberry.ID

    @classmethod
    def from_domain(cls, line: DomainOrderLine) -> OrderLine:
        return cls(id=strawberry.ID(global_id("OrderLine", line.id)), **line_fields(line))


@strawberry.type
class OrderFields:
    """What an order and a planned order share."""

    order_date: dt.date
    description: str
    reference: str | None
    period_start: dt.date | None
    period_end: dt.date | None
    subtotal: Decimal
    vat: list[VatLine] = strawberry.field(description="VAT per code and rate.")
    vat_total: Decimal
    total: Decimal
    booking_count: int
    supply_count: int
    customer_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await load_as(loaders(info).customer, self.customer_id, Customer.from_domain)

    @strawberry.field(description="Set when all lines are for one project.")
    async def project(self, info: Info) -> Project | None:
        return await load_as(loaders(info).project, self.project_id, Project.from_domain)


class OrderValues(TypedDict):
    order_date: dt.date
    description: str
    reference: str | None
    period_start: dt.date | None
    period_end: dt.date | None
    subtotal: Decimal
    vat: list[VatLine]
    vat_total: Decimal
    total: Decimal
    booking_count: int
    supply_count: int
    customer_id: uuid.UUID
    project_id: uuid.UUID | None


def order_fields(order: DomainOrder) -> OrderValues:
    totals = order.totals()
    return {
        "order_date": order.order_date,
        "description": order.description,
        "reference": order.reference,
        "period_start": order.period_start,
        "period_end": order.period_end,
        "subtotal": totals.subtotal,
        "vat": [VatLine.from_domain(v) for v in totals.vat],
        "vat_total": totals.vat_total,
        "total": totals.total,
        "booking_count": len(order.booking_ids),
        "supply_count": len(order.supply_ids),
        "customer_id": order.customer_id,
        "project_id": order.project_id,
    }


@strawberry.type(description="A draft invoice for one customer; editable until invoiced.")
class Order(Node, OrderFields):
    number: int | None
    status: OrderStatus  # type: ignore[valid-type]
    source: strawberry.Private[DomainOrder]

    @strawberry.field
    def lines(self) -> list[OrderLine]:
        return [OrderLine.from_domain(line) for line in self.source.lines]

    @strawberry.field(description="The invoice made of this order; null while a draft.")
    async def invoice(
        self, info: Info
    ) -> Annotated[Invoice, strawberry.lazy("interfaces.graphql.types.invoices")] | None:
        from interfaces.graphql.types.invoices import Invoice

        found = await loaders(info).invoicing.of_order.load(self.source.id)
        return None if found is None else Invoice.from_domain(found)

    @strawberry.field(
        description="The concept invoice as PDF (GET; `?language=nl|en`, `?download=1`)."
    )
    def concept_invoice_url(self, info: Info) -> str:
        return document_urls(info).order_concept_invoice(self.source.id)

    @strawberry.field(
        description="The specification report as PDF (GET; `?language=nl|en`, `?download=1`)."
    )
    def specification_url(self, info: Info) -> str:
        return document_urls(info).order_specification(self.source.id)

    @classmethod
    def from_domain(cls, order: DomainOrder) -> Order:
        return cls(
            id=strawberry.ID(global_id("Order", order.id)),
            number=order.number,
            status=order.status,
            source=order,
            **order_fields(order),
        )
