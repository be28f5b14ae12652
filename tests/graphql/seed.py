"""Test data entered through the API, the way a client would; each returns global ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.graphql import documents as doc
from tests.graphql.api import Api


async def customer(api: Api, code: str = "ACME", name: str = "Acme Bouw B.V.", **extra: Any) -> str:
    payload = await api.ok(doc.CREATE_CUSTOMER, code=code, name=name, **extra)
    return str(payload["customer"]["id"])


async def employee(api: Api, code: str = "ANNA", name: str = "Anna de Vries") -> str:
    payload = await api.ok(doc.CREATE_EMPLOYEE, code=code, name=name)
    return str(payload["employee"]["id"])


async def project(api: Api, customer_id: str, code: str = "WEB", name: str = "Website") -> str:
    payload = await api.ok(doc.CREATE_PROJECT, customerId=customer_id, code=code, name=name)
    return str(payload["project"]["id"])


async def task(api: Api, project_id: str, code: str = "DEV", name: str = "Development") -> str:
    payload = await api.ok(doc.CREATE_TASK, projectId=project_id, code=code, name=name)
    return str(payload["task"]["id"])


async def rate_rule(api: Api, rate: str = "85", **dimensions: str) -> str:
    payload = await api.ok(doc.CREATE_RATE_RULE, rate=rate, **dimensions)
    return str(payload["rateRule"]["id"])


async def booking(
    api: Api,
    employee_id: str,
    customer_id: str,
    date: str = "2026-11-02",
    hours: str = "7.5",
    **extra: Any,
) -> str:
    payload = await api.ok(
        doc.RECORD_BOOKING,
        employeeId=employee_id,
        customerId=customer_id,
        date=date,
        hours=hours,
        **extra,
    )
    return str(payload["booking"]["id"])


async def supply(
    api: Api,
    customer_id: str,
    date: str = "2026-11-03",
    item_code: str = "CABLE",
    quantity: str = "3",
    unit_price: str = "12.50",
    vat_code: str = "21",
    **extra: Any,
) -> str:
    payload = await api.ok(
        doc.RECORD_SUPPLY,
        customerId=customer_id,
        date=date,
        itemCode=item_code,
        quantity=quantity,
        unitPrice=unit_price,
        vatCode=vat_code,
        **extra,
    )
    return str(payload["supply"]["id"])


async def generate(api: Api, **extra: Any) -> list[dict[str, Any]]:
    period = {"periodStart": "2026-11-01", "periodEnd": "2026-11-30"}
    payload = await api.ok(doc.GENERATE, **(period | extra))
    orders: list[dict[str, Any]] = payload["orders"]
    return orders


@dataclass
class Office:
    """A customer with a project task, an employee, a default rate and some work."""

    customer: str
    employee: str
    project: str
    task: str
    bookings: list[str]
    supplies: list[str]


async def office(api: Api, code: str = "ACME", employee_code: str = "ANNA") -> Office:
    customer_id = await customer(api, code=code, name=f"{code} B.V.")
    employee_id = await employee(api, code=employee_code, name=f"{employee_code} Jansen")
    project_id = await project(api, customer_id)
    task_id = await task(api, project_id)
    await rate_rule(api, "85", customerId=customer_id)
    bookings = [
        await booking(
            api, employee_id, customer_id, date, "7.5", projectId=project_id, taskId=task_id
        )
        for date in ("2026-11-02", "2026-11-03")
    ]
    supplies = [await supply(api, customer_id)]
    return Office(customer_id, employee_id, project_id, task_id, bookings, supplies)
