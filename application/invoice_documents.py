"""Attaching the invoice PDF to its sales invoice in Exact: exactly one document, one file.

When the administration's `attach_pdf` is on, a push that ends SENT queues an
ATTACH_PDF item in its own transaction (application/outbox.py); this handler
works those items off, apart from the push, so pushing stays one call an invoice.

Exact has no idempotency key here either. The worker's claim counts the attempt
and commits it before any call, so an item tried before (`attempts > 1`) may
have left a document, or a document with its file, in Exact: such an attempt
passes `look_first`, and the adapter reuses the invoice's document with our
subject and sends no file that is there already. The link to the invoice is a
PUT, harmless to repeat. The first attempt costs three calls, a retry one or
two look-ups more.

Per item: skip (and drop) what has nothing to attach to: the invoice deleted,
not in Exact, attached already, or its order gone. Otherwise render the PDF
(the invoice without concept mark, then its specification), attach it, and
record the document, a history entry and the item's removal in one
transaction; the event goes out after it. Transient trouble reschedules the
item with back-off; a refusal, or giving up, is recorded in the history and as
an event, and the invoice's state is never touched: it is in Exact already.

`QueuePdfAttachments` queues the PDF of chosen invoices (again): after a
refusal or giving up, or for invoices sent while `attach_pdf` was off. Such an
item starts as if tried once, so even its first claim looks first: an earlier
item may have left the document, or the document and its file, in Exact.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from application.documents import RenderedPdf
from application.exact import ExactError, ExactSalesInvoices
from application.invoicing import CONFLICT_RETRIES, Wakeup, invoice_event, no_wakeup, record
from application.invoicing_ports import AlreadyQueued, OutboxItem, OutboxKind
from application.outbox import Failure, RetryPolicy, classify
from application.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory
from application.use_cases._base import distinct_ids
from domain.errors import ErrorCode, HourbillError, Problem
from domain.events import InvoiceEventKind
from domain.invoices import Invoice, InvoiceHistoryEntry, InvoiceState

log = logging.getLogger(__name__)

IN_EXACT = frozenset({InvoiceState.SENT, InvoiceState.PROCESSED})


class InvoicePdfs(Protocol):
    """The part of printing this needs (application.documents.PrintDocuments)."""

    async def invoice_pdf(self, invoice_id: uuid.UUID) -> RenderedPdf:
        """The invoice without concept mark, then its specification, as one PDF."""
        ...


def pdf_subject(invoice: Invoice) -> str:
    """The document's subject in Exact: stable, so a retry can find an earlier attempt's."""
    return f"Invoice {invoice.reference}"


class AttachOutcome(StrEnum):
    ATTACHED = "ATTACHED"
    FAILED = "FAILED"
    """Refused by Exact, or given up on; the invoice is unchanged."""
    POSTPONED = "POSTPONED"
    SKIPPED = "SKIPPED"
    """Nothing to attach to: deleted, not in Exact, attached already, or the order gone."""


ATTACHED, FAILED, POSTPONED, SKIPPED = (
    AttachOutcome.ATTACHED,
    AttachOutcome.FAILED,
    AttachOutcome.POSTPONED,
    AttachOutcome.SKIPPED,
)


@dataclass(frozen=True)
class AttachResult:
    item_id: uuid.UUID
    invoice_id: uuid.UUID
    outcome: AttachOutcome
    message: str | None = None


@dataclass(frozen=True)
class _Job:
    item: OutboxItem
    invoice: Invoice
    division: int
    exact_invoice_id: uuid.UUID


class AttachInvoicePdfs:
    """The outbox handler for ATTACH_PDF items. Safe to run in many workers at once."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        exact: ExactSalesInvoices,
        documents: InvoicePdfs,
        events: EventPublisher,
        clock: Clock,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.uow = uow
        self.exact = exact
        self.documents = documents
        self.events = events
        self.clock = clock
        self.policy = policy or RetryPolicy()

    async def handle(self, items: Sequence[OutboxItem]) -> list[AttachResult]:
        jobs, results = await self._begin(items)
        for job in jobs:
            results.append(await self._attach(job))
        return results

    async def _begin(self, items: Sequence[OutboxItem]) -> tuple[list[_Job], list[AttachResult]]:
        """The items with something to attach to; the others are dropped in one transaction."""
        jobs: list[_Job] = []
        results: list[AttachResult] = []
        async with self.uow() as uow:
            invoices = {i.id: i for i in await uow.invoices.get_many([i.invoice_id for i in items])}
            for item in items:
                invoice = invoices.get(item.invoice_id)
                reason = _nothing_to_attach(invoice)
                if reason is not None or invoice is None:
                    await uow.outbox.complete(item.id)
                    log.info("not attaching a PDF to invoice %s: %s", item.invoice_id, reason)
                    results.append(AttachResult(item.id, item.invoice_id, SKIPPED, reason))
                    continue
                assert invoice.division is not None
                assert invoice.exact_invoice_id is not None
                jobs.append(_Job(item, invoice, invoice.division, invoice.exact_invoice_id))
            await uow.commit()
        return jobs, results

    async def _attach(self, job: _Job) -> AttachResult:
        try:
            pdf = await self.documents.invoice_pdf(job.invoice.id)
            document_id = await self.exact.attach_document(
                job.division,
                job.exact_invoice_id,
                subject=pdf_subject(job.invoice),
                file_name=pdf.file_name,
                content=pdf.content,
                look_first=job.item.attempts > 1,
            )
        except (ExactError, HourbillError) as error:
            return await self._failed(job, classify(error))
        except Exception as error:  # a bug or an outage of our own: try again later
            log.exception("attaching the PDF of invoice %s failed unexpectedly", job.invoice.id)
            unexpected = Failure(ErrorCode.EXACT_UNAVAILABLE, repr(error), transient=True)
            return await self._failed(job, unexpected)
        return await self._attached(job, document_id, pdf.file_name)

    async def _attached(self, job: _Job, document_id: uuid.UUID, file_name: str) -> AttachResult:
        now = self.clock.now()
        message = f"PDF attached in Exact: {file_name} (document {document_id})"
        async with self.uow() as uow:
            await uow.outbox.complete(job.item.id)
            invoice = await uow.invoices.get(job.invoice.id)
            if invoice is not None and invoice.state in IN_EXACT:
                invoice.pdf_attached(document_id, now)
                await record(uow, invoice, message)
            elif invoice is not None:  # deleted here meanwhile: Exact has it all the same
                await _note(uow, invoice, message, now)
            await uow.commit()
        if invoice is not None and invoice.state in IN_EXACT:
            await self.events.publish(
                [invoice_event(invoice, InvoiceEventKind.PDF_ATTACHED, message)]
            )
        return AttachResult(job.item.id, job.invoice.id, ATTACHED, message)

    async def _failed(self, job: _Job, failure: Failure) -> AttachResult:
        now = self.clock.now()
        attempts = job.item.attempts
        if failure.transient and attempts < self.policy.max_attempts:
            later = max(now + self.policy.delay(attempts), failure.retry_at or now)
            async with self.uow() as uow:
                await uow.outbox.reschedule(job.item.id, later, failure.message)
                await uow.commit()
            log.info("attaching the PDF of invoice %s postponed: %s", job.invoice.id, failure)
            return AttachResult(job.item.id, job.invoice.id, POSTPONED, failure.message)
        reason = failure.message
        if failure.transient:
            reason = f"gave up after {attempts} attempts: {reason}"
        message = f"PDF not attached in Exact: {reason}"
        async with self.uow() as uow:
            await uow.outbox.complete(job.item.id)
            invoice = await uow.invoices.get(job.invoice.id)
            if invoice is not None:
                await _note(uow, invoice, message, now)
            await uow.commit()
        if invoice is not None:
            await self.events.publish(
                [invoice_event(invoice, InvoiceEventKind.PDF_NOT_ATTACHED, message)]
            )
        return AttachResult(job.item.id, job.invoice.id, FAILED, message)


MAX_QUEUED_AT_ONCE = 500
PDF_QUEUED = "PDF attachment queued"


class QueuePdfAttachments:
    """Queue the PDF of SENT or PROCESSED invoices for Exact (again). All or nothing.

    An invoice whose attachment is queued already is left as it is (asking twice
    is harmless); one without a sales invoice in Exact, or with its PDF attached,
    is refused. `attach_pdf` need not be on: this is an explicit request.
    """

    FIELD = "invoiceIds"

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, wakeup: Wakeup = no_wakeup) -> None:
        self.uow = uow
        self.clock = clock
        self.wakeup = wakeup

    async def execute(self, invoice_ids: Sequence[uuid.UUID]) -> list[Invoice]:
        ids = self._checked(invoice_ids)
        for _ in range(CONFLICT_RETRIES):
            try:
                invoices, queued = await self._queue(ids)
            except AlreadyQueued:
                continue  # a concurrent call queued one of them: it is pending now
            if queued:
                self.wakeup()
            return invoices
        raise HourbillError.single(
            ErrorCode.CONFLICT, "these PDFs are being queued concurrently; try again", self.FIELD
        )

    def _checked(self, invoice_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        ids = distinct_ids(invoice_ids, self.FIELD, "invoice")
        if len(ids) > MAX_QUEUED_AT_ONCE:
            raise HourbillError.single(
                ErrorCode.OUT_OF_RANGE,
                f"queue at most {MAX_QUEUED_AT_ONCE} invoices at once",
                self.FIELD,
            )
        return ids

    async def _queue(self, ids: list[uuid.UUID]) -> tuple[list[Invoice], int]:
        """The invoices, and how many got an item now (the others had one already)."""
        now = self.clock.now()
        async with self.uow() as uow:
            found = {i.id: i for i in await uow.invoices.get_many(ids)}
            problems = [p for i in ids if (p := self._unattachable(i, found.get(i))) is not None]
            if problems:
                raise HourbillError(*problems)
            invoices = [found[i] for i in ids]
            waiting = await uow.outbox.pending(ids, OutboxKind.ATTACH_PDF)
            fresh = [i for i in invoices if i.id not in waiting]
            for invoice in fresh:
                # As if tried once: an earlier item may have made the document already.
                await uow.outbox.enqueue(invoice.id, OutboxKind.ATTACH_PDF, now, attempts=1)
                await _note(uow, invoice, PDF_QUEUED, now)
            await uow.commit()
        return invoices, len(fresh)

    def _unattachable(self, invoice_id: uuid.UUID, invoice: Invoice | None) -> Problem | None:
        if invoice is None:
            message = f"invoice {invoice_id} does not exist"
            return Problem(ErrorCode.NOT_FOUND, message, self.FIELD)
        if invoice.state not in IN_EXACT:
            message = (
                f"invoice {invoice.reference} is {invoice.state.value.lower()}: only a sent or "
                "processed invoice has a sales invoice in Exact to attach its PDF to"
            )
        elif invoice.exact_invoice_id is None or invoice.division is None:
            message = f"invoice {invoice.reference} has no sales invoice in Exact"
        elif invoice.pdf_attached_at is not None:
            message = (
                f"the PDF of invoice {invoice.reference} is attached in Exact already "
                f"(document {invoice.exact_document_id})"
            )
        else:
            return None
        return Problem(ErrorCode.INVALID_STATE, message, self.FIELD)


def _nothing_to_attach(invoice: Invoice | None) -> str | None:
    """Why the item can be dropped, or None when there is a PDF to attach.

    An order that is deleted clears its invoice's `order_id` (the invoice is
    released, or the foreign key sets it NULL), so no order needs loading here.
    """
    if invoice is None or invoice.state is InvoiceState.DELETED:
        return "the invoice was deleted"
    if invoice.state not in IN_EXACT or invoice.exact_invoice_id is None:
        return "the invoice is not in Exact"
    if invoice.division is None:
        return "the invoice has no Exact administration"
    if invoice.pdf_attached_at is not None:
        return "its PDF is attached already"
    if invoice.order_id is None:
        return "its order is gone"
    return None


async def _note(uow: UnitOfWork, invoice: Invoice, message: str, now: dt.datetime) -> None:
    """A history entry now, without touching the invoice (its state stays as it is)."""
    await uow.invoices.add_history(InvoiceHistoryEntry(invoice.id, now, invoice.state, message))
