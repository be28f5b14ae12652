"""Order events, as delivered over the `orderEvents` subscription."""

from __future__ import annotations

import uuid

import strawberry

from domain.events import OrderEvent as DomainOrderEvent
from domain.events import OrderEventKind as DomainOrderEventKind
from interfaces.graphql.context import Info, loaders
from interfaces.graphql.ids import global_id
from interfaces.graphql.loaders import load_as
from interfaces.graphql.types.enums import OrderEventKind
from interfaces.graphql.types.orders import Order


@strawberry.type(description="An order was created, changed, merged into or deleted.")
class OrderEvent:
    kind: OrderEventKind  # type: ignore[valid-type]
    order_id: strawberry.ID
    customer_id: strawberry.ID
    number: int | None
    merged_order_ids: list[strawberry.ID] = strawberry.field(
        description="For MERGED: the orders whose lines moved onto this one (now deleted)."
    )
    key: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The order as it is now; null when it was deleted.")
    async def order(self, info: Info) -> Order | None:
        if self.kind is DomainOrderEventKind.DELETED:
            return None
        return await load_as(loaders(info).order, self.key, Order.from_domain)

    @classmethod
    def from_domain(cls, event: DomainOrderEvent) -> OrderEvent:
        return cls(
            kind=event.kind,
            order_id=strawberry.ID(global_id("Order", event.order_id)),
            customer_id=strawberry.ID(global_id("Customer", event.customer_id)),
            number=event.number,
            merged_order_ids=[
                strawberry.ID(global_id("Order", merged)) for merged in event.merged_order_ids
            ],
            key=event.order_id,
        )
