"""GraphQL enums; each mirrors a domain enum by construction, so they cannot drift."""

from __future__ import annotations

import strawberry

from domain.customers import Language as DomainLanguage
from domain.events import InvoiceEventKind as DomainInvoiceEventKind
from domain.events import OrderEventKind as DomainOrderEventKind
from domain.generation import Granularity as DomainGranularity
from domain.generation import Grouping as DomainGrouping
from domain.invoices import InvoiceState as DomainInvoiceState
from domain.orders import LineKind as DomainLineKind
from domain.orders import OrderStatus as DomainOrderStatus

Language = strawberry.enum(DomainLanguage, name="Language")
OrderStatus = strawberry.enum(DomainOrderStatus, name="OrderStatus")
LineKind = strawberry.enum(
    DomainLineKind, name="LineKind", description="Where an order line came from."
)
OrderEventKind = strawberry.enum(DomainOrderEventKind, name="OrderEventKind")
InvoiceEventKind = strawberry.enum(
    DomainInvoiceEventKind, name="InvoiceEventKind", description="What happened to an invoice."
)
InvoiceState = strawberry.enum(
    DomainInvoiceState,
    name="InvoiceState",
    description="Where an invoice is on its way to Exact.",
)
Grouping = strawberry.enum(
    DomainGrouping, name="Grouping", description="One order per customer, or per project."
)
Granularity = strawberry.enum(
    DomainGranularity,
    name="Granularity",
    description="One line per task and rate, or one line per booking and supply.",
)
