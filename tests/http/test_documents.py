"""GET and POST /documents/…: the PDFs of orders and invoices, and their errors as JSON."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from domain.documents import MAX_BATCH, DocumentKind, InvoiceDocument, SpecificationReport
from hourbill.container import Container
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from interfaces.graphql.ids import global_id, parse_global_id
from tests.fakes import FakeDocumentRenderer, FakeStore
from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api
from tests.graphql.ids import unknown_id

Json = dict[str, Any]
UNKNOWN = unknown_id("Order")

CREATE_INVOICES = doc.mutation(
    "createInvoices", "CreateInvoicesInput", "invoices { id state order { id } }"
)
DELETE_INVOICE = doc.mutation("deleteInvoice", "DeleteInvoiceInput", "invoice { id state }")
INVOICES = "{ invoices(first: 10) { edges { node { id state orderNumber } } } }"


async def orders(api: Api, count: int = 1) -> list[Json]:
    """`count` orders of as many customers, one generation run; by order number."""
    for i in range(count):
        await seed.office(api, code=f"CUST{i}", employee_code=f"EMP{i}")
    generated = await seed.generate(api)
    assert len(generated) == count
    return sorted(generated, key=lambda o: o["number"])


def printed(renderer: FakeDocumentRenderer) -> list[tuple[str, int, str]]:
    """(kind, order number, language) of each document of the last PDF."""
    return [
        (
            d.kind.value if isinstance(d, InvoiceDocument) else DocumentKind.SPECIFICATION.value,
            d.header.order_number,
            d.header.language.value,
        )
        for d in renderer.batches[-1]
    ]


def errors(response: httpx.Response) -> set[tuple[str | None, str]]:
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


async def test_the_concept_invoice_of_an_order_is_shown_inline(
    api: Api, client: httpx.AsyncClient, renderer: FakeDocumentRenderer
) -> None:
    (order,) = await orders(api)

    response = await client.get(f"/documents/orders/{order['id']}/concept-invoice.pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    assert (
        response.headers["content-disposition"]
        == f'inline; filename="concept-invoice-{order["number"]}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    assert printed(renderer) == [("CONCEPT_INVOICE", order["number"], "nl")]
    (document,) = renderer.batches[-1]
    assert isinstance(document, InvoiceDocument)
    assert str(document.total) == order["total"]


async def test_the_specification_downloads_in_the_language_asked_for(
    api: Api, client: httpx.AsyncClient, renderer: FakeDocumentRenderer
) -> None:
    (order,) = await orders(api)

    response = await client.get(
        f"/documents/orders/{order['id']}/specification.pdf",
        params={"language": "EN", "download": "1"},
    )

    assert response.status_code == 200
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="specification-{order["number"]}.pdf"'
    )
    assert printed(renderer) == [("SPECIFICATION", order["number"], "en")]
    (report,) = renderer.batches[-1]
    assert isinstance(report, SpecificationReport)
    assert report.booking_count == 2


async def test_a_plain_uuid_names_an_order_too(
    api: Api, client: httpx.AsyncClient, renderer: FakeDocumentRenderer
) -> None:
    (order,) = await orders(api)
    _, ident = parse_global_id(order["id"])

    response = await client.get(f"/documents/orders/{ident}/concept-invoice.pdf")

    assert response.status_code == 200
    assert printed(renderer) == [("CONCEPT_INVOICE", order["number"], "nl")]


async def test_a_selection_prints_as_one_pdf_in_the_order_given(
    api: Api, client: httpx.AsyncClient, renderer: FakeDocumentRenderer
) -> None:
    first, second, third = await orders(api, 3)
    ids = ",".join(o["id"] for o in (third, first, second))

    response = await client.get("/documents/orders/concept-invoices.pdf", params={"ids": ids})

    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'inline; filename="concept-invoices-3.pdf"'
    assert len(renderer.batches) == 1
    assert [number for _, number, _ in printed(renderer)] == [
        third["number"],
        first["number"],
        second["number"],
    ]


async def test_a_large_selection_is_posted_as_json(
    api: Api, client: httpx.AsyncClient, renderer: FakeDocumentRenderer
) -> None:
    first, second = await orders(api, 2)

    response = await client.post(
        "/documents/orders/specifications.pdf?download=1",
        json={"orderIds": [first["id"], second["id"]], "language": "en"},
    )

    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="specifications-2.pdf"'
    assert printed(renderer) == [
        ("SPECIFICATION", first["number"], "en"),
        ("SPECIFICATION", second["number"], "en"),
    ]


async def test_an_unknown_order_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/documents/orders/{unknown_id('Order')}/specification.pdf")

    assert response.status_code == 404
    assert errors(response) == {("id", "NOT_FOUND")}
    assert response.json()["errors"][0]["message"].startswith("no order ")


@pytest.mark.parametrize(
    "path",
    [
        "/documents/orders/not-an-id/concept-invoice.pdf",
        f"/documents/orders/{global_id('Invoice', parse_global_id(unknown_id('Order'))[1])}"
        "/concept-invoice.pdf",
        "/documents/invoices/%E2%82%AC/invoice.pdf",
        f"/documents/orders/{'A' * 5000}/specification.pdf",
    ],
)
async def test_a_malformed_or_wrong_type_of_id_is_400(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 400
    assert errors(response) == {("id", "INVALID")}


async def test_an_unknown_language_is_400_with_the_bad_id(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/documents/orders/nope/concept-invoice.pdf", params={"language": "de"}
    )

    assert response.status_code == 400
    assert errors(response) == {("id", "INVALID"), ("language", "INVALID")}


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ("", {("ids", "REQUIRED")}),
        ("x,y", {("ids", "INVALID")}),
        (",".join([UNKNOWN, "x", UNKNOWN]), {("ids", "INVALID")}),
        (",".join([UNKNOWN, UNKNOWN]), {("ids", "DUPLICATE")}),
        (",".join(unknown_id("Order") for _ in range(MAX_BATCH + 1)), {("ids", "OUT_OF_RANGE")}),
        (",".join(["x"] * (MAX_BATCH + 1)), {("ids", "OUT_OF_RANGE")}),
    ],
)
async def test_a_bad_selection_is_400(
    client: httpx.AsyncClient, ids: str, expected: set[tuple[str, str]]
) -> None:
    response = await client.get("/documents/orders/specifications.pdf", params={"ids": ids})

    assert response.status_code == 400
    assert errors(response) == expected


async def test_a_selection_with_an_unknown_order_is_404(
    api: Api, client: httpx.AsyncClient, renderer: FakeDocumentRenderer
) -> None:
    (order,) = await orders(api)

    response = await client.post(
        "/documents/orders/concept-invoices.pdf",
        json={"orderIds": [order["id"], unknown_id("Order")]},
    )

    assert response.status_code == 404
    assert errors(response) == {("orderIds", "NOT_FOUND")}
    assert renderer.batches == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"not json", {(None, "INVALID")}),
        (b"[1, 2]", {(None, "INVALID")}),
        (b'{"orderIds": "abc"}', {("orderIds", "INVALID")}),
        (b'{"orderIds": [1]}', {("orderIds", "INVALID")}),
        (b'{"orderIds": ["x"], "language": 3}', {("language", "INVALID")}),
        (b'{"orderIds": [], "language": "fr"}', {("language", "INVALID")}),
        (b'{"orderIds": []}', {("orderIds", "REQUIRED")}),
    ],
)
async def test_a_bad_body_is_400(
    client: httpx.AsyncClient, body: bytes, expected: set[tuple[str | None, str]]
) -> None:
    response = await client.post("/documents/orders/concept-invoices.pdf", content=body)

    assert response.status_code == 400
    assert errors(response) == expected


async def test_a_body_beyond_64_kib_is_refused(client: httpx.AsyncClient) -> None:
    ids = [unknown_id("Order") for _ in range(2000)]

    response = await client.post("/documents/orders/concept-invoices.pdf", json={"orderIds": ids})

    assert response.status_code == 413
    assert errors(response) == {(None, "OUT_OF_RANGE")}


# -- invoices ---------------------------------------------------------------------------


@pytest.fixture
def administration(store: FakeStore) -> None:
    settings = store.settings
    settings.exact_division = DEMO_DIVISION
    settings.exact_journal = "70"
    settings.exact_default_item = "UREN"
    settings.exact_default_vat_code = "2"


async def invoiced(api: Api, container: Container) -> tuple[Json, Json]:
    """An order sent to (fake) Exact, and its invoice."""
    (order,) = await orders(api)
    await api.ok(CREATE_INVOICES, orderIds=[order["id"]], idempotencyKey="documents")
    assert await container.outbox_worker().drain() == 1
    data = await api.data(INVOICES)
    (invoice,) = [edge["node"] for edge in data["invoices"]["edges"]]
    assert invoice["state"] == "SENT"
    return order, invoice


@pytest.mark.usefixtures("administration")
async def test_the_invoice_pdf_is_the_invoice_and_its_specification(
    api: Api, client: httpx.AsyncClient, container: Container, renderer: FakeDocumentRenderer
) -> None:
    order, invoice = await invoiced(api, container)

    response = await client.get(f"/documents/invoices/{invoice['id']}/invoice.pdf?download=1")

    assert response.status_code == 200
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="invoice-{order["number"]}.pdf"'
    )
    assert printed(renderer) == [
        ("INVOICE", order["number"], "nl"),
        ("SPECIFICATION", order["number"], "nl"),
    ]
    header = renderer.batches[-1][0].header
    assert header.exact_order_number is not None
    assert header.invoice_reference is not None


@pytest.mark.usefixtures("administration")
async def test_the_invoice_specification_carries_the_invoice_numbers(
    api: Api, client: httpx.AsyncClient, container: Container, renderer: FakeDocumentRenderer
) -> None:
    order, invoice = await invoiced(api, container)

    response = await client.get(
        f"/documents/invoices/{invoice['id']}/specification.pdf", params={"language": "en"}
    )

    assert response.status_code == 200
    assert printed(renderer) == [("SPECIFICATION", order["number"], "en")]
    assert renderer.batches[-1][0].header.exact_order_number is not None


@pytest.mark.usefixtures("administration")
async def test_an_invoice_whose_order_was_released_is_409(
    api: Api, client: httpx.AsyncClient, container: Container
) -> None:
    _, invoice = await invoiced(api, container)
    await api.ok(DELETE_INVOICE, id=invoice["id"], releaseSources=True)

    for document in ("invoice.pdf", "specification.pdf"):
        response = await client.get(f"/documents/invoices/{invoice['id']}/{document}")
        assert response.status_code == 409
        assert errors(response) == {("id", "INVALID_STATE")}


async def test_an_unknown_invoice_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/documents/invoices/{unknown_id('Invoice')}/invoice.pdf")

    assert response.status_code == 404
    assert errors(response) == {("id", "NOT_FOUND")}
