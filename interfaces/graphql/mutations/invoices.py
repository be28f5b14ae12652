"""createInvoices, retryInvoices, attachInvoicePdfs and deleteInvoice."""

from __future__ import annotations

import strawberry

from application.invoicing import (
    CreateInvoicesRequest,
    DeleteInvoiceRequest,
    InvoiceRunResult,
    NothingInvoiced,
)
from domain.errors import HourbillError
from domain.invoices import Invoice as DomainInvoice
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import attempt, input_fields, user_errors
from interfaces.graphql.idempotency import DESCRIPTION, required_idempotency_key
from interfaces.graphql.mutations.payload import Payload
from interfaces.graphql.reader import InputReader, read_id
from interfaces.graphql.types.events import InvoiceRunProgress
from interfaces.graphql.types.invoices import Invoice, InvoiceRun, RejectedOrder


@strawberry.input
class CreateInvoicesInput:
    order_ids: list[strawberry.ID]
    idempotency_key: str = strawberry.field(
        description=f"Required here. {DESCRIPTION} The same orders in another order are the "
        "same input."
    )

    def to_request(self) -> CreateInvoicesRequest:
        read = InputReader()
        ids = read.ids(self.order_ids, "Order", "orderIds")
        read.check()
        return CreateInvoicesRequest(ids)


@strawberry.type
class CreateInvoicesPayload(Payload):
    run: InvoiceRun | None = None
    invoices: list[Invoice] = strawberry.field(
        default_factory=list, description="Queued for Exact; a worker sends them."
    )
    rejected_orders: list[RejectedOrder] = strawberry.field(
        default_factory=list,
        description="Orders that failed pre-flight, each with its errors; they stay drafts. "
        "When every order fails, `errors` lists the same problems and nothing is kept.",
    )
    replayed: bool = strawberry.field(
        default=False, description="The key was used before: this is that run's result."
    )


def _created(result: InvoiceRunResult) -> CreateInvoicesPayload:
    return CreateInvoicesPayload(
        run=InvoiceRun.from_domain(result.run, InvoiceRunProgress.from_domain(result.progress)),
        invoices=[Invoice.from_domain(i) for i in result.invoices],
        rejected_orders=[RejectedOrder.from_domain(r) for r in result.rejected],
        replayed=result.replayed,
    )


@strawberry.input
class RetryInvoicesInput:
    ids: list[strawberry.ID]

    def to_ids(self) -> list[strawberry.ID]:
        return self.ids


@strawberry.type
class RetryInvoicesPayload(Payload):
    invoices: list[Invoice] = strawberry.field(default_factory=list)


@strawberry.input
class AttachInvoicePdfsInput:
    invoice_ids: list[strawberry.ID] = strawberry.field(
        description="SENT or PROCESSED invoices whose PDF is not attached in Exact; at most 500."
    )


@strawberry.type
class AttachInvoicePdfsPayload(Payload):
    invoices: list[Invoice] = strawberry.field(
        default_factory=list,
        description="Their PDF is queued; a worker attaches it (their history and the "
        "PDF_ATTACHED or PDF_NOT_ATTACHED event tell how it went).",
    )


@strawberry.input
class DeleteInvoiceInput:
    id: strawberry.ID
    release_sources: bool = strawberry.field(
        default=False,
        description="Also delete the order, so its bookings and supplies can be invoiced "
        "again. Without it they stay billed.",
    )


@strawberry.type
class DeleteInvoicePayload(Payload):
    invoice: Invoice | None = strawberry.field(
        default=None, description="The tombstone: DELETED, numbers kept, never reused."
    )


def _invoices(found: list[DomainInvoice]) -> RetryInvoicesPayload:
    return RetryInvoicesPayload(invoices=[Invoice.from_domain(i) for i in found])


@strawberry.type
class InvoiceMutations:
    @strawberry.mutation(
        description="Check the orders against Exact and queue the accepted ones as invoices "
        "(locked from then on); a worker pushes them to Exact exactly once."
    )
    async def create_invoices(
        self, info: Info, input: CreateInvoicesInput
    ) -> CreateInvoicesPayload:
        try:
            result = await hourbill(info).create_invoices.execute(
                input.to_request(), required_idempotency_key(info, input.idempotency_key)
            )
        except NothingInvoiced as refused:
            return CreateInvoicesPayload(
                errors=user_errors(refused, input_fields(input)),
                rejected_orders=[RejectedOrder.from_domain(r) for r in refused.rejected],
            )
        except HourbillError as error:
            return CreateInvoicesPayload(errors=user_errors(error, input_fields(input)))
        return _created(result)

    @strawberry.mutation(description="Queue FAILED invoices again; all or none.")
    async def retry_invoices(self, info: Info, input: RetryInvoicesInput) -> RetryInvoicesPayload:
        async def retry() -> list[DomainInvoice]:
            read = InputReader()
            ids = read.ids(input.ids, "Invoice", "ids")
            read.check()
            return await hourbill(info).retry_invoices.execute(ids)

        return await attempt(input, RetryInvoicesPayload, retry, _invoices)

    @strawberry.mutation(
        description="Queue the PDF of SENT or PROCESSED invoices for their sales invoice in "
        "Exact, whatever `attachPdf` says: after a refusal or giving up, or for invoices sent "
        "before it was on. All or none; an invoice queued already stays queued once. Exact "
        "ends up with one document and one file, even after an attempt that got halfway."
    )
    async def attach_invoice_pdfs(
        self, info: Info, input: AttachInvoicePdfsInput
    ) -> AttachInvoicePdfsPayload:
        async def queue() -> list[DomainInvoice]:
            read = InputReader()
            ids = read.ids(input.invoice_ids, "Invoice", "invoiceIds")
            read.check()
            return await hourbill(info).queue_pdf_attachments.execute(ids)

        return await attempt(
            input,
            AttachInvoicePdfsPayload,
            queue,
            lambda found: AttachInvoicePdfsPayload(
                invoices=[Invoice.from_domain(i) for i in found]
            ),
        )

    @strawberry.mutation(
        description="Delete a SENT, FAILED or PROCESSED invoice in Hourbill only: Exact keeps "
        "its invoice, and the number is never used again."
    )
    async def delete_invoice(self, info: Info, input: DeleteInvoiceInput) -> DeleteInvoicePayload:
        async def delete() -> DomainInvoice:
            invoice_id = read_id(input.id, "Invoice", "id")
            request = DeleteInvoiceRequest(invoice_id, input.release_sources)
            return await hourbill(info).delete_invoice.execute(request)

        return await attempt(
            input,
            DeleteInvoicePayload,
            delete,
            lambda invoice: DeleteInvoicePayload(invoice=Invoice.from_domain(invoice)),
        )
