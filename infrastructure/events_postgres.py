"""Events across server processes over PostgreSQL LISTEN/NOTIFY (docs/adr/0014).

Publishing sends one NOTIFY per event on a pooled connection, all events of a
call in one transaction; the use case has committed before it publishes.
Each process keeps one dedicated connection that LISTENs and hands what
arrives to its in-process broker, which fans out to local subscribers.

A process receives its own events through NOTIFY too, and only that way: every
subscriber, in every process, sees events in the one order PostgreSQL
delivers them (commit order), and never twice.

Delivery is at most once. While the listening connection is down (it
reconnects with backoff) events are missed; so when it is back, every
subscription that was open during the gap is ended, and its client, like one
dropped for falling behind, subscribes again and re-reads what it shows.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain.events import Event
from infrastructure import event_codec
from infrastructure.events import InProcessEventBroker, InProcessEventStream
from infrastructure.persistence.database import Database

log = logging.getLogger(__name__)

CHANNEL = "hourbill_events"
MAX_PAYLOAD = 7999
"""PostgreSQL refuses a NOTIFY payload of 8000 bytes or more."""
CHUNK = 3000
"""Characters of an oversized event per notification; JSON escaping at most doubles them."""
CONNECT_TIMEOUT = 5.0
START_TIMEOUT = 5.0
HEALTH_INTERVAL = 15.0
"""How often an idle listening connection is pinged, to notice a silent network loss."""

NOTIFY = text("SELECT pg_notify(:channel, :payload)")
EXPECTED_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


@dataclass(frozen=True)
class Backoff:
    """Exponential reconnect delays with jitter, so processes do not reconnect in lockstep."""

    first: float = 0.1
    longest: float = 10.0

    def delay(self, failures: int) -> float:
        ceiling = min(self.longest, self.first * 2 ** min(failures, 30))
        return ceiling * random.uniform(0.5, 1.0)


def listen_connect_args(database: Database) -> dict[str, Any]:
    """asyncpg.connect arguments for the database's URL, as SQLAlchemy's dialect reads it."""
    engine = database.engine
    _, kwargs = engine.dialect.create_connect_args(engine.url)
    for own in ("prepared_statement_cache_size", "prepared_statement_name_func"):
        kwargs.pop(own, None)
    return dict(kwargs)


class PostgresEventBroker:
    """EventPublisher and EventSubscriptions for every server process on one database."""

    def __init__(
        self,
        database: Database,
        *,
        channel: str = CHANNEL,
        queue_size: int = 1000,
        backoff: Backoff | None = None,
        health_interval: float = HEALTH_INTERVAL,
    ) -> None:
        self._database = database
        self._channel = channel
        self._local = InProcessEventBroker(queue_size)
        self._backoff = backoff or Backoff()
        self._health_interval = health_interval
        self._origin = secrets.token_hex(6)
        self._sequence = itertools.count()
        self._fragments: dict[str, list[str]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._closed = False
        self._listened = False
        self._failures = 0
        self.gaps = 0
        """How many times the listener came back after losing its connection."""

    # -- subscribing -------------------------------------------------------------

    def subscribe(self) -> InProcessEventStream:
        """A stream of events from every process; starts listening if nothing did yet."""
        self._ensure_listener()
        return self._local.subscribe()

    @property
    def subscriber_count(self) -> int:
        return self._local.subscriber_count

    async def start(self) -> None:
        """Listen now (on server start-up); a database that is down is retried in the background."""
        self._ensure_listener()
        if not await self.wait_listening(START_TIMEOUT):
            log.warning("not listening for events yet; retrying in the background")

    async def wait_listening(self, seconds: float) -> bool:
        """Whether the LISTEN is in place within `seconds`."""
        try:
            await asyncio.wait_for(self._listening.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def aclose(self) -> None:
        """Stop listening and end every local subscription."""
        self._closed = True
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        self._local.end_all()

    def _ensure_listener(self) -> None:
        if self._closed or (self._listener is not None and not self._listener.done()):
            return
        self._listener = asyncio.get_running_loop().create_task(
            self._listen(), name=f"hourbill-events-listener-{self._channel}"
        )

    # -- publishing --------------------------------------------------------------

    async def publish(self, events: Sequence[Event]) -> None:
        """NOTIFY every process; a failure loses these events (logged) but never raises.

        The change behind them is committed already: failing the caller would
        report a success as an error.
        """
        if not events:
            return
        rows = [
            {"channel": self._channel, "payload": payload}
            for event in events
            for payload in self._notifications(event)
        ]
        try:
            async with self._database.engine.begin() as connection:
                await connection.execute(NOTIFY, rows)
        except (DBAPIError, OSError, TimeoutError):
            log.exception("%d events were not delivered: NOTIFY failed", len(events))

    def _notifications(self, event: Event) -> list[str]:
        """One payload, or several for an event too big for one (reassembled by listeners).

        Every payload carries a unique id: PostgreSQL folds identical payloads
        of one transaction into one notification.
        """
        ident = f"{self._origin}.{next(self._sequence)}"
        body = event_codec.dumps(event)
        whole = f'{{"id":"{ident}","event":{body}}}'
        if len(whole) <= MAX_PAYLOAD:
            return [whole]
        chunks = [body[start : start + CHUNK] for start in range(0, len(body), CHUNK)]
        return [
            json.dumps(
                {"id": ident, "part": part, "parts": len(chunks), "chunk": chunk},
                separators=(",", ":"),
            )
            for part, chunk in enumerate(chunks)
        ]

    # -- listening ---------------------------------------------------------------

    async def _listen(self) -> None:
        """Keep one LISTENing connection, reconnecting with backoff, until cancelled."""
        while True:
            try:
                connection = await asyncpg.connect(
                    **listen_connect_args(self._database), timeout=CONNECT_TIMEOUT
                )
            except EXPECTED_ERRORS as error:
                self._failures += 1
                log.warning("cannot listen for events (%s); retry %d", error, self._failures)
                await asyncio.sleep(self._backoff.delay(self._failures))
                continue
            try:
                await self._serve(connection)
                log.warning("the event listener lost its connection; reconnecting")
            except EXPECTED_ERRORS as error:
                log.warning("the event listener failed (%s); reconnecting", error)
            except Exception:
                log.exception("the event listener failed unexpectedly; reconnecting")
            finally:
                self._listening.clear()
                if not connection.is_closed():
                    connection.terminate()
            await asyncio.sleep(self._backoff.delay(self._failures))
            self._failures += 1

    async def _serve(self, connection: asyncpg.Connection) -> None:
        """LISTEN on the connection and return once it is lost."""
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _: lost.set())
        await connection.add_listener(self._channel, self._on_notification)
        self._fragments.clear()
        if self._listened:
            self._after_gap()
        self._listened, self._failures = True, 0
        self._listening.set()
        await self._until_lost(connection, lost)

    async def _until_lost(self, connection: asyncpg.Connection, lost: asyncio.Event) -> None:
        while not lost.is_set():
            try:
                await asyncio.wait_for(lost.wait(), self._health_interval)
            except TimeoutError:
                await asyncio.wait_for(connection.execute("SELECT 1"), CONNECT_TIMEOUT)

    def _after_gap(self) -> None:
        """Events of the gap are gone: end the subscriptions that may have missed some."""
        self.gaps += 1
        missed = self._local.subscriber_count
        self._local.end_all()
        if missed:
            log.warning("ended %d subscriptions that may have missed events", missed)

    def _on_notification(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = self._read(payload)
        except (ValueError, TypeError, KeyError) as error:
            log.warning("ignoring a malformed notification (%s): %.80r", error, payload)
            return
        if event is not None:
            self._local.deliver([event])

    def _read(self, payload: str) -> Event | None:
        message = json.loads(payload)
        if not isinstance(message, dict):
            raise TypeError("a notification is a JSON object")
        if "event" in message:
            return event_codec.from_json(message["event"])
        return self._reassemble(message["id"], message["part"], message["parts"], message["chunk"])

    def _reassemble(self, ident: str, part: int, parts: int, chunk: str) -> Event | None:
        pieces = self._fragments.setdefault(str(ident), [])
        if part != len(pieces):
            del self._fragments[str(ident)]
            raise ValueError(f"part {part} of {ident} out of order")
        pieces.append(str(chunk))
        if len(pieces) < parts:
            return None
        del self._fragments[str(ident)]
        return event_codec.loads("".join(pieces))
