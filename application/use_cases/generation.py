"""Preview and generate orders from unbilled bookings and supplies.

Both run the same pure planner over the same data. Generating saves the plan,
with the booking and supply locks, in one transaction; a concurrent run that
billed any of the same sources makes this one fail with CONFLICT and change nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from application.idempotency import Claim, Creation, Idempotency
from application.ports import (
    Clock,
    EventPublisher,
    UnbilledSelection,
    UnitOfWork,
    UnitOfWorkFactory,
)
from domain.errors import ErrorCode, HourbillError
from domain.events import OrderEvent, OrderEventKind
from domain.generation import (
    GenerationPlan,
    GenerationRequest,
    Granularity,
    Grouping,
    InvoicingDefaults,
    WorkCatalog,
    ensure_something_to_generate,
    generate_orders,
)
from domain.idempotency import IdempotencyKey
from domain.rates import RateCard


@dataclass(frozen=True)
class GenerateOrdersRequest:
    period_start: dt.date
    period_end: dt.date
    customer_ids: frozenset[uuid.UUID] = frozenset()
    grouping: Grouping = Grouping.PER_CUSTOMER
    granularity: Granularity = Granularity.PER_TASK_AND_RATE
    order_date: dt.date | None = None

    def to_domain(self) -> GenerationRequest:
        return GenerationRequest(
            self.period_start,
            self.period_end,
            self.customer_ids,
            self.grouping,
            self.granularity,
            self.order_date,
        )


async def plan_orders(
    uow: UnitOfWork, request: GenerateOrdersRequest, today: dt.date
) -> GenerationPlan:
    domain_request = request.to_domain()
    domain_request.validate()
    if request.customer_ids:
        known = {c.id for c in await uow.customers.get_many(sorted(request.customer_ids))}
        missing = request.customer_ids - known
        if missing:
            raise HourbillError.single(
                ErrorCode.NOT_FOUND,
                f"unknown customers: {', '.join(sorted(map(str, missing)))}",
                "customerIds",
            )
    selection = UnbilledSelection(request.period_start, request.period_end, request.customer_ids)
    bookings = await uow.bookings.unbilled(selection)
    supplies = await uow.supplies.unbilled(selection)
    settings = await uow.settings.invoicing()
    vat_codes = await uow.vat_codes.all()
    customer_ids = sorted({b.customer_id for b in bookings} | {s.customer_id for s in supplies})
    customers = await uow.customers.get_many(customer_ids)
    catalog = WorkCatalog(
        customers_vat={c.id: c.vat_code for c in customers},
        customers_language={c.id: c.language for c in customers},
        projects={p.id: p for p in await uow.work.projects()},
        tasks={t.id: t for t in await uow.work.tasks()},
        employees={e.id: e for e in await uow.work.employees()},
    )
    defaults = InvoicingDefaults(
        vat_code=settings.default_vat_code,
        vat_rates={v.code: v.percentage for v in vat_codes},
        hours_item_code=settings.hours_item_code,
    )
    rates = RateCard(await uow.rate_rules.all())
    return generate_orders(domain_request, bookings, supplies, rates, defaults, catalog, today)


class PreviewOrderGeneration:
    """What generation would do now: orders, lines, totals and provenance. Saves nothing."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, request: GenerateOrdersRequest) -> GenerationPlan:
        async with self.uow() as uow:
            return await plan_orders(uow, request, self.clock.today())


async def _generated(uow: UnitOfWork, ids: tuple[uuid.UUID, ...]) -> GenerationPlan | None:
    orders = await uow.orders.get_many(ids)
    return GenerationPlan(orders) if len(orders) == len(ids) else None


GENERATE_ORDERS = Creation("generateOrders", _generated)


class GenerateOrders:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        events: EventPublisher,
        idempotency: Idempotency | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.events = events
        self.idempotency = idempotency or Idempotency(uow, clock)

    async def execute(
        self, request: GenerateOrdersRequest, key: IdempotencyKey | None = None
    ) -> GenerationPlan:
        """A retry with the key answers with the orders the first call made, as they are now."""
        return await self.idempotency.once(
            GENERATE_ORDERS, key, request, lambda claim: self._generate(request, claim)
        )

    async def _generate(self, request: GenerateOrdersRequest, claim: Claim) -> GenerationPlan:
        async with self.uow() as uow:
            plan = await plan_orders(uow, request, self.clock.today())
            ensure_something_to_generate(plan)
            await claim(uow, [o.id for o in plan.orders])
            numbers = await uow.orders.next_numbers(len(plan.orders))
            for order, number in zip(plan.orders, numbers, strict=True):
                order.number = number
            await uow.orders.add_many(plan.orders)
            await uow.commit()
        await self.events.publish(
            [OrderEvent(OrderEventKind.CREATED, o.id, o.customer_id, o.number) for o in plan.orders]
        )
        return plan
