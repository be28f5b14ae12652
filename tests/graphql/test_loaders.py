"""DataLoaders: batched lookups (no N+1) and never shared between operations."""

from __future__ import annotations

import datetime as dt
import inspect
import uuid
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx
import pytest

from application.queries import Queries
from application.service import Hourbill
from application.use_cases.customers import UpdateCustomerRequest
from domain.access import Principal, Role
from domain.bookings import HourBooking, Supply
from domain.customers import Customer
from domain.orders import BookingRef, LineKind, Order, OrderLine, SupplyRef
from domain.work import Employee
from interfaces.graphql.context import Context
from interfaces.graphql.ids import global_id
from interfaces.graphql.schema import schema
from interfaces.http.app import create_app
from tests.fakes import FakeStore
from tests.graphql.api import Api
from tests.support.keys import bearer

ORDERS_WITH_PROVENANCE = """{
  orders(first: 500) {
    edges { node {
      number customer { name }
      lines {
        bookings { hours booking { id employee { name } customer { code } } }
        supplies { quantity supply { id itemCode customer { code } } }
      }
    } }
  }
}"""


def fill(store: FakeStore, orders: int) -> None:
    """`orders` orders, each of its own customer, each with a booking line and a supply line."""
    employee = Employee("E1", "Anna")
    store.employees[employee.id] = employee
    day = dt.date(2026, 11, 2)
    for n in range(orders):
        customer = Customer(code=f"C{n}", name=f"Klant {n}")
        booking = HourBooking(employee.id, customer.id, day, Decimal("8"))
        supply = Supply(customer.id, day, "CABLE", Decimal("2"), Decimal("5"), "21")
        order = Order(customer_id=customer.id, order_date=day, number=n + 1)
        order.add_line(
            line(LineKind.HOURS, bookings=[BookingRef(booking.id, Decimal(8), Decimal(80))])
        )
        order.add_line(
            line(LineKind.SUPPLY, supplies=[SupplyRef(supply.id, Decimal(2), Decimal(5))])
        )
        store.customers[customer.id] = customer
        store.bookings[booking.id] = booking
        store.supplies[supply.id] = supply
        store.orders[order.id] = order


def line(kind: LineKind, **provenance: Any) -> OrderLine:
    return OrderLine("work", Decimal(1), Decimal(1), "21", Decimal(21), kind=kind, **provenance)


class CountingQueries(Queries):
    """The real read side, counting the calls of each lookup."""

    def __init__(self, queries: Queries) -> None:
        super().__init__(queries.uow)
        self.calls: Counter[str] = Counter()

    def __getattribute__(self, name: str) -> Any:
        attribute = super().__getattribute__(name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        async def counted(*args: Any) -> Any:
            self.calls[name] += 1
            return await attribute(*args)

        return counted


@pytest.mark.parametrize("orders", [10, 100])
async def test_orders_with_provenance_take_a_fixed_number_of_lookups(
    hourbill: Hourbill, store: FakeStore, orders: int, admin_key: str
) -> None:
    fill(store, orders)
    counting = CountingQueries(hourbill.queries)
    app = create_app(replace(hourbill, queries=counting))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://t", headers=bearer(admin_key)
    ) as c:
        data = await Api(c).data(ORDERS_WITH_PROVENANCE)
    assert len(data["orders"]["edges"]) == orders
    assert counting.calls == Counter(
        orders=1, customers_by_id=1, bookings_by_id=1, supplies_by_id=1, employees=1
    )


async def test_operations_sharing_a_connection_context_do_not_share_loaders(
    hourbill: Hourbill, store: FakeStore
) -> None:
    customer = Customer(code="ACME", name="Acme")
    store.customers[customer.id] = customer
    query = "query($id: ID!) { node(id: $id) { ... on Customer { name } } }"
    variables = {"id": global_id("Customer", customer.id)}
    connection = Context(hourbill, principal=Principal(uuid.uuid4(), "tests", Role.VIEWER))

    first = await schema.execute(query, variables, context_value=connection)
    await hourbill.update_customer.execute(UpdateCustomerRequest(customer.id, name="Renamed"))
    second = await schema.execute(query, variables, context_value=connection)

    assert first.data == {"node": {"name": "Acme"}}
    assert second.data == {"node": {"name": "Renamed"}}
