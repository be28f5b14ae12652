"""The number sync on the real adapter over loopback: HTTP calls counted by the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from application.invoice_sync import ProcessInvoice, SyncInvoiceNumbers
from domain.invoices import InvoiceState
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.exact.sandbox.server import RunningSandbox
from infrastructure.exact.tokens import StaticAccessTokens
from tests.fakes import FakeStore, FakeUnitOfWorkFactory, FixedClock, RecordingPublisher
from tests.support.sent_invoices import exact_invoice, sent_invoice

MAX_CALLS_FOR_500 = 15


@pytest.fixture
async def gateway(exact_sandbox: RunningSandbox) -> AsyncIterator[ExactOnlineGateway]:
    http = ExactHttp(StaticAccessTokens(exact_sandbox.access_token()), base_url=exact_sandbox.url)
    async with http:
        yield ExactOnlineGateway(http)


async def test_500_open_invoices_take_at_most_15_calls(
    exact_sandbox: RunningSandbox, gateway: ExactOnlineGateway
) -> None:
    sandbox, store = exact_sandbox.sandbox, FakeStore()
    with sandbox.lock:
        rows = [exact_invoice(sandbox.administration, reference=f"HB-{n}") for n in range(500)]
    for n, row in enumerate(rows):
        invoice = sent_invoice(row, order_number=n + 1)
        store.invoices[invoice.id] = invoice
    for row in rows[::5]:
        sandbox.process_invoice(DEMO_DIVISION, row["InvoiceID"])
    sandbox.requests.clear()

    sync = SyncInvoiceNumbers(
        FakeUnitOfWorkFactory(store), gateway, FixedClock(), RecordingPublisher()
    )
    summary = await sync.execute()

    calls = sandbox.api_calls()
    assert len(calls) == summary.calls == 13 <= MAX_CALLS_FOR_500
    assert {(call.method, call.status) for call in calls} == {("GET", 200)}
    assert (summary.checked, summary.numbered) == (500, 100)
    assert sum(i.state is InvoiceState.PROCESSED for i in store.invoices.values()) == 100


async def test_processing_through_printed_sales_invoices_and_a_refused_second_print(
    exact_sandbox: RunningSandbox, gateway: ExactOnlineGateway
) -> None:
    sandbox, store = exact_sandbox.sandbox, FakeStore()
    with sandbox.lock:
        mine, theirs = exact_invoice(sandbox.administration), exact_invoice(sandbox.administration)
    for n, row in enumerate((mine, theirs)):
        invoice = sent_invoice(row, order_number=n + 1)
        store.invoices[invoice.id] = invoice
    by_exact = {i.exact_invoice_id: i.id for i in store.invoices.values()}
    sandbox.process_invoice(DEMO_DIVISION, theirs["InvoiceID"])  # a user, in Exact's web UI
    process = ProcessInvoice(
        FakeUnitOfWorkFactory(store), gateway, FixedClock(), RecordingPublisher()
    )

    printed = await process.execute(by_exact[mine["InvoiceID"]])
    read_back = await process.execute(by_exact[theirs["InvoiceID"]])

    numbers = {r["InvoiceID"]: r["InvoiceNumber"] for r in sandbox.invoices(DEMO_DIVISION)}
    assert printed.exact_invoice_number == numbers[mine["InvoiceID"]] == 26700002
    assert read_back.exact_invoice_number == numbers[theirs["InvoiceID"]] == 26700001
    posts = sandbox.api_calls("POST", "PrintedSalesInvoices")
    assert [call.status for call in posts] == [201, 500]
