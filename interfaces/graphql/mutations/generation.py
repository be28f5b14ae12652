"""previewOrderGeneration and generateOrders: the same plan, shown or saved."""

from __future__ import annotations

import datetime as dt

import strawberry

from application.use_cases.generation import GenerateOrdersRequest
from domain.generation import GenerationPlan
from domain.generation import Granularity as DomainGranularity
from domain.generation import Grouping as DomainGrouping
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import attempt
from interfaces.graphql.idempotency import idempotency_key, idempotency_key_field
from interfaces.graphql.mutations.payload import Payload
from interfaces.graphql.reader import InputReader
from interfaces.graphql.types.enums import Granularity, Grouping
from interfaces.graphql.types.generation import GenerationPreview
from interfaces.graphql.types.orders import Order


@strawberry.input(description="Which unbilled bookings and supplies to bill, and how.")
class GenerateOrdersInput:
    period_start: dt.date
    period_end: dt.date
    customer_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="All customers when empty."
    )
    grouping: Grouping = DomainGrouping.PER_CUSTOMER  # type: ignore[valid-type]
    granularity: Granularity = DomainGranularity.PER_TASK_AND_RATE  # type: ignore[valid-type]
    order_date: dt.date | None = strawberry.field(default=None, description="Today when null.")
    idempotency_key: str | None = idempotency_key_field(
        "previewOrderGeneration ignores it: it saves nothing."
    )

    def to_request(self) -> GenerateOrdersRequest:
        read = InputReader()
        customer_ids = frozenset(read.ids(self.customer_ids, "Customer", "customerIds"))
        read.check()
        return GenerateOrdersRequest(
            period_start=self.period_start,
            period_end=self.period_end,
            customer_ids=customer_ids,
            grouping=self.grouping,
            granularity=self.granularity,
            order_date=self.order_date,
        )


@strawberry.type
class PreviewOrderGenerationPayload(Payload):
    preview: GenerationPreview | None = None


@strawberry.type
class GenerateOrdersPayload(Payload):
    orders: list[Order] = strawberry.field(default_factory=list)
    booking_count: int = 0
    supply_count: int = 0

    @classmethod
    def from_plan(cls, plan: GenerationPlan) -> GenerateOrdersPayload:
        return cls(
            orders=[Order.from_domain(order) for order in plan.orders],
            booking_count=plan.booking_count,
            supply_count=plan.supply_count,
        )


@strawberry.type
class GenerationMutations:
    @strawberry.mutation(description="What generateOrders would do now, as data; saves nothing.")
    async def preview_order_generation(
        self, info: Info, input: GenerateOrdersInput
    ) -> PreviewOrderGenerationPayload:
        return await attempt(
            input,
            PreviewOrderGenerationPayload,
            lambda: hourbill(info).preview_order_generation.execute(input.to_request()),
            lambda plan: PreviewOrderGenerationPayload(preview=GenerationPreview.from_domain(plan)),
        )

    @strawberry.mutation(
        description="Bill every unbilled billable booking and supply in the selection on draft "
        "orders, atomically; a concurrent run that billed any of them first gives CONFLICT."
    )
    async def generate_orders(
        self, info: Info, input: GenerateOrdersInput
    ) -> GenerateOrdersPayload:
        return await attempt(
            input,
            GenerateOrdersPayload,
            lambda: hourbill(info).generate_orders.execute(
                input.to_request(), idempotency_key(info, input.idempotency_key)
            ),
            GenerateOrdersPayload.from_plan,
        )
