"""Two generation runs that read the same unbilled bookings: one wins, the other gets CONFLICT."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from sqlalchemy import func, select

from application.ports import UnbilledSelection
from application.service import Hourbill
from application.use_cases.generation import GenerateOrders
from domain.bookings import HourBooking
from domain.errors import ErrorCode, HourbillError
from domain.generation import GenerationPlan
from infrastructure.persistence import tables
from infrastructure.persistence.unit_of_work import (
    SqlAlchemyUnitOfWork,
    SqlAlchemyUnitOfWorkFactory,
)
from tests.fakes import FixedClock, RecordingPublisher
from tests.integration.conftest import TODAY
from tests.integration.world import NOVEMBER, build_world


class MeetingAfterReading:
    """Units of work that wait for each other once each has read the unbilled bookings."""

    def __init__(self, factory: SqlAlchemyUnitOfWorkFactory, parties: int) -> None:
        self.factory = factory
        self.barrier = asyncio.Barrier(parties)

    def __call__(self) -> MeetingUnitOfWork:
        return MeetingUnitOfWork(self.factory(), self.barrier)


class MeetingUnitOfWork:
    def __init__(self, uow: SqlAlchemyUnitOfWork, barrier: asyncio.Barrier) -> None:
        self.uow = uow
        self.barrier = barrier

    async def __aenter__(self) -> SqlAlchemyUnitOfWork:
        uow = await self.uow.__aenter__()
        read = uow.bookings.unbilled

        async def unbilled_then_meet(selection: UnbilledSelection) -> list[HourBooking]:
            found = await read(selection)
            await asyncio.wait_for(self.barrier.wait(), timeout=10)
            return found

        uow.bookings.unbilled = unbilled_then_meet  # type: ignore[method-assign]
        return uow

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.uow.__aexit__(exc_type, exc, tb)


async def billings_per_booking(factory: SqlAlchemyUnitOfWorkFactory) -> dict[Any, int]:
    refs = tables.order_line_bookings
    query = select(refs.c.booking_id, func.count()).group_by(refs.c.booking_id)
    async with factory.database.engine.connect() as connection:
        return {booking: n for booking, n in await connection.execute(query)}


async def test_concurrent_generation_bills_every_booking_once(
    sql_app: Hourbill, uow_factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    world = await build_world(sql_app)
    generate = GenerateOrders(
        MeetingAfterReading(uow_factory, parties=2), FixedClock(TODAY), RecordingPublisher()
    )

    outcomes: Sequence[GenerationPlan | BaseException] = await asyncio.gather(
        generate.execute(NOVEMBER), generate.execute(NOVEMBER), return_exceptions=True
    )

    plans = [o for o in outcomes if isinstance(o, GenerationPlan)]
    failures = [o for o in outcomes if not isinstance(o, GenerationPlan)]
    assert len(plans) == 1, outcomes
    assert len(failures) == 1
    assert isinstance(failures[0], HourbillError), failures[0]
    assert [p.code for p in failures[0].problems] == [ErrorCode.CONFLICT]
    assert await billings_per_booking(uow_factory) == dict.fromkeys(
        (b.id for b in world.billable), 1
    )
    saved = await sql_app.queries.orders_by_id([o.id for o in plans[0].orders])
    assert len(saved) == len(plans[0].orders)
