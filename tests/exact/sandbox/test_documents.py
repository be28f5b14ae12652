"""Documents over loopback: a document, its base64 attachment, the download URL, the link."""

from __future__ import annotations

import base64
import uuid

import httpx

from infrastructure.exact.sandbox.server import RunningSandbox
from tests.exact.sandbox.support import (
    DEMO_DIVISION,
    account_id,
    error_text,
    post_invoice,
    results,
)

DOCUMENTS = f"{DEMO_DIVISION}/documents/Documents"
ATTACHMENTS = f"{DEMO_DIVISION}/documents/DocumentAttachments"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + bytes(range(256))


def create_document(api: httpx.Client, **values: object) -> dict[str, object]:
    body = {"Subject": "Factuur HB-1", "Type": 10, "Account": account_id(api, "ACME")} | values
    response = api.post(DOCUMENTS, json=body)
    assert response.status_code == 201, response.text
    document: dict[str, object] = response.json()["d"]
    return document


def attach(api: httpx.Client, document_id: object, content: bytes = PDF) -> httpx.Response:
    return api.post(
        ATTACHMENTS,
        json={
            "Document": document_id,
            "FileName": "HB-1.pdf",
            "Attachment": base64.b64encode(content).decode(),
        },
    )


def test_a_document_with_an_attachment_reports_its_size_and_url(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    document = create_document(api)

    response = attach(api, document["ID"])

    assert document["TypeDescription"] == "Sales invoice"
    assert response.status_code == 201
    attachment = response.json()["d"]
    assert attachment["FileSize"] == len(PDF)
    assert attachment["Document"] == document["ID"]
    assert attachment["Url"] == (
        f"{exact_sandbox.url}/docs/SysAttachment.aspx?ID={attachment['ID']}"
    )


def test_the_url_downloads_the_same_bytes(api: httpx.Client) -> None:
    document = create_document(api)
    url = attach(api, document["ID"]).json()["d"]["Url"]

    # Unconfirmed whether Exact wants the bearer token here; the sandbox does not.
    response = httpx.get(f"{url}&Download=1")

    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-disposition"] == 'attachment; filename="HB-1.pdf"'


def test_an_unknown_attachment_id_is_a_404(exact_sandbox: RunningSandbox) -> None:
    unknown = httpx.get(f"{exact_sandbox.url}/docs/SysAttachment.aspx?ID={uuid.uuid4()}")
    malformed = httpx.get(f"{exact_sandbox.url}/docs/SysAttachment.aspx?ID=nope")

    assert (unknown.status_code, malformed.status_code) == (404, 404)


def test_a_document_is_linked_to_an_invoice_with_a_put(api: httpx.Client) -> None:
    invoice = post_invoice(api)
    document = create_document(api)
    attach(api, document["ID"])
    url = f"{DEMO_DIVISION}/salesinvoice/SalesInvoices(guid'{invoice['InvoiceID']}')"

    response = api.put(url, json={"Document": document["ID"]})

    assert (response.status_code, response.content) == (204, b"")
    assert api.get(url).json()["d"]["Document"] == document["ID"]


def test_attachments_are_listed_per_document(api: httpx.Client) -> None:
    first, second = create_document(api), create_document(api, Subject="Bijlage")
    attach(api, first["ID"], b"one")
    attach(api, second["ID"], b"two")

    response = api.get(
        ATTACHMENTS,
        params={"$filter": f"Document eq guid'{second['ID']}'", "$select": "FileName,FileSize"},
    )

    rows = response.json()["d"]["results"]
    assert [(row["FileName"], row["FileSize"]) for row in rows] == [("HB-1.pdf", 3)]


def test_an_attachment_for_an_unknown_document_is_a_500(api: httpx.Client) -> None:
    response = attach(api, str(uuid.uuid4()))

    assert response.status_code == 500
    assert error_text(response) == "Invalid reference: Document"


def test_an_attachment_that_is_not_base64_is_a_400(api: httpx.Client) -> None:
    document = create_document(api)

    response = api.post(
        ATTACHMENTS,
        json={"Document": document["ID"], "FileName": "x.pdf", "Attachment": "not base64!"},
    )

    assert response.status_code == 400
    assert "for property 'Attachment'" in error_text(response)


def test_a_document_needs_a_subject_and_a_type(api: httpx.Client) -> None:
    response = api.post(DOCUMENTS, json={"Account": account_id(api, "ACME")})

    assert response.status_code == 500
    assert error_text(response) == "Mandatory: Subject\r\nMandatory: Type"


def test_documents_are_found_by_their_invoice_and_subject(api: httpx.Client) -> None:
    invoice, other = post_invoice(api), post_invoice(api)
    ours = create_document(
        api, Subject="Factuur HB-1 'april'", FinancialTransactionEntryID=invoice["InvoiceID"]
    )
    create_document(api, Subject="Bijlage", FinancialTransactionEntryID=invoice["InvoiceID"])
    create_document(
        api, Subject="Factuur HB-1 'april'", FinancialTransactionEntryID=other["InvoiceID"]
    )
    where = (
        f"FinancialTransactionEntryID eq guid'{invoice['InvoiceID']}' "
        "and Subject eq 'Factuur HB-1 ''april'''"
    )

    response = api.get(DOCUMENTS, params={"$filter": where, "$select": "ID"})

    assert [row["ID"] for row in results(response)] == [ours["ID"]]


def test_attachments_are_found_by_document_without_their_content(api: httpx.Client) -> None:
    document = create_document(api)
    attach(api, document["ID"])

    response = api.get(
        ATTACHMENTS,
        params={"$filter": f"Document eq guid'{document['ID']}'", "$select": "ID,FileName"},
    )

    [row] = results(response)
    assert set(row) - {"__metadata"} == {"ID", "FileName"}
    assert row["FileName"] == "HB-1.pdf"
