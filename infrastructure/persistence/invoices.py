"""SQL repositories of the invoicing side: invoices, runs, history and the Exact outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from application.invoicing_ports import (
    AlreadyQueued,
    InvoiceFilter,
    OutboxItem,
    OutboxKind,
)
from application.ports import Page, PageRequest
from domain.errors import ErrorCode, HourbillError
from domain.events import InvoiceRunProgressEvent
from domain.invoices import (
    DONE_STATES,
    Invoice,
    InvoiceHistoryEntry,
    InvoiceRun,
    InvoiceState,
)
from infrastructure.persistence.column_types import UtcDateTime
from infrastructure.persistence.pagination import keyset_page
from infrastructure.persistence.tables import exact_outbox, invoice_history, invoices

IN_CHUNK = 500


def _chunks(ids: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
    distinct = sorted(set(ids))
    return [distinct[i : i + IN_CHUNK] for i in range(0, len(distinct), IN_CHUNK)]


def _violates(error: IntegrityError, table: str, column: str) -> bool:
    """Which unique key failed, as PostgreSQL and SQLite name it."""
    text = str(error.orig)
    return f"uq_{table}_{column}" in text or f"UNIQUE constraint failed: {table}.{column}" in text


class SqlAlchemyInvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, invoice_id: uuid.UUID) -> Invoice | None:
        return await self.session.get(Invoice, invoice_id)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[Invoice]:
        found: dict[uuid.UUID, Invoice] = {}
        for chunk in _chunks(ids):
            query = select(Invoice).where(invoices.c.id.in_(chunk))
            found.update((i.id, i) for i in await self.session.scalars(query))
        return [found[i] for i in ids if i in found]

    async def by_orders(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Invoice]:
        found: dict[uuid.UUID, Invoice] = {}
        for chunk in _chunks(order_ids):
            query = select(Invoice).where(invoices.c.order_id.in_(chunk))
            for invoice in await self.session.scalars(query):
                assert invoice.order_id is not None
                found[invoice.order_id] = invoice
        return found

    async def by_exact_ids(self, exact_ids: Sequence[uuid.UUID]) -> list[Invoice]:
        found: list[Invoice] = []
        for chunk in _chunks(exact_ids):
            query = select(Invoice).where(invoices.c.exact_invoice_id.in_(chunk))
            found.extend(await self.session.scalars(query.order_by(invoices.c.id)))
        return found

    async def open(self, limit: int | None = None) -> list[Invoice]:
        query = (
            select(Invoice)
            .where(invoices.c.state == InvoiceState.SENT)
            .order_by(invoices.c.sent_at, invoices.c.id)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    async def add(self, invoice: Invoice) -> None:
        self.session.add(invoice)

    async def flush(self) -> None:
        """Write now; an order invoiced by a concurrent transaction is a CONFLICT."""
        try:
            await self.session.flush()
        except IntegrityError as error:
            if _violates(error, "invoices", "order_id"):
                raise HourbillError.single(
                    ErrorCode.CONFLICT,
                    "an order was invoiced concurrently; try again",
                    "orderIds",
                ) from None
            raise

    async def page(self, where: InvoiceFilter, request: PageRequest) -> Page[Invoice]:
        query = select(Invoice).where(*_conditions(where))
        order = (invoices.c.order_number, invoices.c.id)
        return await keyset_page(
            self.session, query, order, lambda i: (i.order_number, i.id), request
        )

    async def add_history(self, entry: InvoiceHistoryEntry) -> None:
        self.session.add(entry)

    async def history(
        self, invoice_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[InvoiceHistoryEntry]]:
        found: dict[uuid.UUID, list[InvoiceHistoryEntry]] = defaultdict(list)
        h = invoice_history.c
        for chunk in _chunks(invoice_ids):
            query = select(InvoiceHistoryEntry).where(h.invoice_id.in_(chunk))
            for entry in await self.session.scalars(query.order_by(h.invoice_id, h.at, h.id)):
                found[entry.invoice_id].append(entry)
        for entries in found.values():
            entries.sort(key=lambda e: e.at)
        return {i: found.get(i, []) for i in invoice_ids}

    async def run(self, run_id: uuid.UUID) -> InvoiceRun | None:
        return await self.session.get(InvoiceRun, run_id)

    async def add_run(self, run: InvoiceRun) -> None:
        self.session.add(run)

    async def run_invoices(self, run_id: uuid.UUID) -> list[Invoice]:
        query = select(Invoice).where(invoices.c.run_id == run_id)
        return list(await self.session.scalars(query.order_by(invoices.c.order_number)))

    async def run_progress(self, run_id: uuid.UUID) -> InvoiceRunProgressEvent:
        query = (
            select(invoices.c.state, func.count())
            .where(invoices.c.run_id == run_id)
            .group_by(invoices.c.state)
        )
        counts = {InvoiceState(state): n for state, n in await self.session.execute(query)}
        return progress(run_id, counts)


def progress(run_id: uuid.UUID, counts: dict[InvoiceState, int]) -> InvoiceRunProgressEvent:
    return InvoiceRunProgressEvent(
        run_id=run_id,
        total=sum(counts.values()),
        done=sum(n for state, n in counts.items() if state in DONE_STATES),
        failed=counts.get(InvoiceState.FAILED, 0),
    )


def _conditions(where: InvoiceFilter) -> list[ColumnElement[bool]]:
    c = invoices.c
    conditions: list[ColumnElement[bool]] = [
        c.state.in_(where.states) if where.states else c.state != InvoiceState.DELETED
    ]
    if where.customer_id is not None:
        conditions.append(c.customer_id == where.customer_id)
    if where.period_start is not None:
        conditions.append(c.invoice_date >= where.period_start)
    if where.period_end is not None:
        conditions.append(c.invoice_date <= where.period_end)
    if where.number is not None:
        conditions.append(
            or_(
                c.order_number == where.number,
                c.exact_order_number == where.number,
                c.exact_invoice_number == where.number,
            )
        )
    if where.run_id is not None:
        conditions.append(c.run_id == where.run_id)
    return conditions


_O = exact_outbox.c


class SqlAlchemyOutbox:
    """Leases rows with one guarded UPDATE: safe with many workers on both databases.

    PostgreSQL: the candidates are picked `FOR UPDATE SKIP LOCKED`, so concurrent
    claimers skip each other's rows instead of waiting. SQLite: the UPDATE takes
    the database's single write lock for the whole statement. On both, the outer
    WHERE re-checks that the row is due and unleased.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(
        self,
        invoice_id: uuid.UUID,
        kind: OutboxKind,
        available_at: dt.datetime,
        *,
        attempts: int = 0,
    ) -> None:
        """Insert at once, so a concurrent enqueue of the same work waits here, then loses."""
        try:
            await self.session.execute(
                insert(exact_outbox).values(
                    id=uuid.uuid4(),
                    invoice_id=invoice_id,
                    kind=kind.value,
                    available_at=available_at,
                    attempts=attempts,
                    created_at=available_at,
                )
            )
        except IntegrityError as error:
            if _violates(error, "exact_outbox", "invoice_id"):
                raise AlreadyQueued(f"the outbox holds {kind} for {invoice_id} already") from None
            raise

    async def claim(
        self, worker: str, now: dt.datetime, lease: dt.timedelta, limit: int
    ) -> list[OutboxItem]:
        due = and_(_O.available_at <= now, or_(_O.locked_until.is_(None), _O.locked_until <= now))
        candidates = (
            select(_O.id)
            .where(due)
            .order_by(_O.available_at, _O.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = await self.session.execute(
            update(exact_outbox)
            .where(_O.id.in_(candidates.scalar_subquery()), due)
            .values(locked_until=now + lease, locked_by=worker, attempts=_O.attempts + 1)
            .returning(_O.id, _O.invoice_id, _O.kind, _O.attempts, _O.available_at)
        )
        items = [
            OutboxItem(id, invoice_id, OutboxKind(kind), attempts, available_at)
            for id, invoice_id, kind, attempts, available_at in claimed
        ]
        return sorted(items, key=lambda i: (i.available_at, i.id))

    async def extend(
        self, item_ids: Sequence[uuid.UUID], worker: str, until: dt.datetime
    ) -> set[uuid.UUID]:
        if not item_ids:
            return set()
        rows = await self.session.execute(
            update(exact_outbox)
            .where(_O.id.in_(set(item_ids)), _O.locked_by == worker)
            .values(locked_until=until)
            .returning(_O.id)
        )
        return {id for (id,) in rows}

    async def complete(self, item_id: uuid.UUID) -> None:
        await self.session.execute(delete(exact_outbox).where(_O.id == item_id))

    async def reschedule(
        self, item_id: uuid.UUID, available_at: dt.datetime, error: str | None
    ) -> None:
        await self.session.execute(
            update(exact_outbox)
            .where(_O.id == item_id)
            .values(available_at=available_at, locked_until=None, locked_by=None, last_error=error)
        )

    async def pending(
        self, invoice_ids: Sequence[uuid.UUID], kind: OutboxKind = OutboxKind.PUSH
    ) -> set[uuid.UUID]:
        found: set[uuid.UUID] = set()
        for chunk in _chunks(invoice_ids):
            rows = await self.session.execute(
                select(_O.invoice_id)
                .where(_O.invoice_id.in_(chunk), _O.kind == kind.value)
                .distinct()
            )
            found.update(invoice_id for (invoice_id,) in rows)
        return found

    async def next_due(self) -> dt.datetime | None:
        """When the earliest item becomes available (or its lease runs out)."""
        when = case((_O.locked_until > _O.available_at, _O.locked_until), else_=_O.available_at)
        due: dt.datetime | None = await self.session.scalar(
            select(func.min(when, type_=UtcDateTime()))
        )
        return due
