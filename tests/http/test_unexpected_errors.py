"""A failure outside GraphQL answers a masked 500 naming the correlation id the log has."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from domain.documents import Document
from interfaces.http.correlation import CorrelationId
from tests.fakes import FakeDocumentRenderer
from tests.graphql import seed
from tests.graphql.api import Api

NEW_ID = re.compile(r"[0-9a-f]{32}")


class RendererOnFire(FakeDocumentRenderer):
    def render(self, documents: Sequence[Document]) -> bytes:
        raise RuntimeError("font cache at /srv/secret/path is corrupt")


@pytest.fixture
def renderer() -> FakeDocumentRenderer:
    return RendererOnFire()


async def concept_invoice_url(api: Api) -> str:
    await seed.office(api)
    (order,) = await seed.generate(api)
    return f"/documents/orders/{order['id']}/concept-invoice.pdf"


@pytest.mark.parametrize("given", [None, "print-99"])
async def test_a_failing_document_route_answers_a_masked_500(
    api: Api, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, given: str | None
) -> None:
    url = await concept_invoice_url(api)
    headers = {"X-Request-Id": given} if given else {}

    response = await client.get(url, headers=headers)

    ident = response.headers["X-Request-Id"]
    assert ident == given if given else NEW_ID.fullmatch(ident)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": {"code": "INTERNAL", "message": "Unexpected error.", "correlationId": ident}
    }
    assert "secret" not in response.text
    (record,) = [r for r in caplog.records if r.name == "hourbill.errors"]
    assert ident in record.getMessage()
    assert record.levelno == logging.ERROR
    assert "Traceback" in caplog.text
    assert "font cache at /srv/secret/path is corrupt" in caplog.text


async def test_client_mistakes_on_document_routes_keep_their_answers(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await client.get("/documents/orders/nonsense/concept-invoice.pdf")

    assert response.status_code == 400
    assert NEW_ID.fullmatch(response.headers["X-Request-Id"])
    assert not [r for r in caplog.records if r.name == "hourbill.errors"]


async def test_a_failure_after_the_answer_started_is_logged_and_not_answered_twice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def streaming(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("the stream broke")

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    scope: Scope = {"type": "http", "method": "GET", "path": "/stream", "headers": []}
    with pytest.raises(RuntimeError, match="the stream broke"):
        await CorrelationId(streaming)(scope, receive, send)

    assert [m["type"] for m in sent] == ["http.response.start"]
    assert (b"x-request-id", scope["correlation_id"].encode()) in sent[0]["headers"]
    assert scope["correlation_id"] in caplog.text
