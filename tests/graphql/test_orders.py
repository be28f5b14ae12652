"""createOrder, updateOrder, order lines, deleteOrders and mergeOrders."""

from __future__ import annotations

from typing import Any

from domain.orders import OrderStatus
from tests.fakes import FakeStore
from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api, codes
from tests.graphql.ids import global_id_of, unknown_id

UNBILLED = """query($c: ID) {
  bookings(customerId: $c, billed: false) { totalCount }
  supplies(customerId: $c, billed: false) { totalCount }
}"""
ORDER_NUMBERS = "{ orders { totalCount edges { node { number bookingCount supplyCount } } } }"


async def unbilled(api: Api, customer_id: str | None = None) -> tuple[int, int]:
    data = await api.data(UNBILLED, c=customer_id)
    return data["bookings"]["totalCount"], data["supplies"]["totalCount"]


async def new_order(api: Api, customer_id: str, **extra: Any) -> dict[str, Any]:
    payload = await api.ok(doc.CREATE_ORDER, customerId=customer_id, **extra)
    order: dict[str, Any] = payload["order"]
    return order


async def test_create_order_is_an_empty_draft_dated_today(api: Api) -> None:
    customer_id = await seed.customer(api)
    order = await new_order(api, customer_id, description="Consultancy", reference="PO-42")
    assert order["number"] == 1
    assert order["status"] == "DRAFT"
    assert order["orderDate"] == "2026-11-30"
    assert (order["description"], order["reference"]) == ("Consultancy", "PO-42")
    assert (order["subtotal"], order["vatTotal"], order["total"]) == ("0", "0", "0")
    assert order["lines"] == []
    assert order["customer"]["id"] == customer_id


async def test_create_order_errors(api: Api) -> None:
    assert codes(await api.errors(doc.CREATE_ORDER, customerId=unknown_id("Customer"))) == {
        ("customerId", "NOT_FOUND")
    }
    assert codes(await api.errors(doc.CREATE_ORDER, customerId="bad")) == {
        ("customerId", "INVALID")
    }
    customer_id = await seed.customer(api)
    errors = await api.errors(doc.CREATE_ORDER, customerId=customer_id, orderDate="2101-01-01")
    assert codes(errors) == {("orderDate", "OUT_OF_RANGE")}


async def test_update_order(api: Api) -> None:
    order = await new_order(api, await seed.customer(api))
    payload = await api.ok(
        doc.UPDATE_ORDER, id=order["id"], orderDate="2026-12-01", reference="PO-7"
    )
    assert (payload["order"]["orderDate"], payload["order"]["reference"]) == ("2026-12-01", "PO-7")
    errors = await api.errors(doc.UPDATE_ORDER, id=order["id"], reference="x" * 256)
    assert codes(errors) == {("reference", "OUT_OF_RANGE")}
    assert codes(await api.errors(doc.UPDATE_ORDER, id=unknown_id("Order"))) == {
        ("id", "NOT_FOUND")
    }


async def test_add_update_and_delete_order_lines(api: Api) -> None:
    order = await new_order(api, await seed.customer(api))
    added = await api.ok(
        doc.ADD_ORDER_LINE,
        orderId=order["id"],
        description="Licence",
        quantity="3",
        unitPrice="19.99",
        discountPercent="10",
    )
    (line,) = added["order"]["lines"]
    assert (line["kind"], line["position"], line["vatCode"], line["vatRate"]) == (
        "MANUAL",
        1,
        "21",
        "21",
    )
    assert line["amount"] == "53.97"
    assert (added["order"]["subtotal"], added["order"]["vatTotal"], added["order"]["total"]) == (
        "53.97",
        "11.33",
        "65.30",
    )
    updated = await api.ok(
        doc.UPDATE_ORDER_LINE, orderId=order["id"], lineId=line["id"], vatCode="9", quantity="1"
    )
    (line,) = updated["order"]["lines"]
    assert (line["vatCode"], line["vatRate"], line["amount"]) == ("9", "9", "17.99")
    assert updated["order"]["vat"] == [
        {"vatCode": "9", "rate": "9", "base": "17.99", "amount": "1.62"}
    ]
    deleted = await api.ok(doc.DELETE_ORDER_LINE, orderId=order["id"], lineId=line["id"])
    assert deleted["order"]["lines"] == []


async def test_order_line_errors(api: Api) -> None:
    order = await new_order(api, await seed.customer(api))
    errors = await api.errors(
        doc.ADD_ORDER_LINE,
        orderId=order["id"],
        description="",
        quantity="0",
        unitPrice="abc",
        discountPercent="150",
    )
    assert codes(errors) == {("unitPrice", "INVALID")}
    errors = await api.errors(
        doc.ADD_ORDER_LINE,
        orderId=order["id"],
        description="",
        quantity="0",
        unitPrice="1",
        discountPercent="150",
    )
    assert codes(errors) == {
        ("description", "REQUIRED"),
        ("quantity", "OUT_OF_RANGE"),
        ("discountPercent", "OUT_OF_RANGE"),
    }
    errors = await api.errors(
        doc.ADD_ORDER_LINE,
        orderId=order["id"],
        description="X",
        quantity="1",
        unitPrice="1",
        vatCode="42",
    )
    assert codes(errors) == {("vatCode", "NOT_FOUND")}
    errors = await api.errors(
        doc.UPDATE_ORDER_LINE, orderId=order["id"], lineId=unknown_id("OrderLine"), quantity="2"
    )
    assert codes(errors) == {("lineId", "NOT_FOUND")}
    errors = await api.errors(doc.DELETE_ORDER_LINE, orderId=order["id"], lineId=order["id"])
    assert codes(errors) == {("lineId", "INVALID")}


async def test_deleting_a_generated_line_releases_its_bookings(api: Api) -> None:
    office = await seed.office(api)
    (order,) = await seed.generate(api)
    assert await unbilled(api) == (0, 0)
    hours_line = order["lines"][0]
    assert {b["booking"]["id"] for b in hours_line["bookings"]} == set(office.bookings)
    await api.ok(doc.DELETE_ORDER_LINE, orderId=order["id"], lineId=hours_line["id"])
    assert await unbilled(api) == (2, 0)


async def test_updating_a_generated_line_keeps_its_provenance(api: Api) -> None:
    await seed.office(api)
    (order,) = await seed.generate(api)
    line = order["lines"][0]
    payload = await api.ok(
        doc.UPDATE_ORDER_LINE, orderId=order["id"], lineId=line["id"], description="Design work"
    )
    changed = payload["order"]["lines"][0]
    assert changed["description"] == "Design work"
    assert changed["bookings"] == line["bookings"]


async def test_delete_orders_releases_their_bookings_and_supplies(api: Api) -> None:
    await seed.office(api)
    (order,) = await seed.generate(api)
    assert await unbilled(api) == (0, 0)
    payload = await api.ok(doc.DELETE_ORDERS, orderIds=[order["id"]])
    assert payload["deletedOrderIds"] == [order["id"]]
    assert await unbilled(api) == (2, 1)
    assert (await api.data(doc.NODE, id=order["id"]))["node"] is None


async def test_delete_orders_is_all_or_nothing(api: Api) -> None:
    order = await new_order(api, await seed.customer(api))
    errors = await api.errors(doc.DELETE_ORDERS, orderIds=[order["id"], unknown_id("Order")])
    assert codes(errors) == {("orderIds", "NOT_FOUND")}
    assert codes(await api.errors(doc.DELETE_ORDERS, orderIds=[])) == {("orderIds", "REQUIRED")}
    assert codes(await api.errors(doc.DELETE_ORDERS, orderIds=[order["id"], order["id"]])) == {
        ("orderIds", "DUPLICATE")
    }
    assert codes(await api.errors(doc.DELETE_ORDERS, orderIds=["junk"])) == {
        ("orderIds", "INVALID")
    }
    assert (await api.data(doc.NODE, id=order["id"]))["node"]["number"] == 1


async def test_merge_orders_of_one_customer(api: Api) -> None:
    office = await seed.office(api)
    (generated,) = await seed.generate(api)
    manual = await new_order(api, office.customer)
    await api.ok(
        doc.ADD_ORDER_LINE, orderId=manual["id"], description="Travel", quantity="1", unitPrice="40"
    )
    payload = await api.ok(doc.MERGE_ORDERS, orderIds=[generated["id"], manual["id"]])
    merged = payload["order"]
    assert merged["id"] == generated["id"]
    assert [line["position"] for line in merged["lines"]] == [1, 2, 3]
    assert (merged["bookingCount"], merged["supplyCount"]) == (2, 1)
    assert merged["subtotal"] == "1352.50"
    assert (await api.data(doc.NODE, id=manual["id"]))["node"] is None


async def test_merging_orders_of_different_customers_changes_nothing(api: Api) -> None:
    await seed.office(api, code="ACME", employee_code="ANNA")
    await seed.office(api, code="DELTA", employee_code="BOB")
    orders = await seed.generate(api)
    before = await api.data(ORDER_NUMBERS)
    errors = await api.errors(doc.MERGE_ORDERS, orderIds=[o["id"] for o in orders])
    assert codes(errors) == {("orderIds", "CUSTOMER_MISMATCH")}
    assert await api.data(ORDER_NUMBERS) == before
    assert before["orders"]["totalCount"] == 2


async def test_merging_needs_two_orders(api: Api) -> None:
    order = await new_order(api, await seed.customer(api))
    assert codes(await api.errors(doc.MERGE_ORDERS, orderIds=[order["id"]])) == {
        ("orderIds", "INVALID")
    }


async def test_an_invoiced_order_is_locked(api: Api, store: FakeStore) -> None:
    order = await new_order(api, await seed.customer(api))
    _, ident = global_id_of(order["id"])
    store.orders[ident].status = OrderStatus.INVOICED
    errors = await api.errors(doc.UPDATE_ORDER, id=order["id"], reference="PO-9")
    assert codes(errors) == {("id", "LOCKED")}
    errors = await api.errors(
        doc.ADD_ORDER_LINE, orderId=order["id"], description="X", quantity="1", unitPrice="1"
    )
    assert codes(errors) == {("orderId", "LOCKED")}
    assert codes(await api.errors(doc.DELETE_ORDERS, orderIds=[order["id"]])) == {
        ("orderIds", "LOCKED")
    }
