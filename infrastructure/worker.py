"""The outbox worker: claims due items with a lease, hands them to their handler, repeats.

Crash-safe by construction: an item is only ever leased, never taken. A worker
that dies leaves its lease to run out, and the next worker (in this process or
another) claims the item again; the handler then looks the invoice up in Exact
before sending anything (application/outbox.py). While a batch is handled, a
heartbeat keeps its leases alive, so a slow Exact does not hand them out twice.

It runs inside `hourbill serve` (HOURBILL_WORKER, on by default) and on its own
with `hourbill worker`; any number of workers may share one database.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Protocol

from application.invoicing_ports import OutboxItem, OutboxKind
from application.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)


class OutboxHandler(Protocol):
    async def handle(self, items: Sequence[OutboxItem]) -> Sequence[object]: ...


class OutboxHandlers:
    """One worker for several kinds of work: hands each kind's share of a batch to its handler.

    Kinds run one after the other, in the order of the mapping; when one fails,
    the others still run and the first error is raised afterwards (the worker
    logs it; the failed items' leases run out and they are claimed again). An
    item of a kind without a handler is left alone to its lease, for a worker
    that knows it (say, a newer version during a rolling deploy).
    """

    def __init__(self, handlers: Mapping[OutboxKind, OutboxHandler]) -> None:
        self.handlers = dict(handlers)

    async def handle(self, items: Sequence[OutboxItem]) -> list[object]:
        by_kind: dict[OutboxKind, list[OutboxItem]] = defaultdict(list)
        for item in items:
            by_kind[item.kind].append(item)
        for kind in by_kind.keys() - self.handlers.keys():
            log.error("no handler for %d outbox items of kind %s", len(by_kind[kind]), kind)
        results: list[object] = []
        errors: list[Exception] = []
        for kind, handler in self.handlers.items():
            if kind not in by_kind:
                continue
            try:
                results += await handler.handle(by_kind[kind])
            except Exception as error:
                if errors:
                    log.exception("outbox handler for %s failed as well", kind)
                errors.append(error)
        if errors:
            raise errors[0]
        return results


class OutboxSignal:
    """Wakes a sleeping worker of this process early: work was just queued."""

    def __init__(self) -> None:
        self._pending = False
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def notify(self) -> None:
        self._pending = True
        if self._event is not None:
            self._event.set()

    async def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when notified meanwhile (or before)."""
        loop = asyncio.get_running_loop()
        if self._event is None or self._loop is not loop:
            self._event, self._loop = asyncio.Event(), loop
        event = self._event
        try:
            if not self._pending:
                await asyncio.wait_for(event.wait(), timeout=max(0.0, seconds))
        except TimeoutError:
            return False
        finally:
            event.clear()
        self._pending = False
        return True


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class OutboxWorker:
    def __init__(
        self,
        handler: OutboxHandler,
        uow: UnitOfWorkFactory,
        clock: Clock,
        signal: OutboxSignal | None = None,
        *,
        name: str | None = None,
        batch: int = 10,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        idle_seconds: float = 5.0,
        error_seconds: float = 5.0,
    ) -> None:
        self.handler = handler
        self.uow = uow
        self.clock = clock
        self.signal = signal or OutboxSignal()
        self.name = name or worker_name()
        self.batch = batch
        self.lease = lease
        self.idle_seconds = idle_seconds
        self.error_seconds = error_seconds
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    # -- one round ------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim what is due and handle it; the number of items handled."""
        async with self.uow() as uow:
            items = await uow.outbox.claim(self.name, self.clock.now(), self.lease, self.batch)
            await uow.commit()
        if not items:
            return 0
        heartbeat = asyncio.create_task(self._heartbeat([i.id for i in items]))
        try:
            await self.handler.handle(items)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        return len(items)

    async def _heartbeat(self, item_ids: list[uuid.UUID]) -> None:
        """Renew the batch's leases every third of a lease until the batch is done."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                async with self.uow() as uow:
                    await uow.outbox.extend(item_ids, self.name, self.clock.now() + self.lease)
                    await uow.commit()
            except Exception:
                log.exception("renewing the outbox leases of %s failed", self.name)

    async def drain(self, rounds: int = 1000) -> int:
        """Handle until nothing is due (tests, the CLI's --once)."""
        handled = 0
        for _ in range(rounds):
            count = await self.run_once()
            if count == 0:
                break
            handled += count
        return handled

    # -- the loop -------------------------------------------------------------------------

    async def run(self) -> None:
        log.info("outbox worker %s started", self.name)
        while not self._stopping:
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("outbox worker %s: a round failed", self.name)
                await self.signal.wait(self.error_seconds)
                continue
            if handled == 0 and not self._stopping:
                await self.signal.wait(await self._idle_for())
        log.info("outbox worker %s stopped", self.name)

    async def _idle_for(self) -> float:
        """Until the next item is due, at most `idle_seconds` (other processes queue too)."""
        try:
            async with self.uow() as uow:
                due = await uow.outbox.next_due()
        except Exception:
            log.exception("outbox worker %s: reading the next due item failed", self.name)
            return self.idle_seconds
        if due is None:
            return self.idle_seconds
        return min(self.idle_seconds, max(0.0, (due - self.clock.now()).total_seconds()))

    async def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name=f"outbox-worker-{self.name}")

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Finish the batch in hand (up to `grace_seconds`), then stop; leases cover the rest."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self.signal.notify()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace_seconds)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
