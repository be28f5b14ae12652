"""The whole loop on the embedded default: Exact processes an invoice, its webhook numbers it here.

`hourbill serve` with no Exact configured hosts the sandbox; the sandbox signs its
webhook calls with the demo app's secret, which is the server's default secret.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from domain.invoices import Invoice, InvoiceState
from infrastructure.exact.sandbox.sandbox import Sandbox
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.persistence.database import Database
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.e2e.server import RunningServer
from tests.factories import CustomerFactory
from tests.support.sent_invoices import exact_invoice, sent_invoice

pytestmark = pytest.mark.e2e

START = "mutation { startExactConnection { authorizeUrl errors { code message } } }"
SUBSCRIBE = """mutation { subscribeExactWebhooks {
  webhooks { callbackUrl subscribed } errors { code message } } }"""
WAIT_SECONDS = 10
POLL = 0.05


@pytest.fixture
async def uow(server: RunningServer) -> AsyncIterator[SqlAlchemyUnitOfWorkFactory]:
    """The server's database, from this test's event loop."""
    database = Database(server.container.settings().database_url)
    yield SqlAlchemyUnitOfWorkFactory(database)
    await database.dispose()


async def connect_exact(http: httpx.AsyncClient) -> None:
    started = (await http.post("/graphql", json={"query": START})).json()["data"]
    approval = await http.get(started["startExactConnection"]["authorizeUrl"])
    assert (await http.get(approval.headers["location"])).status_code == 200


async def sent_to_exact(uow: SqlAlchemyUnitOfWorkFactory, sandbox: Sandbox) -> Invoice:
    """A customer and an invoice pushed to the sandbox (SENT), and the division chosen."""
    with sandbox.lock:
        row = exact_invoice(sandbox.administration)
    customer = CustomerFactory(code="ACME", name="Acme Bouw B.V.")
    invoice = sent_invoice(row, order_number=1, customer_id=customer.id)
    async with uow() as work:
        await work.customers.add(customer)
        await work.invoices.add(invoice)
        settings = await work.settings.invoicing()
        settings.exact_division = DEMO_DIVISION
        await work.commit()
    return invoice


async def state_of(uow: SqlAlchemyUnitOfWorkFactory, invoice_id: uuid.UUID) -> Invoice:
    async with uow() as work:
        found = await work.invoices.get(invoice_id)
    assert found is not None
    return found


async def processed_within(
    uow: SqlAlchemyUnitOfWorkFactory, invoice_id: uuid.UUID, seconds: float
) -> Invoice:
    """The invoice once PROCESSED; the server writes it from its own thread and loop."""
    for _ in range(int(seconds / POLL)):
        invoice = await state_of(uow, invoice_id)
        if invoice.state is InvoiceState.PROCESSED:
            return invoice
        await asyncio.sleep(POLL)
    raise AssertionError(f"invoice {invoice_id} was not numbered within {seconds} s")


async def test_an_invoice_processed_in_exact_gets_its_number_by_webhook(
    server: RunningServer, http: httpx.AsyncClient, uow: SqlAlchemyUnitOfWorkFactory
) -> None:
    sandbox = server.container.exact_sandbox()
    await connect_exact(http)
    invoice = await sent_to_exact(uow, sandbox)
    assert invoice.exact_invoice_id is not None

    subscribed = (await http.post("/graphql", json={"query": SUBSCRIBE})).json()["data"]
    payload = subscribed["subscribeExactWebhooks"]
    assert payload["errors"] == []
    assert payload["webhooks"] == {
        "callbackUrl": f"{server.base_url}/exact/webhooks",
        "subscribed": True,
    }
    number = sandbox.process_invoice(DEMO_DIVISION, invoice.exact_invoice_id)["InvoiceID"]
    assert number == invoice.exact_invoice_id

    numbered = await processed_within(uow, invoice.id, WAIT_SECONDS)

    with sandbox.lock:
        [row] = [r for r in sandbox.invoices(DEMO_DIVISION) if r["InvoiceID"] == number]
    assert numbered.exact_invoice_number == row["InvoiceNumber"] == 26700001
    deliveries = [(d.topic, d.action, d.status) for d in sandbox.webhooks.deliveries]
    assert (None, None, 200) in deliveries  # Exact's validation call was answered
    assert ("SalesInvoices", "Update", 200) in deliveries
