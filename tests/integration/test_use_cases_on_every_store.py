"""The use cases behave the same on the in-memory fakes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from application.ports import CustomerFilter, OrderFilter, PageRequest, SourceFilter
from application.service import Hourbill
from application.use_cases.customers import CreateCustomerRequest, UpdateCustomerRequest
from application.use_cases.orders import (
    AddOrderLineRequest,
    CreateOrderRequest,
    UpdateOrderLineRequest,
    UpdateOrderRequest,
)
from application.use_cases.sources import UpdateBookingRequest
from application.use_cases.work import (
    CreateRateRuleRequest,
    SaveVatCodeRequest,
    UpdateInvoicingSettingsRequest,
)
from domain.errors import ErrorCode, HourbillError
from domain.orders import LineKind, Order
from tests.integration.world import NOVEMBER, NOVEMBER_PER_PROJECT, World, build_world, summary

ALL = PageRequest(first=100)


@pytest.fixture
async def world(app: Hourbill) -> World:
    return await build_world(app)


def error_codes(error: pytest.ExceptionInfo[HourbillError]) -> list[ErrorCode]:
    return [p.code for p in error.value.problems]


async def billed_booking_ids(app: Hourbill) -> set[uuid.UUID]:
    page = await app.queries.bookings(SourceFilter(billed=True), ALL)
    return {b.id for b in page.items}


async def saved_orders(app: Hourbill) -> list[Order]:
    return (await app.queries.orders(OrderFilter(), ALL)).items


async def test_generation_saves_what_the_preview_showed(app: Hourbill, world: World) -> None:
    preview = await app.preview_order_generation.execute(NOVEMBER)
    plan = await app.generate_orders.execute(NOVEMBER)

    assert [o.number for o in plan.orders] == [1, 2]
    unnumbered = [summary(o) | {"number": None} for o in plan.orders]
    assert [summary(o) for o in preview.orders] == unnumbered
    assert [summary(o) for o in await saved_orders(app)] == [summary(o) for o in plan.orders]


async def test_generation_bills_every_billable_source_exactly_once(
    app: Hourbill, world: World
) -> None:
    await app.generate_orders.execute(NOVEMBER)

    assert await billed_booking_ids(app) == {b.id for b in world.billable}
    unbilled = await app.queries.bookings(SourceFilter(billed=False), ALL)
    assert {b.id for b in unbilled.items} == {world.not_billable.id, world.december.id}
    supplies = await app.queries.supply_lines([s.id for s in world.supplies])
    assert supplies.keys() == {s.id for s in world.supplies}
    with pytest.raises(HourbillError) as error:
        await app.generate_orders.execute(NOVEMBER)
    assert error_codes(error) == [ErrorCode.NOTHING_TO_GENERATE]


async def test_deleting_a_line_releases_its_bookings(app: Hourbill, world: World) -> None:
    plan = await app.generate_orders.execute(NOVEMBER)
    acme = next(o for o in plan.orders if o.customer_id == world.acme.id)
    first = acme.lines[0]

    changed = await app.delete_order_line.execute(acme.id, first.id)

    (reloaded,) = await app.queries.orders_by_id([acme.id])
    assert summary(reloaded) == summary(changed)
    assert [line.position for line in reloaded.lines] == list(range(1, len(acme.lines)))
    assert not await app.queries.booking_lines(sorted(first.booking_ids))
    assert await billed_booking_ids(app) == {b.id for b in world.billable} - first.booking_ids


async def test_deleting_orders_makes_everything_billable_again(app: Hourbill, world: World) -> None:
    first = await app.generate_orders.execute(NOVEMBER)

    await app.delete_orders.execute([o.id for o in first.orders])

    assert await saved_orders(app) == []
    assert await billed_booking_ids(app) == set()
    again = await app.generate_orders.execute(NOVEMBER)
    assert [o.number for o in again.orders] == [3, 4]
    renumbered = [summary(o) | {"number": None} for o in again.orders]
    assert renumbered == [summary(o) | {"number": None} for o in first.orders]


async def test_merging_moves_lines_with_their_provenance(app: Hourbill, world: World) -> None:
    plan = await app.generate_orders.execute(NOVEMBER_PER_PROJECT)
    target, other = (o for o in plan.orders if o.customer_id == world.acme.id)
    globex = next(o for o in plan.orders if o.customer_id == world.globex.id)
    line_ids = [line.id for line in [*target.lines, *other.lines]]

    merged = await app.merge_orders.execute([target.id, other.id])

    (reloaded,) = await app.queries.orders_by_id([target.id, other.id])
    assert summary(reloaded) == summary(merged)
    assert [line.id for line in reloaded.lines] == line_ids
    assert [line.position for line in reloaded.lines] == list(range(1, len(line_ids) + 1))
    billed_on = await app.queries.booking_lines([b.id for b in world.billable])
    acme_bookings = {b.id for b in world.billable if b.customer_id == world.acme.id}
    assert {billed_on[b] for b in acme_bookings} <= set(line_ids)
    assert reloaded.totals().total == target.totals().total + other.totals().total
    with pytest.raises(HourbillError) as error:
        await app.merge_orders.execute([target.id, globex.id])
    assert error_codes(error) == [ErrorCode.CUSTOMER_MISMATCH]


async def test_editing_a_draft_order(app: Hourbill, world: World) -> None:
    order = await app.create_order.execute(CreateOrderRequest(world.globex.id, description="Extra"))
    order = await app.add_order_line.execute(
        AddOrderLineRequest(
            order.id,
            "Advies",
            Decimal("1.5"),
            Decimal("12345.6789"),
            unit="hour",
            discount_percent=Decimal("2.5"),
        )
    )
    line = order.lines[0]
    await app.update_order_line.execute(
        UpdateOrderLineRequest(order.id, line.id, quantity=Decimal("0.0001"), vat_code="9")
    )
    updated = await app.update_order.execute(
        UpdateOrderRequest(order.id, description="Extra werk", reference="PO-42")
    )

    (reloaded,) = await app.queries.orders_by_id([order.id])
    assert summary(reloaded) == summary(updated)
    (saved_line,) = reloaded.lines
    assert (saved_line.quantity, saved_line.vat_code, saved_line.vat_rate) == (
        Decimal("0.0001"),
        "9",
        Decimal("9"),
    )
    assert saved_line.kind is LineKind.MANUAL
    assert (reloaded.description, reloaded.reference, reloaded.number) == ("Extra werk", "PO-42", 1)


async def test_sources_on_an_order_are_locked_until_it_is_deleted(
    app: Hourbill, world: World
) -> None:
    plan = await app.generate_orders.execute(NOVEMBER)
    booking = world.billable[0]

    with pytest.raises(HourbillError) as error:
        await app.update_booking.execute(UpdateBookingRequest(booking.id, hours=Decimal(1)))
    assert error_codes(error) == [ErrorCode.LOCKED]
    with pytest.raises(HourbillError) as error:
        await app.delete_supply.execute(world.supplies[0].id)
    assert error_codes(error) == [ErrorCode.LOCKED]

    await app.delete_orders.execute([o.id for o in plan.orders])
    await app.delete_booking.execute(booking.id)
    await app.delete_supply.execute(world.supplies[0].id)
    assert await app.queries.bookings_by_id([booking.id]) == []
    assert await app.queries.supplies_by_id([world.supplies[0].id]) == []


async def test_customer_lifecycle(app: Hourbill, world: World) -> None:
    new = await app.create_customer.execute(
        CreateCustomerRequest("NEW", "Nieuw B.V.", email="info@nieuw.example")
    )
    with pytest.raises(HourbillError) as error:
        await app.create_customer.execute(CreateCustomerRequest("NEW", "Ander"))
    assert error_codes(error) == [ErrorCode.DUPLICATE]

    await app.update_customer.execute(
        UpdateCustomerRequest(new.id, name="Nieuw Bouw B.V.", clear=frozenset({"email"}))
    )
    (saved,) = await app.queries.customers_by_id([new.id])
    assert (saved.name, saved.email) == ("Nieuw Bouw B.V.", None)
    found = await app.queries.customers(CustomerFilter(search="bouw"), ALL)
    assert [c.code for c in found.items] == ["ACME", "NEW"]

    with pytest.raises(HourbillError) as error:
        await app.delete_customer.execute(world.acme.id)
    assert error_codes(error) == [ErrorCode.IN_USE]
    await app.delete_customer.execute(new.id)
    assert [c.id for c in await app.queries.customers_by_id([new.id, world.acme.id])] == [
        world.acme.id
    ]
    assert [c.code for c in (await app.queries.customers(CustomerFilter(), ALL)).items] == [
        "ACME",
        "GLOBEX",
    ]


async def test_rate_rules_vat_codes_and_settings(app: Hourbill, world: World) -> None:
    with pytest.raises(HourbillError) as error:
        await app.create_rate_rule.execute(CreateRateRuleRequest(Decimal("80")))
    assert error_codes(error) == [ErrorCode.DUPLICATE]
    rule = await app.create_rate_rule.execute(
        CreateRateRuleRequest(Decimal("70.1234"), customer_id=world.globex.id)
    )
    assert rule.id in {r.id for r in (await app.queries.rate_rules(ALL)).items}
    await app.delete_rate_rule.execute(rule.id)
    assert len((await app.queries.rate_rules(ALL)).items) == 2

    await app.save_vat_code.execute(SaveVatCodeRequest("6", "BTW oud 6%", Decimal("6.25")))
    await app.save_vat_code.execute(SaveVatCodeRequest("9", "BTW laag", Decimal("9.5")))
    codes = {v.code: (v.description, v.percentage) for v in await app.queries.vat_codes()}
    assert codes["6"] == ("BTW oud 6%", Decimal("6.25"))
    assert codes["9"] == ("BTW laag", Decimal("9.5"))

    await app.update_invoicing_settings.execute(
        UpdateInvoicingSettingsRequest(default_vat_code="9", hours_item_code="UREN")
    )
    settings = await app.queries.invoicing_settings()
    assert (settings.default_vat_code, settings.hours_item_code) == ("9", "UREN")
