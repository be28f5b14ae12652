"""DocumentUrls: absolute on the server a request came in on, over HTTP and websockets."""

from __future__ import annotations

import uuid

import pytest
from starlette.requests import Request
from starlette.types import Message, Scope
from starlette.websockets import WebSocket

from domain.customers import Language
from interfaces.graphql.ids import global_id
from interfaces.http.document_urls import DocumentUrls, PrintKind

ORDER = uuid.UUID("6f1c2b1e-8a4d-4c2e-9b7a-1d2e3f4a5b6c")
INVOICE = uuid.UUID("0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b")


def scope(kind: str, scheme: str, root_path: str = "") -> Scope:
    return {
        "type": kind,
        "scheme": scheme,
        "server": ("hourbill.example.com", 443),
        "path": "/graphql",
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"host", b"hourbill.example.com")],
    }


async def nothing() -> Message:
    return {"type": "websocket.connect"}


async def ignore(message: Message) -> None:
    return None


def test_urls_are_built_on_the_requests_base_url_and_root_path() -> None:
    urls = DocumentUrls.of(Request(scope("http", "https", root_path="/hourbill")))

    assert urls.order_concept_invoice(ORDER) == (
        "https://hourbill.example.com/hourbill/documents/orders/"
        f"{global_id('Order', ORDER)}/concept-invoice.pdf"
    )
    assert urls.invoice_pdf(INVOICE).endswith(
        f"/hourbill/documents/invoices/{global_id('Invoice', INVOICE)}/invoice.pdf"
    )


@pytest.mark.parametrize(("scheme", "expected"), [("ws", "http"), ("wss", "https")])
def test_an_operation_over_a_websocket_gets_http_urls(scheme: str, expected: str) -> None:
    socket = WebSocket(scope("websocket", scheme), nothing, ignore)

    url = DocumentUrls.of(socket).order_specification(ORDER)

    assert url.startswith(f"{expected}://hourbill.example.com/documents/orders/")


def test_without_a_request_the_urls_are_relative() -> None:
    urls = DocumentUrls.of(None)

    assert urls.invoice_specification(INVOICE) == (
        f"/documents/invoices/{global_id('Invoice', INVOICE)}/specification.pdf"
    )


def test_a_batch_url_names_the_orders_in_order_and_the_language() -> None:
    urls = DocumentUrls("http://h")

    url = urls.batch(PrintKind.SPECIFICATIONS, [INVOICE, ORDER], Language.EN)

    ids = f"{global_id('Order', INVOICE)},{global_id('Order', ORDER)}"
    assert url == f"http://h/documents/orders/specifications.pdf?ids={ids}&language=en"
