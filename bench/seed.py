"""Bulk-seed a benchmark database straight into the tables (no use cases: too slow for 1M rows)."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from infrastructure.persistence import tables


@dataclass(frozen=True)
class Shape:
    projects_per_customer: int = 2
    tasks_per_project: int = 3
    project_rates: bool = True
    supply_items: int = 20


SPREAD = Shape()
# The orders grid: 4 tasks × 2 rates (list and senior) + 2 supply items = 10 lines an order.
GRID = Shape(projects_per_customer=1, tasks_per_project=4, project_rates=False, supply_items=2)

PERIOD_START = dt.date(2026, 10, 1)
PERIOD_DAYS = 31
BATCH = 20_000


async def _insert(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        await connection.execute(insert(table), rows[start : start + BATCH])


def _work(customers: int, rng: random.Random, shape: Shape) -> dict[str, list[dict[str, Any]]]:
    customer_rows = [
        {
            "id": uuid.uuid4(),
            "code": f"C{n:05d}",
            "name": f"Customer {n}",
            "country": "NL",
            "language": "nl",
        }
        for n in range(customers)
    ]
    employees = [
        {"id": uuid.uuid4(), "code": f"E{n:03d}", "name": f"Employee {n}"} for n in range(40)
    ]
    projects, task_rows = [], []
    for customer in customer_rows:
        for p in range(shape.projects_per_customer):
            project = {
                "id": uuid.uuid4(),
                "customer_id": customer["id"],
                "code": f"P{p}",
                "name": f"Project {p} of {customer['name']}",
            }
            projects.append(project)
            task_rows += [
                {
                    "id": uuid.uuid4(),
                    "project_id": project["id"],
                    "code": f"T{t}",
                    "name": f"Task {t}",
                }
                for t in range(shape.tasks_per_project)
            ]
    rules = [{"id": uuid.uuid4(), "rate": Decimal("95.00")}]
    rules += [
        {"id": uuid.uuid4(), "rate": Decimal("120.00"), "employee_id": e["id"]}
        for e in employees[:10]
    ]
    rules += [
        {"id": uuid.uuid4(), "rate": Decimal("110.00"), "project_id": p["id"]}
        for p in rng.sample(projects, len(projects) // 10 if shape.project_rates else 0)
    ]
    return {
        "customers": customer_rows,
        "employees": employees,
        "projects": projects,
        "tasks": task_rows,
        "rate_rules": rules,
    }


async def seed(
    url: str, bookings: int, supplies: int, customers: int, seed: int = 1, shape: Shape = SPREAD
) -> None:
    rng = random.Random(seed)
    work = _work(customers, rng, shape)
    tasks_by_project: dict[uuid.UUID, list[uuid.UUID]] = {}
    for task in work["tasks"]:
        tasks_by_project.setdefault(task["project_id"], []).append(task["id"])
    projects = work["projects"]
    employees = [e["id"] for e in work["employees"]]
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        for name in ("customers", "employees", "projects", "tasks", "rate_rules"):
            await _insert(connection, getattr(tables, name), work[name])
        for start in range(0, bookings, BATCH):
            rows = []
            for _ in range(min(BATCH, bookings - start)):
                project = projects[rng.randrange(len(projects))]
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "employee_id": employees[rng.randrange(len(employees))],
                        "customer_id": project["customer_id"],
                        "date": PERIOD_START + dt.timedelta(days=rng.randrange(PERIOD_DAYS)),
                        "hours": Decimal(rng.randrange(25, 800, 25)) / 100,
                        "description": "Work",
                        "project_id": project["id"],
                        "task_id": rng.choice(tasks_by_project[project["id"]]),
                        "billable": rng.random() > 0.05,
                        "rate": None,
                    }
                )
            await connection.execute(insert(tables.bookings), rows)
        for start in range(0, supplies, BATCH):
            rows = []
            for _ in range(min(BATCH, supplies - start)):
                project = projects[rng.randrange(len(projects))]
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "customer_id": project["customer_id"],
                        "date": PERIOD_START + dt.timedelta(days=rng.randrange(PERIOD_DAYS)),
                        "item_code": f"ITEM-{rng.randrange(shape.supply_items)}",
                        "quantity": Decimal(rng.randrange(1, 20)),
                        "unit_price": Decimal(rng.randrange(100, 10000)) / 100,
                        "vat_code": "21",
                        "description": "Material",
                        "unit": "pc",
                        "project_id": project["id"],
                        "task_id": None,
                    }
                )
            await connection.execute(insert(tables.supplies), rows)
    await engine.dispose()


def run(url: str, bookings: int, supplies: int, customers: int) -> None:
    asyncio.run(seed(url, bookings, supplies, customers))
