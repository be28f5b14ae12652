"""The `orderEvents` subscription, fed by the facade's order events (sent after commit)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from domain.events import OrderEvent as DomainOrderEvent
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.queries import filter_id
from interfaces.graphql.types.events import OrderEvent


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Orders created, changed, merged or deleted; of one customer when given."
    )
    async def order_events(
        self, info: Info, customer_id: strawberry.ID | None = None
    ) -> AsyncGenerator[OrderEvent, None]:
        wanted = filter_id(customer_id, "Customer", "customerId")
        stream = hourbill(info).order_events.subscribe()
        try:
            async for event in stream:
                if not isinstance(event, DomainOrderEvent):
                    continue
                if wanted is None or event.customer_id == wanted:
                    info.context.renew_loaders()
                    yield OrderEvent.from_domain(event)
        finally:
            await stream.aclose()
