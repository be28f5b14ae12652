"""The budget against the sandbox over loopback: no 429s, and the calls paging really takes.

The budget's clock is the sandbox's own clock, and its sleep moves that clock on
to the wake-up time, so a minute's wait costs no real time and Exact's reset
times are compared with the clock that made them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Callable

import pytest

from infrastructure.exact.budget import DatabaseRateBudget, InMemoryRateBudget
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from infrastructure.exact.sandbox.clock import SandboxClock
from infrastructure.exact.sandbox.sandbox import LoggedRequest
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.exact.sandbox.server import RunningSandbox
from infrastructure.exact.tokens import StaticAccessTokens
from infrastructure.persistence.database import Database

START = dt.datetime(2023, 5, 12, 8, 18, tzinfo=dt.UTC)
SELECT = {"$select": "ID,Code"}
SETTLE = 0.05


class SandboxTime:
    """`now` and `sleep` for a budget, on the sandbox's clock; `sleeps` records the waits.

    A sleep first lets `SETTLE` real seconds pass: another process's request in
    flight lands before the clock jumps to the reset, as it would in real time.
    """

    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self.now: Callable[[], dt.datetime] = clock.now
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await self.clock.sleep(seconds, settle=SETTLE)


def per_minute(calls: list[LoggedRequest]) -> list[int]:
    minutes = Counter(entry.at.replace(second=0, microsecond=0) for entry in calls)
    return [minutes[minute] for minute in sorted(minutes)]


@pytest.fixture
def time(exact_sandbox: RunningSandbox) -> SandboxTime:
    exact_sandbox.sandbox.clock.set(START)
    return SandboxTime(exact_sandbox.sandbox.clock)


@pytest.fixture
async def databases() -> AsyncIterator[list[Database]]:
    opened: list[Database] = []
    yield opened
    for database in opened:
        await database.dispose()


def connect(running: RunningSandbox, budget: InMemoryRateBudget | DatabaseRateBudget) -> ExactHttp:
    return ExactHttp(
        StaticAccessTokens(running.access_token()), base_url=running.url, budget=budget
    )


async def call(http: ExactHttp, times: int) -> None:
    for _ in range(times):
        await http.get_page("financial/Journals", division=DEMO_DIVISION, params=SELECT)


@pytest.mark.parametrize(
    "kind", ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_200_calls_at_60_a_minute_cause_no_429(
    request: pytest.FixtureRequest,
    kind: str,
    exact_sandbox: RunningSandbox,
    time: SandboxTime,
    databases: list[Database],
) -> None:
    if kind == "memory":
        budget: InMemoryRateBudget | DatabaseRateBudget = InMemoryRateBudget(
            now=time.now, sleep=time.sleep
        )
    else:
        databases.append(Database(request.getfixturevalue(f"{kind}_url")))
        budget = DatabaseRateBudget(
            databases[0], exact_sandbox.client_id, now=time.now, sleep=time.sleep
        )

    async with connect(exact_sandbox, budget) as http:
        await call(http, 200)

    sandbox = exact_sandbox.sandbox
    assert sandbox.limits.refused == 0
    calls = sandbox.api_calls("GET", "financial/Journals")
    assert len(calls) == 200
    assert {entry.status for entry in calls} == {200}
    assert per_minute(calls) == [60, 60, 60, 20]
    assert len(time.sleeps) == 3
    assert START + dt.timedelta(minutes=3) <= sandbox.clock.now() < START + dt.timedelta(minutes=4)


async def test_two_processes_sharing_the_budget_table_cause_no_429(
    database_url: str,
    exact_sandbox: RunningSandbox,
    time: SandboxTime,
    databases: list[Database],
) -> None:
    databases.extend([Database(database_url), Database(database_url)])
    first, second = (
        connect(
            exact_sandbox,
            DatabaseRateBudget(database, exact_sandbox.client_id, now=time.now, sleep=time.sleep),
        )
        for database in databases
    )

    async with first, second:
        await asyncio.gather(call(first, 100), call(second, 100))

    sandbox = exact_sandbox.sandbox
    assert sandbox.limits.refused == 0
    calls = sandbox.api_calls("GET", "financial/Journals")
    assert len(calls) == 200
    minutes = per_minute(calls)
    assert len(minutes) == 4
    assert max(minutes) <= 60


async def test_1000_accounts_read_across_pages_and_from_the_sync_feed(
    exact_sandbox: RunningSandbox, time: SandboxTime
) -> None:
    sandbox = exact_sandbox.sandbox
    before = max(row["Timestamp"] for row in sandbox.rows(DEMO_DIVISION, "crm/Accounts"))
    sandbox.seed(
        {
            "divisions": [
                {
                    "code": DEMO_DIVISION,
                    "accounts": [
                        {"Code": str(20000 + n), "Name": "Bulk Customer B.V."} for n in range(1000)
                    ],
                }
            ]
        }
    )
    budget = InMemoryRateBudget(now=time.now, sleep=time.sleep)
    gateway = ExactOnlineGateway(connect(exact_sandbox, budget))

    try:
        found = await gateway.find_accounts(DEMO_DIVISION, name="Bulk Customer B.V.")
        paged = sandbox.api_calls("GET", f"/{DEMO_DIVISION}/crm/Accounts")
        changes = await gateway.accounts_changed_since(DEMO_DIVISION, before)
        synced = sandbox.api_calls("GET", f"/{DEMO_DIVISION}/sync/CRM/Accounts")
    finally:
        await gateway.aclose()

    assert len(found) == len({account.account_id for account in found}) == 1000
    assert len(paged) == 17  # 16 pages of 60, then 40, following __next
    assert sum("$skiptoken" in entry.query for entry in paged) == 16
    assert len(changes.accounts) == 1000
    assert len(synced) == 1  # one 1000-row page
    assert len(sandbox.api_calls()) == 18
    assert sandbox.limits.refused == 0
