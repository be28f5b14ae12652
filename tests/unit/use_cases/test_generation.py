from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from application.ports import UnbilledSelection
from application.use_cases.generation import (
    GenerateOrders,
    GenerateOrdersRequest,
    PreviewOrderGeneration,
)
from domain.errors import ErrorCode
from domain.events import OrderEvent, OrderEventKind
from domain.generation import Grouping
from domain.rates import RateRule
from tests.factories import HourBookingFactory, SupplyFactory
from tests.fakes import FakeStore, FakeUnitOfWorkFactory, FixedClock
from tests.unit.conftest import TODAY, World
from tests.unit.helpers import CommitWatchingPublisher, put, raises_problems, snapshot

D = Decimal
MARCH = GenerateOrdersRequest(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def seed_march(store: FakeStore, world: World) -> dict[str, uuid.UUID]:
    """Acme: two bookings and a supply; Globex: one booking; plus work that is not billed."""
    ids = {
        "acme_design": put(
            store,
            HourBookingFactory(
                customer=world.acme, employee=world.anna, task=world.design, hours=D("6")
            ),
        ).id,
        "acme_loose": put(
            store, HourBookingFactory(customer=world.acme, employee=world.bram, hours=D("1.5"))
        ).id,
        "acme_cable": put(store, SupplyFactory(customer=world.acme, task=world.build)).id,
        "globex": put(
            store, HourBookingFactory(customer=world.globex, employee=world.anna, hours=D("3"))
        ).id,
    }
    put(store, HourBookingFactory(customer=world.acme, employee=world.anna, billable=False))
    put(
        store,
        HourBookingFactory(customer=world.acme, employee=world.anna, date=dt.date(2026, 4, 1)),
    )
    return ids


def generate(
    uow: FakeUnitOfWorkFactory, clock: FixedClock, events: CommitWatchingPublisher
) -> GenerateOrders:
    return GenerateOrders(uow, clock, events)


async def unbilled(uow: FakeUnitOfWorkFactory) -> set[uuid.UUID]:
    everything = UnbilledSelection(dt.date(2000, 1, 1), dt.date(2100, 12, 31))
    async with uow() as tx:
        bookings = await tx.bookings.unbilled(everything)
        supplies = await tx.supplies.unbilled(everything)
    return {b.id for b in bookings} | {s.id for s in supplies}


async def test_generate_saves_numbered_orders_and_bills_their_sources(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> None:
    ids = seed_march(store, world)
    store.last_number = 100
    still_open = await unbilled(uow) - set(ids.values())

    generated = await generate(uow, clock, events).execute(MARCH)

    assert sorted(o.number for o in generated.orders) == [101, 102]  # type: ignore[type-var]
    assert set(store.orders) == {o.id for o in generated.orders}
    by_customer = {o.customer_id: o for o in store.orders.values()}
    assert by_customer[world.acme.id].booking_ids == {ids["acme_design"], ids["acme_loose"]}
    assert by_customer[world.acme.id].supply_ids == {ids["acme_cable"]}
    assert by_customer[world.globex.id].booking_ids == {ids["globex"]}
    assert all(o.order_date == TODAY for o in store.orders.values())
    assert await unbilled(uow) == still_open
    assert (store.commits, store.last_number) == (1, 102)


async def test_generate_publishes_one_created_event_per_order_after_the_commit(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> None:
    seed_march(store, world)

    generated = await generate(uow, clock, events).execute(MARCH)

    assert events.published == [
        OrderEvent(OrderEventKind.CREATED, o.id, o.customer_id, o.number) for o in generated.orders
    ]
    assert events.commits_at_publish == [1]


async def test_generate_prices_with_the_stored_settings_rules_and_customer_vat(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> None:
    seed_march(store, world)
    store.settings.hours_item_code = "UREN"
    store.settings.default_vat_code = "0"
    world.acme.vat_code = "9"
    put(store, RateRule(D("125"), customer_id=world.globex.id))

    generated = await generate(uow, clock, events).execute(MARCH)

    hours = {o.customer_id: next(ln for ln in o.lines if ln.bookings) for o in generated.orders}
    assert (hours[world.acme.id].vat_code, hours[world.acme.id].vat_rate) == ("9", D("9"))
    assert (hours[world.globex.id].vat_code, hours[world.globex.id].unit_price) == ("0", D("125"))
    assert hours[world.globex.id].item_code == "UREN"
    assert hours[world.globex.id].amount == D("375.00")


async def test_generate_per_project_for_selected_customers(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> None:
    ids = seed_march(store, world)
    request = GenerateOrdersRequest(
        MARCH.period_start,
        MARCH.period_end,
        customer_ids=frozenset({world.acme.id}),
        grouping=Grouping.PER_PROJECT,
        order_date=dt.date(2026, 4, 30),
    )

    generated = await generate(uow, clock, events).execute(request)

    assert {
        o.project_id: (o.booking_ids | o.supply_ids, o.order_date) for o in generated.orders
    } == {
        world.renovation.id: ({ids["acme_design"], ids["acme_cable"]}, dt.date(2026, 4, 30)),
        None: ({ids["acme_loose"]}, dt.date(2026, 4, 30)),
    }
    assert ids["globex"] in await unbilled(uow)


async def test_generating_again_finds_nothing_to_generate_and_changes_nothing(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> None:
    seed_march(store, world)
    await generate(uow, clock, events).execute(MARCH)
    before, published = snapshot(store), list(events.published)

    with raises_problems((ErrorCode.NOTHING_TO_GENERATE, "periodStart")):
        await generate(uow, clock, events).execute(MARCH)

    assert snapshot(store) == before
    assert events.published == published


async def test_generating_again_bills_only_what_was_added_since(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> None:
    seed_march(store, world)
    await generate(uow, clock, events).execute(MARCH)
    late = put(store, HourBookingFactory(customer=world.globex, employee=world.bram))

    second = await generate(uow, clock, events).execute(MARCH)

    assert [(o.number, o.booking_ids, o.supply_ids) for o in second.orders] == [
        (3, {late.id}, frozenset())
    ]


async def test_generate_with_an_unknown_customer_is_not_found_on_customer_ids(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> None:
    seed_march(store, world)
    before = snapshot(store)
    unknown = uuid.uuid4()
    request = GenerateOrdersRequest(
        MARCH.period_start, MARCH.period_end, frozenset({world.acme.id, unknown})
    )

    with raises_problems((ErrorCode.NOT_FOUND, "customerIds")) as info:
        await generate(uow, clock, events).execute(request)

    assert str(info.value) == f"unknown customers: {unknown}"
    assert snapshot(store) == before
    assert events.published == []


async def test_generate_with_unpriced_bookings_saves_nothing(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> None:
    seed_march(store, world)
    del store.rate_rules[world.default_rate.id]
    before = snapshot(store)

    with raises_problems(*[(ErrorCode.NO_RATE, "rateRules")] * 3):
        await generate(uow, clock, events).execute(MARCH)

    assert snapshot(store) == before
    assert events.published == []


async def test_generate_with_a_reversed_period_is_invalid(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> None:
    seed_march(store, world)

    with raises_problems((ErrorCode.INVALID, "periodEnd")):
        await generate(uow, clock, events).execute(
            GenerateOrdersRequest(MARCH.period_end, MARCH.period_start)
        )

    assert (store.orders, store.commits) == ({}, 0)


async def test_preview_plans_the_same_orders_but_saves_nothing(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> None:
    seed_march(store, world)
    before = snapshot(store)

    preview = await PreviewOrderGeneration(uow, clock).execute(MARCH)

    assert snapshot(store) == before
    assert (store.orders, store.commits, store.last_number) == ({}, 0, 0)
    assert all(o.number is None for o in preview.orders)
    generated = await generate(uow, clock, events).execute(MARCH)
    assert [(o.customer_id, o.booking_ids, o.supply_ids) for o in preview.orders] == [
        (o.customer_id, o.booking_ids, o.supply_ids) for o in generated.orders
    ]


async def test_preview_of_nothing_is_an_empty_plan_not_an_error(
    uow: FakeUnitOfWorkFactory, world: World, clock: FixedClock
) -> None:
    preview = await PreviewOrderGeneration(uow, clock).execute(MARCH)

    assert (preview.orders, preview.booking_count, preview.supply_count) == ([], 0, 0)
