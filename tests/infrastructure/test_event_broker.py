import asyncio
import uuid

from domain.events import OrderEvent, OrderEventKind
from infrastructure.events import InProcessEventBroker


def event(kind: OrderEventKind = OrderEventKind.CREATED, number: int = 1) -> OrderEvent:
    return OrderEvent(kind, uuid.uuid4(), uuid.uuid4(), number)


async def test_every_subscriber_receives_every_event_in_order() -> None:
    broker = InProcessEventBroker()
    first, second = broker.subscribe(), broker.subscribe()
    events = [event(number=n) for n in range(3)]

    await broker.publish(events)

    for stream in (first, second):
        received = [await anext(stream) for _ in events]
        assert [e.number for e in received] == [0, 1, 2]


async def test_a_subscriber_sees_only_events_published_after_it_subscribed() -> None:
    broker = InProcessEventBroker()
    await broker.publish([event(number=1)])
    stream = broker.subscribe()
    await broker.publish([event(number=2)])

    assert (await anext(stream)).number == 2


async def test_closing_a_stream_unsubscribes_and_ends_iteration() -> None:
    broker = InProcessEventBroker()
    stream = broker.subscribe()

    await stream.aclose()

    assert broker.subscriber_count == 0
    assert [e async for e in stream] == []


async def test_a_subscriber_that_falls_behind_is_dropped_without_blocking_publishers() -> None:
    broker = InProcessEventBroker(queue_size=2)
    slow, fast = broker.subscribe(), broker.subscribe()

    async def drain() -> list[int | None]:
        return [(await anext(fast)).number for _ in range(2)]

    await broker.publish([event(number=1), event(number=2)])
    assert await drain() == [1, 2]
    await asyncio.wait_for(broker.publish([event(number=3)]), timeout=1)

    assert broker.subscriber_count == 1
    assert [e.number async for e in slow] == []
    assert (await anext(fast)).number == 3


async def test_ending_all_subscriptions_completes_every_stream() -> None:
    broker = InProcessEventBroker()
    streams = [broker.subscribe(), broker.subscribe()]
    await broker.publish([event(number=1)])

    broker.end_all()

    assert broker.subscriber_count == 0
    for stream in streams:
        assert [e async for e in stream] == []
