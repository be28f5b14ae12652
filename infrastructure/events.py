"""In-process event broker: fans events out to every live subscription.

Each subscriber gets its own bounded queue; a subscriber that falls too far
behind is dropped (its stream ends) rather than blocking publishers or growing
without bound.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from domain.events import Event, InvoiceEvent, InvoiceRunProgressEvent, OrderEvent

log = logging.getLogger(__name__)

_CLOSED = object()


class InProcessEventStream:
    def __init__(self, broker: InProcessEventBroker, size: int) -> None:
        self._broker = broker
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=size)
        self._closed = False

    def offer(self, event: Event) -> bool:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            return False
        return True

    def end(self) -> None:
        """End the stream now: events still queued are dropped, the reader stops."""
        self._closed = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_CLOSED)

    def __aiter__(self) -> InProcessEventStream:
        return self

    async def __anext__(self) -> Event:
        item = await self._queue.get()
        if item is _CLOSED:
            raise StopAsyncIteration
        assert isinstance(item, OrderEvent | InvoiceEvent | InvoiceRunProgressEvent)
        return item

    async def aclose(self) -> None:
        self._broker.unsubscribe(self)
        if not self._closed:
            self.end()


class InProcessEventBroker:
    """Publisher and subscription source in one, for a single server process."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._queue_size = queue_size
        self._streams: set[InProcessEventStream] = set()

    def subscribe(self) -> InProcessEventStream:
        stream = InProcessEventStream(self, self._queue_size)
        self._streams.add(stream)
        return stream

    def unsubscribe(self, stream: InProcessEventStream) -> None:
        self._streams.discard(stream)

    @property
    def subscriber_count(self) -> int:
        return len(self._streams)

    async def publish(self, events: Sequence[Event]) -> None:
        self.deliver(events)

    def deliver(self, events: Sequence[Event]) -> None:
        """Offer the events to every subscriber now, without waiting for anyone."""
        for stream in list(self._streams):
            for event in events:
                if not stream.offer(event):
                    log.warning(
                        "dropping a subscriber that fell %d events behind", self._queue_size
                    )
                    self.unsubscribe(stream)
                    stream.end()
                    break

    def end_all(self) -> None:
        """End every subscription (its client sees the stream complete)."""
        for stream in list(self._streams):
            self.unsubscribe(stream)
            stream.end()

    async def start(self) -> None:
        """Nothing to start: the same lifecycle as brokers that reach other processes."""

    async def aclose(self) -> None:
        self.end_all()
