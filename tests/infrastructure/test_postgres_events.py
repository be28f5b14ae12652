"""LISTEN/NOTIFY events between two brokers, standing in for two server processes.

Each broker has its own `Database` (its own pool) and its own listening
connection, on one throwaway PostgreSQL database per test.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text

from domain.events import (
    Event,
    InvoiceEvent,
    InvoiceEventKind,
    InvoiceRunProgressEvent,
    OrderEvent,
    OrderEventKind,
)
from infrastructure.events import InProcessEventStream
from infrastructure.events_postgres import CHANNEL, MAX_PAYLOAD, Backoff, PostgresEventBroker
from infrastructure.persistence.database import Database

pytestmark = pytest.mark.postgres

WAIT = 5.0
FAST = Backoff(first=0.01, longest=0.1)

Brokers = Callable[[], Awaitable[PostgresEventBroker]]


@pytest.fixture
async def brokers(postgres_url: str) -> AsyncIterator[Brokers]:
    """Makes listening brokers, each with its own database pool: one per "process"."""
    made: list[tuple[PostgresEventBroker, Database]] = []

    async def make() -> PostgresEventBroker:
        database = Database(postgres_url)
        broker = PostgresEventBroker(database, backoff=FAST)
        made.append((broker, database))
        await broker.start()
        return broker

    yield make
    for broker, database in made:
        await broker.aclose()
        await database.dispose()


def order(number: int, kind: OrderEventKind = OrderEventKind.CREATED) -> OrderEvent:
    return OrderEvent(kind, uuid.uuid4(), uuid.uuid4(), number)


async def receive(stream: InProcessEventStream, count: int = 1) -> list[Event]:
    return [await asyncio.wait_for(anext(stream), WAIT) for _ in range(count)]


async def assert_nothing_more(
    publisher: PostgresEventBroker, *streams: InProcessEventStream
) -> None:
    """A marker published last must be the next thing every stream sees: nothing came twice."""
    marker = order(-1)
    await publisher.publish([marker])
    for stream in streams:
        assert await receive(stream) == [marker]


async def test_a_subscriber_of_one_process_receives_what_another_publishes_in_order_once(
    brokers: Brokers,
) -> None:
    a, b = await brokers(), await brokers()
    stream = a.subscribe()
    events = [order(1), order(2, OrderEventKind.CHANGED), order(3, OrderEventKind.DELETED)]

    await b.publish(events[:2])
    await b.publish(events[2:])

    assert await receive(stream, 3) == events
    await assert_nothing_more(b, stream)


async def test_the_publishing_process_receives_its_own_events_once(brokers: Brokers) -> None:
    a, b = await brokers(), await brokers()
    here, there = a.subscribe(), b.subscribe()
    event = order(1)

    await a.publish([event])

    assert await receive(here) == [event]
    assert await receive(there) == [event]
    await assert_nothing_more(a, here, there)


async def test_every_kind_of_event_crosses(brokers: Brokers) -> None:
    a, b = await brokers(), await brokers()
    stream = a.subscribe()
    run_id = uuid.uuid4()
    events: list[Event] = [
        order(1, OrderEventKind.MERGED),
        InvoiceEvent(
            InvoiceEventKind.FAILED, uuid.uuid4(), uuid.uuid4(), "FAILED", 12, run_id, "Geweigerd €"
        ),
        InvoiceRunProgressEvent(run_id, total=3, done=1, failed=1),
    ]

    await b.publish(events)

    assert await receive(stream, 3) == events


async def test_equal_events_of_one_publish_are_not_folded_into_one(brokers: Brokers) -> None:
    a, b = await brokers(), await brokers()
    stream = a.subscribe()
    progress = InvoiceRunProgressEvent(uuid.uuid4(), total=2, done=1, failed=0)

    await b.publish([progress, progress])

    assert await receive(stream, 2) == [progress, progress]


async def test_an_event_too_big_for_one_notification_arrives_whole(brokers: Brokers) -> None:
    a, b = await brokers(), await brokers()
    stream = a.subscribe()
    message = 'Exact zegt: "' + "Ongeldige regel\\" * 1500 + '"'
    assert len(message) > 2 * MAX_PAYLOAD
    big = InvoiceEvent(
        InvoiceEventKind.FAILED, uuid.uuid4(), uuid.uuid4(), "FAILED", 3, None, message
    )
    merged = OrderEvent(
        OrderEventKind.MERGED,
        uuid.uuid4(),
        uuid.uuid4(),
        4,
        tuple(uuid.uuid4() for _ in range(400)),
    )

    small = order(5)

    await b.publish([big, small, merged])

    assert await receive(stream, 3) == [big, small, merged]


async def raw_notify(database: Database, payload: str) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
        )


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        "[1, 2]",
        '{"id": "x", "event": {"v": 99, "type": "order"}}',
        '{"id": "x", "event": {"v": 1, "type": "payment_received"}}',
        '{"id": "x", "event": {"v": 1, "type": "order", "kind": "ARCHIVED"}}',
        '{"id": "y", "part": 1, "parts": 2, "chunk": "{}"}',
        '{"id": "z"}',
    ],
)
async def test_what_a_listener_cannot_read_is_skipped_and_it_keeps_listening(
    brokers: Brokers, postgres_url: str, payload: str, caplog: pytest.LogCaptureFixture
) -> None:
    a = await brokers()
    stream = a.subscribe()
    later = order(1)
    database = Database(postgres_url)
    try:
        with caplog.at_level(logging.WARNING):
            await raw_notify(database, payload)
            await a.publish([later])
            assert await receive(stream) == [later]
    finally:
        await database.dispose()
    assert any("ignoring" in record.getMessage() for record in caplog.records)


async def terminate_listeners(database: Database) -> int:
    """What an administrator or a failover does to the listening connections."""
    async with database.engine.begin() as connection:
        result = await connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND query LIKE 'LISTEN%'"
            )
        )
        return int(result.scalar_one())


async def test_the_listener_reconnects_and_ends_the_subscriptions_of_the_gap(
    brokers: Brokers, postgres_url: str
) -> None:
    a, b = await brokers(), await brokers()
    during_gap = a.subscribe()
    database = Database(postgres_url)
    try:
        assert await terminate_listeners(database) == 2
    finally:
        await database.dispose()

    assert [event async for event in during_gap] == []
    assert await a.wait_listening(WAIT)
    assert await b.wait_listening(WAIT)
    assert (a.gaps, a.subscriber_count) == (1, 0)

    after = a.subscribe()
    event = order(1)
    await b.publish([event])
    assert await receive(after) == [event]


async def test_closing_ends_local_subscriptions(brokers: Brokers) -> None:
    a = await brokers()
    stream = a.subscribe()

    await a.aclose()

    assert [event async for event in stream] == []
    assert a.subscriber_count == 0
    assert not await a.wait_listening(0.05)


async def test_the_first_subscription_starts_listening(postgres_url: str) -> None:
    database = Database(postgres_url)
    broker = PostgresEventBroker(database, backoff=FAST)
    try:
        assert not await broker.wait_listening(0.05)
        stream = broker.subscribe()
        assert await broker.wait_listening(WAIT)
        event = order(1)
        await broker.publish([event])
        assert await receive(stream) == [event]
    finally:
        await broker.aclose()
        await database.dispose()


UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:1/hourbill"


async def test_publishing_without_a_database_loses_the_events_but_does_not_raise(
    caplog: pytest.LogCaptureFixture,
) -> None:
    database = Database(UNREACHABLE)
    broker = PostgresEventBroker(database, backoff=FAST)
    try:
        with caplog.at_level(logging.ERROR):
            await broker.publish([order(1)])
        assert "1 events were not delivered" in caplog.text
        broker.subscribe()
        assert not await broker.wait_listening(0.3)
    finally:
        await broker.aclose()
        await database.dispose()
