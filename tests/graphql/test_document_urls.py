"""Order.conceptInvoiceUrl, Order.specificationUrl, Invoice.specificationUrl and pdfUrl, and
printUrl: absolute URLs on the server that was asked, which a client can open as they are."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from domain.documents import MAX_BATCH
from hourbill.container import Container
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from tests.fakes import FakeStore
from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api, codes
from tests.graphql.ids import unknown_id

BASE = "http://hourbill.test/documents"
ORDER_URLS = (
    "query($id: ID!) { node(id: $id) { ... on Order { conceptInvoiceUrl specificationUrl } } }"
)
INVOICE_URLS = "{ invoices(first: 5) { edges { node { id specificationUrl pdfUrl } } } }"
DELETED = "{ invoices(filter: {states: [DELETED]}) { edges { node { specificationUrl pdfUrl } } } }"
PRINT_URL = """
query($kind: PrintKind!, $orderIds: [ID!]!, $language: Language) {
  printUrl(kind: $kind, orderIds: $orderIds, language: $language) {
    url errors { field message code }
  }
}
"""
CREATE_INVOICES = doc.mutation("createInvoices", "CreateInvoicesInput", "invoices { id }")
DELETE_INVOICE = doc.mutation("deleteInvoice", "DeleteInvoiceInput", "invoice { id }")


async def orders(api: Api, count: int) -> list[dict[str, Any]]:
    for i in range(count):
        await seed.office(api, code=f"CUST{i}", employee_code=f"EMP{i}")
    return sorted(await seed.generate(api), key=lambda o: o["number"])


async def print_url(api: Api, **arguments: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await api.data(PRINT_URL, **arguments))["printUrl"]
    return result


async def test_an_order_links_its_concept_invoice_and_specification(
    api: Api, client: httpx.AsyncClient
) -> None:
    (order,) = await orders(api, 1)

    urls = (await api.data(ORDER_URLS, id=order["id"]))["node"]

    assert urls == {
        "conceptInvoiceUrl": f"{BASE}/orders/{order['id']}/concept-invoice.pdf",
        "specificationUrl": f"{BASE}/orders/{order['id']}/specification.pdf",
    }
    for url in urls.values():
        response = await client.get(url)
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")


async def test_the_urls_follow_the_host_the_client_used(api: Api) -> None:
    (order,) = await orders(api, 1)
    headers = {"host": "hourbill.example.com"}
    query = {"query": ORDER_URLS, "variables": {"id": order["id"]}}

    response = await api.client.post("/graphql", json=query, headers=headers)

    assert response.json()["data"]["node"]["conceptInvoiceUrl"].startswith(
        "http://hourbill.example.com/documents/orders/"
    )


@pytest.fixture
def administration(store: FakeStore) -> None:
    settings = store.settings
    settings.exact_division = DEMO_DIVISION
    settings.exact_journal = "70"
    settings.exact_default_item = "UREN"
    settings.exact_default_vat_code = "2"


@pytest.mark.usefixtures("administration")
async def test_an_invoice_links_its_pdf_and_specification_until_its_order_is_released(
    api: Api, client: httpx.AsyncClient, container: Container
) -> None:
    (order,) = await orders(api, 1)
    await api.ok(CREATE_INVOICES, orderIds=[order["id"]], idempotencyKey="urls")
    await container.outbox_worker().drain()

    (edge,) = (await api.data(INVOICE_URLS))["invoices"]["edges"]
    invoice = edge["node"]
    assert invoice["specificationUrl"] == f"{BASE}/invoices/{invoice['id']}/specification.pdf"
    assert invoice["pdfUrl"] == f"{BASE}/invoices/{invoice['id']}/invoice.pdf"
    assert (await client.get(invoice["pdfUrl"])).headers["content-type"] == "application/pdf"

    await api.ok(DELETE_INVOICE, id=invoice["id"], releaseSources=True)
    (deleted,) = (await api.data(DELETED))["invoices"]["edges"]
    assert deleted["node"] == {"specificationUrl": None, "pdfUrl": None}


async def test_print_url_gives_one_url_for_the_selection(
    api: Api, client: httpx.AsyncClient
) -> None:
    first, second = await orders(api, 2)
    ids = [second["id"], first["id"]]

    result = await print_url(api, kind="SPECIFICATIONS", orderIds=ids, language="EN")

    assert result == {
        "url": f"{BASE}/orders/specifications.pdf?ids={ids[0]},{ids[1]}&language=en",
        "errors": [],
    }
    response = await client.get(result["url"])
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'inline; filename="specifications-2.pdf"'


async def test_print_url_without_a_language_leaves_it_to_each_customer(api: Api) -> None:
    (order,) = await orders(api, 1)

    result = await print_url(api, kind="CONCEPT_INVOICES", orderIds=[order["id"]])

    assert result["url"] == f"{BASE}/orders/concept-invoices.pdf?ids={order['id']}"


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ([], {("orderIds", "REQUIRED")}),
        (["nope"], {("orderIds", "INVALID")}),
        ([unknown_id("Invoice")], {("orderIds", "INVALID")}),
        ([unknown_id("Order")], {("orderIds", "NOT_FOUND")}),
        ([unknown_id("Order")] * (MAX_BATCH + 1), {("orderIds", "OUT_OF_RANGE")}),
    ],
)
async def test_print_url_checks_the_selection(
    api: Api, ids: list[str], expected: set[tuple[str, str]]
) -> None:
    result = await print_url(api, kind="CONCEPT_INVOICES", orderIds=ids)

    assert result["url"] is None
    assert codes(result["errors"]) == expected


async def test_print_url_refuses_an_order_named_twice(api: Api) -> None:
    (order,) = await orders(api, 1)

    result = await print_url(api, kind="SPECIFICATIONS", orderIds=[order["id"], order["id"]])

    assert result["url"] is None
    assert codes(result["errors"]) == {("orderIds", "DUPLICATE")}
