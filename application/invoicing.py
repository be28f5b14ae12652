"""Invoicing orders: pre-flight checks, queueing invoices for Exact, retrying and deleting them.

`CreateInvoices` never calls Exact to send anything: it checks the orders
against Exact (one `items` and one `vat_codes` call per run, one account-mirror
refresh), then in one transaction locks the accepted orders, queues their
invoices and writes the outbox rows a worker pushes (application/outbox.py).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from application.administration import exact_problem, line_mappings
from application.exact import ExactAdministration, ExactError, ExactItem, ExactVatCode
from application.idempotency import Claim, Creation, Idempotency
from application.invoicing_ports import InvoiceFilter, OutboxKind
from application.ports import (
    Clock,
    EventPublisher,
    Page,
    PageRequest,
    UnitOfWork,
    UnitOfWorkFactory,
)
from application.use_cases._base import distinct_ids, require
from domain.customers import Customer
from domain.errors import ErrorCode, HourbillError, Problem, not_found
from domain.events import (
    Event,
    InvoiceEvent,
    InvoiceEventKind,
    InvoiceRunProgressEvent,
    OrderEvent,
    OrderEventKind,
)
from domain.exact_mapping import ExactLineCodes, LineMappings
from domain.idempotency import IdempotencyKey
from domain.invoices import (
    Invoice,
    InvoiceHistoryEntry,
    InvoiceRun,
    RejectedOrder,
)
from domain.orders import Order, OrderLine
from domain.settings import InvoicingSettings

HUNDRED = Decimal(100)
CONFLICT_RETRIES = 3
"""A run that lost a race for an order (another run invoiced it) is re-checked this often."""


class AccountLinker(Protocol):
    """Customers to Exact accounts (application.customer_sync.ExactAccountLinker)."""

    async def linkable_problems(
        self, division: int, customers: Sequence[Customer]
    ) -> dict[uuid.UUID, list[Problem]]: ...

    async def ensure_account(self, division: int, customer_id: uuid.UUID) -> uuid.UUID: ...


Wakeup = Callable[[], None]
"""Tells an in-process outbox worker that work was queued (a no-op without one)."""


def no_wakeup() -> None:
    return None


def invoice_event(
    invoice: Invoice, kind: InvoiceEventKind, message: str | None = None
) -> InvoiceEvent:
    return InvoiceEvent(
        kind=kind,
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        state=invoice.state.value,
        number=invoice.number,
        run_id=invoice.run_id,
        message=message,
    )


async def record(uow: UnitOfWork, invoice: Invoice, message: str) -> None:
    """A history entry for the invoice's current state."""
    assert invoice.updated_at is not None
    await uow.invoices.add_history(
        InvoiceHistoryEntry(invoice.id, invoice.updated_at, invoice.state, message)
    )


async def progress_events(uow: UnitOfWork, invoices: Sequence[Invoice]) -> list[Event]:
    run_ids = sorted({i.run_id for i in invoices if i.run_id is not None})
    return [await uow.invoices.run_progress(run_id) for run_id in run_ids]


# --- creating invoices --------------------------------------------------------------


@dataclass(frozen=True)
class CreateInvoicesRequest:
    order_ids: Sequence[uuid.UUID]


@dataclass(frozen=True)
class InvoiceRunResult:
    run: InvoiceRun
    invoices: list[Invoice]
    progress: InvoiceRunProgressEvent
    replayed: bool = False
    """True when the idempotency key was used before: this is that run's result (re-read)."""

    @property
    def rejected(self) -> tuple[RejectedOrder, ...]:
        return self.run.rejections


class NothingInvoiced(HourbillError):
    """Every order failed pre-flight: nothing was created (and the key stays unused)."""

    def __init__(self, rejected: Sequence[RejectedOrder]) -> None:
        super().__init__(*(p for r in rejected for p in r.problems))
        self.rejected = tuple(rejected)


@dataclass(frozen=True)
class _Exact:
    """What pre-flight needs to know of the administration, read once per run."""

    items: dict[str, ExactItem]
    vat_codes: dict[str, ExactVatCode]


class _Verdicts:
    """Problems per order, in the order the orders were asked for."""

    def __init__(self, order_ids: Sequence[uuid.UUID]) -> None:
        self.order_ids = list(order_ids)
        self.problems: dict[uuid.UUID, list[Problem]] = defaultdict(list)

    def refuse(self, order_id: uuid.UUID, code: ErrorCode, message: str) -> None:
        self.problems[order_id].append(Problem(code, message, "orderIds"))

    def accepted(self, order_ids: Sequence[uuid.UUID] | None = None) -> list[uuid.UUID]:
        return [i for i in (order_ids or self.order_ids) if i not in self.problems]

    def rejected(self) -> tuple[RejectedOrder, ...]:
        return tuple(
            RejectedOrder(i, tuple(self.problems[i])) for i in self.order_ids if i in self.problems
        )


def _label(order: Order) -> str:
    return f"order {order.number} ({order.id})"


async def _replayed_run(uow: UnitOfWork, ids: tuple[uuid.UUID, ...]) -> InvoiceRunResult | None:
    run = await uow.invoices.run(ids[0])
    if run is None:
        return None
    invoices = await uow.invoices.run_invoices(run.id)
    return InvoiceRunResult(run, invoices, await uow.invoices.run_progress(run.id), replayed=True)


CREATE_INVOICES = Creation("createInvoices", _replayed_run)


class CreateInvoices:
    """Turn orders into queued invoices, exactly once per idempotency key."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        exact: ExactAdministration,
        accounts: AccountLinker,
        events: EventPublisher,
        clock: Clock,
        wakeup: Wakeup = no_wakeup,
        idempotency: Idempotency | None = None,
    ) -> None:
        self.uow = uow
        self.exact = exact
        self.accounts = accounts
        self.events = events
        self.clock = clock
        self.wakeup = wakeup
        self.idempotency = idempotency or Idempotency(uow, clock)

    async def execute(
        self, request: CreateInvoicesRequest, key: IdempotencyKey
    ) -> InvoiceRunResult:
        """A retry with the key answers as the first run did (the same orders, in any order)."""
        order_ids = distinct_ids(request.order_ids, "orderIds")
        same_orders = CreateInvoicesRequest(sorted(order_ids))
        return await self.idempotency.once(
            CREATE_INVOICES, key, same_orders, lambda claim: self._invoice(key, order_ids, claim)
        )

    async def _invoice(
        self, key: IdempotencyKey, order_ids: list[uuid.UUID], claim: Claim
    ) -> InvoiceRunResult:
        for _ in range(CONFLICT_RETRIES):
            try:
                result = await self._run(key.value, order_ids, claim)
            except HourbillError as error:
                if any(p.code is ErrorCode.CONFLICT for p in error.problems):
                    continue  # another run took some of these orders: check them again
                raise
            await self._announce(result)
            return result
        raise HourbillError.single(
            ErrorCode.CONFLICT, "the orders are being invoiced concurrently; try again", "orderIds"
        )

    async def _run(self, key: str, order_ids: list[uuid.UUID], claim: Claim) -> InvoiceRunResult:
        verdicts = _Verdicts(order_ids)
        settings, orders, customers = await self._load(order_ids, verdicts)
        division = _configured(settings)
        exact = await self._exact(division) if verdicts.accepted() else _Exact({}, {})
        await self._check_lines(orders, settings, exact, verdicts, fresh=False)
        await self._check_customers(division, orders, customers, verdicts)
        if not verdicts.accepted():
            raise NothingInvoiced(verdicts.rejected())
        return await self._queue(key, order_ids, settings, exact, verdicts, claim)

    async def _load(
        self, order_ids: list[uuid.UUID], verdicts: _Verdicts
    ) -> tuple[InvoicingSettings, list[Order], dict[uuid.UUID, Customer]]:
        async with self.uow() as uow:
            settings = await uow.settings.invoicing()
            orders = await _invoiceable(uow, order_ids, verdicts)
            customers = await uow.customers.get_many(sorted({o.customer_id for o in orders}))
        return settings, orders, {c.id: c for c in customers}

    async def _exact(self, division: int) -> _Exact:
        try:
            items = await self.exact.items(division)
            vat_codes = await self.exact.vat_codes(division)
        except ExactError as error:
            raise exact_problem(error) from error
        return _Exact({i.code: i for i in items}, {v.code: v for v in vat_codes})

    async def _check_lines(
        self,
        orders: Sequence[Order],
        settings: InvoicingSettings,
        exact: _Exact,
        verdicts: _Verdicts,
        *,
        fresh: bool,
        uow: UnitOfWork | None = None,
    ) -> None:
        if uow is None:
            async with self.uow() as reading:
                mappings = await line_mappings(reading)
        else:
            mappings = await line_mappings(uow)
        for order in orders:
            for problem in line_problems(order, mappings, settings, exact.items, exact.vat_codes):
                if not fresh or order.id not in verdicts.problems:
                    verdicts.problems[order.id].append(problem)

    async def _check_customers(
        self,
        division: int,
        orders: Sequence[Order],
        customers: dict[uuid.UUID, Customer],
        verdicts: _Verdicts,
    ) -> None:
        candidates = [o for o in orders if o.id in verdicts.accepted([o.id])]
        if not candidates:
            return
        wanted = [customers[c] for c in sorted({o.customer_id for o in candidates})]
        try:
            problems = await self.accounts.linkable_problems(division, wanted)
        except ExactError as error:
            raise exact_problem(error) from error
        for order in candidates:
            for problem in problems.get(order.customer_id, []):
                verdicts.refuse(order.id, problem.code, f"{_label(order)}: {problem.message}")

    async def _queue(
        self,
        key: str,
        order_ids: list[uuid.UUID],
        settings: InvoicingSettings,
        exact: _Exact,
        verdicts: _Verdicts,
        claim: Claim,
    ) -> InvoiceRunResult:
        now = self.clock.now()
        run = InvoiceRun(key, now, tuple(order_ids))
        async with self.uow() as uow:
            await claim(uow, [run.id])  # first: a concurrent call with this key waits here
            await uow.invoices.add_run(run)
            # Re-checked in this transaction: an order may have changed since pre-flight.
            orders = await _invoiceable(uow, verdicts.accepted(), verdicts)
            await self._check_lines(orders, settings, exact, verdicts, fresh=True, uow=uow)
            accepted = [o for o in orders if o.id in verdicts.accepted([o.id])]
            if not accepted:
                raise NothingInvoiced(verdicts.rejected())
            run.rejections = verdicts.rejected()
            invoices = []
            for order in accepted:
                invoice = Invoice.of_order(order, now, run.id)
                await uow.invoices.add(invoice)
                await record(uow, invoice, f"Queued for Exact from order {order.number}")
                await uow.outbox.enqueue(invoice.id, OutboxKind.PUSH, now)
                invoices.append(invoice)
            await uow.invoices.flush()
            progress = await uow.invoices.run_progress(run.id)
            await uow.commit()
        return InvoiceRunResult(run, invoices, progress)

    async def _announce(self, result: InvoiceRunResult) -> None:
        self.wakeup()
        events: list[Event] = [invoice_event(i, InvoiceEventKind.CREATED) for i in result.invoices]
        events += [
            OrderEvent(OrderEventKind.CHANGED, i.order_id, i.customer_id, i.order_number)
            for i in result.invoices
            if i.order_id is not None
        ]
        await self.events.publish([*events, result.progress])


def _configured(settings: InvoicingSettings) -> int:
    if settings.exact_division is None or not settings.exact_journal:
        raise HourbillError.single(
            ErrorCode.NOT_CONFIGURED,
            "Choose the Exact administration (division) and sales journal first",
            None,
        )
    return settings.exact_division


async def _invoiceable(
    uow: UnitOfWork, order_ids: Sequence[uuid.UUID], verdicts: _Verdicts
) -> list[Order]:
    """The orders that exist, are drafts and have lines; the others get their problem."""
    found = {o.id: o for o in await uow.orders.get_many(order_ids)}
    invoiced = await uow.invoices.by_orders(list(found))
    orders = []
    for order_id in order_ids:
        order = found.get(order_id)
        if order is None:
            verdicts.refuse(order_id, ErrorCode.NOT_FOUND, f"order {order_id} does not exist")
        elif order_id in invoiced or not order.editable:
            invoice = invoiced.get(order_id)
            suffix = f" (invoice {invoice.reference})" if invoice else ""
            verdicts.refuse(
                order_id, ErrorCode.INVALID_STATE, f"{_label(order)} is invoiced already{suffix}"
            )
        elif not order.lines:
            verdicts.refuse(order_id, ErrorCode.EMPTY_ORDER, f"{_label(order)} has no lines")
        else:
            orders.append(order)
    return orders


def line_problems(
    order: Order,
    mappings: LineMappings,
    settings: InvoicingSettings,
    items: dict[str, ExactItem],
    vat_codes: dict[str, ExactVatCode],
) -> list[Problem]:
    """Why the order's lines cannot go to Exact as they are: unmapped, unknown, other VAT."""
    problems: list[Problem] = []
    for line in order.lines:
        try:
            codes = mappings.resolve(
                line, settings.exact_default_item, settings.exact_default_vat_code
            )
        except HourbillError as error:
            problems += [
                Problem(p.code, f"{_label(order)}: {p.message}", "orderIds") for p in error.problems
            ]
            continue
        problems += [
            Problem(code, f"{_label(order)}, line {line.position}: {message}", "orderIds")
            for code, message in _exact_line_problems(line, codes, items, vat_codes)
        ]
    return problems


def _exact_line_problems(
    line: OrderLine,
    codes: ExactLineCodes,
    items: dict[str, ExactItem],
    vat_codes: dict[str, ExactVatCode],
) -> list[tuple[ErrorCode, str]]:
    found: list[tuple[ErrorCode, str]] = []
    item = items.get(codes.item_code)
    if item is None:
        found.append((ErrorCode.UNKNOWN_IN_EXACT, f"Exact has no item {codes.item_code}"))
    elif not item.is_sales_item:
        found.append((ErrorCode.UNKNOWN_IN_EXACT, f"Exact item {item.code} is no sales item"))
    vat = vat_codes.get(codes.vat_code)
    if vat is None or vat.blocked:
        found.append((ErrorCode.UNKNOWN_IN_EXACT, f"Exact has no usable VAT code {codes.vat_code}"))
    elif vat.percentage * HUNDRED != line.vat_rate:
        found.append(
            (
                ErrorCode.VAT_MISMATCH,
                f"Exact VAT code {vat.code} is {vat.percentage * HUNDRED:g}% "
                f"but the line has {line.vat_rate:g}%",
            )
        )
    return found


# --- retrying and deleting -----------------------------------------------------------


class RetryInvoices:
    """Queue failed invoices again. All or nothing: one that is not FAILED and none is queued."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        events: EventPublisher,
        clock: Clock,
        wakeup: Wakeup = no_wakeup,
    ) -> None:
        self.uow = uow
        self.events = events
        self.clock = clock
        self.wakeup = wakeup

    async def execute(self, invoice_ids: Sequence[uuid.UUID]) -> list[Invoice]:
        ids = list(dict.fromkeys(invoice_ids))
        if not ids:
            raise HourbillError.single(ErrorCode.REQUIRED, "give at least one invoice", "ids")
        now = self.clock.now()
        async with self.uow() as uow:
            invoices = await _load_all(uow, ids)
            problems = []
            for invoice in invoices:
                try:
                    invoice.retry(now)
                except HourbillError as error:
                    problems += [Problem(p.code, p.message, "ids") for p in error.problems]
            if problems:
                raise HourbillError(*problems)
            pending = await uow.outbox.pending(ids)
            for invoice in invoices:
                await record(uow, invoice, "Retry requested")
                if invoice.id not in pending:
                    await uow.outbox.enqueue(invoice.id, OutboxKind.PUSH, now)
            progress = await progress_events(uow, invoices)
            await uow.commit()
        self.wakeup()
        await self.events.publish(
            [*(invoice_event(i, InvoiceEventKind.RETRIED) for i in invoices), *progress]
        )
        return invoices


async def _load_all(uow: UnitOfWork, ids: list[uuid.UUID]) -> list[Invoice]:
    found = {i.id: i for i in await uow.invoices.get_many(ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise HourbillError.single(
            ErrorCode.NOT_FOUND, f"unknown invoices: {', '.join(missing)}", "ids"
        )
    return [found[i] for i in ids]


@dataclass(frozen=True)
class DeleteInvoiceRequest:
    id: uuid.UUID
    release_sources: bool = False
    """Also delete the order, so its bookings and supplies can be invoiced again."""


class DeleteInvoice:
    """Delete an invoice locally: a tombstone that keeps its numbers; Exact is not touched."""

    def __init__(self, uow: UnitOfWorkFactory, events: EventPublisher, clock: Clock) -> None:
        self.uow = uow
        self.events = events
        self.clock = clock

    async def execute(self, request: DeleteInvoiceRequest) -> Invoice:
        now = self.clock.now()
        events: list[Event] = []
        async with self.uow() as uow:
            invoice = await require(uow.invoices.get(request.id), "invoice", request.id, "id")
            invoice.delete(now)
            message = "Deleted in Hourbill (Exact keeps its invoice)"
            if request.release_sources and invoice.order_id is not None:
                order = await uow.orders.get(invoice.order_id)
                invoice.release_order()
                if order is not None:
                    await uow.orders.delete(order)
                    events.append(
                        OrderEvent(
                            OrderEventKind.DELETED, order.id, order.customer_id, order.number
                        )
                    )
                    message += f"; order {order.number} deleted, its bookings and supplies released"
            await record(uow, invoice, message)
            events += await progress_events(uow, [invoice])
            await uow.commit()
        await self.events.publish([invoice_event(invoice, InvoiceEventKind.DELETED), *events])
        return invoice


# --- the invoices tab ----------------------------------------------------------------


@dataclass(frozen=True)
class RunView:
    run: InvoiceRun
    progress: InvoiceRunProgressEvent


class InvoiceQueries:
    """Reads for the invoices tab; each call is its own short transaction."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    async def page(self, where: InvoiceFilter, request: PageRequest) -> Page[Invoice]:
        async with self.uow() as uow:
            return await uow.invoices.page(where, request)

    async def by_ids(self, ids: Sequence[uuid.UUID]) -> list[Invoice]:
        async with self.uow() as uow:
            return await uow.invoices.get_many(ids)

    async def by_orders(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Invoice]:
        async with self.uow() as uow:
            return await uow.invoices.by_orders(order_ids)

    async def history(
        self, invoice_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[InvoiceHistoryEntry]]:
        async with self.uow() as uow:
            return await uow.invoices.history(invoice_ids)

    async def pending(self, invoice_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Invoices with a push still in the outbox."""
        async with self.uow() as uow:
            return await uow.outbox.pending(invoice_ids)

    async def run(self, run_id: uuid.UUID) -> RunView:
        async with self.uow() as uow:
            run = await uow.invoices.run(run_id)
            if run is None:
                raise not_found("invoice run", run_id)
            return RunView(run, await uow.invoices.run_progress(run_id))

    async def runs(self, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, RunView]:
        found = {}
        async with self.uow() as uow:
            for run_id in dict.fromkeys(run_ids):
                run = await uow.invoices.run(run_id)
                if run is not None:
                    found[run_id] = RunView(run, await uow.invoices.run_progress(run_id))
        return found

    async def run_invoices(self, run_id: uuid.UUID) -> list[Invoice]:
        async with self.uow() as uow:
            return await uow.invoices.run_invoices(run_id)
