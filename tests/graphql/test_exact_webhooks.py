"""`POST /exact/webhooks` through HTTP: Exact's validation call, signed events, forgeries."""

from __future__ import annotations

import base64
import dataclasses
import logging
import uuid

import httpx
import pytest
from dependency_injector import providers
from starlette.applications import Starlette

from application.invoice_sync import HandleExactWebhook
from application.service import Hourbill
from domain.invoices import Invoice, InvoiceState
from hourbill.container import Container, build_container
from hourbill.settings import Settings
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox.sandbox import DEMO_WEBHOOK_SECRET
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.exact.sandbox.webhooks import signed_body
from infrastructure.exact.webhook_signature import sign
from infrastructure.exact.webhook_verifier import HmacWebhookVerifier
from interfaces.http.app import create_app
from interfaces.http.webhooks import MAX_BODY
from tests.fakes import FakeStore
from tests.graphql.api import Api
from tests.support.sent_invoices import exact_invoice, sent_invoice

SECRET = "route-test-secret"
URL = "/exact/webhooks"


@pytest.fixture(autouse=True)
def verifier(container: object) -> None:
    container.exact_webhook_verifier.override(  # type: ignore[attr-defined]
        providers.Object(HmacWebhookVerifier(SECRET))
    )


@pytest.fixture
def handler(hourbill: Hourbill) -> HandleExactWebhook:
    return hourbill.handle_exact_webhook


def processed_in_exact(store: FakeStore, exact: FakeExactGateway) -> tuple[Invoice, int]:
    invoice = sent_invoice(exact_invoice(exact.administration), order_number=7)
    store.invoices[invoice.id] = invoice
    assert invoice.division is not None
    assert invoice.exact_invoice_id is not None
    printed = exact.process_invoice(invoice.division, invoice.exact_invoice_id)
    assert printed.invoice_number is not None
    return invoice, printed.invoice_number


def event_for(invoice: Invoice, secret: str = SECRET, action: str = "Update") -> str:
    content = {
        "Topic": "SalesInvoices",
        "ClientId": str(uuid.uuid4()),
        "Division": invoice.division,
        "Action": action,
        "Key": str(invoice.exact_invoice_id),
        "ExactOnlineEndpoint": "https://start.exactonline.nl/api/v1/123456/salesinvoice/…",
        "EventCreatedOn": "2026-11-30T13:00:00.000",
    }
    return signed_body(content, secret)


async def test_exacts_validation_call_is_answered_200(
    client: httpx.AsyncClient, exact_gateway: FakeExactGateway
) -> None:
    response = await client.post(URL, content=b"")

    assert response.status_code == 200
    assert exact_gateway.calls == []


async def test_a_signed_event_numbers_the_invoice(
    client: httpx.AsyncClient,
    store: FakeStore,
    exact_gateway: FakeExactGateway,
    handler: HandleExactWebhook,
) -> None:
    invoice, number = processed_in_exact(store, exact_gateway)

    response = await client.post(
        URL, content=event_for(invoice), headers={"Content-Type": "application/json"}
    )
    await handler.idle()

    assert response.status_code == 200
    assert response.content == b""
    assert store.invoices[invoice.id].state is InvoiceState.PROCESSED
    assert store.invoices[invoice.id].exact_invoice_number == number
    assert exact_gateway.calls == ["sales_invoices"]


def _hash(body: str) -> str:
    return body[body.index('"HashCode":"') + 12 : -2]


def _signed_content(content: str, secret: str = SECRET) -> str:
    return f'{{"Content":{content},"HashCode":"{sign(content.encode(), secret)}"}}'


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        pytest.param(
            lambda body: body.replace("Update", "Delete"), "does not match", id="content changed"
        ),
        pytest.param(
            lambda body: body[: body.index(',"HashCode"')] + "}", "not an Exact", id="unsigned"
        ),
        pytest.param(
            lambda body: body.replace(_hash(body), _hash(body).lower()),
            "does not match",
            id="lowercase hash",
        ),
        pytest.param(lambda body: body.lower(), "not an Exact", id="all lowercase"),
        pytest.param(lambda body: "garbage", "not an Exact", id="not json"),
        pytest.param(
            lambda body: body.replace(_hash(body), _hash(body)[:40]),
            "does not match",
            id="truncated signature",
        ),
        pytest.param(
            lambda body: body.replace(_hash(body), ""), "does not match", id="empty signature"
        ),
        pytest.param(
            lambda body: body.replace(
                _hash(body), base64.b64encode(bytes.fromhex(_hash(body))).decode()
            ),
            "not an Exact",
            id="base64 signature",
        ),
        pytest.param(
            lambda body: body.replace(_hash(body), sign(b"other", SECRET)),
            "does not match",
            id="signature of other content",
        ),
        pytest.param(
            lambda body: _signed_content(body[11 : body.index(',"HashCode"')], "someone else"),
            "does not match",
            id="wrong secret",
        ),
        pytest.param(
            lambda body: _signed_content('{"Topic": "SalesInvoices"}'),
            "not an event",
            id="signed but no event",
        ),
        pytest.param(
            lambda body: _signed_content("not json"), "not an event", id="signed but not json"
        ),
    ],
)
async def test_forged_or_unsigned_calls_get_401_and_change_nothing(
    client: httpx.AsyncClient,
    store: FakeStore,
    exact_gateway: FakeExactGateway,
    handler: HandleExactWebhook,
    caplog: pytest.LogCaptureFixture,
    forge: object,
    reason: str,
) -> None:
    invoice, _ = processed_in_exact(store, exact_gateway)
    genuine = event_for(invoice)
    body = forge(genuine)  # type: ignore[operator]
    before = dataclasses.asdict(store.invoices[invoice.id])

    with caplog.at_level(logging.DEBUG):
        response = await client.post(URL, content=body)
    await handler.idle()

    assert response.status_code == 401
    assert response.text == "Invalid signature"
    assert dataclasses.asdict(store.invoices[invoice.id]) == before
    assert exact_gateway.calls == []
    [refusal] = [r for r in caplog.records if r.name == "interfaces.http.webhooks"]
    assert refusal.levelno == logging.WARNING
    assert "refused an Exact webhook call" in refusal.getMessage()
    assert reason in refusal.getMessage()
    # neither the body, nor its signature, nor the secret is logged
    for secret in (SECRET, str(invoice.exact_invoice_id), _hash(genuine), body):
        assert secret not in caplog.text


async def test_an_event_signed_with_another_secret_is_refused(
    client: httpx.AsyncClient, store: FakeStore, exact_gateway: FakeExactGateway
) -> None:
    invoice, _ = processed_in_exact(store, exact_gateway)

    response = await client.post(URL, content=event_for(invoice, secret="someone else"))

    assert response.status_code == 401
    assert store.invoices[invoice.id].state is InvoiceState.SENT


async def test_without_a_webhook_secret_every_event_is_refused(
    container: Container,
    store: FakeStore,
    exact_gateway: FakeExactGateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    invoice, _ = processed_in_exact(store, exact_gateway)
    container.exact_webhook_verifier.override(providers.Object(HmacWebhookVerifier(None)))
    app = create_app(container.hourbill())
    transport = httpx.ASGITransport(app=app)

    async with httpx.AsyncClient(transport=transport, base_url="http://hourbill.test") as exact:
        with caplog.at_level(logging.DEBUG):
            response = await exact.post(URL, content=event_for(invoice, secret=""))

    assert response.status_code == 401
    assert store.invoices[invoice.id].state is InvoiceState.SENT
    assert exact_gateway.calls == []
    assert "no webhook secret is configured" in caplog.text


async def test_webhooks_need_no_api_key_but_a_signature(
    app: Starlette, store: FakeStore, exact_gateway: FakeExactGateway, handler: HandleExactWebhook
) -> None:
    invoice, number = processed_in_exact(store, exact_gateway)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hourbill.test") as exact:
        forged = await exact.post(URL, content=event_for(invoice, secret="guess"))
        genuine = await exact.post(URL, content=event_for(invoice))
    await handler.idle()

    assert (forged.status_code, genuine.status_code) == (401, 200)
    assert store.invoices[invoice.id].exact_invoice_number == number


async def test_an_oversized_body_is_refused_unread(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, content=b"x" * (MAX_BODY + 1))

    assert response.status_code == 413


async def test_only_post_is_served(client: httpx.AsyncClient) -> None:
    assert (await client.get(URL)).status_code == 405


def test_the_embedded_default_verifies_with_the_sandboxs_secret() -> None:
    embedded = build_container(Settings(exact_client_id=None, exact_base_url=None))
    configured = build_container(
        Settings(exact_client_id="app", exact_webhook_secret="from-app-center")
    )
    unset = build_container(Settings(exact_client_id="app"))
    content = {
        "Topic": "SalesInvoices",
        "Action": "Update",
        "Division": 1,
        "Key": str(uuid.uuid4()),
    }

    notice = embedded.exact_webhook_verifier().verify(
        signed_body(content, DEMO_WEBHOOK_SECRET).encode()
    )
    assert notice.topic == "SalesInvoices"
    assert configured.exact_webhook_verifier().verify(
        signed_body(content, "from-app-center").encode()
    )
    assert not unset.exact_webhook_verifier().configured
    assert embedded.settings().webhook_url() == "http://127.0.0.1:8000/exact/webhooks"


SUBSCRIBE = """mutation { subscribeExactWebhooks {
  webhooks { division topic callbackUrl subscribed changed } errors { field code message } } }"""
UNSUBSCRIBE = SUBSCRIBE.replace("subscribeExactWebhooks", "unsubscribeExactWebhooks")


async def test_subscribing_to_exacts_events_is_idempotent(
    api: Api, store: FakeStore, exact_gateway: FakeExactGateway
) -> None:
    store.settings.exact_division = DEMO_DIVISION

    first = await api.ok(SUBSCRIBE)
    second = await api.ok(SUBSCRIBE)
    subscriptions = await exact_gateway.webhook_subscriptions(DEMO_DIVISION)
    removed = await api.ok(UNSUBSCRIBE)

    expected = {
        "division": DEMO_DIVISION,
        "topic": "SalesInvoices",
        "callbackUrl": "http://127.0.0.1:8000/exact/webhooks",
        "subscribed": True,
        "changed": True,
    }
    assert first["webhooks"] == expected
    assert second["webhooks"] == {**expected, "changed": False}
    assert [(s.topic, s.callback_url) for s in subscriptions] == [
        ("SalesInvoices", expected["callbackUrl"])
    ]
    assert removed["webhooks"] == {**expected, "subscribed": False}
    assert await exact_gateway.webhook_subscriptions(DEMO_DIVISION) == []


async def test_subscribing_without_a_division_is_a_typed_error(
    api: Api, exact_gateway: FakeExactGateway
) -> None:
    errors = await api.errors(SUBSCRIBE)

    assert [(e["field"], e["code"]) for e in errors] == [(None, "NOT_CONFIGURED")]
    assert exact_gateway.calls == []
