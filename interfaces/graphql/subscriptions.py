"""Subscriptions, fed by the events use cases publish after commit.

On PostgreSQL the events come from every server process (docs/adr/0014).
Delivery is at most once: when a subscription completes without being asked
to, the client subscribes again and re-reads what it shows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import aclosing
from typing import TypeVar

import strawberry
from starlette.requests import Request
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from domain.errors import ErrorCode
from domain.events import Event
from domain.events import InvoiceEvent as DomainInvoiceEvent
from domain.events import InvoiceRunProgressEvent as DomainInvoiceRunProgressEvent
from domain.events import OrderEvent as DomainOrderEvent
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import ClientError
from interfaces.graphql.queries import filter_id
from interfaces.graphql.types.events import InvoiceEvent, InvoiceRunProgress, OrderEvent

E = TypeVar("E", bound=Event)


class SubscriptionsOverWebsocketsOnly(SchemaExtension):
    """A subscription sent over HTTP is refused (400) before it runs: it could never answer.

    Strawberry would execute it like a query, find no single value and fail
    unexpectedly; graphql-transport-ws is the one way to subscribe (ADR 0009).
    """

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if isinstance(getattr(context.context, "request", None), Request):
            context.allowed_operations = set(context.allowed_operations) - {
                OperationType.SUBSCRIPTION
            }
        yield


KEY_RECHECK_SECONDS = 30.0
"""How often a running subscription checks that its websocket's key is still valid."""


class _KeyCheck:
    """Ends a subscription whose key was revoked: checked before an event goes out, at
    most every KEY_RECHECK_SECONDS (a new subscribe is checked at once, in AccessControl)."""

    def __init__(self, info: Info) -> None:
        self.context = info.context
        self.checked = time.monotonic()

    async def still_valid(self) -> None:
        token = self.context.api_key
        if token is None or time.monotonic() - self.checked < KEY_RECHECK_SECONDS:
            return
        self.checked = time.monotonic()
        if await self.context.hourbill.authenticate.execute(token) is None:
            raise ClientError("The API key was revoked", ErrorCode.UNAUTHENTICATED)


async def _events(info: Info, kind: type[E]) -> AsyncIterator[E]:
    key = _KeyCheck(info)
    stream = hourbill(info).order_events.subscribe()
    try:
        async for event in stream:
            if isinstance(event, kind):
                await key.still_valid()
                yield event
    finally:
        await stream.aclose()


def _wanted(value: uuid.UUID | None, wanted: uuid.UUID | None) -> bool:
    return wanted is None or value == wanted


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Orders created, changed, merged or deleted; of one customer when given."
    )
    async def order_events(
        self, info: Info, customer_id: strawberry.ID | None = None
    ) -> AsyncGenerator[OrderEvent, None]:
        customer = filter_id(customer_id, "Customer", "customerId")
        async with aclosing(_events(info, DomainOrderEvent)) as events:
            async for event in events:
                if _wanted(event.customer_id, customer):
                    info.context.renew_loaders()
                    yield OrderEvent.from_domain(event)

    @strawberry.subscription(
        description="Every state change of invoices; only those matching each filter given."
    )
    async def invoice_events(
        self,
        info: Info,
        customer_id: strawberry.ID | None = None,
        invoice_id: strawberry.ID | None = None,
        run_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[InvoiceEvent, None]:
        customer = filter_id(customer_id, "Customer", "customerId")
        invoice = filter_id(invoice_id, "Invoice", "invoiceId")
        run = filter_id(run_id, "InvoiceRun", "runId")
        async with aclosing(_events(info, DomainInvoiceEvent)) as events:
            async for event in events:
                if (
                    _wanted(event.customer_id, customer)
                    and _wanted(event.invoice_id, invoice)
                    and _wanted(event.run_id, run)
                ):
                    info.context.renew_loaders()
                    yield InvoiceEvent.from_domain(event)

    @strawberry.subscription(
        description="The progress of one invoicing run, after each of its invoices is handled."
    )
    async def invoice_run_progress(
        self, info: Info, run_id: strawberry.ID
    ) -> AsyncGenerator[InvoiceRunProgress, None]:
        run = filter_id(run_id, "InvoiceRun", "runId")
        async with aclosing(_events(info, DomainInvoiceRunProgressEvent)) as events:
            async for event in events:
                if event.run_id == run:
                    yield InvoiceRunProgress.from_domain(event)
