"""Invoices, runs, history and the Exact outbox on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from application.customer_sync import ExactAccountLinker
from application.exact import ExactUnavailableError
from application.invoicing import CreateInvoices, CreateInvoicesRequest
from application.invoicing_ports import InvoiceFilter, OutboxKind
from application.outbox import PushInvoices
from application.ports import PageRequest
from domain.customers import Customer
from domain.errors import ErrorCode, HourbillError
from domain.idempotency import IdempotencyKey
from domain.invoices import Amounts, Invoice, InvoiceHistoryEntry, InvoiceRun, InvoiceState
from domain.orders import Order, OrderLine, OrderStatus
from hourbill.container import build_container
from hourbill.runtime import ContainerRuntime
from hourbill.settings import Settings
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from infrastructure.worker import OutboxWorker
from interfaces.cli import make_cli
from tests.fakes import RecordingPublisher

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 11, 30)
LEASE = dt.timedelta(minutes=5)


def make_order(customer: Customer, number: int) -> Order:
    order = Order(customer.id, DAY, number=number, status=OrderStatus.INVOICED)
    order.lines.append(OrderLine("Design", Decimal(2), Decimal("50"), "21", Decimal("21")))
    return order


def make_invoice(order: Order, run: InvoiceRun | None = None) -> Invoice:
    assert order.number is not None
    return Invoice(
        order_id=order.id,
        customer_id=order.customer_id,
        order_number=order.number,
        invoice_date=order.order_date,
        subtotal=Decimal("100.00"),
        vat_total=Decimal("21.00"),
        total=Decimal("121.00"),
        created_at=NOW,
        run_id=run.id if run else None,
    )


@pytest.fixture
async def customer(uow_factory: SqlAlchemyUnitOfWorkFactory) -> Customer:
    customer = Customer("ACME", "Acme B.V.")
    async with uow_factory() as uow:
        await uow.customers.add(customer)
        await uow.commit()
    return customer


async def queued(
    uow_factory: SqlAlchemyUnitOfWorkFactory, customer: Customer, count: int, key: str = "k"
) -> tuple[InvoiceRun, list[Invoice]]:
    run = InvoiceRun(key, NOW)
    orders = [make_order(customer, n) for n in range(1, count + 1)]
    invoices = [make_invoice(o, run) for o in orders]
    async with uow_factory() as uow:
        await uow.invoices.add_run(run)
        for order, invoice in zip(orders, invoices, strict=True):
            await uow.orders.add(order)
            await uow.invoices.add(invoice)
            await uow.outbox.enqueue(invoice.id, OutboxKind.PUSH, NOW)
        await uow.commit()
    return run, invoices


async def test_invoice_round_trip_and_lookups(
    uow_factory: SqlAlchemyUnitOfWorkFactory, customer: Customer
) -> None:
    run, (first, second) = await queued(uow_factory, customer, 2)
    exact_id = uuid.uuid4()
    async with uow_factory() as uow:
        invoice = await uow.invoices.get(first.id)
        assert invoice is not None
        invoice.attempt(NOW)
        invoice.sent(
            division=123456,
            journal="70",
            exact_invoice_id=exact_id,
            exact_order_number=9001,
            exact_amounts=Amounts(Decimal("100.00"), Decimal("21.01"), Decimal("121.01")),
            now=NOW,
        )
        await uow.invoices.add_history(InvoiceHistoryEntry(first.id, NOW, InvoiceState.SENT, "ok"))
        await uow.invoices.add_history(
            InvoiceHistoryEntry(first.id, NOW - LEASE, InvoiceState.QUEUED, "queued")
        )
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.invoices.get(first.id)
        assert loaded is not None
        assert (loaded.state, loaded.exact_invoice_id, loaded.number) == (
            InvoiceState.SENT,
            exact_id,
            9001,
        )
        assert loaded.amount_mismatch is True
        assert loaded.exact_vat_total == Decimal("21.01")
        assert loaded.sent_at == NOW
        assert loaded.reference == first.reference
        assert [i.id for i in await uow.invoices.get_many([second.id, first.id])] == [
            second.id,
            first.id,
        ]
        by_order = await uow.invoices.by_orders([first.order_id, uuid.uuid4()])  # type: ignore[list-item]
        assert {k: v.id for k, v in by_order.items()} == {first.order_id: first.id}
        assert [i.id for i in await uow.invoices.by_exact_ids([exact_id])] == [first.id]
        assert [i.id for i in await uow.invoices.open()] == [first.id]
        history = await uow.invoices.history([first.id, second.id])
        assert [e.state for e in history[first.id]] == [InvoiceState.QUEUED, InvoiceState.SENT]
        assert history[second.id] == []
        assert (await uow.invoices.run(run.id)).order_ids == ()  # type: ignore[union-attr]
        assert [i.id for i in await uow.invoices.run_invoices(run.id)] == [first.id, second.id]
        progress = await uow.invoices.run_progress(run.id)
        assert (progress.total, progress.done, progress.failed, progress.remaining) == (2, 1, 0, 1)


async def test_page_filters(uow_factory: SqlAlchemyUnitOfWorkFactory, customer: Customer) -> None:
    run, invoices = await queued(uow_factory, customer, 3)
    async with uow_factory() as uow:
        first = await uow.invoices.get(invoices[0].id)
        assert first is not None
        first.attempt(NOW)
        first.failed("EXACT_REJECTED", "no", NOW)
        first.delete(NOW)
        third = await uow.invoices.get(invoices[2].id)
        assert third is not None
        third.exact_order_number = 777
        await uow.commit()

    async def numbers(where: InvoiceFilter, first: int = 50) -> list[int]:
        async with uow_factory() as uow:
            page = await uow.invoices.page(where, PageRequest(first=first))
        return [i.order_number for i in page.items]

    assert await numbers(InvoiceFilter()) == [2, 3]
    assert await numbers(InvoiceFilter(states=frozenset({InvoiceState.DELETED}))) == [1]
    assert await numbers(InvoiceFilter(number=777)) == [3]
    assert await numbers(InvoiceFilter(number=2)) == [2]
    assert await numbers(InvoiceFilter(customer_id=uuid.uuid4())) == []
    assert await numbers(InvoiceFilter(period_start=DAY, period_end=DAY, run_id=run.id)) == [2, 3]
    assert await numbers(InvoiceFilter(period_end=DAY - dt.timedelta(days=1))) == []
    async with uow_factory() as uow:
        page = await uow.invoices.page(InvoiceFilter(), PageRequest(first=1))
        assert page.has_next_page
        assert page.total_count == 2
        (cursor, _), *_ = page.edges
        rest = await uow.invoices.page(InvoiceFilter(), PageRequest(first=5, after=cursor))
    assert [i.order_number for i in rest.items] == [3]


async def test_an_order_is_invoiced_once(
    uow_factory: SqlAlchemyUnitOfWorkFactory, customer: Customer
) -> None:
    _, (invoice,) = await queued(uow_factory, customer, 1)
    async with uow_factory() as uow:
        order = await uow.orders.get(invoice.order_id)  # type: ignore[arg-type]
        assert order is not None
        await uow.invoices.add(make_invoice(order))
        with pytest.raises(HourbillError) as raised:
            await uow.invoices.flush()
    assert raised.value.problems[0].code is ErrorCode.CONFLICT


async def test_outbox_lease_reschedule_and_complete(
    uow_factory: SqlAlchemyUnitOfWorkFactory, customer: Customer
) -> None:
    _, (a, b) = await queued(uow_factory, customer, 2)
    async with uow_factory() as uow:
        claimed = await uow.outbox.claim("w1", NOW, LEASE, 1)
        await uow.commit()
    assert [(i.invoice_id, i.kind, i.attempts) for i in claimed] == [
        (claimed[0].invoice_id, OutboxKind.PUSH, 1)
    ]
    (item,) = claimed
    other = b.id if item.invoice_id == a.id else a.id
    async with uow_factory() as uow:
        again = await uow.outbox.claim("w2", NOW, LEASE, 10)
        await uow.commit()
    assert [i.invoice_id for i in again] == [other]
    async with uow_factory() as uow:
        assert await uow.outbox.claim("w3", NOW + LEASE / 2, LEASE, 10) == []
        assert await uow.outbox.extend([item.id], "w2", NOW + 3 * LEASE) == set()
        assert await uow.outbox.extend([item.id], "w1", NOW + 3 * LEASE) == {item.id}
        await uow.outbox.reschedule(again[0].id, NOW + 2 * LEASE, "Exact is down")
        assert await uow.outbox.pending([a.id, b.id, uuid.uuid4()]) == {a.id, b.id}
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.next_due() == NOW + 2 * LEASE
        assert await uow.outbox.claim("w3", NOW + LEASE, LEASE, 10) == []
        expired = await uow.outbox.claim("w3", NOW + 3 * LEASE, LEASE, 10)
        await uow.commit()
    assert sorted(i.attempts for i in expired) == [2, 2]
    async with uow_factory() as uow:
        for claimed_item in expired:
            await uow.outbox.complete(claimed_item.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.pending([a.id, b.id]) == set()
        assert await uow.outbox.next_due() is None


async def test_concurrent_claimers_never_get_the_same_item(
    uow_factory: SqlAlchemyUnitOfWorkFactory, customer: Customer
) -> None:
    _, invoices = await queued(uow_factory, customer, 24)

    async def claimer(name: str) -> list[uuid.UUID]:
        mine: list[uuid.UUID] = []
        while True:
            async with uow_factory() as uow:
                items = await uow.outbox.claim(name, NOW, LEASE, 3)
                await uow.commit()
            if not items:
                return mine
            mine.extend(i.invoice_id for i in items)
            await asyncio.sleep(0)

    results = await asyncio.gather(*(claimer(f"w{n}") for n in range(4)))
    everything = [invoice_id for result in results for invoice_id in result]
    assert sorted(everything) == sorted(i.id for i in invoices)
    assert len(set(everything)) == len(everything)


# --- a whole run through the worker ------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.current = NOW

    def now(self) -> dt.datetime:
        return self.current

    def today(self) -> dt.date:
        return self.current.date()


async def invoicing_world(
    uow_factory: SqlAlchemyUnitOfWorkFactory, orders: int
) -> tuple[list[Order], FakeExactGateway, Clock, RecordingPublisher]:
    customer = Customer("ACME", "Acme Bouw B.V.")
    drafts = []
    async with uow_factory() as uow:
        settings = await uow.settings.invoicing()
        settings.exact_division, settings.exact_journal = DEMO_DIVISION, "70"
        settings.exact_default_item, settings.exact_default_vat_code = "UREN", "2"
        await uow.customers.add(customer)
        for number in await uow.orders.next_numbers(orders):
            order = Order(customer.id, DAY, number=number)
            order.add_line(OrderLine("Advice", Decimal(3), Decimal("33.3333"), "21", Decimal(21)))
            await uow.orders.add(order)
            drafts.append(order)
        await uow.commit()
    return drafts, FakeExactGateway(), Clock(), RecordingPublisher()


def worker_for(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
    exact: FakeExactGateway,
    clock: Clock,
    events: RecordingPublisher,
    name: str = "w",
    batch: int = 10,
) -> OutboxWorker:
    accounts = ExactAccountLinker(uow_factory, exact, clock)
    push = PushInvoices(uow_factory, exact, accounts, events, clock)
    return OutboxWorker(push, uow_factory, clock, name=name, batch=batch, idle_seconds=0.05)


def creator(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
    exact: FakeExactGateway,
    clock: Clock,
    events: RecordingPublisher,
    wakeup: Callable[[], None] = lambda: None,
) -> CreateInvoices:
    accounts = ExactAccountLinker(uow_factory, exact, clock)
    return CreateInvoices(uow_factory, exact, accounts, events, clock, wakeup)


async def test_a_run_through_the_worker_sends_each_invoice_once(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    orders, exact, clock, events = await invoicing_world(uow_factory, 3)
    create = creator(uow_factory, exact, clock, events)
    run = await create.execute(
        CreateInvoicesRequest([o.id for o in orders]), IdempotencyKey("sql-run")
    )
    exact.fail_next("create_sales_invoice", ExactUnavailableError("timeout"), after_commit=True)
    worker = worker_for(uow_factory, exact, clock, events)

    assert await worker.drain() == 3
    clock.current += dt.timedelta(minutes=1)
    assert await worker.drain() == 1, "the lost response is looked up and adopted"

    async with uow_factory() as uow:
        invoices = await uow.invoices.run_invoices(run.run.id)
        progress = await uow.invoices.run_progress(run.run.id)
        history = await uow.invoices.history([i.id for i in invoices])
        orders_now = await uow.orders.get_many([o.id for o in orders])
        pending = await uow.outbox.pending([i.id for i in invoices])
    assert [i.state for i in invoices] == [InvoiceState.SENT] * 3
    assert (progress.done, progress.remaining) == (3, 0)
    assert {o.status for o in orders_now} == {OrderStatus.INVOICED}
    assert pending == set()
    assert exact.count("create_sales_invoice") == 3
    references = [row["YourRef"] for row in sent_rows(exact)]
    assert sorted(references) == sorted(i.reference for i in invoices)
    assert all(not i.amount_mismatch for i in invoices)
    assert any(len(h) == 3 for h in history.values()), "queued, postponed, sent"


async def test_two_workers_share_the_outbox(uow_factory: SqlAlchemyUnitOfWorkFactory) -> None:
    orders, exact, clock, events = await invoicing_world(uow_factory, 12)
    await creator(uow_factory, exact, clock, events).execute(
        CreateInvoicesRequest([o.id for o in orders]), IdempotencyKey("two-workers")
    )
    first = worker_for(uow_factory, exact, clock, events, "one", batch=2)
    second = worker_for(uow_factory, exact, clock, events, "two", batch=2)
    handled = await asyncio.gather(first.drain(), second.drain())
    assert sum(handled) == 12
    assert exact.count("create_sales_invoice") == 12
    assert len({row["YourRef"] for row in sent_rows(exact)}) == 12


async def test_a_running_worker_wakes_on_new_work_and_stops_gracefully(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    orders, exact, clock, events = await invoicing_world(uow_factory, 1)
    worker = worker_for(uow_factory, exact, clock, events)
    worker.idle_seconds = 30  # only the signal can wake it in time
    await worker.start()
    await asyncio.sleep(0.1)
    create = creator(uow_factory, exact, clock, events, wakeup=worker.signal.notify)
    await create.execute(CreateInvoicesRequest([orders[0].id]), IdempotencyKey("wake"))
    for _ in range(100):
        if exact.count("create_sales_invoice"):
            break
        await asyncio.sleep(0.05)
    await worker.stop(grace_seconds=5)
    assert exact.count("create_sales_invoice") == 1
    async with uow_factory() as uow:
        (invoice,) = (await uow.invoices.by_orders([orders[0].id])).values()
        assert await uow.outbox.pending([invoice.id]) == set()
    assert invoice.state is InvoiceState.SENT


def sent_rows(exact: FakeExactGateway) -> list[dict[str, object]]:
    return [dict(r) for r in exact.administration.rows(DEMO_DIVISION, schema.INVOICES)]


def test_the_worker_command_handles_what_is_due(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'worker.sqlite3'}")
    cli = make_cli(lambda: ContainerRuntime(build_container(settings)))
    assert CliRunner().invoke(cli, ["migrate"]).exit_code == 0
    result = CliRunner().invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Handled 0 outbox item(s)" in result.output


async def test_concurrent_create_invoices_with_one_key_make_one_run(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    orders, exact, clock, events = await invoicing_world(uow_factory, 2)
    create = creator(uow_factory, exact, clock, events)
    request, key = CreateInvoicesRequest([o.id for o in orders]), IdempotencyKey("once-only")
    results = await asyncio.gather(*(create.execute(request, key) for _ in range(3)))
    assert len({r.run.id for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False, True, True]
    assert {frozenset(i.id for i in r.invoices) for r in results} == {
        frozenset(i.id for i in results[0].invoices)
    }
    async with uow_factory() as uow:
        assert len(await uow.invoices.run_invoices(results[0].run.id)) == 2
        page = await uow.invoices.page(InvoiceFilter(), PageRequest())
    assert page.total_count == 2
