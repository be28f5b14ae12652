"""Events as the subscriptions deliver them: orders, invoices, invoicing runs."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.events import InvoiceEvent as DomainInvoiceEvent
from domain.events import InvoiceRunProgressEvent as DomainInvoiceRunProgressEvent
from domain.events import OrderEvent as DomainOrderEvent
from domain.events import OrderEventKind as DomainOrderEventKind
from domain.invoices import InvoiceState as DomainInvoiceState
from interfaces.graphql.context import Info, loaders
from interfaces.graphql.ids import global_id
from interfaces.graphql.loaders import load_as
from interfaces.graphql.types.enums import InvoiceEventKind, InvoiceState, OrderEventKind
from interfaces.graphql.types.orders import Order

if TYPE_CHECKING:
    from interfaces.graphql.types.invoices import Invoice


@strawberry.type(description="An order was created, changed, merged into or deleted.")
class OrderEvent:
    kind: OrderEventKind  # type: ignore[valid-type]
    order_id: strawberry.ID
    customer_id: strawberry.ID
    number: int | None
    merged_order_ids: list[strawberry.ID] = strawberry.field(
        description="For MERGED: the orders whose lines moved onto this one (now deleted)."
    )
    key: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The order as it is now; null when it was deleted.")
    async def order(self, info: Info) -> Order | None:
        if self.kind is DomainOrderEventKind.DELETED:
            return None
        return await load_as(loaders(info).order, self.key, Order.from_domain)

    @classmethod
    def from_domain(cls, event: DomainOrderEvent) -> OrderEvent:
        return cls(
            kind=event.kind,
            order_id=strawberry.ID(global_id("Order", event.order_id)),
            customer_id=strawberry.ID(global_id("Customer", event.customer_id)),
            number=event.number,
            merged_order_ids=[
                strawberry.ID(global_id("Order", merged)) for merged in event.merged_order_ids
            ],
            key=event.order_id,
        )


@strawberry.type(
    description="An invoice changed: queued, a push attempt failed, sent, failed, retried, "
    "processed in Exact (numbered) or deleted."
)
class InvoiceEvent:
    kind: InvoiceEventKind  # type: ignore[valid-type]
    invoice_id: strawberry.ID
    customer_id: strawberry.ID
    run_id: strawberry.ID | None = strawberry.field(
        description="The invoicing run that queued the invoice, if any."
    )
    state: InvoiceState = strawberry.field(  # type: ignore[valid-type]
        description="The invoice's state after the change."
    )
    number: int | None = strawberry.field(
        description="Exact's invoice number once processed; its order number until then."
    )
    message: str | None = strawberry.field(
        description="What happened: Exact's numbers (SENT), why a push failed "
        "(ATTEMPT_FAILED, FAILED), or the PDF's fate (PDF_ATTACHED, PDF_NOT_ATTACHED)."
    )
    key: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The invoice as it is now (a tombstone once deleted).")
    async def invoice(
        self, info: Info
    ) -> Annotated[Invoice, strawberry.lazy("interfaces.graphql.types.invoices")] | None:
        from interfaces.graphql.types.invoices import Invoice  # it imports this module

        return await load_as(loaders(info).invoicing.invoice, self.key, Invoice.from_domain)

    @classmethod
    def from_domain(cls, event: DomainInvoiceEvent) -> InvoiceEvent:
        return cls(
            kind=event.kind,
            invoice_id=strawberry.ID(global_id("Invoice", event.invoice_id)),
            customer_id=strawberry.ID(global_id("Customer", event.customer_id)),
            run_id=None
            if event.run_id is None
            else strawberry.ID(global_id("InvoiceRun", event.run_id)),
            state=DomainInvoiceState(event.state),
            number=event.number,
            message=event.message,
            key=event.invoice_id,
        )


@strawberry.type(description="How far an invoicing run is: its invoices done, failed, remaining.")
class InvoiceRunProgress:
    run_id: strawberry.ID
    total: int
    done: int = strawberry.field(description="Sent to Exact (or further).")
    failed: int = strawberry.field(description="Refused by Exact, or given up on.")
    remaining: int = strawberry.field(description="Still queued: total - done - failed.")

    @classmethod
    def from_domain(cls, event: DomainInvoiceRunProgressEvent) -> InvoiceRunProgress:
        return cls(
            run_id=strawberry.ID(global_id("InvoiceRun", event.run_id)),
            total=event.total,
            done=event.done,
            failed=event.failed,
            remaining=event.remaining,
        )
