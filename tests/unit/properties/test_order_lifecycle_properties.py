"""Properties of the order use cases, run through the in-memory fakes of every port.

c. merging keeps the subtotal exactly, the VAT base per (code, rate) exactly, the VAT
   amount per rate within rounding, and the provenance (no source lost or doubled);
d. deleting orders releases exactly the bookings and supplies they held;
e. generating twice bills nothing twice;
f. a preview plans exactly what generating saves, and saves nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from application.ports import UnbilledSelection
from application.use_cases.generation import GenerateOrders, PreviewOrderGeneration
from application.use_cases.orders import (
    AddOrderLine,
    AddOrderLineRequest,
    CreateOrder,
    CreateOrderRequest,
    DeleteOrders,
    MergeOrders,
)
from domain.errors import ErrorCode, HourbillError
from domain.events import OrderEventKind
from domain.generation import Granularity, Grouping
from domain.money import ZERO
from domain.orders import Order
from tests.fakes import FakeStore, FakeUnitOfWorkFactory, FixedClock, RecordingPublisher
from tests.unit.helpers import raises_problems, run, snapshot
from tests.unit.properties.strategies import (
    COMBINATIONS,
    PROPERTY_SETTINGS,
    TODAY,
    Ledger,
    extra_bookings,
    ledgers,
)

EVERYTHING = UnbilledSelection(TODAY.replace(year=2000, month=1, day=1), TODAY.replace(year=2100))
combinations = st.sampled_from(COMBINATIONS)
manual_lines = st.tuples(
    st.integers(-500, 5000).filter(bool).map(lambda n: Decimal(n) / 100),  # quantity, credit too
    st.integers(0, 50_000).map(lambda n: Decimal(n) / 100),  # unit price
    st.sampled_from(["21", "9", "0"]),
    st.sampled_from([Decimal(0), Decimal(0), Decimal("12.5"), Decimal(100)]),  # discount %
)


class App:
    """The use cases wired to one fake store, run synchronously for hypothesis."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.uow = FakeUnitOfWorkFactory(store)
        self.clock = FixedClock(TODAY)
        self.events = RecordingPublisher()

    def generate(self, ledger: Ledger, grouping: Grouping, granularity: Granularity) -> Any:
        request = ledger.use_case_request(grouping, granularity)
        return run(GenerateOrders(self.uow, self.clock, self.events).execute(request))

    def preview(self, ledger: Ledger, grouping: Grouping, granularity: Granularity) -> Any:
        request = ledger.use_case_request(grouping, granularity)
        return run(PreviewOrderGeneration(self.uow, self.clock).execute(request))

    def generate_if_any(self, ledger: Ledger, grouping: Grouping, granularity: Granularity) -> None:
        try:
            self.generate(ledger, grouping, granularity)
        except HourbillError as error:
            if [p.code for p in error.problems] != [ErrorCode.NOTHING_TO_GENERATE]:
                raise

    def manual_order(self, customer_id: uuid.UUID, lines: list[tuple[Any, ...]]) -> None:
        order = run(
            CreateOrder(self.uow, self.events, self.clock).execute(CreateOrderRequest(customer_id))
        )
        for quantity, price, vat_code, discount in lines:
            request = AddOrderLineRequest(
                order.id, "Meerwerk", quantity, price, vat_code=vat_code, discount_percent=discount
            )
            run(AddOrderLine(self.uow, self.events).execute(request))

    def unbilled(self) -> set[uuid.UUID]:
        async def query() -> set[uuid.UUID]:
            async with self.uow() as tx:
                bookings = await tx.bookings.unbilled(EVERYTHING)
                supplies = await tx.supplies.unbilled(EVERYTHING)
            return {b.id for b in bookings} | {s.id for s in supplies}

        return run(query())


def sources(order: Order) -> Counter[uuid.UUID]:
    """Every booking and supply id on the order's lines, with multiplicity."""
    return Counter(
        [r.booking_id for ln in order.lines for r in ln.bookings]
        + [r.supply_id for ln in order.lines for r in ln.supplies]
    )


def vat_by_rate(orders: list[Order]) -> tuple[Counter[Any], Counter[Any], Counter[Any]]:
    """Summed VAT base and amount, and how many orders contributed, per (code, rate)."""
    bases: Counter[Any] = Counter()
    amounts: Counter[Any] = Counter()
    parts: Counter[Any] = Counter()
    for order in orders:
        for vat in order.totals().vat:
            bases[(vat.vat_code, vat.rate)] += vat.base
            amounts[(vat.vat_code, vat.rate)] += vat.amount
            parts[(vat.vat_code, vat.rate)] += 1
    return bases, amounts, parts


def shape(orders: list[Order]) -> list[tuple[Any, ...]]:
    """All an order says apart from its id and number, lines and provenance included."""
    shapes = [
        (
            order.customer_id,
            str(order.project_id),
            order.description,
            order.order_date,
            order.period_start,
            order.period_end,
            order.status,
            order.totals(),
            tuple(
                (
                    line.position,
                    line.description,
                    line.quantity,
                    line.unit_price,
                    line.unit,
                    line.vat_code,
                    line.vat_rate,
                    line.item_code,
                    line.kind,
                    line.project_id,
                    line.task_id,
                    line.amount,
                    tuple(sorted((r.booking_id, r.hours, r.rate) for r in line.bookings)),
                    tuple(sorted((r.supply_id, r.quantity, r.unit_price) for r in line.supplies)),
                )
                for line in order.lines
            ),
        )
        for order in orders
    ]
    return sorted(shapes, key=lambda s: (str(s[0]), s[1]))  # one order per customer, project


# -- c. merge -----------------------------------------------------------------


@PROPERTY_SETTINGS
@given(ledgers(), combinations, st.data())
def test_merge_keeps_subtotal_vat_base_per_rate_and_provenance(
    ledger: Ledger, combination: tuple[Grouping, Granularity], data: st.DataObject
) -> None:
    app = App(ledger.store())
    customer = data.draw(st.sampled_from(ledger.customers), label="customer")
    for _ in range(2):
        app.manual_order(customer.id, data.draw(st.lists(manual_lines, max_size=3)))
    app.generate_if_any(ledger, *combination)
    own = [o for o in app.store.orders.values() if o.customer_id == customer.id]
    chosen = data.draw(st.permutations(own), label="merge order")
    chosen = chosen[: data.draw(st.integers(2, len(chosen)), label="how many")]
    target, others = chosen[0], chosen[1:]
    bases, amounts, parts = vat_by_rate(chosen)
    subtotal = sum((o.totals().subtotal for o in chosen), ZERO)
    provenance = sum((sources(o) for o in chosen), Counter())
    untouched = {i: shape([o]) for i, o in app.store.orders.items() if o not in chosen}
    unbilled = app.unbilled()
    app.events.published.clear()

    run(MergeOrders(app.uow, app.events).execute([o.id for o in chosen]))

    merged = app.store.orders[target.id]
    assert merged.totals().subtotal == subtotal
    merged_bases, merged_amounts, _ = vat_by_rate([merged])
    assert merged_bases == bases
    for key, amount in merged_amounts.items():
        # each part's VAT and the merged VAT are each off by at most half a cent
        assert abs(amount - amounts[key]) <= Decimal("0.005") * (parts[key] + 1)
    assert sources(merged) == provenance
    assert set(provenance.values()) <= {1}
    assert [line.position for line in merged.lines] == list(range(1, len(merged.lines) + 1))
    assert {i: shape([o]) for i, o in app.store.orders.items() if i != target.id} == untouched
    assert app.unbilled() == unbilled
    assert [(e.kind, e.order_id) for e in app.events.published] == [
        *[(OrderEventKind.DELETED, o.id) for o in others],
        (OrderEventKind.MERGED, target.id),
    ]


# -- d. delete ----------------------------------------------------------------


@PROPERTY_SETTINGS
@given(ledgers(), combinations, st.data())
def test_deleting_orders_releases_exactly_what_they_held(
    ledger: Ledger, combination: tuple[Grouping, Granularity], data: st.DataObject
) -> None:
    app = App(ledger.store())
    app.generate_if_any(ledger, *combination)
    orders = list(app.store.orders.values())
    doomed = data.draw(
        st.lists(st.sampled_from(orders), min_size=1, unique=True) if orders else st.just([])
    )
    held = set().union(*(sources(o) for o in doomed))
    kept = {i: shape([o]) for i, o in app.store.orders.items() if o not in doomed}
    unbilled = app.unbilled()
    assert not unbilled & held

    if doomed:
        run(DeleteOrders(app.uow, app.events).execute([o.id for o in doomed]))

    assert app.unbilled() == unbilled | held
    assert {i: shape([o]) for i, o in app.store.orders.items()} == kept


@PROPERTY_SETTINGS
@given(ledgers(), combinations, st.data())
def test_regenerating_after_a_delete_bills_exactly_the_released_sources(
    ledger: Ledger, combination: tuple[Grouping, Granularity], data: st.DataObject
) -> None:
    app = App(ledger.store())
    app.generate_if_any(ledger, *combination)
    billed_before = app.store.billed_bookings().keys() | app.store.billed_supplies().keys()
    orders = list(app.store.orders.values())
    doomed = data.draw(st.lists(st.sampled_from(orders), unique=True) if orders else st.just([]))
    if doomed:
        run(DeleteOrders(app.uow, app.events).execute([o.id for o in doomed]))
    released = set().union(*(sources(o) for o in doomed))

    app.generate_if_any(ledger, *combination)

    newest = [o for o in app.store.orders.values() if o.number and o.number > len(orders)]
    assert set().union(*(sources(o) for o in newest)) == released
    assert app.store.billed_bookings().keys() | app.store.billed_supplies().keys() == billed_before


# -- e. generating twice ------------------------------------------------------


@PROPERTY_SETTINGS
@given(ledgers(), combinations)
def test_generating_twice_bills_nothing_twice(
    ledger: Ledger, combination: tuple[Grouping, Granularity]
) -> None:
    app = App(ledger.store())
    app.generate_if_any(ledger, *combination)
    before = snapshot(app.store)

    with raises_problems((ErrorCode.NOTHING_TO_GENERATE, "periodStart")):
        app.generate(ledger, *combination)

    assert snapshot(app.store) == before


@PROPERTY_SETTINGS
@given(ledgers(), combinations, st.data())
def test_a_second_run_bills_only_sources_recorded_since_the_first(
    ledger: Ledger, combination: tuple[Grouping, Granularity], data: st.DataObject
) -> None:
    app = App(ledger.store())
    app.generate_if_any(ledger, *combination)
    first_orders = set(app.store.orders)
    late = data.draw(extra_bookings(ledger, first_id=10_000), label="late bookings")
    for booking in late:
        app.store.bookings[booking.id] = booking
    expected = {b.id for b in late if b.billable and ledger.selected(b.customer_id, b.date)}

    app.generate_if_any(ledger, *combination)

    second = [o for i, o in app.store.orders.items() if i not in first_orders]
    assert set().union(*(sources(o) for o in second)) == expected
    all_refs = sum((sources(o) for o in app.store.orders.values()), Counter())
    assert set(all_refs.values()) <= {1}
    everything_billable = {b.id for b in [*ledger.billable_bookings()]} | {
        s.id for s in ledger.billable_supplies()
    }
    assert set(all_refs) == everything_billable | expected


# -- f. preview = generate ----------------------------------------------------


@PROPERTY_SETTINGS
@given(ledgers(default_rule=None), combinations)
def test_preview_plans_exactly_what_generate_saves_and_saves_nothing(
    ledger: Ledger, combination: tuple[Grouping, Granularity]
) -> None:
    app = App(ledger.store())
    before = snapshot(app.store)

    try:
        preview = app.preview(ledger, *combination)
    except HourbillError as refused:
        assert snapshot(app.store) == before
        with raises_problems(*[(p.code, p.field) for p in refused.problems]):
            app.generate(ledger, *combination)
        assert snapshot(app.store) == before
        return

    assert snapshot(app.store) == before
    if not preview.orders:
        with raises_problems((ErrorCode.NOTHING_TO_GENERATE, "periodStart")):
            app.generate(ledger, *combination)
        return
    generated = app.generate(ledger, *combination)
    assert shape(preview.orders) == shape(generated.orders)
    assert shape(list(app.store.orders.values())) == shape(generated.orders)
    assert sorted(o.number for o in app.store.orders.values()) == list(
        range(1, len(preview.orders) + 1)
    )
