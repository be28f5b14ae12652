from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from application.ports import UnbilledSelection
from application.use_cases.orders import (
    AddOrderLine,
    AddOrderLineRequest,
    CreateOrder,
    CreateOrderRequest,
    DeleteOrderLine,
    DeleteOrders,
    MergeOrders,
    UpdateOrder,
    UpdateOrderLine,
    UpdateOrderLineRequest,
    UpdateOrderRequest,
)
from domain.bookings import HourBooking
from domain.customers import Customer
from domain.errors import ErrorCode
from domain.events import OrderEvent, OrderEventKind
from domain.orders import BookingRef, LineKind, Order, OrderStatus
from tests.factories import HourBookingFactory, OrderFactory, OrderLineFactory
from tests.fakes import FakeStore, FakeUnitOfWorkFactory, FixedClock
from tests.unit.conftest import TODAY, World
from tests.unit.helpers import CommitWatchingPublisher, put, raises_problems, snapshot

D = Decimal
MARCH = UnbilledSelection(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def billed_order(
    store: FakeStore, world: World, customer: Customer | None = None, bookings: int = 2
) -> tuple[Order, list[HourBooking]]:
    """A draft order of (by default) Acme with one line per booking, saved in the store."""
    customer = customer or world.acme
    sources = [
        put(store, HourBookingFactory(customer=customer, employee=world.anna))
        for _ in range(bookings)
    ]
    order = put(
        store,
        OrderFactory(
            customer=customer,
            lines=[
                OrderLineFactory(
                    quantity=b.hours,
                    unit_price=D("90"),
                    kind=LineKind.HOURS,
                    bookings=[BookingRef(b.id, b.hours, D("90"))],
                )
                for b in sources
            ],
        ),
    )
    return order, sources


async def unbilled_ids(uow: FakeUnitOfWorkFactory) -> set[uuid.UUID]:
    async with uow() as tx:
        return {b.id for b in await tx.bookings.unbilled(MARCH)}


# -- create and update ----------------------------------------------------


async def test_create_order_numbers_it_and_publishes_created_after_commit(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    events: CommitWatchingPublisher,
    clock: FixedClock,
) -> None:
    store.last_number = 41

    order = await CreateOrder(uow, events, clock).execute(
        CreateOrderRequest(world.acme.id, description="Meerwerk", reference="PO-7")
    )

    saved = store.orders[order.id]
    assert (saved.number, saved.order_date, saved.reference, saved.status) == (
        42,
        TODAY,
        "PO-7",
        OrderStatus.DRAFT,
    )
    assert events.published == [OrderEvent(OrderEventKind.CREATED, order.id, world.acme.id, 42)]
    assert events.commits_at_publish == [1]


async def test_create_order_for_an_unknown_customer_saves_and_publishes_nothing(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    events: CommitWatchingPublisher,
    clock: FixedClock,
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "customerId")):
        await CreateOrder(uow, events, clock).execute(CreateOrderRequest(uuid.uuid4()))

    assert (store.orders, store.last_number, events.published) == ({}, 0, [])


async def test_create_order_with_a_date_out_of_range_is_refused_on_order_date(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    events: CommitWatchingPublisher,
    clock: FixedClock,
) -> None:
    with raises_problems((ErrorCode.OUT_OF_RANGE, "orderDate")):
        await CreateOrder(uow, events, clock).execute(
            CreateOrderRequest(world.acme.id, order_date=dt.date(1999, 12, 31))
        )

    assert (store.commits, events.published) == (0, [])


async def test_update_order_changes_the_header_and_publishes_changed(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)

    await UpdateOrder(uow, events).execute(
        UpdateOrderRequest(order.id, order_date=dt.date(2026, 4, 15), reference="PO-8")
    )

    saved = store.orders[order.id]
    assert (saved.order_date, saved.reference, saved.description) == (
        dt.date(2026, 4, 15),
        "PO-8",
        order.description,
    )
    assert [e.kind for e in events.published] == [OrderEventKind.CHANGED]
    assert events.commits_at_publish == [1]


async def test_update_of_an_unknown_order_is_not_found_on_id(
    uow: FakeUnitOfWorkFactory, events: CommitWatchingPublisher
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "id")):
        await UpdateOrder(uow, events).execute(UpdateOrderRequest(uuid.uuid4(), description="x"))

    assert events.published == []


async def test_invalid_order_update_changes_nothing(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)
    before = snapshot(store)

    with raises_problems((ErrorCode.OUT_OF_RANGE, "reference")):
        await UpdateOrder(uow, events).execute(
            UpdateOrderRequest(order.id, description="nieuw", reference="x" * 256)
        )

    assert snapshot(store) == before
    assert events.published == []


async def test_an_invoiced_order_cannot_be_updated(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)
    order.status = OrderStatus.INVOICED
    before = snapshot(store)

    with raises_problems((ErrorCode.LOCKED, "id")):
        await UpdateOrder(uow, events).execute(UpdateOrderRequest(order.id, description="x"))

    assert snapshot(store) == before
    assert events.published == []


# -- lines ------------------------------------------------------------------


async def test_add_order_line_uses_the_default_vat_code_and_appends_the_line(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)
    store.settings.default_vat_code = "9"

    await AddOrderLine(uow, events).execute(
        AddOrderLineRequest(order.id, "Voorrijkosten", D("1"), D("45"), discount_percent=D("10"))
    )

    line = store.orders[order.id].lines[-1]
    assert (line.position, line.kind, line.vat_code, line.vat_rate, line.amount) == (
        3,
        LineKind.MANUAL,
        "9",
        D("9"),
        D("40.50"),
    )
    assert [e.kind for e in events.published] == [OrderEventKind.CHANGED]


async def test_add_order_line_with_an_explicit_vat_code_takes_its_percentage(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)

    await AddOrderLine(uow, events).execute(
        AddOrderLineRequest(order.id, "Export", D("1"), D("100"), vat_code="0")
    )

    saved = store.orders[order.id]
    assert (saved.lines[-1].vat_code, saved.lines[-1].vat_rate) == ("0", D("0"))
    assert [(v.vat_code, v.base) for v in saved.totals().vat] == [
        ("0", D("100.00")),
        ("21", D("1350.00")),
    ]


async def test_add_order_line_with_an_unknown_vat_code_is_not_found_on_vat_code(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)
    before = snapshot(store)

    with raises_problems((ErrorCode.NOT_FOUND, "vatCode")):
        await AddOrderLine(uow, events).execute(
            AddOrderLineRequest(order.id, "X", D("1"), D("1"), vat_code="6")
        )

    assert snapshot(store) == before
    assert events.published == []


async def test_add_order_line_to_an_unknown_order_is_not_found_on_order_id(
    uow: FakeUnitOfWorkFactory, events: CommitWatchingPublisher
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "orderId")):
        await AddOrderLine(uow, events).execute(
            AddOrderLineRequest(uuid.uuid4(), "X", D("1"), D("1"))
        )


async def test_add_order_line_to_an_invoiced_order_is_locked_on_order_id(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)
    order.status = OrderStatus.INVOICED
    before = snapshot(store)

    with raises_problems((ErrorCode.LOCKED, "orderId")):
        await AddOrderLine(uow, events).execute(AddOrderLineRequest(order.id, "X", D("1"), D("1")))

    assert snapshot(store) == before
    assert events.published == []


async def test_add_order_line_reports_invalid_line_input(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)
    before = snapshot(store)

    with raises_problems((ErrorCode.REQUIRED, "description"), (ErrorCode.OUT_OF_RANGE, "quantity")):
        await AddOrderLine(uow, events).execute(AddOrderLineRequest(order.id, "", D("0"), D("1")))

    assert snapshot(store) == before


async def test_update_order_line_keeps_its_provenance_and_reprices_vat(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, bookings = billed_order(store, world)
    line = order.lines[0]

    await UpdateOrderLine(uow, events).execute(
        UpdateOrderLineRequest(
            order.id,
            line.id,
            description="Ontwerp (korting)",
            vat_code="9",
            discount_percent=D("5"),
        )
    )

    saved = store.orders[order.id].lines[0]
    assert (saved.description, saved.vat_code, saved.vat_rate, saved.discount_percent) == (
        "Ontwerp (korting)",
        "9",
        D("9"),
        D("5"),
    )
    assert saved.booking_ids == {bookings[0].id}
    assert [e.kind for e in events.published] == [OrderEventKind.CHANGED]


async def test_update_of_an_unknown_line_is_not_found_on_line_id(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)

    with raises_problems((ErrorCode.NOT_FOUND, "lineId")):
        await UpdateOrderLine(uow, events).execute(
            UpdateOrderLineRequest(order.id, uuid.uuid4(), description="x")
        )

    assert events.published == []


async def test_invalid_line_update_changes_nothing(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)
    before = snapshot(store)

    with raises_problems((ErrorCode.OUT_OF_RANGE, "discountPercent")):
        await UpdateOrderLine(uow, events).execute(
            UpdateOrderLineRequest(
                order.id, order.lines[0].id, description="x", discount_percent=D("101")
            )
        )
    with raises_problems((ErrorCode.NOT_FOUND, "vatCode")):
        await UpdateOrderLine(uow, events).execute(
            UpdateOrderLineRequest(order.id, order.lines[0].id, vat_code="6")
        )

    assert snapshot(store) == before


async def test_update_line_of_an_invoiced_order_is_locked_on_order_id(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)
    order.status = OrderStatus.INVOICED

    with raises_problems((ErrorCode.LOCKED, "orderId")):
        await UpdateOrderLine(uow, events).execute(
            UpdateOrderLineRequest(order.id, order.lines[0].id, description="x")
        )


async def test_delete_order_line_renumbers_and_releases_its_bookings(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, (first, second) = billed_order(store, world)

    await DeleteOrderLine(uow, events).execute(order.id, order.lines[0].id)

    saved = store.orders[order.id]
    assert [(line.position, line.booking_ids) for line in saved.lines] == [(1, {second.id})]
    assert await unbilled_ids(uow) == {first.id}
    assert [e.kind for e in events.published] == [OrderEventKind.CHANGED]


async def test_delete_line_errors_name_their_field(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)
    before = snapshot(store)

    with raises_problems((ErrorCode.NOT_FOUND, "orderId")):
        await DeleteOrderLine(uow, events).execute(uuid.uuid4(), order.lines[0].id)
    with raises_problems((ErrorCode.NOT_FOUND, "lineId")):
        await DeleteOrderLine(uow, events).execute(order.id, uuid.uuid4())
    order.status = OrderStatus.INVOICED
    with raises_problems((ErrorCode.LOCKED, "orderId")):
        await DeleteOrderLine(uow, events).execute(order.id, order.lines[0].id)

    order.status = OrderStatus.DRAFT
    assert snapshot(store) == before
    assert events.published == []


# -- delete -----------------------------------------------------------------


async def test_delete_orders_releases_their_bookings_and_publishes_deleted(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    first, first_bookings = billed_order(store, world)
    second, second_bookings = billed_order(store, world, world.globex, bookings=1)
    kept, _ = billed_order(store, world)
    assert await unbilled_ids(uow) == set()

    deleted = await DeleteOrders(uow, events).execute([first.id, second.id])

    assert deleted == [first.id, second.id]
    assert list(store.orders) == [kept.id]
    assert await unbilled_ids(uow) == {b.id for b in first_bookings + second_bookings}
    assert events.published == [
        OrderEvent(OrderEventKind.DELETED, first.id, world.acme.id, first.number),
        OrderEvent(OrderEventKind.DELETED, second.id, world.globex.id, second.number),
    ]
    assert events.commits_at_publish == [1]


async def test_delete_orders_is_all_or_nothing_on_an_unknown_order(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    order, _ = billed_order(store, world)
    missing = uuid.uuid4()
    before = snapshot(store)

    with raises_problems((ErrorCode.NOT_FOUND, "orderIds")) as info:
        await DeleteOrders(uow, events).execute([order.id, missing])

    assert str(info.value) == f"unknown orders: {missing}"
    assert snapshot(store) == before
    assert events.published == []


async def test_delete_orders_is_all_or_nothing_on_an_invoiced_order(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    draft, _ = billed_order(store, world)
    invoiced, _ = billed_order(store, world)
    invoiced.status = OrderStatus.INVOICED
    before = snapshot(store)

    with raises_problems((ErrorCode.LOCKED, "orderIds")) as info:
        await DeleteOrders(uow, events).execute([draft.id, invoiced.id])

    assert str(info.value) == f"order {invoiced.number} is no longer a draft"
    assert snapshot(store) == before
    assert events.published == []


@pytest.mark.parametrize(
    ("ids", "problem"),
    [
        (lambda o: [], (ErrorCode.REQUIRED, "orderIds")),
        (lambda o: [o.id, o.id], (ErrorCode.DUPLICATE, "orderIds")),
    ],
    ids=["none", "twice"],
)
async def test_delete_orders_needs_distinct_order_ids(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    events: CommitWatchingPublisher,
    ids: object,
    problem: tuple[ErrorCode, str],
) -> None:
    order, _ = billed_order(store, world)

    with raises_problems(problem):
        await DeleteOrders(uow, events).execute(ids(order))  # type: ignore[operator]

    assert list(store.orders) == [order.id]


# -- merge ------------------------------------------------------------------


async def test_merge_orders_moves_lines_into_the_first_and_publishes_deleted_then_merged(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    target, target_bookings = billed_order(store, world)
    other, other_bookings = billed_order(store, world, bookings=1)
    third, third_bookings = billed_order(store, world, bookings=3)
    subtotal = sum(o.totals().subtotal for o in (target, other, third))

    merged = await MergeOrders(uow, events).execute([target.id, other.id, third.id])

    assert list(store.orders) == [target.id]
    saved = store.orders[target.id]
    assert saved is merged
    assert [line.position for line in saved.lines] == [1, 2, 3, 4, 5, 6]
    assert saved.booking_ids == {b.id for b in target_bookings + other_bookings + third_bookings}
    assert saved.totals().subtotal == subtotal
    assert events.published == [
        OrderEvent(OrderEventKind.DELETED, other.id, world.acme.id, other.number),
        OrderEvent(OrderEventKind.DELETED, third.id, world.acme.id, third.number),
        OrderEvent(
            OrderEventKind.MERGED, target.id, world.acme.id, target.number, (other.id, third.id)
        ),
    ]
    assert events.commits_at_publish == [1]


async def test_merge_of_orders_of_different_customers_changes_nothing(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    acme_order, _ = billed_order(store, world)
    globex_order, _ = billed_order(store, world, world.globex)
    before = snapshot(store)

    with raises_problems((ErrorCode.CUSTOMER_MISMATCH, "orderIds")):
        await MergeOrders(uow, events).execute([acme_order.id, globex_order.id])

    assert snapshot(store) == before
    assert events.published == []


async def test_merge_with_an_invoiced_order_is_locked(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, events: CommitWatchingPublisher
) -> None:
    target, _ = billed_order(store, world)
    invoiced, _ = billed_order(store, world)
    invoiced.status = OrderStatus.INVOICED
    before = snapshot(store)

    with raises_problems((ErrorCode.LOCKED, "orderIds")):
        await MergeOrders(uow, events).execute([target.id, invoiced.id])

    assert snapshot(store) == before
    assert events.published == []


@pytest.mark.parametrize(
    ("ids", "problem"),
    [
        (lambda o: [o.id], (ErrorCode.INVALID, "orderIds")),
        (lambda o: [o.id, o.id], (ErrorCode.DUPLICATE, "orderIds")),
        (lambda o: [o.id, uuid.uuid4()], (ErrorCode.NOT_FOUND, "orderIds")),
        (lambda o: [], (ErrorCode.REQUIRED, "orderIds")),
    ],
    ids=["one", "self", "unknown", "none"],
)
async def test_merge_needs_two_distinct_known_orders(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    world: World,
    events: CommitWatchingPublisher,
    ids: object,
    problem: tuple[ErrorCode, str],
) -> None:
    order, _ = billed_order(store, world)
    before = snapshot(store)

    with raises_problems(problem):
        await MergeOrders(uow, events).execute(ids(order))  # type: ignore[operator]

    assert snapshot(store) == before
    assert events.published == []
