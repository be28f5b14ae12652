"""Relay connections: cursors, hasNextPage, totalCount, the page size cap and filters."""

from __future__ import annotations

from typing import Any

import pytest

from application.ports import MAX_PAGE_SIZE
from domain.customers import Customer
from tests.fakes import FakeStore
from tests.graphql import seed
from tests.graphql.api import Api

CUSTOMERS = """query($first: Int, $after: String, $search: String) {
  customers(first: $first, after: $after, search: $search) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { code } }
  }
}"""
BOOKINGS = """query($c: ID, $e: ID, $from: Date, $to: Date, $billed: Boolean) {
  bookings(customerId: $c, employeeId: $e, periodStart: $from, periodEnd: $to, billed: $billed) {
    totalCount edges { node { date customer { code } employee { code } } }
  }
}"""


async def page(api: Api, **variables: Any) -> dict[str, Any]:
    data = await api.data(CUSTOMERS, **variables)
    result: dict[str, Any] = data["customers"]
    return result


def codes_of(result: dict[str, Any]) -> list[str]:
    return [edge["node"]["code"] for edge in result["edges"]]


@pytest.fixture
def many_customers(store: FakeStore) -> None:
    for n in range(7):
        customer = Customer(code=f"C{n}", name=f"Klant {n}")
        store.customers[customer.id] = customer


@pytest.mark.usefixtures("many_customers")
async def test_walking_pages_with_cursors(api: Api) -> None:
    first = await page(api, first=3)
    assert codes_of(first) == ["C0", "C1", "C2"]
    assert first["totalCount"] == 7
    info = first["pageInfo"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, False)
    assert (info["startCursor"], info["endCursor"]) == (
        first["edges"][0]["cursor"],
        first["edges"][-1]["cursor"],
    )
    second = await page(api, first=3, after=info["endCursor"])
    assert codes_of(second) == ["C3", "C4", "C5"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    last = await page(api, first=3, after=second["pageInfo"]["endCursor"])
    assert codes_of(last) == ["C6"]
    assert last["pageInfo"]["hasNextPage"] is False


@pytest.mark.usefixtures("many_customers")
async def test_an_empty_page_has_no_cursors(api: Api) -> None:
    empty = await page(api, first=0)
    assert empty["edges"] == []
    assert empty["pageInfo"]["startCursor"] is None
    assert empty["pageInfo"]["endCursor"] is None
    assert empty["totalCount"] == 7


@pytest.mark.usefixtures("many_customers")
async def test_search_filters_and_counts(api: Api) -> None:
    result = await page(api, search="c3")
    assert (codes_of(result), result["totalCount"]) == (["C3"], 1)


async def test_first_is_capped_at_the_maximum_page_size(api: Api, store: FakeStore) -> None:
    for n in range(MAX_PAGE_SIZE + 5):
        customer = Customer(code=f"C{n:04d}", name="Klant")
        store.customers[customer.id] = customer
    result = await page(api, first=MAX_PAGE_SIZE + 100)
    assert len(result["edges"]) == MAX_PAGE_SIZE
    assert result["pageInfo"]["hasNextPage"] is True


async def test_negative_first_and_bad_cursors_are_client_errors(api: Api) -> None:
    negative = await api.execute(CUSTOMERS, first=-1)
    assert negative["errors"][0]["extensions"] == {"code": "OUT_OF_RANGE", "field": "first"}
    bad = await api.execute(CUSTOMERS, after="%%%")
    assert bad["errors"][0]["extensions"] == {"code": "INVALID", "field": "after"}


async def test_booking_filters(api: Api) -> None:
    acme = await seed.office(api, code="ACME", employee_code="ANNA")
    delta = await seed.office(api, code="DELTA", employee_code="BOB")
    await seed.booking(api, acme.employee, delta.customer, date="2026-10-31")

    async def count(**variables: Any) -> int:
        return int((await api.data(BOOKINGS, **variables))["bookings"]["totalCount"])

    assert await count() == 5
    assert await count(c=acme.customer) == 2
    assert await count(e=acme.employee) == 3
    assert await count(c=delta.customer, e=acme.employee) == 1
    assert await count(**{"from": "2026-11-01", "to": "2026-11-02"}) == 2
    await seed.generate(api, customerIds=[acme.customer])
    assert await count(billed=True) == 2
    assert await count(billed=False) == 3


async def test_a_bad_id_in_a_filter_is_a_client_error(api: Api) -> None:
    employee_id = await seed.employee(api)
    body = await api.execute(BOOKINGS, c=employee_id)
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "customerId"}


async def test_supply_and_order_filters(api: Api) -> None:
    acme = await seed.office(api, code="ACME", employee_code="ANNA")
    await seed.office(api, code="DELTA", employee_code="BOB")
    await seed.generate(api, customerIds=[acme.customer])
    data = await api.data(
        """query($c: ID) {
          acme: supplies(customerId: $c) { totalCount }
          open: supplies(billed: false) { totalCount }
          drafts: orders(status: DRAFT, customerId: $c) { totalCount }
          invoiced: orders(status: INVOICED) { totalCount }
          november: orders(periodStart: "2026-11-01", periodEnd: "2026-11-30") { totalCount }
          december: orders(periodStart: "2026-12-01") { totalCount }
        }""",
        c=acme.customer,
    )
    assert {k: v["totalCount"] for k, v in data.items()} == {
        "acme": 1,
        "open": 1,
        "drafts": 1,
        "invoiced": 0,
        "november": 1,
        "december": 0,
    }
