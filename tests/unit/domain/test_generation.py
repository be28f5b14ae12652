from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal

from domain.bookings import HourBooking, Supply
from domain.customers import Language
from domain.errors import ErrorCode
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
from domain.orders import LineKind, Order
from domain.rates import RateCard, RateRule
from tests.factories import HourBookingFactory, RateRuleFactory, SupplyFactory
from tests.unit.conftest import World
from tests.unit.helpers import raises_problems

D = Decimal
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
TODAY = dt.date(2026, 4, 2)
RATES = {"21": D("21"), "9": D("9"), "0": D("0")}


def plan(
    world: World,
    bookings: Iterable[HourBooking] = (),
    supplies: Iterable[Supply] = (),
    *,
    rules: Iterable[RateRule] | None = None,
    grouping: Grouping = Grouping.PER_CUSTOMER,
    granularity: Granularity = Granularity.PER_TASK_AND_RATE,
    customer_ids: Iterable[uuid.UUID] = (),
    order_date: dt.date | None = None,
    hours_item_code: str | None = None,
    vat_rates: dict[str, Decimal] = RATES,
) -> GenerationPlan:
    request = GenerationRequest(
        START, END, frozenset(customer_ids), grouping, granularity, order_date
    )
    catalog = WorkCatalog(
        customers_vat={world.acme.id: world.acme.vat_code, world.globex.id: world.globex.vat_code},
        projects={world.renovation.id: world.renovation},
        tasks={world.design.id: world.design, world.build.id: world.build},
        employees={world.anna.id: world.anna, world.bram.id: world.bram},
        customers_language={world.globex.id: Language.NL},
    )
    defaults = InvoicingDefaults("21", vat_rates, hours_item_code)
    card = RateCard([world.default_rate] if rules is None else rules)
    return generate_orders(request, bookings, supplies, card, defaults, catalog, TODAY)


def booking(world: World, **fields: object) -> HourBooking:
    defaults: dict[str, object] = {
        "customer": world.acme,
        "employee": world.anna,
        "date": dt.date(2026, 3, 10),
        "hours": D("2"),
    }
    return HourBookingFactory(**{**defaults, **fields})


def supply(world: World, **fields: object) -> Supply:
    defaults: dict[str, object] = {"customer": world.acme, "date": dt.date(2026, 3, 10)}
    return SupplyFactory(**{**defaults, **fields})


def lines_of(order: Order) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [(ln.description, ln.quantity, ln.unit_price, ln.amount) for ln in order.lines]


def only(generated: GenerationPlan) -> Order:
    assert len(generated.orders) == 1
    return generated.orders[0]


# -- grouping into orders -----------------------------------------------------


def test_per_customer_makes_one_order_per_customer_with_all_its_work(world: World) -> None:
    acme_on_project = booking(world, task=world.design)
    acme_loose = booking(world)
    globex = booking(world, customer=world.globex)

    generated = plan(world, [acme_on_project, acme_loose, globex])

    by_customer = {o.customer_id: o for o in generated.orders}
    assert set(by_customer) == {world.acme.id, world.globex.id}
    assert by_customer[world.acme.id].booking_ids == {acme_on_project.id, acme_loose.id}
    assert by_customer[world.globex.id].booking_ids == {globex.id}
    assert all(o.project_id is None for o in generated.orders)
    assert by_customer[world.acme.id].description == "Hours and supplies 1 Mar 2026 – 31 Mar 2026"
    # Written in the customer's language: Globex reads Dutch.
    assert by_customer[world.globex.id].description == "Uren en materialen 01-03-2026 – 31-03-2026"


def test_per_project_makes_one_order_per_project_and_one_for_work_without_project(
    world: World,
) -> None:
    on_project = booking(world, task=world.design)
    on_project_supply = supply(world, task=world.build)
    loose = booking(world)

    generated = plan(world, [on_project, loose], [on_project_supply], grouping=Grouping.PER_PROJECT)

    by_project = {o.project_id: o for o in generated.orders}
    assert set(by_project) == {world.renovation.id, None}
    project_order = by_project[world.renovation.id]
    assert (project_order.booking_ids, project_order.supply_ids) == (
        {on_project.id},
        {on_project_supply.id},
    )
    assert project_order.description == "Renovatie, 1 Mar 2026 – 31 Mar 2026"
    assert by_project[None].booking_ids == {loose.id}
    assert by_project[None].description == "Hours and supplies 1 Mar 2026 – 31 Mar 2026"


def test_generated_orders_are_drafts_for_the_period_dated_today_unless_given(
    world: World,
) -> None:
    dated_today = only(plan(world, [booking(world)]))
    dated = only(plan(world, [booking(world)], order_date=dt.date(2026, 4, 30)))

    assert (dated_today.order_date, dated.order_date) == (TODAY, dt.date(2026, 4, 30))
    assert (dated_today.period_start, dated_today.period_end) == (START, END)
    assert (dated_today.editable, dated_today.number) == (True, None)


# -- hours lines ----------------------------------------------------------------


def test_per_task_and_rate_sums_the_hours_of_a_task_at_one_rate(world: World) -> None:
    bookings = [
        booking(world, task=world.design, hours=D("2.5")),
        booking(world, task=world.design, hours=D("1.25"), employee=world.bram),
        booking(world, task=world.build, hours=D("8")),
        booking(world, hours=D("0.5")),
    ]

    order = only(plan(world, bookings))

    assert lines_of(order) == [
        ("Hours", D("0.5"), D("90"), D("45.00")),
        ("Renovatie — Ontwerp", D("3.75"), D("90"), D("337.50")),
        ("Renovatie — Bouw", D("8"), D("90"), D("720.00")),
    ]
    assert [ln.position for ln in order.lines] == [1, 2, 3]
    assert all(ln.kind is LineKind.HOURS and ln.unit == "hour" for ln in order.lines)


def test_per_task_and_rate_splits_a_task_by_rate(world: World) -> None:
    at_default = booking(world, task=world.design)
    at_explicit = booking(world, task=world.design, rate=D("120"))
    also_at_default = booking(world, task=world.design, rate=D("90.00"))

    order = only(plan(world, [at_default, at_explicit, also_at_default]))

    by_rate = {ln.unit_price: ln for ln in order.lines}
    assert set(by_rate) == {D("90"), D("120")}
    assert by_rate[D("90")].booking_ids == {at_default.id, also_at_default.id}
    assert by_rate[D("120")].booking_ids == {at_explicit.id}


def test_lines_of_one_task_are_ordered_by_rate_as_a_number(world: World) -> None:
    at_100 = booking(world, task=world.design, rate=D("100"))
    at_90 = booking(world, task=world.design, rate=D("90"))
    at_1000 = booking(world, task=world.design, rate=D("1000"))

    order = only(plan(world, [at_100, at_1000, at_90]))

    assert [ln.unit_price for ln in order.lines] == [D("90"), D("100"), D("1000")]
    assert [ln.position for ln in order.lines] == [1, 2, 3]


def test_per_booking_makes_one_line_per_booking_described_by_date_and_employee(
    world: World,
) -> None:
    described = booking(
        world, task=world.design, date=dt.date(2026, 3, 3), description="Schetsontwerp"
    )
    bare = booking(world, employee=world.bram, date=dt.date(2026, 3, 2), description="")

    order = only(plan(world, [described, bare], granularity=Granularity.PER_BOOKING))

    assert [(ln.description, ln.booking_ids) for ln in order.lines] == [
        ("2026-03-02 Bram Jansen, Hours", {bare.id}),
        ("2026-03-03 Anna de Vries, Renovatie — Ontwerp: Schetsontwerp", {described.id}),
    ]


def test_hours_lines_record_each_booking_with_its_hours_and_rate(world: World) -> None:
    first = booking(world, hours=D("1.5"))
    second = booking(world, hours=D("2.25"))

    line = only(plan(world, [first, second])).lines[0]

    assert sorted((r.booking_id, r.hours, r.rate) for r in line.bookings) == sorted(
        [(first.id, D("1.5"), D("90")), (second.id, D("2.25"), D("90"))]
    )
    assert line.amount == line.source_amount == D("337.50")


def test_hours_lines_use_the_rate_card_and_an_explicit_rate_overrides_it(world: World) -> None:
    rules = [
        world.default_rate,
        RateRuleFactory(rate=D("110"), customer_id=world.acme.id),
        RateRuleFactory(rate=D("130"), project_id=world.renovation.id),
    ]
    loose = booking(world)
    on_project = booking(world, task=world.design)
    overridden = booking(world, task=world.build, rate=D("75.5"))
    globex = booking(world, customer=world.globex)

    generated = plan(world, [loose, on_project, overridden, globex], rules=rules)

    priced = {
        ref.booking_id: ref.rate
        for order in generated.orders
        for line in order.lines
        for ref in line.bookings
    }
    assert priced == {
        loose.id: D("110"),
        on_project.id: D("130"),
        overridden.id: D("75.5"),
        globex.id: D("90"),
    }


def test_hours_lines_take_the_customers_vat_code_else_the_default(world: World) -> None:
    world.acme.vat_code = "9"

    generated = plan(world, [booking(world), booking(world, customer=world.globex)])

    vat = {o.customer_id: (o.lines[0].vat_code, o.lines[0].vat_rate) for o in generated.orders}
    assert vat == {world.acme.id: ("9", D("9")), world.globex.id: ("21", D("21"))}


def test_hours_lines_take_the_tasks_item_code_else_the_hours_item(world: World) -> None:
    bookings = [booking(world, task=world.build), booking(world, task=world.design), booking(world)]

    with_default = only(plan(world, bookings, hours_item_code="UREN"))
    without_default = only(plan(world, bookings))

    assert {ln.description: ln.item_code for ln in with_default.lines} == {
        "Renovatie — Bouw": "BOUW",
        "Renovatie — Ontwerp": "UREN",
        "Hours": "UREN",
    }
    assert [ln.item_code for ln in without_default.lines] == [None, None, "BOUW"]


def test_hours_lines_carry_project_and_task(world: World) -> None:
    line = only(plan(world, [booking(world, task=world.design)])).lines[0]

    assert (line.project_id, line.task_id) == (world.renovation.id, world.design.id)


# -- supply lines -----------------------------------------------------------


def test_supplies_of_one_item_price_vat_and_unit_on_a_task_share_a_line(world: World) -> None:
    cable = [
        supply(world, task=world.build, quantity=D("10"), description="Kabel"),
        supply(world, task=world.build, quantity=D("2.5"), description="Kabel"),
    ]
    dearer = supply(world, task=world.build, unit_price=D("4.10"), description="Kabel")
    low_vat = supply(world, task=world.build, vat_code="9", description="Kabel")
    other_item = supply(world, item_code="MAT-LAMP", unit="pc", description="Lamp")

    order = only(plan(world, [], [*cable, dearer, low_vat, other_item]))

    summary = {
        (ln.item_code, ln.unit_price, ln.vat_code): (ln.quantity, ln.supply_ids)
        for ln in order.lines
    }
    assert summary == {
        ("MAT-KABEL", D("3.95"), "21"): (D("12.5"), {s.id for s in cable}),
        ("MAT-KABEL", D("4.10"), "21"): (D("12.5"), {dearer.id}),
        ("MAT-KABEL", D("3.95"), "9"): (D("12.5"), {low_vat.id}),
        ("MAT-LAMP", D("3.95"), "21"): (D("12.5"), {other_item.id}),
    }
    assert all(ln.kind is LineKind.SUPPLY for ln in order.lines)


def test_supply_line_takes_the_supplies_description_only_when_they_agree(world: World) -> None:
    same = [supply(world, description="Kabel 3x2,5") for _ in range(2)]
    mixed = [
        supply(world, item_code="MAT-BUIS", description="Buis 16mm"),
        supply(world, item_code="MAT-BUIS", description="Buis 19mm"),
    ]

    order = only(plan(world, [], [*same, *mixed]))

    assert sorted(ln.description for ln in order.lines) == ["Kabel 3x2,5", "MAT-BUIS"]


def test_supply_line_carries_unit_vat_rate_and_priced_refs(world: World) -> None:
    item = supply(world, quantity=D("1.2345"), unit_price=D("0.9999"), unit="m", vat_code="9")

    line = only(plan(world, [], [item])).lines[0]

    assert (line.unit, line.vat_code, line.vat_rate, line.item_code) == (
        "m",
        "9",
        D("9"),
        "MAT-KABEL",
    )
    assert [(r.supply_id, r.quantity, r.unit_price) for r in line.supplies] == [
        (item.id, D("1.2345"), D("0.9999"))
    ]
    assert line.amount == line.source_amount == D("1.23")  # 1.23437655


def test_per_booking_makes_one_line_per_supply(world: World) -> None:
    supplies = [supply(world, description="Kabel") for _ in range(3)]

    order = only(plan(world, [], supplies, granularity=Granularity.PER_BOOKING))

    assert sorted(len(ln.supplies) for ln in order.lines) == [1, 1, 1]


def test_hours_lines_come_before_supply_lines(world: World) -> None:
    order = only(plan(world, [booking(world, task=world.build)], [supply(world, task=world.build)]))

    assert [ln.kind for ln in order.lines] == [LineKind.HOURS, LineKind.SUPPLY]


# -- selection --------------------------------------------------------------


def test_non_billable_bookings_are_left_out(world: World) -> None:
    billable = booking(world)

    order = only(plan(world, [billable, booking(world, billable=False)]))

    assert order.booking_ids == {billable.id}


def test_only_work_within_the_period_inclusive_is_billed(world: World) -> None:
    days = [dt.date(2026, 2, 28), START, END, dt.date(2026, 4, 1)]
    bookings = [booking(world, date=day) for day in days]
    supplies = [supply(world, date=day) for day in days]

    order = only(plan(world, bookings, supplies))

    assert order.booking_ids == {bookings[1].id, bookings[2].id}
    assert order.supply_ids == {supplies[1].id, supplies[2].id}


def test_a_customer_selection_bills_only_those_customers(world: World) -> None:
    acme = [booking(world), supply(world)]
    globex = [booking(world, customer=world.globex), supply(world, customer=world.globex)]

    generated = plan(
        world, [acme[0], globex[0]], [acme[1], globex[1]], customer_ids=[world.globex.id]
    )

    order = only(generated)
    assert (order.customer_id, order.booking_ids, order.supply_ids) == (
        world.globex.id,
        {globex[0].id},
        {globex[1].id},
    )


def test_nothing_selected_plans_no_orders(world: World) -> None:
    generated = plan(
        world,
        [booking(world, billable=False)],
        [supply(world, date=dt.date(2026, 2, 28))],
    )

    assert (generated.orders, generated.booking_count, generated.supply_count) == ([], 0, 0)
    with raises_problems((ErrorCode.NOTHING_TO_GENERATE, "periodStart")):
        ensure_something_to_generate(generated)


def test_plan_counts_its_bookings_and_supplies(world: World) -> None:
    generated = plan(
        world,
        [booking(world), booking(world, customer=world.globex), booking(world, task=world.design)],
        [supply(world)],
    )

    assert (generated.booking_count, generated.supply_count) == (3, 1)
    ensure_something_to_generate(generated)


# -- errors -----------------------------------------------------------------


def test_unpriced_bookings_stop_generation_listing_each_of_them(world: World) -> None:
    unpriced = [booking(world, date=dt.date(2026, 3, 2)), booking(world, date=dt.date(2026, 3, 3))]
    priced = booking(world, rate=D("100"))

    with raises_problems(
        (ErrorCode.NO_RATE, "rateRules"), (ErrorCode.NO_RATE, "rateRules")
    ) as info:
        plan(world, [unpriced[0], priced, unpriced[1]], rules=[])

    assert [p.message for p in info.value.problems] == [
        f"no rate rule applies to the booking of 2026-03-0{i + 2} ({b.id});"
        " add a default rate rule or a rate"
        for i, b in enumerate(unpriced)
    ]


def test_unpriced_bookings_that_are_not_billed_do_not_stop_generation(world: World) -> None:
    rules = [RateRuleFactory(customer_id=world.acme.id)]
    ignored = [
        booking(world, customer=world.globex, billable=False),
        booking(world, customer=world.globex, date=dt.date(2026, 4, 1)),
    ]

    order = only(plan(world, [booking(world), *ignored], rules=rules))

    assert order.customer_id == world.acme.id


def test_unknown_vat_code_of_a_supply_is_not_found_on_vat_code(world: World) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "vatCode")) as info:
        plan(world, [], [supply(world, vat_code="6")])

    assert str(info.value) == "VAT code '6' is not known"


def test_unknown_vat_code_for_hours_is_not_found_on_vat_code(world: World) -> None:
    world.acme.vat_code = "EU"

    with raises_problems((ErrorCode.NOT_FOUND, "vatCode")):
        plan(world, [booking(world)])


def test_period_ending_before_it_starts_is_invalid_on_period_end() -> None:
    with raises_problems((ErrorCode.INVALID, "periodEnd")):
        GenerationRequest(END, START).validate()


def test_period_of_more_than_five_years_is_out_of_range() -> None:
    GenerationRequest(dt.date(2021, 1, 1), dt.date(2026, 1, 1)).validate()
    with raises_problems((ErrorCode.OUT_OF_RANGE, "periodEnd")):
        GenerationRequest(dt.date(2020, 1, 1), dt.date(2026, 1, 1)).validate()


def test_generate_orders_validates_the_request_first(world: World) -> None:
    with raises_problems((ErrorCode.INVALID, "periodEnd")):
        generate_orders(
            GenerationRequest(END, START),
            [booking(world)],
            [],
            RateCard([]),
            InvoicingDefaults("21", RATES),
            WorkCatalog({}, {}, {}, {}),
            TODAY,
        )


def test_an_explicit_rate_of_zero_bills_free_hours_rather_than_no_rate(world: World) -> None:
    free = booking(world, rate=D("0"), hours=D("3"))

    line = only(plan(world, [free], rules=[])).lines[0]

    assert (line.quantity, line.unit_price, line.amount) == (D("3"), D("0"), D("0.00"))
