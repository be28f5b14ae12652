"""previewOrderGeneration (a diff, nothing saved) and generateOrders."""

from __future__ import annotations

from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api, codes
from tests.graphql.ids import unknown_id

PERIOD = {"periodStart": "2026-11-01", "periodEnd": "2026-11-30"}
STATE = """{
  orders { totalCount }
  bookings(billed: false) { totalCount }
  supplies(billed: false) { totalCount }
}"""


async def test_preview_shows_which_booking_and_supply_lands_on_which_line(api: Api) -> None:
    office = await seed.office(api)
    payload = await api.ok(doc.PREVIEW, **PERIOD)
    preview = payload["preview"]
    assert (preview["orderCount"], preview["bookingCount"], preview["supplyCount"]) == (1, 2, 1)
    assert (preview["subtotal"], preview["vatTotal"], preview["total"]) == (
        "1312.50",
        "275.63",
        "1588.13",
    )
    (order,) = preview["orders"]
    assert order["customer"]["id"] == office.customer
    assert (order["periodStart"], order["periodEnd"], order["orderDate"]) == (
        "2026-11-01",
        "2026-11-30",
        "2026-11-30",
    )
    hours, goods = order["lines"]
    assert (hours["kind"], hours["quantity"], hours["unitPrice"], hours["amount"]) == (
        "HOURS",
        "15.0",
        "85",
        "1275.00",
    )
    assert {b["booking"]["id"] for b in hours["bookings"]} == set(office.bookings)
    assert [b["hours"] for b in hours["bookings"]] == ["7.5", "7.5"]
    assert (goods["kind"], goods["supplyCount"]) == ("SUPPLY", 1)
    assert [s["supply"]["id"] for s in goods["supplies"]] == office.supplies
    assert order["vat"] == [{"vatCode": "21", "rate": "21", "base": "1312.50", "amount": "275.63"}]


async def test_preview_changes_nothing(api: Api) -> None:
    await seed.office(api)
    before = await api.data(STATE)
    await api.ok(doc.PREVIEW, **PERIOD)
    await api.ok(doc.PREVIEW, **PERIOD)
    assert await api.data(STATE) == before
    assert before == {
        "orders": {"totalCount": 0},
        "bookings": {"totalCount": 2},
        "supplies": {"totalCount": 1},
    }


async def test_generate_orders_saves_what_the_preview_showed(api: Api) -> None:
    await seed.office(api)
    preview = (await api.ok(doc.PREVIEW, **PERIOD))["preview"]
    payload = await api.ok(doc.GENERATE, **PERIOD)
    (order,) = payload["orders"]
    assert (payload["bookingCount"], payload["supplyCount"]) == (2, 1)
    assert (order["number"], order["status"]) == (1, "DRAFT")
    assert order["total"] == preview["total"]
    assert [line["amount"] for line in order["lines"]] == [
        line["amount"] for line in preview["orders"][0]["lines"]
    ]
    assert await api.data(STATE) == {
        "orders": {"totalCount": 1},
        "bookings": {"totalCount": 0},
        "supplies": {"totalCount": 0},
    }


async def test_generation_per_project_and_per_booking(api: Api) -> None:
    await seed.office(api)
    payload = await api.ok(doc.PREVIEW, **PERIOD, grouping="PER_PROJECT", granularity="PER_BOOKING")
    kinds = {
        o["description"]: [line["kind"] for line in o["lines"]]
        for o in payload["preview"]["orders"]
    }
    assert kinds == {
        "Website, 01-11-2026 – 30-11-2026": ["HOURS", "HOURS"],
        "Uren en materialen 01-11-2026 – 30-11-2026": ["SUPPLY"],
    }


async def test_generation_for_selected_customers(api: Api) -> None:
    acme = await seed.office(api, code="ACME", employee_code="ANNA")
    await seed.office(api, code="DELTA", employee_code="BOB")
    orders = await seed.generate(api, customerIds=[acme.customer])
    assert [o["customer"]["id"] for o in orders] == [acme.customer]


async def test_generation_errors(api: Api) -> None:
    errors = await api.errors(doc.PREVIEW, periodStart="2026-11-30", periodEnd="2026-11-01")
    assert codes(errors) == {("periodEnd", "INVALID")}
    errors = await api.errors(doc.GENERATE, **PERIOD)
    assert codes(errors) == {("periodStart", "NOTHING_TO_GENERATE")}
    errors = await api.errors(doc.PREVIEW, **PERIOD, customerIds=[unknown_id("Customer")])
    assert codes(errors) == {("customerIds", "NOT_FOUND")}
    errors = await api.errors(doc.PREVIEW, **PERIOD, customerIds=["nope"])
    assert codes(errors) == {("customerIds", "INVALID")}


async def test_bookings_without_a_rate_stop_generation(api: Api) -> None:
    customer_id = await seed.customer(api)
    await seed.booking(api, await seed.employee(api), customer_id)
    errors = await api.errors(doc.GENERATE, **PERIOD)
    assert codes(errors) == {(None, "NO_RATE")}, "no input field is at fault: field is null"
    assert "rate" in errors[0]["message"]
    assert (await api.data(STATE))["orders"] == {"totalCount": 0}
