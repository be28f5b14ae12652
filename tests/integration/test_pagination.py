"""Keyset pagination and list filters, the same on the fakes, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from application.ports import (
    MAX_PAGE_SIZE,
    CustomerFilter,
    OrderFilter,
    Page,
    PageRequest,
    SourceFilter,
)
from application.service import Hourbill
from application.use_cases.customers import CreateCustomerRequest
from application.use_cases.orders import CreateOrderRequest
from application.use_cases.sources import RecordBookingRequest
from application.use_cases.work import CreateEmployeeRequest
from domain.errors import ErrorCode, HourbillError
from domain.orders import OrderStatus
from domain.rates import RateRule
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.world import NOVEMBER, NOVEMBER_PER_PROJECT, World, build_world, november

T = TypeVar("T")


@pytest.fixture
async def world(app: Hourbill) -> World:
    return await build_world(app)


async def walk(fetch: Callable[[PageRequest], Awaitable[Page[T]]], first: int) -> list[Page[T]]:
    pages = [await fetch(PageRequest(first=first))]
    while pages[-1].has_next_page:
        pages.append(await fetch(PageRequest(first=first, after=pages[-1].edges[-1][0])))
    return pages


def items(pages: list[Page[T]]) -> list[T]:
    return [item for page in pages for item in page.items]


def assert_consistent(pages: list[Page[Any]], total: int) -> None:
    assert [p.total_count for p in pages] == [total] * len(pages)
    assert [p.has_previous_page for p in pages] == [False] + [True] * (len(pages) - 1)
    assert len(items(pages)) == total


async def test_customers_by_code(app: Hourbill, world: World) -> None:
    for code, name in [("D", "Delta Bouw"), ("B", "Bravo"), ("E", "Echo bouwt"), ("C", "Charlie")]:
        await app.create_customer.execute(CreateCustomerRequest(code, name))

    pages = await walk(lambda r: app.queries.customers(CustomerFilter(), r), first=2)
    assert [c.code for c in items(pages)] == ["ACME", "B", "C", "D", "E", "GLOBEX"]
    assert_consistent(pages, 6)

    found = await walk(lambda r: app.queries.customers(CustomerFilter(search="BOUW"), r), first=1)
    assert [c.code for c in items(found)] == ["ACME", "D", "E"]
    assert_consistent(found, 3)


async def test_bookings_by_date_and_filters(app: Hourbill, world: World) -> None:
    bob = await app.create_employee.execute(CreateEmployeeRequest("BOB", "Bob"))
    bobs = await app.record_booking.execute(
        RecordBookingRequest(bob.id, world.globex.id, november(5), Decimal("2"))
    )
    await app.generate_orders.execute(NOVEMBER)
    everything = [*world.billable, world.not_billable, world.december, bobs]
    billed = {b.id for b in world.billable} | {bobs.id}

    def expect(keep: Callable[[Any], bool]) -> list[Any]:
        return [b.id for b in sorted(everything, key=lambda b: (b.date, str(b.id))) if keep(b)]

    cases: list[tuple[SourceFilter, Callable[[Any], bool]]] = [
        (SourceFilter(), lambda b: True),
        (SourceFilter(customer_id=world.acme.id), lambda b: b.customer_id == world.acme.id),
        (
            SourceFilter(period_start=november(4), period_end=november(5)),
            lambda b: november(4) <= b.date <= november(5),
        ),
        (SourceFilter(billed=True), lambda b: b.id in billed),
        (SourceFilter(billed=False), lambda b: b.id not in billed),
        (SourceFilter(employee_id=bob.id), lambda b: b is bobs),
    ]
    for where, keep in cases:
        pages = await walk(lambda r, where=where: app.queries.bookings(where, r), first=2)
        assert [b.id for b in items(pages)] == expect(keep), where
        assert_consistent(pages, len(expect(keep)))


async def test_supplies_by_date_and_filters(app: Hourbill, world: World) -> None:
    pages = await walk(lambda r: app.queries.supplies(SourceFilter(), r), first=1)
    assert [s.id for s in items(pages)] == [s.id for s in world.supplies]
    assert_consistent(pages, 2)
    for where in (SourceFilter(billed=True), SourceFilter(employee_id=world.anna.id)):
        page = await app.queries.supplies(where, PageRequest())
        assert (page.items, page.total_count) == ([], 0)


async def test_orders_by_number_and_filters(app: Hourbill, world: World) -> None:
    plan = await app.generate_orders.execute(NOVEMBER_PER_PROJECT)
    manual = await app.create_order.execute(
        CreateOrderRequest(world.globex.id, order_date=dt.date(2026, 10, 31))
    )
    numbers = [*(o.number for o in plan.orders), manual.number]

    pages = await walk(lambda r: app.queries.orders(OrderFilter(), r), first=2)
    assert [o.number for o in items(pages)] == numbers == [1, 2, 3, 4]
    assert_consistent(pages, 4)

    acme = [o.number for o in plan.orders if o.customer_id == world.acme.id]
    cases = [
        (OrderFilter(customer_id=world.acme.id), acme),
        (OrderFilter(status=OrderStatus.DRAFT), [1, 2, 3, 4]),
        (OrderFilter(status=OrderStatus.INVOICED), []),
        (OrderFilter(period_end=dt.date(2026, 11, 1)), [4]),
        (OrderFilter(period_start=dt.date(2026, 11, 1)), [1, 2, 3]),
    ]
    for where, expected in cases:
        page = await app.queries.orders(where, PageRequest())
        assert ([o.number for o in page.items], page.total_count) == (expected, len(expected))


async def test_rate_rules_by_id(app: Hourbill, world: World) -> None:
    pages = await walk(app.queries.rate_rules, first=1)
    assert [r.id for r in items(pages)] == sorted(r.id for r in items(pages))
    assert_consistent(pages, 2)


async def test_a_cursor_survives_the_deletion_of_its_item(
    sql_app: Hourbill, uow_factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    for code in ("A", "B", "C"):
        await sql_app.create_customer.execute(CreateCustomerRequest(code, code))
    first = await sql_app.queries.customers(CustomerFilter(), PageRequest(first=2))
    await sql_app.delete_customer.execute(first.items[-1].id)

    rest = await sql_app.queries.customers(CustomerFilter(), PageRequest(after=first.edges[-1][0]))

    assert [c.code for c in rest.items] == ["C"]
    assert (rest.has_previous_page, rest.has_next_page, rest.total_count) == (True, False, 2)


@pytest.mark.parametrize("cursor", ["nonsense", "WyJhIl0=", "WzEsMiwzXQ==", "WyJhIiwgMl0="])
async def test_a_foreign_cursor_is_invalid(sql_app: Hourbill, cursor: str) -> None:
    with pytest.raises(HourbillError) as error:
        await sql_app.queries.customers(CustomerFilter(), PageRequest(after=cursor))
    assert [(p.code, p.field) for p in error.value.problems] == [(ErrorCode.INVALID, "after")]


async def test_pages_hold_at_most_the_maximum(uow_factory: SqlAlchemyUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        for _ in range(MAX_PAGE_SIZE + 2):
            await uow.rate_rules.add(RateRule(Decimal(1)))
        await uow.commit()
    async with uow_factory() as uow:
        page = await uow.rate_rules.page(PageRequest(first=MAX_PAGE_SIZE * 2))
        empty = await uow.rate_rules.page(PageRequest(first=0))
    assert (len(page.items), page.has_next_page, page.total_count) == (MAX_PAGE_SIZE, True, 502)
    assert (empty.items, empty.has_next_page) == ([], True)
