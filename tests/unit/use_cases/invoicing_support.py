"""A small invoicing world on the fakes: configured administration, orders, the use cases."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from application.customer_sync import ExactAccountLinker
from application.invoicing import (
    CreateInvoices,
    CreateInvoicesRequest,
    DeleteInvoice,
    InvoiceQueries,
    InvoiceRunResult,
    RetryInvoices,
)
from application.invoicing_ports import OutboxItem
from application.outbox import PushInvoices, PushResult, RetryPolicy
from domain.customers import Customer
from domain.idempotency import IdempotencyKey
from domain.invoices import Invoice
from domain.orders import BookingRef, LineKind, Order, OrderLine
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from tests.fakes import FakeStore, FakeUnitOfWorkFactory, RecordingPublisher
from tests.unit.helpers import put

DAY = dt.date(2026, 4, 1)
T0 = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=5)


class SteppingClock:
    """A clock the test moves on by hand."""

    def __init__(self, now: dt.datetime = T0) -> None:
        self.current = now

    def now(self) -> dt.datetime:
        return self.current

    def today(self) -> dt.date:
        return self.current.date()

    def advance(self, delta: dt.timedelta) -> None:
        self.current += delta


def configure(store: FakeStore, division: int | None = DEMO_DIVISION) -> None:
    settings = store.settings
    settings.exact_division = division
    settings.exact_journal = "70"
    settings.exact_default_item = "UREN"
    settings.exact_default_vat_code = "2"


def hours_line(hours: str = "10", rate: str = "95", vat: str = "21", **extra: object) -> OrderLine:
    return OrderLine(
        "Consultancy",
        Decimal(hours),
        Decimal(rate),
        vat,
        Decimal(vat),
        kind=LineKind.HOURS,
        **extra,  # type: ignore[arg-type]
    )


def order_for(
    store: FakeStore, customer: Customer, *lines: OrderLine, description: str = ""
) -> Order:
    store.last_number += 1
    order = Order(customer.id, DAY, description=description, number=store.last_number)
    for line in lines or (hours_line(),):
        order.add_line(line)
    return put(store, order)


@dataclass
class Invoicing:
    store: FakeStore
    uow: FakeUnitOfWorkFactory
    exact: FakeExactGateway
    events: RecordingPublisher
    clock: SteppingClock
    create: CreateInvoices
    retry: RetryInvoices
    delete: DeleteInvoice
    push: PushInvoices
    queries: InvoiceQueries
    acme: Customer
    newco: Customer
    woken: list[int]

    async def invoice(self, *orders: Order, key: str | None = None) -> InvoiceRunResult:
        request = CreateInvoicesRequest([o.id for o in orders])
        return await self.create.execute(request, IdempotencyKey(key or uuid.uuid4().hex))

    async def claim(self, limit: int = 10, worker: str = "w1") -> list[OutboxItem]:
        async with self.uow() as uow:
            items = await uow.outbox.claim(worker, self.clock.now(), LEASE, limit)
            await uow.commit()
        return items

    async def work(self, limit: int = 10) -> list[PushResult]:
        """One worker round: claim what is due and push it."""
        return await self.push.handle(await self.claim(limit))

    def invoice_of(self, order: Order) -> Invoice:
        return next(i for i in self.store.invoices.values() if i.order_id == order.id)

    def exact_invoices(self, reference: str | None = None) -> list[dict[str, object]]:
        """Sales invoices in the demo division (with this YourRef)."""
        rows = self.exact.administration.rows(DEMO_DIVISION, schema.INVOICES)
        return [dict(r) for r in rows if reference is None or r.get("YourRef") == reference]


def build(policy: RetryPolicy | None = None) -> Invoicing:
    store = FakeStore()
    configure(store)
    uow = FakeUnitOfWorkFactory(store)
    exact = FakeExactGateway()
    events = RecordingPublisher()
    clock = SteppingClock()
    woken: list[int] = []
    accounts = ExactAccountLinker(uow, exact, clock)
    acme = put(store, Customer("ACME", "Acme Bouw B.V."))
    newco = put(store, Customer("NEWCO", "Nieuw B.V.", email="f@newco.example"))
    return Invoicing(
        store=store,
        uow=uow,
        exact=exact,
        events=events,
        clock=clock,
        create=CreateInvoices(uow, exact, accounts, events, clock, wakeup=lambda: woken.append(1)),
        retry=RetryInvoices(uow, events, clock, wakeup=lambda: woken.append(1)),
        delete=DeleteInvoice(uow, events, clock),
        push=PushInvoices(uow, exact, accounts, events, clock, policy),
        queries=InvoiceQueries(uow),
        acme=acme,
        newco=newco,
        woken=woken,
    )


def booked_line(booking_id: uuid.UUID) -> OrderLine:
    return hours_line("2", "100", bookings=[BookingRef(booking_id, Decimal("2"), Decimal("100"))])
