"""DataLoaders: one batched facade call per kind of lookup and operation, so no N+1.

A `Loaders` lives for one operation (one subscription event); its caches never
outlive what the client asked for in one go.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from strawberry.dataloader import DataLoader

from application.service import Hourbill
from domain.bookings import HourBooking, Supply
from domain.customers import Customer
from domain.orders import Order
from domain.rates import RateRule
from domain.work import Employee, Project, Task
from interfaces.graphql.invoice_loaders import InvoiceLoaders


class HasId(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


E = TypeVar("E", bound=HasId)
Ids = list[uuid.UUID]


def by_id(
    fetch: Callable[[Sequence[uuid.UUID]], Awaitable[list[E]]],
) -> Callable[[Ids], Awaitable[list[E | None]]]:
    """A batch function answering in key order, None for what does not exist."""

    async def load(ids: Ids) -> list[E | None]:
        found = {item.id: item for item in await fetch(ids)}
        return [found.get(ident) for ident in ids]

    return load


def lookup(
    fetch: Callable[[Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, uuid.UUID]]],
) -> Callable[[Ids], Awaitable[list[uuid.UUID | None]]]:
    async def load(ids: Ids) -> list[uuid.UUID | None]:
        found = await fetch(ids)
        return [found.get(ident) for ident in ids]

    return load


class Loaders:
    """Every batched lookup the schema makes, for one operation."""

    def __init__(self, hourbill: Hourbill) -> None:
        queries = hourbill.queries
        self.customer = DataLoader[uuid.UUID, Customer | None](by_id(queries.customers_by_id))
        self.employee = DataLoader[uuid.UUID, Employee | None](by_id(queries.employees))
        self.project = DataLoader[uuid.UUID, Project | None](by_id(queries.projects))
        self.task = DataLoader[uuid.UUID, Task | None](by_id(queries.tasks))
        self.booking = DataLoader[uuid.UUID, HourBooking | None](by_id(queries.bookings_by_id))
        self.supply = DataLoader[uuid.UUID, Supply | None](by_id(queries.supplies_by_id))
        self.order = DataLoader[uuid.UUID, Order | None](by_id(queries.orders_by_id))
        self.rate_rule = DataLoader[uuid.UUID, RateRule | None](by_id(queries.rate_rules_by_id))
        self.booking_line = DataLoader[uuid.UUID, uuid.UUID | None](lookup(queries.booking_lines))
        self.supply_line = DataLoader[uuid.UUID, uuid.UUID | None](lookup(queries.supply_lines))

        async def tasks_of(project_ids: Ids) -> list[list[Task]]:
            grouped: dict[uuid.UUID, list[Task]] = defaultdict(list)
            for task in await queries.tasks():
                grouped[task.project_id].append(task)
            return [sorted(grouped[p], key=lambda t: t.code) for p in project_ids]

        self.project_tasks = DataLoader[uuid.UUID, list[Task]](tasks_of)
        self.invoicing = InvoiceLoaders(hourbill)


N = TypeVar("N")
T = TypeVar("T")


async def load_as(
    loader: DataLoader[uuid.UUID, T | None],
    ident: uuid.UUID | None,
    present: Callable[[T], N],
) -> N | None:
    """Load one thing by id (None stays None) and present it as a GraphQL type."""
    if ident is None:
        return None
    found = await loader.load(ident)
    return None if found is None else present(found)
