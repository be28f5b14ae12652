"""Idempotency keys on every store, and two calls with one key at once on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from types import TracebackType
from typing import Any

import pytest
from sqlalchemy import func, select

from application.idempotency import Idempotency
from application.ports import IdempotencyKeyTaken, UnitOfWorkFactory
from application.service import Hourbill
from application.use_cases.customers import CreateCustomer, CreateCustomerRequest
from application.use_cases.generation import GenerateOrders
from domain.generation import GenerationPlan
from domain.idempotency import IdempotencyKey, IdempotencyRecord
from infrastructure.persistence import tables
from infrastructure.persistence.unit_of_work import (
    SqlAlchemyUnitOfWork,
    SqlAlchemyUnitOfWorkFactory,
)
from tests.fakes import FixedClock, RecordingPublisher
from tests.integration.conftest import TODAY
from tests.integration.test_concurrent_generation import billings_per_booking
from tests.integration.world import NOVEMBER, build_world

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(hours=24)
KEY = IdempotencyKey("partner-7f3a")


def record(
    key: str = "k", created_at: dt.datetime = NOW, scope: str = "system"
) -> IdempotencyRecord:
    return IdempotencyRecord(
        scope, key, "createCustomer", "a" * 64, (uuid.uuid4(), uuid.uuid4()), created_at
    )


# -- the repository, on the fake, SQLite and PostgreSQL -----------------------------------


async def test_a_record_round_trips(any_uow_factory: UnitOfWorkFactory) -> None:
    kept = record("x" * 255)
    async with any_uow_factory() as uow:
        await uow.idempotency.add(kept, replacing_before=NOW - DAY)
        await uow.commit()
    async with any_uow_factory() as uow:
        assert await uow.idempotency.get("system", "x" * 255) == kept
        assert await uow.idempotency.get("other", "x" * 255) is None
        assert await uow.idempotency.get("system", "y") is None


async def test_a_live_key_is_taken_an_expired_one_is_replaced(
    any_uow_factory: UnitOfWorkFactory,
) -> None:
    async with any_uow_factory() as uow:
        await uow.idempotency.add(record("live"), replacing_before=NOW - DAY)
        await uow.idempotency.add(record("old", NOW - 2 * DAY), replacing_before=NOW - 3 * DAY)
        await uow.idempotency.add(record("live", scope="another"), replacing_before=NOW - DAY)
        await uow.commit()
    async with any_uow_factory() as uow:
        with pytest.raises(IdempotencyKeyTaken):
            await uow.idempotency.add(record("live"), replacing_before=NOW - DAY)
    newer = record("old")
    async with any_uow_factory() as uow:
        await uow.idempotency.add(newer, replacing_before=NOW - DAY)
        await uow.commit()
    async with any_uow_factory() as uow:
        assert await uow.idempotency.get("system", "old") == newer


async def test_purging_deletes_the_oldest_expired_records_up_to_the_limit(
    any_uow_factory: UnitOfWorkFactory,
) -> None:
    async with any_uow_factory() as uow:
        for n in range(5):
            old = record(f"old-{n}", NOW - DAY - dt.timedelta(minutes=n + 1))
            await uow.idempotency.add(old, replacing_before=NOW - 10 * DAY)
        await uow.idempotency.add(record("fresh"), replacing_before=NOW - DAY)
        await uow.commit()
    async with any_uow_factory() as uow:
        assert await uow.idempotency.purge(NOW - DAY, limit=3) == 3
        await uow.commit()
    async with any_uow_factory() as uow:
        left = [
            k
            for k in ("old-0", "old-1", "old-2", "old-3", "old-4", "fresh")
            if await uow.idempotency.get("system", k) is not None
        ]
        assert left == ["old-0", "old-1", "fresh"], "the oldest went first"
        assert await uow.idempotency.purge(NOW - DAY, limit=3) == 2


# -- two claims at once: the second waits for the first, then finds the key taken ----------


async def test_a_claim_waits_for_a_concurrent_claim_of_the_key_then_loses(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    claimed = asyncio.Event()

    async def first() -> str:
        async with uow_factory() as uow:
            await uow.idempotency.add(record("race"), replacing_before=NOW - DAY)
            claimed.set()
            await asyncio.sleep(0.3)  # the second claim is waiting meanwhile
            await uow.commit()
        return "won"

    async def second() -> str:
        await claimed.wait()
        async with uow_factory() as uow:
            try:
                await uow.idempotency.add(record("race"), replacing_before=NOW - DAY)
            except IdempotencyKeyTaken:
                return "taken"
            await uow.commit()
        return "won"

    assert await asyncio.gather(first(), second()) == ["won", "taken"]


# -- two calls with one key at once, through the use cases ----------------------------------


class MeetingAfterLookUp:
    """Units of work whose first `parties` key look-ups wait for each other.

    Both calls then know the key is unused, and both go on to create: the race
    the claim in the creating transaction must settle.
    """

    def __init__(self, factory: SqlAlchemyUnitOfWorkFactory, parties: int) -> None:
        self.factory = factory
        self.barrier = asyncio.Barrier(parties)
        self.waiting = parties

    def __call__(self) -> _Meeting:
        return _Meeting(self.factory(), self)


class _Meeting:
    def __init__(self, uow: SqlAlchemyUnitOfWork, meeting: MeetingAfterLookUp) -> None:
        self.uow = uow
        self.meeting = meeting

    async def __aenter__(self) -> SqlAlchemyUnitOfWork:
        uow = await self.uow.__aenter__()
        get = uow.idempotency.get

        async def get_then_meet(scope: str, key: str) -> IdempotencyRecord | None:
            found = await get(scope, key)
            if self.meeting.waiting > 0:
                self.meeting.waiting -= 1
                await asyncio.wait_for(self.meeting.barrier.wait(), timeout=10)
            return found

        uow.idempotency.get = get_then_meet  # type: ignore[method-assign]
        return uow

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.uow.__aexit__(exc_type, exc, tb)


async def count(factory: SqlAlchemyUnitOfWorkFactory, table: Any) -> int:
    async with factory.database.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def test_two_create_customer_calls_with_one_key_at_once_create_one_customer(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    meeting = MeetingAfterLookUp(uow_factory, parties=2)
    create = CreateCustomer(meeting, Idempotency(meeting, FixedClock(TODAY)))
    request = CreateCustomerRequest("ACME", "Acme Bouw B.V.")

    first, second = await asyncio.gather(create.execute(request, KEY), create.execute(request, KEY))

    assert first.id == second.id
    assert await count(uow_factory, tables.customers) == 1
    assert await count(uow_factory, tables.idempotency_keys) == 1


async def test_two_generate_orders_calls_with_one_key_at_once_bill_once_and_agree(
    sql_app: Hourbill, uow_factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    world = await build_world(sql_app)
    meeting = MeetingAfterLookUp(uow_factory, parties=2)
    events = RecordingPublisher()
    generate = GenerateOrders(
        meeting, FixedClock(TODAY), events, Idempotency(meeting, FixedClock(TODAY))
    )

    plans: list[GenerationPlan] = list(
        await asyncio.gather(generate.execute(NOVEMBER, KEY), generate.execute(NOVEMBER, KEY))
    )

    assert {o.id for o in plans[0].orders} == {o.id for o in plans[1].orders}
    assert await billings_per_booking(uow_factory) == dict.fromkeys(
        (b.id for b in world.billable), 1
    )
    assert await count(uow_factory, tables.orders) == len(plans[0].orders)
    assert len(events.published) == len(plans[0].orders), "only the winner announces"
