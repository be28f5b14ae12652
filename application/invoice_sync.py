"""Bringing Exact's final invoice numbers back, and processing invoices in Exact.

Exact gives a sales invoice its final number when it is processed (printed).
Hourbill learns it in three ways, all through one refresh:

- a webhook from Exact about one invoice: a targeted refresh (one call), with
  bursts coalesced into one read per division;
- a sync of selected or all open (SENT) invoices, from the mutation and from
  polling (the fallback for webhooks that never came): Exact is read in batches
  of `SYNC_BATCH` ids, one call and one transaction per batch;
- processing the invoice from Hourbill (PrintedSalesInvoices).

Exact is always read outside a transaction; each batch is then applied in a
short one, re-loading the invoices so a concurrent change (deleted locally,
numbered by a webhook) is respected. Events go out after each commit.

An invoice Exact no longer has (deleted there) stays SENT and is flagged:
`error_code` UNKNOWN_IN_EXACT with a message, one history entry when first seen
missing, listed in the summary's `missing`. Polling keeps looking; if the invoice
shows up again the flag is cleared.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, TypeVar

from application.exact import (
    ExactAuthError,
    ExactError,
    ExactNotFoundError,
    ExactSalesInvoice,
    ExactThrottledError,
    ExactWebhooks,
    InvoiceStatus,
    WebhookSubscription,
)
from application.exact import ExactSalesInvoices as ExactSalesInvoicesPort
from application.ports import Clock, EventPublisher, UnitOfWorkFactory
from domain.errors import ErrorCode, HourbillError, Problem, not_found
from domain.events import Event, InvoiceEvent, InvoiceEventKind
from domain.invoices import Amounts, Invoice, InvoiceHistoryEntry, InvoiceState

log = logging.getLogger(__name__)
T = TypeVar("T")

SALES_INVOICES_TOPIC = "SalesInvoices"
"""Exact's webhook topic for salesinvoice/SalesInvoices."""

SYNC_BATCH = 40
"""Ids per read: the Exact adapter's `or`-batch, so one read is one HTTP call (500 → 13)."""

MISSING_IN_EXACT = ErrorCode.UNKNOWN_IN_EXACT.value


# --- results ------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncSummary:
    """What one sync did. Problems do not undo what earlier batches committed."""

    checked: int = 0
    """Invoices whose state was read from Exact."""
    numbered: int = 0
    """Invoices that got their final number (now PROCESSED)."""
    missing: tuple[uuid.UUID, ...] = ()
    """Invoices (Hourbill ids) Exact no longer has: deleted in Exact."""
    calls: int = 0
    """Reads of Exact made (one HTTP call each with the Exact adapter)."""
    updated: tuple[Invoice, ...] = ()
    """Invoices that changed: numbered, amounts changed, newly missing or found again."""
    problems: tuple[Problem, ...] = ()
    """Selected invoices that were skipped, and why Exact could not be read."""

    def __add__(self, other: SyncSummary) -> SyncSummary:
        return SyncSummary(
            self.checked + other.checked,
            self.numbered + other.numbered,
            self.missing + other.missing,
            self.calls + other.calls,
            self.updated + other.updated,
            self.problems + other.problems,
        )


@dataclass(frozen=True)
class _Target:
    invoice_id: uuid.UUID
    division: int
    exact_id: uuid.UUID


def exact_problem(error: ExactError, field: str | None = None) -> Problem:
    """Exact's failure as a typed problem: refusals are EXACT_REJECTED, the rest UNAVAILABLE."""
    if isinstance(error, ExactThrottledError):
        when = f" until {error.retry_at.isoformat()}" if error.retry_at else ""
        message = f"Exact's rate limit is reached{when}; try again later"
        return Problem(ErrorCode.EXACT_UNAVAILABLE, message, field)
    if isinstance(error, ExactAuthError):
        message = f"Exact refused the connection ({error.message}); reconnect Exact Online"
        return Problem(ErrorCode.EXACT_UNAVAILABLE, message, field)
    if error.retryable:
        message = f"Exact could not be reached ({error.message}); try again later"
        return Problem(ErrorCode.EXACT_UNAVAILABLE, message, field)
    return Problem(ErrorCode.EXACT_REJECTED, f"Exact answered: {error.message}", field)


# --- applying what Exact says -----------------------------------------------------------


@dataclass
class _Changes:
    invoices: list[Invoice] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    numbered: int = 0
    missing: list[uuid.UUID] = field(default_factory=list)


def _money(amount: Decimal | None) -> str:
    return "-" if amount is None else f"{amount:.2f}"


def _exact_amounts(exact: ExactSalesInvoice) -> Amounts:
    return Amounts(exact.amount_excl_vat, exact.vat_amount, exact.amount_incl_vat)


def _event(invoice: Invoice, kind: InvoiceEventKind, message: str | None = None) -> InvoiceEvent:
    return InvoiceEvent(
        kind=kind,
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        state=invoice.state.value,
        number=invoice.number,
        run_id=invoice.run_id,
        message=message,
    )


class _Apply:
    """Exact's view of one SENT invoice, applied; history entries to add are collected."""

    def __init__(self, invoice: Invoice, now: dt.datetime) -> None:
        self.invoice = invoice
        self.now = now
        self.history: list[str] = []
        self.changed = False

    def missing(self) -> None:
        invoice = self.invoice
        if invoice.error_code == MISSING_IN_EXACT:
            return
        # No domain transition fits: the invoice stays SENT and shows why it cannot be numbered.
        invoice.error_code = MISSING_IN_EXACT
        invoice.error_message = (
            f"Exact has no sales invoice {invoice.exact_invoice_id} (any more): "
            "it was deleted in Exact"
        )
        self.history.append(invoice.error_message)
        self.changed = True

    def found(self, exact: ExactSalesInvoice) -> bool:
        """True when the invoice got its final number."""
        invoice = self.invoice
        if invoice.error_code == MISSING_IN_EXACT:
            invoice.error_code = invoice.error_message = None
            self.history.append("Exact has the sales invoice again")
            self.changed = True
        self._compare(exact)
        if exact.status is InvoiceStatus.PROCESSED and exact.invoice_number is not None:
            invoice.processed(exact.invoice_number, self.now)
            self.history.append(f"Processed in Exact: invoice number {exact.invoice_number}")
            self.changed = True
            return True
        return False

    def _compare(self, exact: ExactSalesInvoice) -> None:
        invoice = self.invoice
        before = (invoice.exact_subtotal, invoice.exact_vat_total, invoice.exact_total)
        invoice.compare(_exact_amounts(exact))
        after = (invoice.exact_subtotal, invoice.exact_vat_total, invoice.exact_total)
        if before != after:
            subtotal, vat, total = (_money(amount) for amount in after)
            self.history.append(
                f"Exact's amounts changed: {subtotal} + VAT {vat} = {total}"
                + (" (differs from Hourbill's)" if invoice.amount_mismatch else "")
            )
            self.changed = True


# --- the sync -------------------------------------------------------------------------


class SyncInvoiceNumbers:
    """Read selected or all open invoices from Exact and take over numbers and amounts."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        exact: ExactSalesInvoicesPort,
        clock: Clock,
        events: EventPublisher,
        *,
        batch_size: int = SYNC_BATCH,
    ) -> None:
        self.uow = uow
        self.exact = exact
        self.clock = clock
        self.events = events
        self.batch_size = batch_size

    async def execute(self, invoice_ids: Sequence[uuid.UUID] | None = None) -> SyncSummary:
        """None: every open (SENT) invoice. Selected ones that are not SENT are skipped."""
        targets, problems = await self._targets(invoice_ids)
        summary = SyncSummary(problems=tuple(problems))
        for division, batch in self._batches(targets):
            try:
                summary += await self._refresh(division, batch)
            except ExactError as error:
                summary += SyncSummary(calls=1, problems=(exact_problem(error),))
                break
        return summary

    async def refresh(self, division: int, exact_ids: Sequence[uuid.UUID]) -> SyncSummary:
        """A targeted refresh of these Exact invoices; unknown or settled ones cost no call.

        Raises ExactError when Exact cannot be read (the caller decides what that means).
        """
        async with self.uow() as uow:
            invoices = await uow.invoices.by_exact_ids(list(dict.fromkeys(exact_ids)))
        targets = [
            target
            for target in (_target(invoice) for invoice in invoices)
            if target is not None and target.division == division
        ]
        summary = SyncSummary()
        for start in range(0, len(targets), self.batch_size):
            summary += await self._refresh(division, targets[start : start + self.batch_size])
        return summary

    async def _targets(
        self, invoice_ids: Sequence[uuid.UUID] | None
    ) -> tuple[list[_Target], list[Problem]]:
        problems: list[Problem] = []
        async with self.uow() as uow:
            if invoice_ids is None:
                invoices = await uow.invoices.open()
            else:
                wanted = list(dict.fromkeys(invoice_ids))
                invoices = await uow.invoices.get_many(wanted)
                known = {invoice.id for invoice in invoices}
                problems += [
                    not_found("invoice", ident, "invoiceIds").problems[0]
                    for ident in wanted
                    if ident not in known
                ]
        targets: list[_Target] = []
        for invoice in invoices:
            target = _target(invoice)
            if target is None:
                problems.append(
                    Problem(
                        ErrorCode.INVALID_STATE,
                        f"invoice {invoice.reference} is {invoice.state.value.lower()}: "
                        "only sent invoices wait for a number",
                        "invoiceIds",
                    )
                )
            else:
                targets.append(target)
        return targets, problems

    def _batches(self, targets: list[_Target]) -> Iterator[tuple[int, list[_Target]]]:
        by_division: dict[int, list[_Target]] = {}
        for target in targets:
            by_division.setdefault(target.division, []).append(target)
        for division, group in by_division.items():
            for start in range(0, len(group), self.batch_size):
                yield division, group[start : start + self.batch_size]

    async def _refresh(self, division: int, batch: list[_Target]) -> SyncSummary:
        """One read of Exact, then one transaction; events after the commit."""
        found = await self.exact.sales_invoices(division, [t.exact_id for t in batch])
        changes = await self._apply(found, [t.invoice_id for t in batch])
        if changes.events:
            await self.events.publish(changes.events)
        return SyncSummary(
            checked=len(batch),
            numbered=changes.numbered,
            missing=tuple(changes.missing),
            calls=1,
            updated=tuple(changes.invoices),
        )

    async def _apply(
        self, found: dict[uuid.UUID, ExactSalesInvoice], invoice_ids: list[uuid.UUID]
    ) -> _Changes:
        now = self.clock.now()
        changes = _Changes()
        async with self.uow() as uow:
            for invoice in await uow.invoices.get_many(invoice_ids):
                if invoice.state is not InvoiceState.SENT or invoice.exact_invoice_id is None:
                    continue  # changed since it was selected: numbered by a webhook, deleted
                step = _Apply(invoice, now)
                exact = found.get(invoice.exact_invoice_id)
                if exact is None:
                    step.missing()
                    changes.missing.append(invoice.id)
                elif step.found(exact):
                    changes.numbered += 1
                    changes.events.append(_event(invoice, InvoiceEventKind.PROCESSED))
                if step.changed:
                    invoice.updated_at = now
                    changes.invoices.append(invoice)
                for message in step.history:
                    await uow.invoices.add_history(
                        InvoiceHistoryEntry(invoice.id, now, invoice.state, message)
                    )
            await uow.commit()
        return changes


def _target(invoice: Invoice) -> _Target | None:
    if (
        invoice.state is not InvoiceState.SENT
        or invoice.division is None
        or invoice.exact_invoice_id is None
    ):
        return None
    return _Target(invoice.id, invoice.division, invoice.exact_invoice_id)


# --- webhooks ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExactNotification:
    """A verified webhook call: something happened to one entity in Exact."""

    topic: str
    action: str
    """Create, Update or Delete."""
    division: int
    key: uuid.UUID


class WebhookRejected(Exception):
    """Unsigned, malformed or forged: not from Exact."""


class ExactWebhookVerifier(Protocol):
    """Checks the signature Exact puts on a webhook body (infrastructure)."""

    @property
    def configured(self) -> bool:
        """False when no webhook secret is known: every call would be refused."""
        ...

    def verify(self, body: bytes) -> ExactNotification:
        """The notification in a signed raw body; WebhookRejected otherwise."""
        ...


class HandleExactWebhook:
    """Verify a webhook call, answer at once, refresh the invoice in the background.

    Sales-invoice Updates and Deletes are queued per division; one background
    task drains the queue, so a burst becomes one read of Exact per division
    (up to `SYNC_BATCH` ids). Creates are ignored: a new invoice has no number,
    and every push of ours would cost a call. A refresh that fails is logged and
    dropped: polling picks the invoice up.
    """

    def __init__(self, sync: SyncInvoiceNumbers, verifier: ExactWebhookVerifier) -> None:
        self.sync = sync
        self.verifier = verifier
        self._pending: dict[int, dict[uuid.UUID, None]] = {}
        self._task: asyncio.Task[None] | None = None
        self.refreshed = SyncSummary()
        """What the background refreshes did so far (for tests and diagnostics)."""

    def accept(self, body: bytes) -> ExactNotification:
        """Verify the raw body and queue the refresh; WebhookRejected when not from Exact."""
        notification = self.verifier.verify(body)
        if notification.topic == SALES_INVOICES_TOPIC and notification.action != "Create":
            self._pending.setdefault(notification.division, {})[notification.key] = None
            if self._task is None or self._task.done():
                self._task = asyncio.get_running_loop().create_task(self._drain())
        return notification

    async def execute(self, notification: ExactNotification) -> SyncSummary:
        """Refresh the invoice the notification is about, now (one call, none if unknown)."""
        if notification.topic != SALES_INVOICES_TOPIC:
            return SyncSummary()
        return await self.sync.refresh(notification.division, [notification.key])

    async def idle(self) -> None:
        """Wait until every queued refresh was tried."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def aclose(self) -> None:
        """Stop the background task (server shutdown); queued refreshes are left to polling."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        self._pending.clear()

    async def _drain(self) -> None:
        while self._pending:
            division = next(iter(self._pending))
            keys = list(self._pending[division])[:SYNC_BATCH]
            for key in keys:
                del self._pending[division][key]
            if not self._pending[division]:
                del self._pending[division]
            try:
                self.refreshed += await self.sync.refresh(division, keys)
            except Exception:
                log.exception("refreshing invoices after an Exact webhook failed; polling retries")


# --- processing in Exact ---------------------------------------------------------------


class ProcessInvoice:
    """Have Exact process (print) a sent invoice, and take over its final number.

    Exact refuses to process an invoice twice; when the print is refused or its
    outcome is unknown, the invoice is read back, and if Exact did process it
    (here, by a user, or by a lost earlier call) its number is taken.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        exact: ExactSalesInvoicesPort,
        clock: Clock,
        events: EventPublisher,
    ) -> None:
        self.uow = uow
        self.exact = exact
        self.clock = clock
        self.events = events

    async def execute(self, invoice_id: uuid.UUID) -> Invoice:
        async with self.uow() as uow:
            invoice = await uow.invoices.get(invoice_id)
        if invoice is None:
            raise not_found("invoice", invoice_id)
        target = _target(invoice)
        if target is None:
            raise HourbillError.single(
                ErrorCode.INVALID_STATE,
                f"invoice {invoice.reference} is {invoice.state.value.lower()}: "
                "only a sent invoice can be processed",
                "id",
            )
        number, exact = await self._print(target)
        return await self._save(invoice_id, number, exact)

    async def _print(self, target: _Target) -> tuple[int, ExactSalesInvoice | None]:
        try:
            printed = await self.exact.process_sales_invoice(target.division, target.exact_id)
        except ExactNotFoundError:
            raise _deleted_in_exact(target) from None
        except ExactError as error:
            if isinstance(error, ExactAuthError | ExactThrottledError):
                raise HourbillError(exact_problem(error, "id")) from None
            exact = await self._read_back(target, error)  # already processed? outcome unknown?
            if exact is None or exact.invoice_number is None:
                raise HourbillError(exact_problem(error, "id")) from None
            return exact.invoice_number, exact
        if printed.invoice_number is not None:
            return printed.invoice_number, None
        exact = await self._read_back(target, None)
        if exact is None or exact.invoice_number is None:
            raise HourbillError.single(
                ErrorCode.EXACT_UNAVAILABLE,
                "Exact processed the invoice but sent no number yet; sync the numbers later",
                "id",
            )
        return exact.invoice_number, exact

    async def _read_back(
        self, target: _Target, cause: ExactError | None
    ) -> ExactSalesInvoice | None:
        """The invoice as Exact has it now, if processed; None when not (or unreadable)."""
        try:
            found = await self.exact.sales_invoices(target.division, [target.exact_id])
        except ExactError as error:
            if cause is None:
                raise HourbillError(exact_problem(error, "id")) from None
            return None
        exact = found.get(target.exact_id)
        if exact is None:
            raise _deleted_in_exact(target)
        return exact if exact.status is InvoiceStatus.PROCESSED else None

    async def _save(
        self, invoice_id: uuid.UUID, number: int, exact: ExactSalesInvoice | None
    ) -> Invoice:
        now = self.clock.now()
        async with self.uow() as uow:
            invoice = await uow.invoices.get(invoice_id)
            if invoice is None:
                raise not_found("invoice", invoice_id)  # deleted meanwhile: Exact keeps its number
            if invoice.state is InvoiceState.PROCESSED and invoice.exact_invoice_number == number:
                return invoice  # a webhook of this very print was quicker
            if exact is not None:
                invoice.compare(_exact_amounts(exact))
            if invoice.error_code == MISSING_IN_EXACT:
                invoice.error_code = invoice.error_message = None
            invoice.processed(number, now)
            await uow.invoices.add_history(
                InvoiceHistoryEntry(
                    invoice.id, now, invoice.state, f"Processed in Exact: invoice number {number}"
                )
            )
            await uow.commit()
        await self.events.publish([_event(invoice, InvoiceEventKind.PROCESSED)])
        return invoice


def _deleted_in_exact(target: _Target) -> HourbillError:
    return HourbillError.single(
        ErrorCode.UNKNOWN_IN_EXACT,
        f"Exact has no sales invoice {target.exact_id}: it was deleted in Exact",
        "id",
    )


# --- webhook subscriptions ---------------------------------------------------------------


@dataclass(frozen=True)
class ExactWebhookStatus:
    division: int
    topic: str
    callback_url: str
    subscription_id: uuid.UUID | None
    """None when not subscribed."""
    changed: bool
    """Whether this call subscribed or unsubscribed anything."""


class ManageExactWebhooks:
    """Subscribe this server to Exact's sales-invoice events for the configured division."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        exact: ExactWebhooks,
        verifier: ExactWebhookVerifier,
        callback_url: Callable[[], str],
    ) -> None:
        self.uow = uow
        self.exact = exact
        self.verifier = verifier
        self.callback_url = callback_url

    async def subscribe(self) -> ExactWebhookStatus:
        """Idempotent: an existing subscription for this URL is kept, not duplicated."""
        if not self.verifier.configured:
            raise HourbillError.single(
                ErrorCode.NOT_CONFIGURED,
                "Set HOURBILL_EXACT_WEBHOOK_SECRET (from Exact's app center) first: "
                "without it every webhook call would be refused",
            )
        division, url = await self._division(), self.callback_url()
        mine = await self._call(self._mine(division, url))
        if mine:
            return _status(division, url, mine[0].subscription_id, changed=False)
        created = await self._call(self.exact.subscribe(division, SALES_INVOICES_TOPIC, url))
        return _status(division, url, created.subscription_id, changed=True)

    async def unsubscribe(self) -> ExactWebhookStatus:
        division, url = await self._division(), self.callback_url()
        mine = await self._call(self._mine(division, url))
        for subscription in mine:
            await self._call(self.exact.unsubscribe(division, subscription.subscription_id))
        return _status(division, url, None, changed=bool(mine))

    async def _mine(self, division: int, url: str) -> list[WebhookSubscription]:
        return [
            s
            for s in await self.exact.webhook_subscriptions(division)
            if s.topic == SALES_INVOICES_TOPIC and s.callback_url == url
        ]

    async def _division(self) -> int:
        async with self.uow() as uow:
            settings = await uow.settings.invoicing()
        if settings.exact_division is None:
            raise HourbillError.single(
                ErrorCode.NOT_CONFIGURED,
                "Choose the Exact division in the invoicing settings first",
            )
        return settings.exact_division

    @staticmethod
    async def _call(call: Awaitable[T]) -> T:
        try:
            return await call
        except ExactError as error:
            raise HourbillError(exact_problem(error)) from None


def _status(
    division: int, url: str, subscription_id: uuid.UUID | None, *, changed: bool
) -> ExactWebhookStatus:
    return ExactWebhookStatus(division, SALES_INVOICES_TOPIC, url, subscription_id, changed)


# --- polling ------------------------------------------------------------------------------


class InvoiceNumberPolling:
    """The fallback for lost webhooks: sync every open invoice every `interval` seconds.

    With no open invoices a round costs one query and no call to Exact. Errors
    are logged; the loop keeps going. `interval` 0 disables polling.
    """

    def __init__(
        self,
        sync: SyncInvoiceNumbers,
        interval: float,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.sync = sync
        self.interval = interval
        self.sleep = sleep
        self.rounds = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        while True:
            await self.sleep(self.interval)
            await self.run_once()

    async def run_once(self) -> SyncSummary | None:
        """One round; None when it failed (and was logged)."""
        self.rounds += 1
        try:
            summary = await self.sync.execute(None)
        except Exception:
            log.exception("polling Exact for invoice numbers failed; trying again next round")
            return None
        for problem in summary.problems:
            log.warning("polling Exact for invoice numbers: %s", problem.message)
        if summary.numbered or summary.missing:
            log.info(
                "polled Exact: %d checked, %d numbered, %d missing in Exact",
                summary.checked,
                summary.numbered,
                len(summary.missing),
            )
        return summary
