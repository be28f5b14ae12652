"""A small invoicing world, built through the use cases so it works on any unit of work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from application.service import Hourbill
from application.use_cases.customers import CreateCustomerRequest
from application.use_cases.generation import GenerateOrdersRequest
from application.use_cases.sources import RecordBookingRequest, RecordSupplyRequest
from application.use_cases.work import (
    CreateEmployeeRequest,
    CreateProjectRequest,
    CreateRateRuleRequest,
    CreateTaskRequest,
)
from domain.bookings import HourBooking, Supply
from domain.customers import Customer
from domain.generation import Grouping
from domain.orders import Order
from domain.work import Employee, Project, Task

NOVEMBER = GenerateOrdersRequest(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
NOVEMBER_PER_PROJECT = GenerateOrdersRequest(
    dt.date(2026, 11, 1), dt.date(2026, 11, 30), grouping=Grouping.PER_PROJECT
)


def november(day: int) -> dt.date:
    return dt.date(2026, 11, day)


@dataclass
class World:
    acme: Customer
    globex: Customer
    anna: Employee
    renovation: Project
    design: Task
    build: Task
    billable: list[HourBooking]
    not_billable: HourBooking
    december: HourBooking
    supplies: list[Supply]


async def build_world(app: Hourbill) -> World:
    acme = await app.create_customer.execute(CreateCustomerRequest("ACME", "Acme Bouw B.V."))
    globex = await app.create_customer.execute(
        CreateCustomerRequest("GLOBEX", "Globex Logistiek", vat_code="9")
    )
    anna = await app.create_employee.execute(CreateEmployeeRequest("ANNA", "Anna de Vries"))
    renovation = await app.create_project.execute(CreateProjectRequest(acme.id, "REN", "Renovatie"))
    design = await app.create_task.execute(CreateTaskRequest(renovation.id, "10", "Ontwerp"))
    build = await app.create_task.execute(
        CreateTaskRequest(renovation.id, "20", "Bouw", item_code="BOUW")
    )
    await app.create_rate_rule.execute(CreateRateRuleRequest(Decimal("90")))
    await app.create_rate_rule.execute(
        CreateRateRuleRequest(Decimal("112.5"), project_id=renovation.id)
    )

    async def book(customer: Customer, date: dt.date, hours: str, **more: Any) -> HourBooking:
        return await app.record_booking.execute(
            RecordBookingRequest(anna.id, customer.id, date, Decimal(hours), **more)
        )

    on_design = {"project_id": renovation.id, "task_id": design.id}
    on_build = {"project_id": renovation.id, "task_id": build.id}
    billable = [
        await book(acme, november(3), "7.5", description="Schetsen", **on_design),
        await book(acme, november(4), "0.25", **on_design),
        await book(acme, november(4), "0.01", **on_build),
        await book(acme, november(5), "8"),
        await book(globex, november(5), "3.75", rate=Decimal("99.9999")),
    ]
    supplies = [
        await app.record_supply.execute(
            RecordSupplyRequest(
                acme.id, november(6), "CABLE", Decimal("12.5"), Decimal("3.1416"), "21", unit="m"
            )
        ),
        await app.record_supply.execute(
            RecordSupplyRequest(
                globex.id, november(7), "SCREW", Decimal("1000"), Decimal("0.0001"), "9"
            )
        ),
    ]
    return World(
        acme=acme,
        globex=globex,
        anna=anna,
        renovation=renovation,
        design=design,
        build=build,
        billable=billable,
        not_billable=await book(globex, november(6), "1", billable=False),
        december=await book(acme, dt.date(2026, 12, 1), "2"),
        supplies=supplies,
    )


def summary(order: Order) -> dict[str, Any]:
    """An order as plain data without its own ids, to compare plans with what was saved."""
    return {
        "customer_id": order.customer_id,
        "number": order.number,
        "order_date": order.order_date,
        "description": order.description,
        "project_id": order.project_id,
        "period": (order.period_start, order.period_end),
        "status": order.status,
        "totals": order.totals(),
        "lines": [
            (
                line.position,
                line.description,
                line.quantity,
                line.unit_price,
                line.unit,
                line.vat_code,
                line.vat_rate,
                line.item_code,
                line.discount_percent,
                line.kind,
                line.project_id,
                line.task_id,
                sorted((r.booking_id, r.hours, r.rate) for r in line.bookings),
                sorted((r.supply_id, r.quantity, r.unit_price) for r in line.supplies),
            )
            for line in order.lines
        ],
    }
