"""Queries of the invoices tab: invoices with filters, and invoicing runs."""

from __future__ import annotations

import datetime as dt

import strawberry

from application.invoicing_ports import InvoiceFilter
from domain.invoices import InvoiceState as DomainInvoiceState
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.queries import answer, filter_id
from interfaces.graphql.relay import DEFAULT_PAGE_SIZE, Connection, connection, page_request
from interfaces.graphql.types.enums import InvoiceState
from interfaces.graphql.types.events import InvoiceRunProgress
from interfaces.graphql.types.invoices import Invoice, InvoiceRun


@strawberry.input(description="Every filter given must match.")
class InvoiceFilterInput:
    states: list[InvoiceState] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Null or empty: every state but DELETED."
    )
    customer_id: strawberry.ID | None = None
    period_start: dt.date | None = strawberry.field(
        default=None, description="On the invoice date."
    )
    period_end: dt.date | None = None
    number: int | None = strawberry.field(
        default=None,
        description="Hourbill's order number, Exact's order number or Exact's invoice number.",
    )
    run_id: strawberry.ID | None = None

    def to_filter(self) -> InvoiceFilter:
        return InvoiceFilter(
            states=frozenset(DomainInvoiceState(s) for s in self.states or ()),
            customer_id=filter_id(self.customer_id, "Customer", "customerId"),
            period_start=self.period_start,
            period_end=self.period_end,
            number=self.number,
            run_id=filter_id(self.run_id, "InvoiceRun", "runId"),
        )


@strawberry.type
class InvoiceQueries:
    @strawberry.field(description="The invoices tab: by order number, filtered.")
    async def invoices(
        self,
        info: Info,
        filter: InvoiceFilterInput | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Invoice]:
        request = page_request(first, after)
        where = filter.to_filter() if filter is not None else InvoiceFilter()
        page = await answer(hourbill(info).invoice_queries.page(where, request))
        return connection(page, Invoice.from_domain)

    @strawberry.field(description="One createInvoices run with its progress; null when unknown.")
    async def invoice_run(self, info: Info, id: strawberry.ID) -> InvoiceRun | None:
        run_id = filter_id(id, "InvoiceRun", "id")
        assert run_id is not None
        found = await hourbill(info).invoice_queries.runs([run_id])
        view = found.get(run_id)
        if view is None:
            return None
        return InvoiceRun.from_domain(view.run, InvoiceRunProgress.from_domain(view.progress))
