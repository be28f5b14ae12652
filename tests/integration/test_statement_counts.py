"""Listing orders costs a fixed number of SQL statements, however many orders are on the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from application.ports import OrderFilter, PageRequest
from domain.bookings import HourBooking
from domain.customers import Customer
from domain.orders import BookingRef, Order, OrderLine
from domain.work import Employee
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.support.db import count_statements

DAY = dt.date(2026, 11, 2)


async def save_orders(uow_factory: SqlAlchemyUnitOfWorkFactory, count: int) -> None:
    customer = Customer("ACME", "Acme")
    employee = Employee("ANNA", "Anna")
    bookings = [HourBooking(employee.id, customer.id, DAY, Decimal(1)) for _ in range(count * 2)]
    orders = []
    for number in range(1, count + 1):
        order = Order(customer.id, DAY, number=number)
        for booking in bookings[2 * number - 2 : 2 * number]:
            ref = BookingRef(booking.id, booking.hours, Decimal(90))
            order.add_line(
                OrderLine("Hours", Decimal(1), Decimal(90), "21", Decimal(21), bookings=[ref])
            )
        orders.append(order)
    async with uow_factory() as uow:
        await uow.customers.add(customer)
        await uow.work.add_employee(employee)
        for booking in bookings:
            await uow.bookings.add(booking)
        await uow.orders.flush()
        await uow.orders.add_many(orders)
        await uow.commit()


async def statements_for_a_page(uow_factory: SqlAlchemyUnitOfWorkFactory, first: int) -> int:
    with count_statements(uow_factory.database.engine) as statements:
        async with uow_factory() as uow:
            page = await uow.orders.page(OrderFilter(), PageRequest(first=first))
    assert len(page.items) == first
    assert all(len(line.bookings) == 1 for order in page.items for line in order.lines)
    return len(statements)


async def test_an_orders_page_costs_the_same_for_10_and_100_orders(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    await save_orders(uow_factory, 100)

    assert await statements_for_a_page(uow_factory, 10) == await statements_for_a_page(
        uow_factory, 100
    )
