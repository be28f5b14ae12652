"""Properties of `generate_orders`, for every grouping × granularity.

Rounding, precisely: `round_money(x)` is x quantized to 0.01 with ROUND_HALF_UP
(half away from zero). A line's amount is rounded once from the exact value of
quantity × price less discount; generated lines have no discount and one price,
so a line's amount is `round_money(Σ hours × rate + Σ quantity × unit price)` of
exactly its own bookings and supplies. An order's subtotal is the exact sum of
its (rounded) line amounts: no second rounding. So the grand total differs from
the rounded exact value of everything billed by at most half a cent per line.
"""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal

from hypothesis import given

from domain.errors import ErrorCode
from domain.generation import GenerationPlan, Granularity, Grouping, generate_orders
from domain.money import ZERO, round_money
from domain.rates import RateCard
from tests.unit.helpers import raises_problems
from tests.unit.properties.strategies import (
    COMBINATIONS,
    PROPERTY_SETTINGS,
    TODAY,
    Ledger,
    ledgers,
)

HALF_CENT = Decimal("0.005")


def generate(ledger: Ledger, grouping: Grouping, granularity: Granularity) -> GenerationPlan:
    return generate_orders(
        ledger.request(grouping, granularity),
        ledger.bookings,
        ledger.supplies,
        RateCard(ledger.rules),
        ledger.defaults(),
        ledger.catalog(),
        TODAY,
    )


def billed_booking_ids(plan: GenerationPlan) -> Counter[uuid.UUID]:
    return Counter(r.booking_id for o in plan.orders for ln in o.lines for r in ln.bookings)


def billed_supply_ids(plan: GenerationPlan) -> Counter[uuid.UUID]:
    return Counter(r.supply_id for o in plan.orders for ln in o.lines for r in ln.supplies)


@PROPERTY_SETTINGS
@given(ledgers())
def test_every_billable_source_in_the_selection_is_on_exactly_one_line(ledger: Ledger) -> None:
    expected_bookings = {b.id for b in ledger.billable_bookings()}
    expected_supplies = {s.id for s in ledger.billable_supplies()}

    for grouping, granularity in COMBINATIONS:
        plan = generate(ledger, grouping, granularity)

        bookings, supplies = billed_booking_ids(plan), billed_supply_ids(plan)
        assert set(bookings) == expected_bookings, (grouping, granularity)
        assert set(supplies) == expected_supplies, (grouping, granularity)
        assert set(bookings.values()) <= {1}
        assert set(supplies.values()) <= {1}
        assert (plan.booking_count, plan.supply_count) == (len(bookings), len(supplies))


@PROPERTY_SETTINGS
@given(ledgers())
def test_every_line_bills_sources_of_its_orders_customer_and_grouping(ledger: Ledger) -> None:
    bookings = {b.id: b for b in ledger.bookings}
    supplies = {s.id: s for s in ledger.supplies}

    for grouping, granularity in COMBINATIONS:
        plan = generate(ledger, grouping, granularity)

        keys = [(o.customer_id, o.project_id) for o in plan.orders]
        assert len(keys) == len(set(keys)), "one order per customer (and project)"
        if grouping is Grouping.PER_CUSTOMER:
            assert all(project is None for _, project in keys)
        for order in plan.orders:
            assert order.lines, "no empty orders"
            assert [ln.position for ln in order.lines] == list(range(1, len(order.lines) + 1))
            for line in order.lines:
                sources = [bookings[i] for i in line.booking_ids] + [
                    supplies[i] for i in line.supply_ids
                ]
                assert bool(line.bookings) != bool(line.supplies), "hours and goods apart"
                assert {s.customer_id for s in sources} == {order.customer_id}
                assert {(s.project_id, s.task_id) for s in sources} == {
                    (line.project_id, line.task_id)
                }
                if grouping is Grouping.PER_PROJECT:
                    assert {s.project_id for s in sources} == {order.project_id}
                if granularity is Granularity.PER_BOOKING:
                    assert len(sources) == 1


@PROPERTY_SETTINGS
@given(ledgers())
def test_line_provenance_snapshots_each_sources_hours_rate_quantity_and_price(
    ledger: Ledger,
) -> None:
    bookings = {b.id: b for b in ledger.bookings}
    supplies = {s.id: s for s in ledger.supplies}

    for grouping, granularity in COMBINATIONS:
        for order in generate(ledger, grouping, granularity).orders:
            for line in order.lines:
                for ref in line.bookings:
                    booking = bookings[ref.booking_id]
                    assert (ref.hours, ref.rate) == (booking.hours, ledger.price(booking))
                    assert ref.rate == line.unit_price
                for sref in line.supplies:
                    supply = supplies[sref.supply_id]
                    assert (sref.quantity, sref.unit_price) == (supply.quantity, supply.unit_price)
                    assert sref.unit_price == line.unit_price
                assert line.quantity == sum((r.hours for r in line.bookings), ZERO) + sum(
                    (r.quantity for r in line.supplies), ZERO
                )


@PROPERTY_SETTINGS
@given(ledgers())
def test_amounts_are_the_rounded_exact_value_of_each_lines_sources(ledger: Ledger) -> None:
    for grouping, granularity in COMBINATIONS:
        plan = generate(ledger, grouping, granularity)
        lines = [line for order in plan.orders for line in order.lines]

        for order in plan.orders:
            assert order.totals().subtotal == sum((ln.amount for ln in order.lines), ZERO)
        for line in lines:
            exact = sum((r.hours * r.rate for r in line.bookings), ZERO) + sum(
                (r.quantity * r.unit_price for r in line.supplies), ZERO
            )
            assert line.amount == line.source_amount == round_money(exact)
        grand_total = sum((o.totals().subtotal for o in plan.orders), ZERO)
        assert grand_total == sum((line.source_amount for line in lines), ZERO)
        everything = sum((b.hours * ledger.price(b) for b in ledger.billable_bookings()), ZERO)
        everything += sum((s.quantity * s.unit_price for s in ledger.billable_supplies()), ZERO)
        assert abs(grand_total - everything) <= HALF_CENT * len(lines)


@PROPERTY_SETTINGS
@given(ledgers())
def test_vat_is_rounded_once_per_rate_over_the_line_amounts(ledger: Ledger) -> None:
    for order in generate(ledger, Grouping.PER_CUSTOMER, Granularity.PER_BOOKING).orders:
        totals = order.totals()
        for vat in totals.vat:
            base = sum(
                (
                    ln.amount
                    for ln in order.lines
                    if (ln.vat_code, ln.vat_rate) == (vat.vat_code, vat.rate)
                ),
                ZERO,
            )
            assert vat.base == base
            assert vat.amount == round_money(base * vat.rate / 100)
        assert totals.total == totals.subtotal + sum((v.amount for v in totals.vat), ZERO)


@PROPERTY_SETTINGS
@given(ledgers(default_rule=None))
def test_an_unpriced_billable_booking_stops_generation_naming_each_one(ledger: Ledger) -> None:
    unpriced = [b for b in ledger.billable_bookings() if ledger.price(b) is None]

    for grouping, granularity in COMBINATIONS:
        if unpriced:
            with raises_problems(*[(ErrorCode.NO_RATE, "rateRules")] * len(unpriced)) as info:
                generate(ledger, grouping, granularity)
            messages = [p.message for p in info.value.problems]
            assert all(str(b.id) in m for b, m in zip(unpriced, messages, strict=True))
        else:
            plan = generate(ledger, grouping, granularity)
            assert set(billed_booking_ids(plan)) == {b.id for b in ledger.billable_bookings()}
