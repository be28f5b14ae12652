"""Budgets of every kind on one clock: in memory, and in SQLite and PostgreSQL tables.

`clock` is a `FakeClock` at 08:18:25 UTC on 12 May 2023 (PQ#609's response);
time moves only when a budget sleeps. `budgets` makes budgets of one kind
(parametrised: memory, sqlite, postgres) and, with `another`, a second handle
on the same state: for the database, another `Database` (another process).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from infrastructure.exact.budget import DatabaseRateBudget, InMemoryRateBudget
from infrastructure.persistence.database import Database

START = dt.datetime(2023, 5, 12, 8, 18, 25, tzinfo=dt.UTC)
CLIENT_ID = "5b7e1c3a-2f4d-4e8b-9a6c-0d1e2f3a4b5c"

Budget = InMemoryRateBudget | DatabaseRateBudget


class FakeClock:
    """A clock that stands still until someone sleeps; `sleeps` records every wait."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.moment = start
        self.sleeps: list[float] = []

    def now(self) -> dt.datetime:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        wake = self.moment + dt.timedelta(seconds=seconds)
        await asyncio.sleep(0)
        self.moment = max(self.moment, wake)

    def advance(self, seconds: float) -> None:
        self.moment += dt.timedelta(seconds=seconds)


class Budgets:
    def __init__(self, kind: str, url: str | None, clock: FakeClock) -> None:
        self.kind = kind
        self.url = url
        self.clock = clock
        self._databases: list[Database] = []

    def new(self, client_id: str = CLIENT_ID, **options: Any) -> Budget:
        options = {"now": self.clock.now, "sleep": self.clock.sleep, **options}
        if self.url is None:
            return InMemoryRateBudget(**options)
        database = Database(self.url)
        self._databases.append(database)
        return DatabaseRateBudget(database, client_id, **options)

    def another(self, budget: Budget) -> Budget:
        """A second handle on `budget`'s state (another process, for a database)."""
        if isinstance(budget, InMemoryRateBudget):
            return budget
        return self.new(budget.client_id)

    async def dispose(self) -> None:
        for database in self._databases:
            await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def budgets(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[Budgets]:
    url = None if request.param == "memory" else request.getfixturevalue(f"{request.param}_url")
    made = Budgets(request.param, url, clock)
    yield made
    await made.dispose()
