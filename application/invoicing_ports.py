"""Ports of the invoicing side: invoices, their runs and history, and the Exact outbox.

Repositories belong to a unit of work (`uow.invoices`, `uow.outbox`); changes
to loaded invoices are saved on commit, like orders.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from application.ports import Page, PageRequest
from domain.events import InvoiceRunProgressEvent
from domain.invoices import Invoice, InvoiceHistoryEntry, InvoiceRun, InvoiceState


@dataclass(frozen=True)
class InvoiceFilter:
    states: frozenset[InvoiceState] = frozenset()
    """Empty: every state but DELETED."""
    customer_id: uuid.UUID | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    number: int | None = None
    """Matches Hourbill's order number, Exact's order number or Exact's invoice number."""
    run_id: uuid.UUID | None = None


class AlreadyQueued(Exception):
    """The outbox holds this kind of work for the invoice already (maybe committed concurrently)."""


class InvoiceRepository(Protocol):
    async def get(self, invoice_id: uuid.UUID) -> Invoice | None: ...
    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[Invoice]: ...
    async def by_orders(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Invoice]:
        """Order id -> its invoice, for the orders that have one."""
        ...

    async def by_exact_ids(self, exact_ids: Sequence[uuid.UUID]) -> list[Invoice]: ...
    async def open(self, limit: int | None = None) -> list[Invoice]:
        """SENT invoices (pushed, not yet numbered), oldest first."""
        ...

    async def add(self, invoice: Invoice) -> None: ...
    async def flush(self) -> None:
        """Write pending changes now; HourbillError(CONFLICT) when an order was invoiced twice."""
        ...

    async def page(self, where: InvoiceFilter, request: PageRequest) -> Page[Invoice]: ...
    async def add_history(self, entry: InvoiceHistoryEntry) -> None: ...
    async def history(
        self, invoice_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[InvoiceHistoryEntry]]:
        """Each invoice's history, oldest first."""
        ...

    async def run(self, run_id: uuid.UUID) -> InvoiceRun | None: ...
    async def add_run(self, run: InvoiceRun) -> None: ...

    async def run_invoices(self, run_id: uuid.UUID) -> list[Invoice]:
        """The run's invoices, by order number."""
        ...

    async def run_progress(self, run_id: uuid.UUID) -> InvoiceRunProgressEvent:
        """Counts of the run's invoices: done (sent or further), failed, the rest remaining."""
        ...


class OutboxKind(enum.StrEnum):
    PUSH = "PUSH"
    """Create the sales invoice in Exact."""
    ATTACH_PDF = "ATTACH_PDF"
    """Attach the invoice PDF to the sales invoice in Exact (queued when it is sent)."""


@dataclass(frozen=True)
class OutboxItem:
    id: uuid.UUID
    invoice_id: uuid.UUID
    kind: OutboxKind
    attempts: int
    available_at: dt.datetime


class Outbox(Protocol):
    """Durable work for Exact, written in the transaction of the state it comes from."""

    async def enqueue(
        self,
        invoice_id: uuid.UUID,
        kind: OutboxKind,
        available_at: dt.datetime,
        *,
        attempts: int = 0,
    ) -> None:
        """One item per invoice and kind (AlreadyQueued otherwise).

        `attempts` counts tries made before this item: work queued again after
        an earlier item may have reached Exact passes 1, so its first claim
        counts 2 and looks before it writes.
        """
        ...

    async def claim(
        self, worker: str, now: dt.datetime, lease: dt.timedelta, limit: int
    ) -> list[OutboxItem]:
        """Lease up to `limit` due items no other worker holds; commit to make the lease stick."""
        ...

    async def extend(
        self, item_ids: Sequence[uuid.UUID], worker: str, until: dt.datetime
    ) -> set[uuid.UUID]:
        """Prolong this worker's leases (a heartbeat in slow calls); returns those still held."""
        ...

    async def complete(self, item_id: uuid.UUID) -> None: ...
    async def reschedule(
        self, item_id: uuid.UUID, available_at: dt.datetime, error: str | None
    ) -> None:
        """Release the lease and try again at `available_at`."""
        ...

    async def pending(
        self, invoice_ids: Sequence[uuid.UUID], kind: OutboxKind = OutboxKind.PUSH
    ) -> set[uuid.UUID]:
        """The invoices among these with work of `kind` (a push by default) in the outbox."""
        ...

    async def next_due(self) -> dt.datetime | None:
        """When the earliest item becomes claimable; None when the outbox is empty."""
        ...
