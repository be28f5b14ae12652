"""Invoice numbers from Exact: sync them, process an invoice in Exact, manage the webhooks."""

from __future__ import annotations

import uuid

import strawberry

from application.invoice_sync import ExactWebhookStatus, SyncSummary
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import UserError, attempt
from interfaces.graphql.ids import global_id
from interfaces.graphql.mutations.payload import Payload
from interfaces.graphql.reader import InputReader, read_id
from interfaces.graphql.types.invoices import Invoice


@strawberry.input
class SyncInvoiceNumbersInput:
    invoice_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Null: every open (SENT) invoice."
    )

    def to_ids(self) -> list[uuid.UUID] | None:
        if self.invoice_ids is None:
            return None
        read = InputReader()
        ids = read.ids(self.invoice_ids, "Invoice", "invoiceIds")
        read.check()
        return ids


@strawberry.type(
    description="What a sync did. Unlike most payloads, `errors` can come with changes: "
    "skipped invoices and an Exact failure half-way do not undo the batches already done."
)
class SyncInvoiceNumbersPayload(Payload):
    invoices: list[Invoice] = strawberry.field(
        default_factory=list,
        description="The invoices that changed: numbered, amounts changed, missing in Exact.",
    )
    checked: int = strawberry.field(default=0, description="Invoices read from Exact.")
    numbered: int = strawberry.field(default=0, description="Invoices now PROCESSED.")
    missing_in_exact: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Invoices Exact no longer has (deleted there)."
    )
    calls: int = strawberry.field(default=0, description="Reads of Exact made.")

    @classmethod
    def from_summary(cls, summary: SyncSummary) -> SyncInvoiceNumbersPayload:
        return cls(
            invoices=[Invoice.from_domain(invoice) for invoice in summary.updated],
            checked=summary.checked,
            numbered=summary.numbered,
            missing_in_exact=[strawberry.ID(global_id("Invoice", i)) for i in summary.missing],
            calls=summary.calls,
            errors=[
                UserError(field=p.field, message=p.message, code=p.code) for p in summary.problems
            ],
        )


@strawberry.input
class ProcessInvoiceInput:
    id: strawberry.ID


@strawberry.type
class ProcessInvoicePayload(Payload):
    invoice: Invoice | None = None


@strawberry.type(description="This server's subscription to Exact's sales-invoice events.")
class ExactWebhooks:
    division: int
    topic: str
    callback_url: str = strawberry.field(description="Where Exact posts the events.")
    subscribed: bool
    changed: bool = strawberry.field(
        description="Whether this call subscribed or unsubscribed anything."
    )

    @classmethod
    def from_status(cls, status: ExactWebhookStatus) -> ExactWebhooks:
        return cls(
            division=status.division,
            topic=status.topic,
            callback_url=status.callback_url,
            subscribed=status.subscription_id is not None,
            changed=status.changed,
        )


@strawberry.type
class ExactWebhooksPayload(Payload):
    webhooks: ExactWebhooks | None = None


@strawberry.type
class InvoiceSyncMutations:
    @strawberry.mutation(description="Take over final numbers (and amounts) from Exact.")
    async def sync_invoice_numbers(
        self, info: Info, input: SyncInvoiceNumbersInput
    ) -> SyncInvoiceNumbersPayload:
        return await attempt(
            input,
            SyncInvoiceNumbersPayload,
            lambda: hourbill(info).sync_invoice_numbers.execute(input.to_ids()),
            SyncInvoiceNumbersPayload.from_summary,
        )

    @strawberry.mutation(
        description="Process (print) a sent invoice in Exact, which gives it its final number."
    )
    async def process_invoice(
        self, info: Info, input: ProcessInvoiceInput
    ) -> ProcessInvoicePayload:
        return await attempt(
            input,
            ProcessInvoicePayload,
            lambda: hourbill(info).process_invoice.execute(read_id(input.id, "Invoice", "id")),
            lambda invoice: ProcessInvoicePayload(invoice=Invoice.from_domain(invoice)),
        )

    @strawberry.mutation(
        description="Have Exact post sales-invoice changes to this server (idempotent)."
    )
    async def subscribe_exact_webhooks(self, info: Info) -> ExactWebhooksPayload:
        return await attempt(
            None,
            ExactWebhooksPayload,
            lambda: hourbill(info).manage_exact_webhooks.subscribe(),
            lambda status: ExactWebhooksPayload(webhooks=ExactWebhooks.from_status(status)),
        )

    @strawberry.mutation(description="Stop Exact's sales-invoice events; polling goes on.")
    async def unsubscribe_exact_webhooks(self, info: Info) -> ExactWebhooksPayload:
        return await attempt(
            None,
            ExactWebhooksPayload,
            lambda: hourbill(info).manage_exact_webhooks.unsubscribe(),
            lambda status: ExactWebhooksPayload(webhooks=ExactWebhooks.from_status(status)),
        )
