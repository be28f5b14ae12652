"""syncInvoiceNumbers and processInvoice over HTTP."""

from __future__ import annotations

import uuid

from application.exact import ExactUnavailableError, ExactValidationError
from domain.invoices import Invoice, InvoiceState
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from interfaces.graphql.ids import global_id
from tests.fakes import FakeStore
from tests.graphql import documents as doc
from tests.graphql.api import Api, codes
from tests.support.sent_invoices import exact_invoice, sent_invoice

FIRST_NUMBER = 26700001
INVOICE = "id state number exactInvoiceNumber amountMismatch error { code message }"
SYNC = doc.mutation(
    "syncInvoiceNumbers",
    "SyncInvoiceNumbersInput",
    f"invoices {{ {INVOICE} history {{ state message }} }} checked numbered missingInExact calls",
)
PROCESS = doc.mutation("processInvoice", "ProcessInvoiceInput", f"invoice {{ {INVOICE} }}")


def pushed(store: FakeStore, exact: FakeExactGateway, count: int = 1) -> list[Invoice]:
    made = []
    for _ in range(count):
        invoice = sent_invoice(
            exact_invoice(exact.administration), order_number=len(store.invoices) + 1
        )
        store.invoices[invoice.id] = invoice
        made.append(invoice)
    return made


def gid(invoice: Invoice | uuid.UUID) -> str:
    return global_id("Invoice", invoice.id if isinstance(invoice, Invoice) else invoice)


def process_in_exact(exact: FakeExactGateway, invoice: Invoice) -> None:
    assert invoice.exact_invoice_id is not None
    exact.process_invoice(DEMO_DIVISION, invoice.exact_invoice_id)


async def test_sync_numbers_every_open_invoice_processed_in_exact(
    api: Api, store: FakeStore, exact_gateway: FakeExactGateway
) -> None:
    numbered, still_open, gone = pushed(store, exact_gateway, 3)
    process_in_exact(exact_gateway, numbered)
    assert gone.exact_invoice_id is not None
    exact_gateway.administration.delete(DEMO_DIVISION, schema.INVOICES, gone.exact_invoice_id)

    payload = await api.ok(SYNC)

    assert (payload["checked"], payload["numbered"], payload["calls"]) == (3, 1, 1)
    assert payload["missingInExact"] == [gid(gone)]
    by_id = {invoice["id"]: invoice for invoice in payload["invoices"]}
    assert set(by_id) == {gid(numbered), gid(gone)}
    assert by_id[gid(numbered)] | {"history": None} == {
        "id": gid(numbered),
        "state": "PROCESSED",
        "number": FIRST_NUMBER,
        "exactInvoiceNumber": FIRST_NUMBER,
        "amountMismatch": False,
        "error": None,
        "history": None,
    }
    assert by_id[gid(numbered)]["history"] == [
        {"state": "PROCESSED", "message": f"Processed in Exact: invoice number {FIRST_NUMBER}"}
    ]
    assert by_id[gid(gone)]["state"] == "SENT"
    assert by_id[gid(gone)]["error"]["code"] == "UNKNOWN_IN_EXACT"
    assert store.invoices[still_open.id].state is InvoiceState.SENT


async def test_sync_selected_invoices_reports_the_ones_it_skipped(
    api: Api, store: FakeStore, exact_gateway: FakeExactGateway
) -> None:
    chosen, done = pushed(store, exact_gateway, 2)
    process_in_exact(exact_gateway, chosen)
    store.invoices[done.id].delete(done.created_at)

    payload = await api.mutate(SYNC, invoiceIds=[gid(chosen), gid(done), gid(uuid.uuid4())])

    assert payload["numbered"] == 1
    assert [invoice["id"] for invoice in payload["invoices"]] == [gid(chosen)]
    assert codes(payload["errors"]) == {
        ("invoiceIds", "NOT_FOUND"),
        ("invoiceIds", "INVALID_STATE"),
    }


async def test_a_malformed_id_is_invalid_and_nothing_is_read(
    api: Api, exact_gateway: FakeExactGateway
) -> None:
    errors = await api.errors(SYNC, invoiceIds=[global_id("Order", uuid.uuid4())])

    assert codes(errors) == {("invoiceIds", "INVALID")}
    assert exact_gateway.calls == []


async def test_exact_unavailable_is_a_typed_error(
    api: Api, store: FakeStore, exact_gateway: FakeExactGateway
) -> None:
    pushed(store, exact_gateway)
    exact_gateway.fail_next("sales_invoices", ExactUnavailableError("Service Unavailable"))

    payload = await api.mutate(SYNC)

    assert codes(payload["errors"]) == {(None, "EXACT_UNAVAILABLE")}
    assert (payload["checked"], payload["numbered"], payload["invoices"]) == (0, 0, [])


async def test_process_invoice_gives_it_its_final_number(
    api: Api, store: FakeStore, exact_gateway: FakeExactGateway
) -> None:
    [invoice] = pushed(store, exact_gateway)

    payload = await api.ok(PROCESS, id=gid(invoice))

    assert payload["invoice"] == {
        "id": gid(invoice),
        "state": "PROCESSED",
        "number": FIRST_NUMBER,
        "exactInvoiceNumber": FIRST_NUMBER,
        "amountMismatch": False,
        "error": None,
    }
    assert exact_gateway.calls == ["process_sales_invoice"]


async def test_process_invoice_errors_are_typed_and_change_nothing(
    api: Api, store: FakeStore, exact_gateway: FakeExactGateway
) -> None:
    sent, deleted = pushed(store, exact_gateway, 2)
    store.invoices[deleted.id].delete(deleted.created_at)
    exact_gateway.fail_next("process_sales_invoice", ExactValidationError("Period is closed"))

    refused = await api.errors(PROCESS, id=gid(sent))
    wrong_state = await api.errors(PROCESS, id=gid(deleted))
    unknown = await api.errors(PROCESS, id=gid(uuid.uuid4()))
    malformed = await api.errors(PROCESS, id="nonsense")

    assert codes(refused) == {("id", "EXACT_REJECTED")}
    assert "Period is closed" in refused[0]["message"]
    assert codes(wrong_state) == {("id", "INVALID_STATE")}
    assert codes(unknown) == {("id", "NOT_FOUND")}
    assert codes(malformed) == {("id", "INVALID")}
    assert store.invoices[sent.id].state is InvoiceState.SENT
