"""No N+1 on the real SQL adapter: as many statements for 100 orders as for 10."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import httpx

from application.service import Hourbill
from application.use_cases.customers import CreateCustomerRequest
from application.use_cases.generation import GenerateOrdersRequest
from application.use_cases.sources import RecordBookingRequest, RecordSupplyRequest
from application.use_cases.work import CreateEmployeeRequest, CreateRateRuleRequest
from interfaces.http.app import create_app
from tests.graphql.api import Api
from tests.graphql.sql import sqlite_container
from tests.support.db import count_statements
from tests.support.keys import bearer, make_key

ORDERS_WITH_PROVENANCE = """{
  orders(first: 500) {
    totalCount
    edges { node {
      number total customer { name }
      lines {
        amount
        bookings { hours booking { id hours employee { name } customer { code } } }
        supplies { quantity supply { id itemCode customer { code } } }
      }
    } }
  }
}"""
DAY = dt.date(2026, 11, 2)


async def orders_for_customers(hourbill: Hourbill, count: int) -> None:
    """`count` customers, each with two bookings and a supply, generated into `count` orders."""
    anna = await hourbill.create_employee.execute(CreateEmployeeRequest("ANNA", "Anna"))
    bob = await hourbill.create_employee.execute(CreateEmployeeRequest("BOB", "Bob"))
    await hourbill.create_rate_rule.execute(CreateRateRuleRequest(Decimal("85")))
    for n in range(count):
        customer = await hourbill.create_customer.execute(CreateCustomerRequest(f"C{n}", f"K{n}"))
        for employee in (anna, bob):
            await hourbill.record_booking.execute(
                RecordBookingRequest(employee.id, customer.id, DAY, Decimal("4"))
            )
        await hourbill.record_supply.execute(
            RecordSupplyRequest(customer.id, DAY, "CABLE", Decimal("2"), Decimal("5"), "21")
        )
    await hourbill.generate_orders.execute(GenerateOrdersRequest(DAY, DAY))


async def statements_for_orders(path: Path, count: int) -> list[str]:
    async with sqlite_container(path) as container:
        hourbill = container.hourbill()
        await orders_for_customers(hourbill, count)
        transport = httpx.ASGITransport(app=create_app(hourbill))
        headers = bearer(await make_key(hourbill))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=headers
        ) as client:
            with count_statements(container.database().engine) as statements:
                data = await Api(client).data(ORDERS_WITH_PROVENANCE)
    edges = data["orders"]["edges"]
    assert len(edges) == count
    assert all(len(e["node"]["lines"][0]["bookings"]) == 2 for e in edges)
    assert all(e["node"]["lines"][0]["bookings"][0]["booking"]["employee"] for e in edges)
    return statements


async def test_orders_with_provenance_take_as_many_statements_for_100_as_for_10(
    tmp_path: Path,
) -> None:
    ten = await statements_for_orders(tmp_path / "ten.sqlite3", 10)
    hundred = await statements_for_orders(tmp_path / "hundred.sqlite3", 100)
    assert len(ten) == len(hundred), "\n\n".join(hundred)
    assert len(hundred) <= 15, "\n\n".join(hundred)
