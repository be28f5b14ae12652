"""Pushing queued invoices to Exact: exactly one sales invoice per invoice, whatever happens.

Exact has no idempotency key, so Hourbill makes its own out of the invoice's
reference in YourRef, and keeps this order of steps for every claimed item:

1. In one committed transaction before any call: count the attempt (and pin the
   division and journal on the first one). A crash after this point leaves a
   trace: the attempt count.
2. If an earlier attempt may have reached Exact (attempts > 1: a crash, a timeout
   or a lost response), look the reference up first, batched for all such items;
   when Exact has the invoice, adopt it and send nothing.
3. Otherwise make sure the customer has an account, and POST the invoice.
4. Record the outcome (SENT with Exact's ids, numbers and amounts; FAILED with
   Exact's message; or postponed with back-off) and remove or reschedule the
   outbox row, in one transaction. Events go out after it. With the
   administration's `attach_pdf` on, a SENT invoice also gets an ATTACH_PDF
   item in that transaction (application/invoice_documents.py does it).

A lease on the outbox row (see infrastructure/worker.py) keeps two workers off
one item; should one still slip through (a lease that ran out during a very
slow call), step 2 of the later attempt finds the first one's invoice.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from application.administration import line_mappings
from application.exact import (
    ExactAdministration,
    ExactAuthError,
    ExactError,
    ExactItem,
    ExactNotFoundError,
    ExactSalesInvoice,
    ExactSalesInvoices,
    ExactThrottledError,
    ExactValidationError,
    SalesInvoiceDraft,
    SalesInvoiceLineDraft,
)
from application.invoicing import AccountLinker, invoice_event, progress_events, record
from application.invoicing_ports import OutboxItem, OutboxKind
from application.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory
from domain.errors import ErrorCode, HourbillError
from domain.events import Event, InvoiceEventKind
from domain.invoices import Amounts, Invoice, InvoiceState, exact_line_price
from domain.money import as_cents
from domain.orders import Order
from domain.settings import InvoicingSettings

log = logging.getLogger(__name__)


def exact_amounts(exact: ExactSalesInvoice) -> Amounts:
    return Amounts(
        as_cents(exact.amount_excl_vat),
        as_cents(exact.vat_amount),
        as_cents(exact.amount_incl_vat),
    )


class InvoicingExact(ExactAdministration, ExactSalesInvoices, Protocol):
    """The part of the Exact port a push needs."""


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off for transient failures; FAILED after `max_attempts` tries of one queueing."""

    first_delay: dt.timedelta = dt.timedelta(seconds=15)
    max_delay: dt.timedelta = dt.timedelta(minutes=30)
    max_attempts: int = 10

    def delay(self, attempts: int) -> dt.timedelta:
        delay: dt.timedelta = self.first_delay * (2 ** max(0, attempts - 1))
        return min(delay, self.max_delay)


class PushOutcome(StrEnum):
    SENT = "SENT"
    ADOPTED = "ADOPTED"
    """Exact had it already (an earlier attempt arrived): taken over, nothing sent."""
    FAILED = "FAILED"
    POSTPONED = "POSTPONED"
    SKIPPED = "SKIPPED"
    """Nothing to do: the invoice is gone or no longer queued."""


SENT, ADOPTED, FAILED, POSTPONED, SKIPPED = (
    PushOutcome.SENT,
    PushOutcome.ADOPTED,
    PushOutcome.FAILED,
    PushOutcome.POSTPONED,
    PushOutcome.SKIPPED,
)


@dataclass(frozen=True)
class PushResult:
    item_id: uuid.UUID
    invoice_id: uuid.UUID
    outcome: PushOutcome
    message: str | None = None


class Failure(Exception):
    """A call to Exact that did not go through; `transient` ones are tried again."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        transient: bool = False,
        retry_at: dt.datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.message = code, message
        self.transient, self.retry_at = transient, retry_at


def classify(error: ExactError | HourbillError) -> Failure:
    """What an error means for the work at hand: refused for good, or try again later."""
    if isinstance(error, HourbillError):
        problem = error.problems[0]
        return Failure(problem.code, str(error))
    if isinstance(error, ExactAuthError):
        return Failure(
            ErrorCode.NOT_CONFIGURED,
            f"Exact refused the connection ({error.message}); reconnect Exact, then retry",
        )
    if isinstance(error, ExactValidationError | ExactNotFoundError):
        return Failure(ErrorCode.EXACT_REJECTED, error.message)
    if isinstance(error, ExactThrottledError):
        retry_at = error.retry_at
        if retry_at is not None and retry_at.tzinfo is None:
            retry_at = retry_at.replace(tzinfo=dt.UTC)  # the adapter's are UTC already
        return Failure(
            ErrorCode.EXACT_UNAVAILABLE,
            error.message or "Exact's rate limit was reached",
            transient=True,
            retry_at=retry_at,
        )
    return Failure(
        ErrorCode.EXACT_UNAVAILABLE, error.message or type(error).__name__, transient=True
    )


@dataclass
class _Claimed:
    item: OutboxItem
    invoice: Invoice
    order: Order | None
    division: int
    journal: str


@dataclass
class _Batch:
    work: list[_Claimed] = field(default_factory=list)
    results: list[PushResult] = field(default_factory=list)
    settings: InvoicingSettings | None = None


class PushInvoices:
    """The outbox handler for PUSH items. Safe to run in many workers at once."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        exact: InvoicingExact,
        accounts: AccountLinker,
        events: EventPublisher,
        clock: Clock,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.uow = uow
        self.exact = exact
        self.accounts = accounts
        self.events = events
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self._items: dict[int, dict[str, ExactItem]] = {}
        """Exact's items by code per division, read on first need and on a miss."""

    async def handle(self, items: Sequence[OutboxItem]) -> list[PushResult]:
        batch = await self._begin(items)
        adopted = await self._look_up(batch.work)
        for claimed in batch.work:
            found = adopted.get(claimed.invoice.id)
            try:
                if isinstance(found, Failure):
                    raise found
                exact = found if found is not None else await self._send(claimed, batch)
            except Failure as failure:
                batch.results.append(await self._failed(claimed, failure))
            except Exception as error:  # a bug or an outage of our own: try again later
                log.exception("pushing invoice %s failed unexpectedly", claimed.invoice.id)
                unexpected = Failure(ErrorCode.EXACT_UNAVAILABLE, repr(error), transient=True)
                batch.results.append(await self._failed(claimed, unexpected))
            else:
                attach_pdf = batch.settings is not None and batch.settings.attach_pdf
                batch.results.append(
                    await self._sent(
                        claimed, exact, adopted=found is not None, attach_pdf=attach_pdf
                    )
                )
        return batch.results

    # -- 1. count the attempt ---------------------------------------------------------

    async def _begin(self, items: Sequence[OutboxItem]) -> _Batch:
        batch = _Batch()
        now = self.clock.now()
        async with self.uow() as uow:
            settings = await uow.settings.invoicing()
            invoices = {i.id: i for i in await uow.invoices.get_many([i.invoice_id for i in items])}
            orders = {
                o.id: o
                for o in await uow.orders.get_many(
                    [i.order_id for i in invoices.values() if i.order_id is not None]
                )
            }
            unconfigured: list[tuple[OutboxItem, Invoice]] = []
            for item in items:
                invoice = invoices.get(item.invoice_id)
                if invoice is None or invoice.state is not InvoiceState.QUEUED:
                    await uow.outbox.complete(item.id)  # nothing (left) to push
                    batch.results.append(PushResult(item.id, item.invoice_id, SKIPPED))
                    continue
                invoice.attempt(now, settings.exact_division, settings.exact_journal)
                if invoice.division is None or not invoice.journal:
                    unconfigured.append((item, invoice))
                    continue
                order = orders.get(invoice.order_id) if invoice.order_id else None
                batch.work.append(_Claimed(item, invoice, order, invoice.division, invoice.journal))
            await uow.commit()
        batch.settings = settings
        for item, invoice in unconfigured:
            failure = Failure(
                ErrorCode.NOT_CONFIGURED,
                "Choose the Exact administration (division) and sales journal, then retry",
            )
            claimed = _Claimed(item, invoice, None, 0, "")
            batch.results.append(await self._failed(claimed, failure))
        return batch

    # -- 2. look up what may have arrived -----------------------------------------------

    async def _look_up(
        self, work: Sequence[_Claimed]
    ) -> dict[uuid.UUID, ExactSalesInvoice | Failure]:
        """Invoices Exact may have already: one look-up per division for all of them."""
        by_division: dict[int, list[_Claimed]] = defaultdict(list)
        for claimed in work:
            if claimed.invoice.may_exist_in_exact:
                by_division[claimed.division].append(claimed)
        found: dict[uuid.UUID, ExactSalesInvoice | Failure] = {}
        for division, group in by_division.items():
            references = [c.invoice.reference for c in group]
            try:
                existing = await self.exact.sales_invoices_by_reference(division, references)
            except ExactError as error:
                failure = classify(error)
                found.update((c.invoice.id, failure) for c in group)
                continue
            for claimed in group:
                exact = existing.get(claimed.invoice.reference)
                if exact is not None:
                    found[claimed.invoice.id] = exact
        return found

    # -- 3. send ------------------------------------------------------------------------

    async def _send(self, claimed: _Claimed, batch: _Batch) -> ExactSalesInvoice:
        invoice, order = claimed.invoice, claimed.order
        if order is None:
            raise Failure(ErrorCode.NOT_FOUND, f"the order of invoice {invoice.reference} is gone")
        assert batch.settings is not None
        try:
            account = await self.accounts.ensure_account(claimed.division, invoice.customer_id)
            lines = await self._lines(claimed.division, order, batch.settings)
            draft = SalesInvoiceDraft(
                ordered_by=account,
                journal=claimed.journal,
                your_ref=invoice.reference,
                invoice_date=invoice.invoice_date,
                lines=lines,
                description=(order.description or f"Order {order.number}")[:60],
            )
            return await self.exact.create_sales_invoice(claimed.division, draft)
        except (ExactError, HourbillError) as error:
            raise classify(error) from error

    async def _lines(
        self, division: int, order: Order, settings: InvoicingSettings
    ) -> list[SalesInvoiceLineDraft]:
        async with self.uow() as uow:
            mappings = await line_mappings(uow)
        lines = []
        for line in order.lines:
            codes = mappings.resolve(
                line, settings.exact_default_item, settings.exact_default_vat_code
            )
            item = await self._item(division, codes.item_code)
            price = exact_line_price(line)
            description = f"{line.description} ({price.note})" if price.note else line.description
            lines.append(
                SalesInvoiceLineDraft(
                    item_id=item.item_id,
                    description=description[:60],
                    quantity=price.quantity,
                    net_price=price.net_price,
                    vat_code=codes.vat_code,
                )
            )
        return lines

    async def _item(self, division: int, code: str) -> ExactItem:
        known = self._items.get(division)
        if known is None or code not in known:
            known = {i.code: i for i in await self.exact.items(division)}
            self._items[division] = known
        if code not in known:
            raise HourbillError.single(ErrorCode.UNKNOWN_IN_EXACT, f"Exact has no item {code}")
        return known[code]

    # -- 4. record the outcome ---------------------------------------------------------------

    async def _sent(
        self, claimed: _Claimed, exact: ExactSalesInvoice, *, adopted: bool, attach_pdf: bool
    ) -> PushResult:
        """SENT, and (with `attach_pdf`) the PDF queued for Exact in the same transaction."""
        now = self.clock.now()
        async with self.uow() as uow:
            invoice = await self._reload(uow, claimed)
            if invoice is None:
                return PushResult(claimed.item.id, claimed.invoice.id, SKIPPED)
            invoice.sent(
                division=claimed.division,
                journal=claimed.journal,
                exact_invoice_id=exact.invoice_id,
                exact_order_number=exact.order_number,
                exact_amounts=exact_amounts(exact),
                now=now,
            )
            how = "Found in Exact (an earlier attempt arrived)" if adopted else "Sent to Exact"
            message = f"{how}: order number {exact.order_number}"
            if invoice.amount_mismatch:
                message += (
                    f"; Exact's amounts differ: {invoice.exact_subtotal} + VAT "
                    f"{invoice.exact_vat_total} = {invoice.exact_total}, Hourbill's "
                    f"{invoice.subtotal} + VAT {invoice.vat_total} = {invoice.total}"
                )
            await record(uow, invoice, message)
            await uow.outbox.complete(claimed.item.id)
            if attach_pdf:
                await uow.outbox.enqueue(invoice.id, OutboxKind.ATTACH_PDF, now)
            events = await progress_events(uow, [invoice])
            await uow.commit()
        await self._publish(invoice, InvoiceEventKind.SENT, message, events)
        return PushResult(claimed.item.id, invoice.id, ADOPTED if adopted else SENT, message)

    async def _failed(self, claimed: _Claimed, failure: Failure) -> PushResult:
        now = self.clock.now()
        give_up = claimed.item.attempts >= self.policy.max_attempts
        async with self.uow() as uow:
            invoice = await self._reload(uow, claimed)
            if invoice is None:
                return PushResult(claimed.item.id, claimed.invoice.id, SKIPPED)
            if failure.transient and not give_up:
                later = max(now + self.policy.delay(claimed.item.attempts), failure.retry_at or now)
                invoice.postpone(failure.code.value, failure.message, now)
                message = (
                    f"Exact unavailable, trying again at {later.isoformat()}: {failure.message}"
                )
                await uow.outbox.reschedule(claimed.item.id, later, failure.message)
                kind, outcome = InvoiceEventKind.ATTEMPT_FAILED, POSTPONED
            else:
                message = failure.message
                if failure.transient:
                    message = f"gave up after {claimed.item.attempts} attempts: {message}"
                invoice.failed(failure.code.value, message, now)
                await uow.outbox.complete(claimed.item.id)
                kind, outcome = InvoiceEventKind.FAILED, FAILED
            await record(uow, invoice, message)
            events = await progress_events(uow, [invoice])
            await uow.commit()
        await self._publish(invoice, kind, message, events)
        return PushResult(claimed.item.id, invoice.id, outcome, message)

    @staticmethod
    async def _reload(uow: UnitOfWork, claimed: _Claimed) -> Invoice | None:
        """The invoice as it is now; None (and the item dropped) when it is no longer queued."""
        invoice = await uow.invoices.get(claimed.invoice.id)
        if invoice is None or invoice.state is not InvoiceState.QUEUED:
            await uow.outbox.complete(claimed.item.id)
            await uow.commit()
            return None
        return invoice

    async def _publish(
        self, invoice: Invoice, kind: InvoiceEventKind, message: str, events: list[Event]
    ) -> None:
        await self.events.publish([invoice_event(invoice, kind, message), *events])
