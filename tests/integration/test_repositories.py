"""Round trips through the SQL repositories: what is saved comes back exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.exc import StatementError

from domain.bookings import HourBooking, Supply
from domain.customers import Customer, Language
from domain.orders import BookingRef, LineKind, Order, OrderLine, OrderStatus, SupplyRef
from domain.rates import RateRule
from domain.settings import InvoicingSettings
from domain.vat import VatCode
from domain.work import Employee, Project, Task
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory

DAY = dt.date(2026, 11, 2)


@pytest.fixture
async def world(uow_factory: SqlAlchemyUnitOfWorkFactory) -> dict[str, object]:
    customer = Customer(
        "ACME",
        "Acme B.V.",
        vat_number="NL123456789B01",
        email="billing@acme.example",
        address_line="Dam 1",
        postcode="1012 JS",
        city="Amsterdam",
        language=Language.EN,
        vat_code="9",
    )
    employee = Employee("ann", "Ann de Vries")
    project = Project(customer.id, "P1", "Website")
    task = Task(project.id, "T1", "Design", item_code="DESIGN")
    async with uow_factory() as uow:
        await uow.customers.add(customer)
        await uow.work.add_employee(employee)
        await uow.work.add_project(project)
        await uow.work.add_task(task)
        await uow.commit()
    return {"customer": customer, "employee": employee, "project": project, "task": task}


async def test_customer_round_trip(uow_factory: SqlAlchemyUnitOfWorkFactory, world: dict) -> None:
    async with uow_factory() as uow:
        loaded = await uow.customers.get(world["customer"].id)
        by_code = await uow.customers.by_code("ACME")
    assert loaded is not None
    assert by_code is loaded
    assert vars_of(loaded) == vars_of(world["customer"])
    assert loaded.language is Language.EN


async def test_work_round_trip(uow_factory: SqlAlchemyUnitOfWorkFactory, world: dict) -> None:
    async with uow_factory() as uow:
        employee = await uow.work.employee_by_code("ann")
        project = await uow.work.project_by_code(world["customer"].id, "P1")
        task = await uow.work.task(world["task"].id)
        everyone = await uow.work.employees()
        projects = await uow.work.projects([world["project"].id])
        tasks = await uow.work.tasks()
    for loaded, saved in ((employee, "employee"), (project, "project"), (task, "task")):
        assert vars_of(loaded) == vars_of(world[saved])
    assert [e.code for e in everyone] == ["ann"]
    assert [p.code for p in projects] == ["P1"]
    assert [t.item_code for t in tasks] == ["DESIGN"]


@pytest.mark.parametrize(
    ("hours", "rate"),
    [(Decimal("0.01"), Decimal("12345.6789")), (Decimal("24"), None), (Decimal("7.5"), Decimal(0))],
)
async def test_booking_keeps_its_decimals_exactly(
    uow_factory: SqlAlchemyUnitOfWorkFactory, world: dict, hours: Decimal, rate: Decimal | None
) -> None:
    booking = HourBooking(
        world["employee"].id,
        world["customer"].id,
        DAY,
        hours,
        "Sketches",
        project_id=world["project"].id,
        task_id=world["task"].id,
        billable=False,
        rate=rate,
    )
    async with uow_factory() as uow:
        await uow.bookings.add(booking)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.bookings.get(booking.id)
    assert loaded is not None
    assert vars_of(loaded) == vars_of(booking)
    assert loaded.hours == hours
    assert loaded.rate == rate


async def test_supply_round_trip(uow_factory: SqlAlchemyUnitOfWorkFactory, world: dict) -> None:
    supply = Supply(
        world["customer"].id,
        DAY,
        "CABLE",
        Decimal("12345.6789"),
        Decimal("0.0001"),
        "21",
        description="Cable",
        unit="m",
    )
    async with uow_factory() as uow:
        await uow.supplies.add(supply)
        await uow.commit()
    async with uow_factory() as uow:
        (loaded,) = await uow.supplies.get_many([supply.id])
    assert vars_of(loaded) == vars_of(supply)


async def test_rate_rules_vat_codes_and_settings(uow_factory: SqlAlchemyUnitOfWorkFactory) -> None:
    rule = RateRule(Decimal("95.1234"))
    async with uow_factory() as uow:
        await uow.rate_rules.add(rule)
        await uow.vat_codes.add(VatCode("6", "BTW oud 6%", Decimal("6.25")))
        settings = await uow.settings.invoicing()
        settings.hours_item_code = "HOURS"
        await uow.commit()
    async with uow_factory() as uow:
        assert [vars_of(r) for r in await uow.rate_rules.all()] == [vars_of(rule)]
        assert [(v.code, v.percentage) for v in await uow.vat_codes.all()] == [
            ("0", 0),
            ("21", 21),
            ("6", Decimal("6.25")),
            ("9", 9),
        ]
        assert vars_of(await uow.settings.invoicing()) == vars_of(
            InvoicingSettings(default_vat_code="21", hours_item_code="HOURS")
        )


async def test_order_with_provenance_round_trip(
    uow_factory: SqlAlchemyUnitOfWorkFactory, world: dict
) -> None:
    booking = HourBooking(world["employee"].id, world["customer"].id, DAY, Decimal("1.25"))
    supply = Supply(world["customer"].id, DAY, "CABLE", Decimal("2.5"), Decimal("3.1416"), "21")
    order = Order(
        world["customer"].id,
        DAY,
        "November",
        reference="PO-1",
        project_id=world["project"].id,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        number=7,
    )
    order.add_line(
        OrderLine(
            "Design",
            Decimal("1.25"),
            Decimal("12345.6789"),
            "9",
            Decimal("9"),
            unit="hour",
            discount_percent=Decimal("12.5"),
            kind=LineKind.HOURS,
            project_id=world["project"].id,
            task_id=world["task"].id,
            bookings=[BookingRef(booking.id, Decimal("1.25"), Decimal("12345.6789"))],
        )
    )
    order.add_line(
        OrderLine(
            "Cable",
            Decimal("2.5"),
            Decimal("3.1416"),
            "21",
            Decimal("21"),
            kind=LineKind.SUPPLY,
            supplies=[SupplyRef(supply.id, Decimal("2.5"), Decimal("3.1416"))],
        )
    )
    async with uow_factory() as uow:
        await uow.bookings.add(booking)
        await uow.supplies.add(supply)
        await uow.orders.add(order)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.orders.get(order.id)
    assert loaded is not None
    assert order_snapshot(loaded) == order_snapshot(order)
    assert loaded.status is OrderStatus.DRAFT
    assert loaded.totals() == order.totals()


def vars_of(item: object) -> dict[str, object]:
    return {k: v for k, v in vars(item).items() if not k.startswith("_")}


def order_snapshot(order: Order) -> dict[str, object]:
    header = vars_of(order)
    header["lines"] = [
        {
            **vars_of(line),
            "bookings": list(line.bookings),
            "supplies": list(line.supplies),
        }
        for line in order.lines
    ]
    return header


async def test_a_decimal_finer_than_its_column_is_refused_not_rounded(
    uow_factory: SqlAlchemyUnitOfWorkFactory, world: dict
) -> None:
    booking = HourBooking(world["employee"].id, world["customer"].id, DAY, Decimal("1.25"))
    booking.hours = Decimal("1.255")
    async with uow_factory() as uow:
        await uow.bookings.add(booking)
        with pytest.raises(StatementError, match="more than 2 decimal places"):
            await uow.commit()
