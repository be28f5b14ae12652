"""Invoice.pdfAttachedAt and exactDocumentId: the worker attaches the PDF after the push;
attachInvoicePdfs queues it for invoices that do not have it."""

from __future__ import annotations

import pytest

from hourbill.container import Container
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from tests.fakes import FakeStore
from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api, codes
from tests.graphql.ids import unknown_id
from tests.graphql.test_invoices import CREATE, draft_order

INVOICE = """query($id: ID!) { node(id: $id) { ... on Invoice {
  state pending exactDocumentId pdfAttachedAt history { state message }
} } }"""
ATTACH = doc.mutation(
    "attachInvoicePdfs", "AttachInvoicePdfsInput", "invoices { id state pdfAttachedAt }"
)


@pytest.fixture(autouse=True)
def administration(store: FakeStore) -> None:
    settings = store.settings
    settings.exact_division, settings.exact_journal = DEMO_DIVISION, "70"
    settings.exact_default_item, settings.exact_default_vat_code = "UREN", "2"
    settings.attach_pdf = True


async def test_the_worker_attaches_the_pdf_after_the_push(
    api: Api, container: Container, exact_gateway: FakeExactGateway
) -> None:
    order_id = await draft_order(api, await seed.customer(api))
    [queued] = (await api.ok(CREATE, orderIds=[order_id], idempotencyKey="pdf"))["invoices"]

    assert await container.outbox_worker().drain() == 2, "the push, then the PDF"

    invoice = (await api.data(INVOICE, id=queued["id"]))["node"]
    [document] = exact_gateway.administration.rows(DEMO_DIVISION, schema.DOCUMENTS)
    assert invoice["exactDocumentId"] == str(document["ID"])
    assert invoice["pdfAttachedAt"] is not None
    assert (invoice["state"], invoice["pending"]) == ("SENT", False)
    assert invoice["history"][-1]["message"].startswith("PDF attached in Exact: invoice-")
    assert exact_gateway.attach_calls == ["create_document", "create_attachment", "link_document"]


async def test_before_it_is_attached_both_are_null(
    api: Api, store: FakeStore, container: Container
) -> None:
    store.settings.attach_pdf = False
    order_id = await draft_order(api, await seed.customer(api))
    [queued] = (await api.ok(CREATE, orderIds=[order_id], idempotencyKey="no-pdf"))["invoices"]
    await container.outbox_worker().drain()

    invoice = (await api.data(INVOICE, id=queued["id"]))["node"]

    assert (invoice["exactDocumentId"], invoice["pdfAttachedAt"]) == (None, None)


async def test_attach_invoice_pdfs_queues_the_pdf_of_an_invoice_sent_without_it(
    api: Api, store: FakeStore, container: Container, exact_gateway: FakeExactGateway
) -> None:
    store.settings.attach_pdf = False
    order_id = await draft_order(api, await seed.customer(api))
    [queued] = (await api.ok(CREATE, orderIds=[order_id], idempotencyKey="later"))["invoices"]
    assert await container.outbox_worker().drain() == 1, "the push only"

    payload = await api.ok(ATTACH, invoiceIds=[queued["id"]])

    assert payload["invoices"] == [{"id": queued["id"], "state": "SENT", "pdfAttachedAt": None}]
    assert await container.outbox_worker().drain() == 1, "the PDF"
    invoice = (await api.data(INVOICE, id=queued["id"]))["node"]
    [document] = exact_gateway.administration.rows(DEMO_DIVISION, schema.DOCUMENTS)
    assert invoice["exactDocumentId"] == str(document["ID"])
    assert [h["message"] for h in invoice["history"]][-2] == "PDF attachment queued"
    assert invoice["history"][-1]["message"].startswith("PDF attached in Exact: invoice-")
    assert exact_gateway.attach_calls[0] == "find_documents", "looks first"

    errors = await api.errors(ATTACH, invoiceIds=[queued["id"], unknown_id("Invoice")])
    assert codes(errors) == {("invoiceIds", "INVALID_STATE"), ("invoiceIds", "NOT_FOUND")}
    assert codes(await api.errors(ATTACH, invoiceIds=[order_id])) == {("invoiceIds", "INVALID")}
    assert codes(await api.errors(ATTACH, invoiceIds=[])) == {("invoiceIds", "REQUIRED")}
