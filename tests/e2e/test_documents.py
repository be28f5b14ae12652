"""The documents through the real server: the URLs GraphQL hands out give real PDFs.

The PDFs are read back with pypdf; every amount is looked for as the customer
reads it (domain.locale), in the customer's language or the one asked for.
"""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from domain.customers import Language
from domain.documents import MAX_BATCH
from domain.locale import format_money, format_percent, text
from tests.e2e.server import RunningServer
from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api
from tests.graphql.ids import unknown_id

pytestmark = pytest.mark.e2e

COMPANY = doc.mutation(
    "updateCompanyDetails", "UpdateCompanyDetailsInput", "invoicingSettings { paymentTermDays }"
)
ORDER = """query($id: ID!) { node(id: $id) { ... on Order {
  number conceptInvoiceUrl specificationUrl subtotal vatTotal total
  vat { rate base amount } lines { description amount }
} } }"""
PRINT_URL = """query($ids: [ID!]!) {
  printUrl(kind: CONCEPT_INVOICES, orderIds: $ids) { url errors { code } }
}"""
START = "mutation { startExactConnection { authorizeUrl errors { code message } } }"
ADMINISTRATION = """mutation { saveExactAdministration(input: {division: 123456, journal: "70",
  defaultItem: "UREN", defaultVatCode: "2"}) { errors { field code message } } }"""
VAT_9 = """mutation { saveLineMapping(input: {scope: VAT, key: "9", exactVatCode: "1"}) {
  errors { code message } } }"""
CREATE_INVOICES = doc.mutation("createInvoices", "CreateInvoicesInput", "invoices { id }")
DELETE_INVOICE = doc.mutation("deleteInvoice", "DeleteInvoiceInput", "invoice { id }")
INVOICE = """query($id: ID!) { node(id: $id) { ... on Invoice {
  state exactOrderNumber reference pdfUrl specificationUrl } } }"""
WAIT_SECONDS = 10


@pytest.fixture
def api(http: httpx.AsyncClient) -> Api:
    return Api(http)


def pdf_text(response: httpx.Response) -> tuple[int, str]:
    """Page count and the text of every page, whitespace collapsed."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    words = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(words.split())


async def order_with_two_rates(api: Api, code: str = "ACME", **customer: Any) -> dict[str, Any]:
    """Two days of hours at 21 % and a book at 9 %, on an order of its own."""
    office = await seed.office(api, code=code, employee_code=f"E{code}")
    if customer:
        await api.ok(doc.UPDATE_CUSTOMER, id=office.customer, **customer)
    await seed.supply(
        api,
        office.customer,
        item_code="BOEK",
        description="Handboek",
        unit_price="34.50",
        quantity="2",
        vat_code="9",
    )
    (generated,) = [o for o in await seed.generate(api) if o["customer"]["id"] == office.customer]
    order: dict[str, Any] = (await api.data(ORDER, id=generated["id"]))["node"]
    return order


def amounts_as_read(order: dict[str, Any], language: Language) -> list[str]:
    """The lines, the VAT per rate, the subtotal and the total as the customer reads them."""
    money = [format_money(Decimal(line["amount"]), language) for line in order["lines"]]
    for vat in order["vat"]:
        rate = format_percent(Decimal(vat["rate"]), language)
        base = format_money(Decimal(vat["base"]), language)
        money += [text(language, "vat_over", rate=rate, base=base)]
        money += [format_money(Decimal(vat["amount"]), language)]
    return money + [
        format_money(Decimal(order[total]), language) for total in ("subtotal", "total")
    ]


async def test_the_concept_invoice_and_specification_of_an_order(
    api: Api, http: httpx.AsyncClient, server: RunningServer
) -> None:
    await api.ok(COMPANY, name="Hourbill Demo B.V.", iban="NL91ABNA0417164300", paymentTermDays=14)
    order = await order_with_two_rates(api)
    assert order["conceptInvoiceUrl"].startswith(f"{server.base_url}/documents/orders/")
    assert len(order["vat"]) == 2

    _, concept = pdf_text(await http.get(order["conceptInvoiceUrl"]))
    _, specification = pdf_text(await http.get(order["specificationUrl"]))

    assert text(Language.NL, "concept_invoice") in concept
    assert "Hourbill Demo B.V." in concept
    assert "NL91 ABNA 0417 1643 00" in concept
    assert str(order["number"]) in concept
    for line in order["lines"]:
        assert line["description"] in concept
    for amount in amounts_as_read(order, Language.NL):
        assert amount in concept, amount
    assert text(Language.NL, "specification") in specification
    assert str(order["number"]) in specification
    assert "EACME Jansen" in specification  # who booked the hours
    assert format_money(Decimal(order["subtotal"]), Language.NL) in specification


async def test_a_language_asked_for_overrides_the_customers(
    api: Api, http: httpx.AsyncClient
) -> None:
    order = await order_with_two_rates(api, code="TULIP", language="EN", country="GB")

    _, english = pdf_text(await http.get(order["conceptInvoiceUrl"]))
    _, dutch = pdf_text(await http.get(order["conceptInvoiceUrl"], params={"language": "nl"}))

    assert text(Language.EN, "concept_invoice") in english
    for amount in amounts_as_read(order, Language.EN):
        assert amount in english, amount
    assert text(Language.NL, "concept_invoice") in dutch
    for amount in amounts_as_read(order, Language.NL):
        assert amount in dutch, amount


async def test_a_selection_of_three_orders_is_one_pdf(api: Api, http: httpx.AsyncClient) -> None:
    orders = [await order_with_two_rates(api, code=code) for code in ("ACME", "DELTA", "NOORD")]
    ids = [o["conceptInvoiceUrl"].split("/")[-2] for o in orders]
    result = (await api.data(PRINT_URL, ids=ids))["printUrl"]
    assert result["errors"] == []

    pages, got = pdf_text(await http.get(f"{result['url']}&download=1"))
    posted, again = pdf_text(
        await http.post("/documents/orders/concept-invoices.pdf", json={"orderIds": ids})
    )

    assert pages >= 3
    assert (posted, again) == (pages, got)
    for order in orders:
        assert str(order["number"]) in got
        assert format_money(Decimal(order["total"]), Language.NL) in got


async def test_bad_requests_are_answered_with_typed_errors(
    api: Api, http: httpx.AsyncClient
) -> None:
    order = await order_with_two_rates(api)
    order_id = order["conceptInvoiceUrl"].split("/")[-2]
    not_found = await http.get(f"/documents/orders/{unknown_id('Order')}/concept-invoice.pdf")
    bad_language = await http.get(order["specificationUrl"], params={"language": "fr"})
    twice = await http.get(
        "/documents/orders/specifications.pdf", params={"ids": f"{order_id},{order_id}"}
    )

    assert not_found.status_code == 404
    assert not_found.json()["errors"][0]["code"] == "NOT_FOUND"
    assert bad_language.status_code == 400
    assert bad_language.json()["errors"] == [
        {"field": "language", "message": "language must be nl or en, not 'fr'", "code": "INVALID"}
    ]
    assert twice.status_code == 400
    assert twice.json()["errors"][0]["code"] == "DUPLICATE"


async def test_a_url_naming_two_hundred_orders_reaches_the_routes(http: httpx.AsyncClient) -> None:
    ids = ",".join(unknown_id("Order") for _ in range(MAX_BATCH))

    response = await http.get("/documents/orders/specifications.pdf", params={"ids": ids})

    assert len(str(response.request.url)) > 11_000
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NOT_FOUND"


async def connect_exact(api: Api) -> None:
    started = await api.data(START)
    approval = await api.client.get(started["startExactConnection"]["authorizeUrl"])
    assert (await api.client.get(approval.headers["location"])).status_code == 200
    assert (await api.data(ADMINISTRATION))["saveExactAdministration"]["errors"] == []
    assert (await api.data(VAT_9))["saveLineMapping"]["errors"] == []


async def sent(api: Api, invoice_id: str) -> dict[str, Any]:
    """The invoice once the server's outbox worker has pushed it to the embedded sandbox."""
    for _ in range(WAIT_SECONDS * 10):
        invoice: dict[str, Any] = (await api.data(INVOICE, id=invoice_id))["node"]
        if invoice["state"] == "SENT":
            return invoice
        await asyncio.sleep(0.1)
    raise AssertionError(f"invoice {invoice_id} was not sent within {WAIT_SECONDS} s")


async def test_the_invoice_pdf_of_an_invoiced_order_then_its_release(
    api: Api, http: httpx.AsyncClient
) -> None:
    await connect_exact(api)
    order = await order_with_two_rates(api)
    order_id = order["conceptInvoiceUrl"].split("/")[-2]
    created = await api.ok(CREATE_INVOICES, orderIds=[order_id], idempotencyKey="documents-e2e")
    invoice_id = created["invoices"][0]["id"]
    invoice = await sent(api, invoice_id)

    pages, got = pdf_text(await http.get(invoice["pdfUrl"]))

    assert pages >= 2
    assert text(Language.NL, "invoice") in got
    assert text(Language.NL, "concept_note") not in got
    assert text(Language.NL, "specification") in got
    assert str(invoice["exactOrderNumber"]) in got
    for amount in amounts_as_read(order, Language.NL):
        assert amount in got, amount

    await api.ok(DELETE_INVOICE, id=invoice_id, releaseSources=True)
    released = await http.get(f"/documents/invoices/{invoice_id}/invoice.pdf")
    assert released.status_code == 409
    assert released.json()["errors"][0] == {
        "field": "id",
        "code": "INVALID_STATE",
        "message": released.json()["errors"][0]["message"],
    }
    assert (await api.data(INVOICE, id=invoice_id))["node"]["pdfUrl"] is None
