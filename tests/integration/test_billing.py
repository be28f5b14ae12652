"""The database bills every booking and supply at most once, and transactions are all or nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from application.ports import UnbilledSelection
from application.service import Hourbill
from application.use_cases._base import apply_patch
from domain.customers import Customer
from domain.errors import ErrorCode, HourbillError
from domain.orders import BookingRef, LineKind, Order, OrderLine, SupplyRef
from infrastructure.persistence import tables
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.world import NOVEMBER, World, build_world, november, summary

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture
async def world(sql_app: Hourbill) -> World:
    return await build_world(sql_app)


def rebilling(world: World, *, booking: bool = True, number: int = 999) -> Order:
    """A new order billing the first billable booking (or supply) once more."""
    order = Order(world.acme.id, november(30), number=number)
    if booking:
        source = world.billable[0]
        refs = {"bookings": [BookingRef(source.id, source.hours, Decimal(90))]}
    else:
        supply = world.supplies[0]
        refs = {"supplies": [SupplyRef(supply.id, supply.quantity, supply.unit_price)]}
    order.add_line(
        OrderLine("Again", Decimal(1), Decimal(90), "21", Decimal(21), kind=LineKind.HOURS, **refs)
    )
    return order


async def count(uow_factory: SqlAlchemyUnitOfWorkFactory, table: tables.Table) -> int:
    async with uow_factory.database.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


def assert_conflict(error: pytest.ExceptionInfo[HourbillError]) -> None:
    (problem,) = error.value.problems
    assert (problem.code, problem.field) == (ErrorCode.CONFLICT, "periodStart")


@pytest.mark.parametrize("when", ["flush", "commit", "add_many"])
@pytest.mark.parametrize("booking", [True, False], ids=["booking", "supply"])
async def test_billing_a_source_twice_is_a_conflict(
    sql_app: Hourbill,
    world: World,
    uow_factory: SqlAlchemyUnitOfWorkFactory,
    when: str,
    booking: bool,
) -> None:
    await sql_app.generate_orders.execute(NOVEMBER)
    orders_before = await count(uow_factory, tables.orders)

    async with uow_factory() as uow:
        await uow.customers.add(Customer("LATE", "Late B.V."))
        order = rebilling(world, booking=booking)
        if when == "add_many":
            with pytest.raises(HourbillError) as error:
                await uow.orders.add_many([order])
        else:
            await uow.orders.add(order)
            with pytest.raises(HourbillError) as error:
                await (uow.orders.flush() if when == "flush" else uow.commit())

    assert_conflict(error)
    assert await count(uow_factory, tables.orders) == orders_before
    async with uow_factory() as uow:
        assert await uow.customers.by_code("LATE") is None


async def test_one_batch_billing_a_booking_twice_is_a_conflict(
    world: World, uow_factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    with pytest.raises(HourbillError) as error:
        async with uow_factory() as uow:
            await uow.orders.add_many([rebilling(world), rebilling(world, number=1000)])
    assert_conflict(error)


async def test_a_billed_booking_cannot_be_deleted_even_bypassing_the_use_case(
    sql_app: Hourbill, world: World, uow_factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    await sql_app.generate_orders.execute(NOVEMBER)
    async with uow_factory() as uow:
        booking = await uow.bookings.get(world.billable[0].id)
        assert booking is not None
        await uow.bookings.delete(booking)
        with pytest.raises(IntegrityError):
            await uow.commit()


async def test_deleting_an_order_deletes_its_lines_and_provenance(
    sql_app: Hourbill, world: World, uow_factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    plan = await sql_app.generate_orders.execute(NOVEMBER)
    async with uow_factory() as uow:
        for order in await uow.orders.get_many([o.id for o in plan.orders]):
            await uow.orders.delete(order)
        await uow.commit()
    for table in (tables.orders, tables.order_lines, tables.order_line_bookings):
        assert await count(uow_factory, table) == 0
    selection = UnbilledSelection(november(1), november(30))
    async with uow_factory() as uow:
        assert len(await uow.bookings.unbilled(selection)) == len(world.billable)
        assert len(await uow.supplies.unbilled(selection)) == len(world.supplies)


async def test_unbilled_selects_billable_sources_of_the_period_and_customers(
    sql_app: Hourbill, world: World, uow_factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    await sql_app.generate_orders.execute(replace(NOVEMBER, customer_ids={world.globex.id}))
    async with uow_factory() as uow:
        everyone = UnbilledSelection(november(1), november(30))
        acme_bookings = [b for b in world.billable if b.customer_id == world.acme.id]
        assert [b.id for b in await uow.bookings.unbilled(everyone)] == [
            b.id for b in sorted(acme_bookings, key=lambda b: (b.date, b.id))
        ]
        globex = UnbilledSelection(november(1), november(30), frozenset({world.globex.id}))
        assert await uow.bookings.unbilled(globex) == []
        assert await uow.supplies.unbilled(globex) == []
        december = UnbilledSelection(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
        (snapshot,) = await uow.bookings.unbilled(december)
    assert (snapshot.id, snapshot.hours, snapshot.customer_id) == (
        world.december.id,
        world.december.hours,
        world.acme.id,
    )
    with pytest.raises(AttributeError):
        snapshot.hours = Decimal(1)


async def test_add_many_saves_what_add_saves_without_the_session(
    world: World, uow_factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    order = rebilling(world)
    async with uow_factory() as uow:
        await uow.orders.add_many([order])
        assert order not in uow.session
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.orders.get(order.id)
    assert loaded is not None
    assert summary(loaded) == summary(order)


async def test_add_many_without_commit_changes_nothing(
    world: World, uow_factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    async with uow_factory() as uow:
        await uow.orders.add_many([rebilling(world)])
    assert await count(uow_factory, tables.orders) == 0
    assert await count(uow_factory, tables.order_line_bookings) == 0


async def test_leaving_without_commit_changes_nothing(
    world: World, uow_factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    async with uow_factory() as uow:
        await uow.customers.add(Customer("GONE", "Gone B.V."))
        (number,) = await uow.orders.next_numbers(1)
        customer = await uow.customers.get(world.acme.id)
        assert customer is not None
        customer.name = "Renamed"
        await uow.orders.add(rebilling(world))
    async with uow_factory() as uow:
        assert await uow.customers.by_code("GONE") is None
        assert await uow.orders.next_numbers(1) == [number]
        assert (await uow.customers.get(world.acme.id)).name == "Acme Bouw B.V."  # type: ignore[union-attr]
    assert await count(uow_factory, tables.orders) == 0


async def test_objects_stay_readable_after_the_unit_of_work(
    world: World, uow_factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    async with uow_factory() as uow:
        customer = await uow.customers.get(world.acme.id)
        await uow.rollback()
    async with uow_factory() as uow:
        order = Order(world.acme.id, november(30))
        await uow.orders.add(order)
        await uow.commit()
    assert customer is not None
    assert customer.name == "Acme Bouw B.V."
    assert order.lines == []


async def test_concurrent_units_of_work_never_get_the_same_numbers(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    async def reserve(count: int) -> list[int]:
        async with uow_factory() as uow:
            numbers = await uow.orders.next_numbers(count)
            await asyncio.sleep(0.01)
            await uow.commit()
            return numbers

    batches = await asyncio.gather(*(reserve(n) for n in (1, 5, 2, 10, 3, 7)))

    handed_out = sorted(n for batch in batches for n in batch)
    assert handed_out == list(range(1, 29))
    assert all(batch == list(range(batch[0], batch[0] + len(batch))) for batch in batches)


async def test_no_numbers_for_nothing(uow_factory: SqlAlchemyUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.orders.next_numbers(0) == []
        assert await uow.orders.next_numbers(2) == [1, 2]


async def test_an_order_header_and_its_lines_can_change_in_one_unit_of_work(
    sql_app: Hourbill, world: World, uow_factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    plan = await sql_app.generate_orders.execute(NOVEMBER)
    order_id = plan.orders[0].id
    async with uow_factory() as uow:
        order = await uow.orders.get(order_id)
        assert order is not None
        released = order.lines[0]
        apply_patch(order, {"description": "Renamed"})
        order.remove_line(released.id)
        await uow.commit()
    async with uow_factory() as uow:
        saved = await uow.orders.get(order_id)
        assert saved is not None
        assert saved.description == "Renamed"
        assert [line.id for line in saved.lines] == [line.id for line in plan.orders[0].lines[1:]]
        assert not await uow.bookings.billed_on(sorted(released.booking_ids))
