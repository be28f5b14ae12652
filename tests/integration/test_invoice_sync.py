"""The number sync's transactions on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from decimal import Decimal

import pytest
from dependency_injector import providers

from application.exact import ExactSalesInvoice
from application.invoice_sync import ProcessInvoice, SyncInvoiceNumbers
from domain.customers import Customer
from domain.errors import ErrorCode
from domain.events import InvoiceEvent, InvoiceEventKind
from domain.invoices import Amounts, Invoice, InvoiceState
from hourbill.container import build_container
from hourbill.runtime import ContainerRuntime
from hourbill.settings import Settings
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from infrastructure.secrets import SecretBox
from tests.fakes import FixedClock, RecordingPublisher
from tests.support.sent_invoices import exact_invoice, sent_invoice

FIRST_NUMBER = 26700001


@pytest.fixture
def exact() -> FakeExactGateway:
    return FakeExactGateway()


@pytest.fixture
def events() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def sync(
    uow_factory: SqlAlchemyUnitOfWorkFactory, exact: FakeExactGateway, events: RecordingPublisher
) -> SyncInvoiceNumbers:
    return SyncInvoiceNumbers(uow_factory, exact, FixedClock(), events)


async def pushed(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
    exact: FakeExactGateway,
    count: int,
    *,
    ours: Amounts | None = None,
) -> list[Invoice]:
    customer = Customer(f"C{uuid.uuid4().hex[:6]}", "Acme B.V.")
    invoices = [
        sent_invoice(
            exact_invoice(exact.administration),
            order_number=n + 1,
            customer_id=customer.id,
            ours=ours,
            sent_amounts=ours,
        )
        for n in range(count)
    ]
    async with uow_factory() as uow:
        await uow.customers.add(customer)
        for invoice in invoices:
            await uow.invoices.add(invoice)
        await uow.commit()
    return invoices


async def reloaded(
    uow_factory: SqlAlchemyUnitOfWorkFactory, invoices: Sequence[Invoice]
) -> tuple[dict[uuid.UUID, Invoice], dict[uuid.UUID, list[str]]]:
    async with uow_factory() as uow:
        found = await uow.invoices.get_many([i.id for i in invoices])
        history = await uow.invoices.history([i.id for i in invoices])
    messages = {ident: [entry.message for entry in entries] for ident, entries in history.items()}
    return {i.id: i for i in found}, messages


async def test_a_sync_commits_numbers_flags_and_history_and_a_second_one_changes_nothing(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
    exact: FakeExactGateway,
    sync: SyncInvoiceNumbers,
    events: RecordingPublisher,
) -> None:
    invoices = await pushed(uow_factory, exact, 45)  # two batches
    changed = (await pushed(uow_factory, exact, 1, ours=Amounts(*map(Decimal, ["1", "0", "1"]))))[0]
    numbered, gone = invoices[0], invoices[44]
    assert numbered.exact_invoice_id is not None
    assert gone.exact_invoice_id is not None
    exact.process_invoice(DEMO_DIVISION, numbered.exact_invoice_id)
    exact.administration.delete(DEMO_DIVISION, schema.INVOICES, gone.exact_invoice_id)

    summary = await sync.execute()
    again = await sync.execute()

    found, history = await reloaded(uow_factory, [*invoices, changed])
    assert (summary.checked, summary.numbered, summary.calls) == (46, 1, 2)
    assert summary.missing == again.missing == (gone.id,)
    assert again.updated == ()
    assert found[numbered.id].state is InvoiceState.PROCESSED
    assert found[numbered.id].exact_invoice_number == FIRST_NUMBER
    assert found[numbered.id].processed_at == FixedClock().now()
    assert found[gone.id].state is InvoiceState.SENT
    assert found[gone.id].error_code == ErrorCode.UNKNOWN_IN_EXACT.value
    assert found[changed.id].amount_mismatch
    assert found[changed.id].exact_total == Decimal("919.60")
    assert history[numbered.id] == [f"Processed in Exact: invoice number {FIRST_NUMBER}"]
    assert len(history[gone.id]) == 1
    assert len(history[changed.id]) == 1
    assert sum(len(messages) for messages in history.values()) == 3
    assert [(e.kind, e.invoice_id) for e in events.published if isinstance(e, InvoiceEvent)] == [
        (InvoiceEventKind.PROCESSED, numbered.id)
    ]


async def test_a_local_delete_committed_while_exact_is_read_is_kept(
    uow_factory: SqlAlchemyUnitOfWorkFactory, exact: FakeExactGateway, events: RecordingPublisher
) -> None:
    deleted, kept = await pushed(uow_factory, exact, 2)
    for invoice in (deleted, kept):
        assert invoice.exact_invoice_id is not None
        exact.process_invoice(DEMO_DIVISION, invoice.exact_invoice_id)

    class DeletesDuringTheRead(FakeExactGateway):
        async def sales_invoices(
            self, division: int, ids: Sequence[uuid.UUID]
        ) -> dict[uuid.UUID, ExactSalesInvoice]:
            found = await exact.sales_invoices(division, ids)
            async with uow_factory() as uow:
                invoice = await uow.invoices.get(deleted.id)
                assert invoice is not None
                invoice.delete(FixedClock().now())
                await uow.commit()
            return found

    reading = DeletesDuringTheRead(exact.administration)
    summary = await SyncInvoiceNumbers(uow_factory, reading, FixedClock(), events).execute()

    found, _ = await reloaded(uow_factory, [deleted, kept])
    assert found[deleted.id].state is InvoiceState.DELETED
    assert found[deleted.id].exact_invoice_number is None
    assert found[kept.id].state is InvoiceState.PROCESSED
    assert summary.numbered == 1


async def test_processing_in_exact_is_saved(
    uow_factory: SqlAlchemyUnitOfWorkFactory, exact: FakeExactGateway, events: RecordingPublisher
) -> None:
    [invoice] = await pushed(uow_factory, exact, 1)

    await ProcessInvoice(uow_factory, exact, FixedClock(), events).execute(invoice.id)

    found, history = await reloaded(uow_factory, [invoice])
    assert found[invoice.id].state is InvoiceState.PROCESSED
    assert found[invoice.id].exact_invoice_number == FIRST_NUMBER
    assert history[invoice.id] == [f"Processed in Exact: invoice number {FIRST_NUMBER}"]


async def test_the_server_polls_exact_for_numbers_while_it_runs(
    sqlite_url: str, exact: FakeExactGateway
) -> None:
    settings = Settings(
        database_url=sqlite_url,
        secret_key=SecretBox.generate_key(),
        sync_interval_seconds=0.02,
        graphiql=False,
    )
    container = build_container(settings)
    container.exact_gateway.override(providers.Object(exact))
    runtime = ContainerRuntime(container)
    app = runtime.asgi_app()
    uow_factory = container.uow()
    [invoice] = await pushed(uow_factory, exact, 1)
    assert invoice.exact_invoice_id is not None
    exact.process_invoice(DEMO_DIVISION, invoice.exact_invoice_id)
    polling = container.invoice_number_polling()

    async with app.router.lifespan_context(app):
        for _ in range(250):
            found, _ = await reloaded(uow_factory, [invoice])
            if found[invoice.id].state is InvoiceState.PROCESSED:
                break
            await asyncio.sleep(0.02)
    rounds = polling.rounds
    await asyncio.sleep(0.1)

    assert found[invoice.id].exact_invoice_number == FIRST_NUMBER
    assert rounds >= 1
    assert polling.rounds == rounds  # stopped with the server


async def test_a_server_without_the_worker_leaves_polling_to_hourbill_worker(
    sqlite_url: str,
) -> None:
    settings = Settings(
        database_url=sqlite_url,
        secret_key=SecretBox.generate_key(),
        sync_interval_seconds=0.01,
        worker=False,
    )
    container = build_container(settings)
    app = ContainerRuntime(container).asgi_app()

    async with app.router.lifespan_context(app):
        await asyncio.sleep(0.1)

    assert container.invoice_number_polling().rounds == 0
