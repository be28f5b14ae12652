"""The invoice PDF reaches Exact through the worker: SQL outbox, real adapter, sandbox over HTTP.

One worker handles both kinds of work: the push, then the ATTACH_PDF item the
push queued. The file is read back through the download URL Exact hands out.
attachInvoicePdfs, through the API the container builds, queues the PDF of an
invoice pushed without it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pypdf
import pytest
from dependency_injector import providers

from application.customer_sync import ExactAccountLinker
from application.documents import DocumentRenderer, PrintDocuments
from application.invoice_documents import AttachInvoicePdfs, QueuePdfAttachments
from application.invoicing import CreateInvoices, CreateInvoicesRequest
from application.invoicing_ports import OutboxKind
from application.outbox import PushInvoices
from domain.customers import Customer
from domain.idempotency import IdempotencyKey
from domain.invoices import Invoice, InvoiceState
from domain.orders import Order, OrderLine
from hourbill.container import build_container
from infrastructure.documents.pdf import FpdfRenderer
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.faults import FaultKind
from infrastructure.exact.sandbox.sandbox import Sandbox
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.exact.sandbox.server import RunningSandbox
from infrastructure.exact.tokens import StaticAccessTokens
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from infrastructure.worker import OutboxHandlers, OutboxWorker
from interfaces.graphql.ids import global_id
from interfaces.http.app import create_app
from tests.exact.sandbox.support import authorised, results
from tests.fakes import FakeDocumentRenderer, RecordingPublisher
from tests.graphql import documents as doc
from tests.graphql.api import Api
from tests.support.keys import bearer, make_key

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 4, 1)


class Clock:
    def __init__(self) -> None:
        self.current = NOW

    def now(self) -> dt.datetime:
        return self.current

    def today(self) -> dt.date:
        return self.current.date()


@pytest.fixture
async def gateway(exact_sandbox: RunningSandbox) -> AsyncIterator[ExactOnlineGateway]:
    http = ExactHttp(StaticAccessTokens(exact_sandbox.access_token()), base_url=exact_sandbox.url)
    async with http:
        yield ExactOnlineGateway(http)


async def invoiced(
    uow: SqlAlchemyUnitOfWorkFactory, gateway: ExactOnlineGateway, *, attach_pdf: bool = True
) -> Invoice:
    """One order of ACME, queued as an invoice (with `attach_pdf` on unless told)."""
    customer = Customer("ACME", "Acme Bouw B.V.")
    async with uow() as work:
        settings = await work.settings.invoicing()
        settings.exact_division, settings.exact_journal = DEMO_DIVISION, "70"
        settings.exact_default_item, settings.exact_default_vat_code = "UREN", "2"
        settings.attach_pdf = attach_pdf
        await work.customers.add(customer)
        [number] = await work.orders.next_numbers(1)
        order = Order(customer.id, DAY, number=number, description="April")
        order.add_line(OrderLine("Advice", Decimal(3), Decimal("95"), "21", Decimal(21)))
        await work.orders.add(order)
        await work.commit()
    clock = Clock()
    accounts = ExactAccountLinker(uow, gateway, clock)
    create = CreateInvoices(uow, gateway, accounts, RecordingPublisher(), clock)
    [invoice] = (
        await create.execute(CreateInvoicesRequest([order.id]), IdempotencyKey("pdf"))
    ).invoices
    return invoice


def worker(
    uow: SqlAlchemyUnitOfWorkFactory,
    gateway: ExactOnlineGateway,
    renderer: DocumentRenderer,
    clock: Clock,
) -> OutboxWorker:
    events = RecordingPublisher()
    accounts = ExactAccountLinker(uow, gateway, clock)
    handlers = OutboxHandlers(
        {
            OutboxKind.PUSH: PushInvoices(uow, gateway, accounts, events, clock),
            OutboxKind.ATTACH_PDF: AttachInvoicePdfs(
                uow, gateway, PrintDocuments(uow, renderer), events, clock
            ),
        }
    )
    return OutboxWorker(handlers, uow, clock, name="w", idle_seconds=0.05)


async def reload(uow: SqlAlchemyUnitOfWorkFactory, invoice: Invoice) -> Invoice:
    async with uow() as work:
        found = await work.invoices.get(invoice.id)
        assert await work.outbox.pending([invoice.id]) == set()
    assert found is not None
    return found


def download(exact_sandbox: RunningSandbox, invoice: Invoice) -> bytes:
    """The file of the document linked to the invoice, through the URL Exact gives it."""
    with authorised(exact_sandbox) as api:
        linked = api.get(
            f"{DEMO_DIVISION}/salesinvoice/SalesInvoices(guid'{invoice.exact_invoice_id}')",
            params={"$select": "Document"},
        ).json()["d"]["Document"]
        assert linked == str(invoice.exact_document_id)
        [attachment] = results(
            api.get(
                f"{DEMO_DIVISION}/documents/DocumentAttachments",
                params={"$filter": f"Document eq guid'{linked}'", "$select": "FileName,Url"},
            )
        )
    response = httpx.get(f"{attachment['Url']}&Download=1")
    assert response.status_code == 200
    return response.content


def documents_of(sandbox: Sandbox, invoice: Invoice) -> list[object]:
    with sandbox.lock:
        rows = sandbox.administration.rows(DEMO_DIVISION, schema.DOCUMENTS)
        return [
            r["ID"] for r in rows if r["FinancialTransactionEntryID"] == invoice.exact_invoice_id
        ]


async def test_the_worker_pushes_then_attaches_the_pdf_in_three_calls(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
    gateway: ExactOnlineGateway,
    exact_sandbox: RunningSandbox,
) -> None:
    queued = await invoiced(uow_factory, gateway)
    renderer = FakeDocumentRenderer()
    exact_sandbox.sandbox.requests.clear()

    assert await worker(uow_factory, gateway, renderer, Clock()).drain() == 2

    invoice = await reload(uow_factory, queued)
    assert invoice.state is InvoiceState.SENT
    assert invoice.pdf_attached_at == NOW
    calls = [(c.method, c.path.rsplit("/", 1)[-1]) for c in exact_sandbox.sandbox.api_calls()]
    assert download(exact_sandbox, invoice) == renderer.render(renderer.batches[0])
    assert calls[calls.index(("POST", "Documents")) :] == [
        ("POST", "Documents"),
        ("POST", "DocumentAttachments"),
        ("PUT", f"SalesInvoices(guid'{invoice.exact_invoice_id}')"),
    ]


async def test_the_push_queues_the_pdf_which_is_no_pending_push(
    uow_factory: SqlAlchemyUnitOfWorkFactory, gateway: ExactOnlineGateway
) -> None:
    queued, clock = await invoiced(uow_factory, gateway), Clock()
    async with uow_factory() as uow:
        [push] = await uow.outbox.claim("w", clock.now(), dt.timedelta(minutes=5), 10)
        await uow.commit()
    accounts = ExactAccountLinker(uow_factory, gateway, clock)

    await PushInvoices(uow_factory, gateway, accounts, RecordingPublisher(), clock).handle([push])

    async with uow_factory() as uow:
        [attach] = await uow.outbox.claim("w", clock.now(), dt.timedelta(minutes=5), 10)
        pending = await uow.outbox.pending([queued.id])
    assert (attach.invoice_id, attach.kind, attach.attempts) == (
        queued.id,
        OutboxKind.ATTACH_PDF,
        1,
    )
    assert pending == set()


async def test_a_lost_response_over_http_leaves_one_document_with_one_file(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
    gateway: ExactOnlineGateway,
    exact_sandbox: RunningSandbox,
) -> None:
    queued = await invoiced(uow_factory, gateway)
    sandbox, clock = exact_sandbox.sandbox, Clock()
    sandbox.faults.add(FaultKind.LOSE_RESPONSE, method="POST", path="DocumentAttachments")
    work = worker(uow_factory, gateway, FakeDocumentRenderer(), clock)

    assert await work.drain() == 2
    clock.current += dt.timedelta(minutes=1)
    assert await work.drain() == 1

    invoice = await reload(uow_factory, queued)
    assert documents_of(sandbox, invoice) == [invoice.exact_document_id]
    assert len(sandbox.api_calls("POST", "DocumentAttachments")) == 1, "not sent again"
    assert download(exact_sandbox, invoice).startswith(b"%PDF")


async def test_the_real_renderer_attaches_a_pdf_that_reads_back(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
    gateway: ExactOnlineGateway,
    exact_sandbox: RunningSandbox,
) -> None:
    queued = await invoiced(uow_factory, gateway)

    await worker(uow_factory, gateway, FpdfRenderer(), Clock()).drain()

    invoice = await reload(uow_factory, queued)
    content = download(exact_sandbox, invoice)
    assert content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 2, "the invoice, then its specification"
    invoice_page, specification = (page.extract_text() for page in reader.pages)
    assert "Factuur" in invoice_page
    assert "CONCEPT" not in invoice_page.upper()
    assert f"Onze referentie {invoice.reference}" in invoice_page
    assert f"Exact-ordernummer {invoice.exact_order_number}" in invoice_page
    assert "Totaal € 344,85" in invoice_page
    assert f"Specificatie {invoice.order_number}" in specification


ATTACH = doc.mutation("attachInvoicePdfs", "AttachInvoicePdfsInput", "invoices { id state }")


async def test_attach_invoice_pdfs_attaches_the_pdf_of_an_invoice_pushed_without_it(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
    gateway: ExactOnlineGateway,
    exact_sandbox: RunningSandbox,
) -> None:
    queued, clock = await invoiced(uow_factory, gateway, attach_pdf=False), Clock()
    container = build_container()
    container.uow.override(providers.Object(uow_factory))
    container.exact_gateway.override(providers.Object(gateway))
    container.clock.override(providers.Object(clock))
    container.events.override(providers.Object(RecordingPublisher()))
    work = container.outbox_worker()
    assert await work.drain() == 1, "the push, without its PDF"
    async with uow_factory() as uow:
        settings = await uow.settings.invoicing()
        settings.attach_pdf = True
        await uow.commit()
    invoice_id = global_id("Invoice", queued.id)
    clock.current += dt.timedelta(days=1)

    transport = httpx.ASGITransport(app=create_app(container.hourbill()))
    headers = bearer(await make_key(container.hourbill()))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hourbill.test", headers=headers
    ) as client:
        payload = await Api(client).ok(ATTACH, invoiceIds=[invoice_id])
        assert payload["invoices"] == [{"id": invoice_id, "state": "SENT"}]
        again = await Api(client).ok(ATTACH, invoiceIds=[invoice_id])
        assert again["invoices"] == payload["invoices"], "still queued once"
    clock.current += dt.timedelta(minutes=1)
    exact_sandbox.sandbox.requests.clear()
    assert await work.drain() == 1, "the PDF"

    invoice = await reload(uow_factory, queued)
    calls = [(c.method, c.path.rsplit("/", 1)[-1]) for c in exact_sandbox.sandbox.api_calls()]
    assert calls == [
        ("GET", "Documents"),
        ("POST", "Documents"),
        ("POST", "DocumentAttachments"),
        ("PUT", f"SalesInvoices(guid'{invoice.exact_invoice_id}')"),
    ], "it looks first, finds nothing, then attaches"
    assert invoice.pdf_attached_at is not None
    assert documents_of(exact_sandbox.sandbox, invoice) == [invoice.exact_document_id]
    assert download(exact_sandbox, invoice).startswith(b"%PDF")
    async with uow_factory() as uow:
        history = (await uow.invoices.history([invoice.id]))[invoice.id]
    assert [e.message for e in history][-2:] == [
        "PDF attachment queued",
        f"PDF attached in Exact: invoice-{invoice.order_number}.pdf "
        f"(document {invoice.exact_document_id})",
    ]


async def test_concurrent_calls_queue_the_pdf_once(
    uow_factory: SqlAlchemyUnitOfWorkFactory, gateway: ExactOnlineGateway
) -> None:
    queued, clock = await invoiced(uow_factory, gateway, attach_pdf=False), Clock()
    await worker(uow_factory, gateway, FakeDocumentRenderer(), clock).drain()
    queue = QueuePdfAttachments(uow_factory, clock)

    answers = await asyncio.gather(*(queue.execute([queued.id]) for _ in range(4)))

    assert all([i.id for i in answer] == [queued.id] for answer in answers)
    async with uow_factory() as uow:
        [item] = await uow.outbox.claim("w", clock.now(), dt.timedelta(minutes=5), 10)
        history = (await uow.invoices.history([queued.id]))[queued.id]
    assert (item.kind, item.attempts) == (OutboxKind.ATTACH_PDF, 2)
    assert [e.message for e in history].count("PDF attachment queued") == 1
