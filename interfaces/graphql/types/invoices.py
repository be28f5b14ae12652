"""Invoices (the invoices tab), their history, and invoicing runs."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import strawberry

from application.invoicing import RunView
from domain.errors import ErrorCode as DomainErrorCode
from domain.errors import Problem
from domain.invoices import Invoice as DomainInvoice
from domain.invoices import InvoiceHistoryEntry as DomainHistoryEntry
from domain.invoices import InvoiceRun as DomainInvoiceRun
from domain.invoices import RejectedOrder as DomainRejectedOrder
from domain.money import as_cents
from interfaces.graphql.context import Info, loaders
from interfaces.graphql.errors import ErrorCode, UserError
from interfaces.graphql.ids import global_id
from interfaces.graphql.loaders import load_as
from interfaces.graphql.relay import Node
from interfaces.graphql.types.customers import Customer
from interfaces.graphql.types.enums import InvoiceState
from interfaces.graphql.types.events import InvoiceRunProgress
from interfaces.graphql.types.orders import Order, OrderLine
from interfaces.graphql.urls import document_urls


def _exact_id(ident: uuid.UUID | None) -> strawberry.ID | None:
    """Exact's own GUID, as Exact shows it (not a global id: it names nothing here)."""
    return None if ident is None else strawberry.ID(str(ident))


def _code(value: str) -> DomainErrorCode:
    try:
        return DomainErrorCode(value)
    except ValueError:
        return DomainErrorCode.INVALID


def user_error(problem: Problem, field: str | None = "orderIds") -> UserError:
    return UserError(field=field, message=problem.message, code=problem.code)


@strawberry.type(description="Why the last push did not go through (shown until the next one).")
class InvoiceError:
    code: ErrorCode  # type: ignore[valid-type]
    message: str


@strawberry.type(description="One step in an invoice's life.")
class InvoiceHistoryEntry:
    at: dt.datetime
    state: InvoiceState  # type: ignore[valid-type]
    message: str

    @classmethod
    def from_domain(cls, entry: DomainHistoryEntry) -> InvoiceHistoryEntry:
        return cls(at=entry.at, state=entry.state, message=entry.message)


@strawberry.type(
    description="An order sent (or on its way) to Exact Online as a sales invoice, and what "
    "Exact made of it. `number` is Exact's invoice number once processed there, its order "
    "number until then."
)
class Invoice(Node):
    reference: str = strawberry.field(description="Hourbill's reference, in Exact's YourRef.")
    state: InvoiceState  # type: ignore[valid-type]
    number: int | None
    order_number: int = strawberry.field(description="Hourbill's order number.")
    exact_order_number: int | None
    exact_invoice_number: int | None
    invoice_date: dt.date
    subtotal: Decimal
    vat_total: Decimal
    total: Decimal
    exact_subtotal: Decimal | None
    exact_vat_total: Decimal | None
    exact_total: Decimal | None
    amount_mismatch: bool = strawberry.field(
        description="Exact's amounts differ from Hourbill's (e.g. VAT rounded per line there)."
    )
    error: InvoiceError | None
    attempts: int = strawberry.field(description="Pushes tried, including interrupted ones.")
    division: int | None
    journal: str | None
    exact_invoice_id: strawberry.ID | None = strawberry.field(
        description="Exact's InvoiceID of the sales invoice."
    )
    created_at: dt.datetime
    exact_document_id: strawberry.ID | None = strawberry.field(
        description="Exact's ID of the document holding the invoice PDF, once attached there."
    )
    sent_at: dt.datetime | None
    pdf_attached_at: dt.datetime | None = strawberry.field(
        description="When the invoice PDF was attached to the sales invoice in Exact (with the "
        "administration's attachPdf on); null until then."
    )
    processed_at: dt.datetime | None
    updated_at: dt.datetime | None
    key: strawberry.Private[uuid.UUID]
    customer_id: strawberry.Private[uuid.UUID]
    order_id: strawberry.Private[uuid.UUID | None]
    run_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await load_as(loaders(info).customer, self.customer_id, Customer.from_domain)

    @strawberry.field(description="The order it was made from; null once released (deleted).")
    async def order(self, info: Info) -> Order | None:
        return await load_as(loaders(info).order, self.order_id, Order.from_domain)

    @strawberry.field(description="The order's lines; empty once the order was released.")
    async def lines(self, info: Info) -> list[OrderLine]:
        if self.order_id is None:
            return []
        order = await loaders(info).order.load(self.order_id)
        return [] if order is None else [OrderLine.from_domain(line) for line in order.lines]

    @strawberry.field(
        description="The specification report as PDF, headed with the invoice's numbers "
        "(GET; `?language=nl|en`, `?download=1`); null once the order was released."
    )
    def specification_url(self, info: Info) -> str | None:
        if self.order_id is None:
            return None
        return document_urls(info).invoice_specification(self.key)

    @strawberry.field(
        description="The invoice (no concept mark) and its specification as one PDF, in the "
        "customer's language: what is attached in Exact. Null once the order was released."
    )
    def pdf_url(self, info: Info) -> str | None:
        if self.order_id is None:
            return None
        return document_urls(info).invoice_pdf(self.key)

    @strawberry.field(description="Oldest first.")
    async def history(self, info: Info) -> list[InvoiceHistoryEntry]:
        entries = await loaders(info).invoicing.history.load(self.key)
        return [InvoiceHistoryEntry.from_domain(e) for e in entries]

    @strawberry.field(description="A push is waiting in the outbox (queued or retried).")
    async def pending(self, info: Info) -> bool:
        return await loaders(info).invoicing.pending.load(self.key)

    @strawberry.field(description="The createInvoices run that made it.")
    async def run(self, info: Info) -> InvoiceRun | None:
        return await load_as(loaders(info).invoicing.run, self.run_id, InvoiceRun.from_view)

    @classmethod
    def from_domain(cls, invoice: DomainInvoice) -> Invoice:
        error = None
        if invoice.error_code is not None:
            error = InvoiceError(
                code=_code(invoice.error_code), message=invoice.error_message or ""
            )
        return cls(
            id=strawberry.ID(global_id("Invoice", invoice.id)),
            reference=invoice.reference,
            state=invoice.state,
            number=invoice.number,
            order_number=invoice.order_number,
            exact_order_number=invoice.exact_order_number,
            exact_invoice_number=invoice.exact_invoice_number,
            invoice_date=invoice.invoice_date,
            subtotal=as_cents(invoice.subtotal),
            vat_total=as_cents(invoice.vat_total),
            total=as_cents(invoice.total),
            exact_subtotal=None
            if invoice.exact_subtotal is None
            else as_cents(invoice.exact_subtotal),
            exact_vat_total=None
            if invoice.exact_vat_total is None
            else as_cents(invoice.exact_vat_total),
            exact_total=_cents(invoice.exact_total),
            amount_mismatch=invoice.amount_mismatch,
            error=error,
            attempts=invoice.attempts,
            division=invoice.division,
            journal=invoice.journal,
            exact_invoice_id=_exact_id(invoice.exact_invoice_id),
            created_at=invoice.created_at,
            exact_document_id=_exact_id(invoice.exact_document_id),
            sent_at=invoice.sent_at,
            pdf_attached_at=invoice.pdf_attached_at,
            processed_at=invoice.processed_at,
            updated_at=invoice.updated_at,
            key=invoice.id,
            customer_id=invoice.customer_id,
            order_id=invoice.order_id,
            run_id=invoice.run_id,
        )


@strawberry.type(description="An order a run did not invoice, and why.")
class RejectedOrder:
    order_id: strawberry.ID
    errors: list[UserError]
    key: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def order(self, info: Info) -> Order | None:
        return await load_as(loaders(info).order, self.key, Order.from_domain)

    @classmethod
    def from_domain(cls, rejected: DomainRejectedOrder) -> RejectedOrder:
        return cls(
            order_id=strawberry.ID(global_id("Order", rejected.order_id)),
            errors=[user_error(p) for p in rejected.problems],
            key=rejected.order_id,
        )


@strawberry.type(description="One createInvoices call: what it was asked, made and refused.")
class InvoiceRun(Node):
    idempotency_key: str
    created_at: dt.datetime
    order_ids: list[strawberry.ID]
    rejected_orders: list[RejectedOrder]
    progress: InvoiceRunProgress
    key: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The invoices the run made, by order number.")
    async def invoices(self, info: Info) -> list[Invoice]:
        page = await info.context.hourbill.invoice_queries.run_invoices(self.key)
        return [Invoice.from_domain(i) for i in page]

    @classmethod
    def from_view(cls, view: RunView) -> InvoiceRun:
        return cls.from_domain(view.run, InvoiceRunProgress.from_domain(view.progress))

    @classmethod
    def from_domain(cls, run: DomainInvoiceRun, progress: InvoiceRunProgress) -> InvoiceRun:
        return cls(
            id=strawberry.ID(global_id("InvoiceRun", run.id)),
            idempotency_key=run.idempotency_key,
            created_at=run.created_at,
            order_ids=[strawberry.ID(global_id("Order", i)) for i in run.order_ids],
            rejected_orders=[RejectedOrder.from_domain(r) for r in run.rejections],
            progress=progress,
            key=run.id,
        )


def _cents(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else as_cents(amount)
