"""The generation preview: the orders that would be made, as data; nothing is saved."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.generation import GenerationPlan
from domain.money import ZERO
from domain.orders import Order as DomainOrder
from domain.orders import OrderLine as DomainOrderLine
from interfaces.graphql.types.orders import LineFields, OrderFields, line_fields, order_fields


@strawberry.type(description="A line generation would make, with the bookings and supplies on it.")
class PlannedLine(LineFields):
    @classmethod
    def from_domain(cls, line: DomainOrderLine) -> PlannedLine:
        return cls(**line_fields(line))


@strawberry.type(description="An order generation would make; it has no id or number yet.")
class PlannedOrder(OrderFields):
    lines: list[PlannedLine]

    @classmethod
    def from_domain(cls, order: DomainOrder) -> PlannedOrder:
        return cls(
            lines=[PlannedLine.from_domain(line) for line in order.lines], **order_fields(order)
        )


@strawberry.type(
    description="What generating orders would do now: which booking and supply lands on "
    "which line of which order, with counts and totals."
)
class GenerationPreview:
    orders: list[PlannedOrder]
    order_count: int
    booking_count: int
    supply_count: int
    subtotal: Decimal
    vat_total: Decimal
    total: Decimal

    @classmethod
    def from_domain(cls, plan: GenerationPlan) -> GenerationPreview:
        orders = [PlannedOrder.from_domain(order) for order in plan.orders]
        return cls(
            orders=orders,
            order_count=len(orders),
            booking_count=plan.booking_count,
            supply_count=plan.supply_count,
            subtotal=sum((o.subtotal for o in orders), ZERO),
            vat_total=sum((o.vat_total for o in orders), ZERO),
            total=sum((o.total for o in orders), ZERO),
        )
