"""Webhooks over loopback: subscribing, the empty validation POST, signed payloads."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from infrastructure.exact.sandbox.sandbox import Sandbox, SandboxConfig
from infrastructure.exact.sandbox.server import RunningSandbox, running_sandbox
from tests.exact.sandbox.support import (
    DEMO_DIVISION,
    SECOND_DIVISION,
    WebhookReceiver,
    account_id,
    authorised,
    control,
    error_text,
    post_invoice,
    results,
)

SUBSCRIPTIONS = f"{DEMO_DIVISION}/webhooks/WebhookSubscriptions"
SIGNED = re.compile(r'^{"Content":(.*),"HashCode":"(.*)"}$', re.DOTALL)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def subscribe(
    api: httpx.Client, url: str, topic: str = "SalesInvoices", division: int = DEMO_DIVISION
) -> httpx.Response:
    return api.post(
        f"{division}/webhooks/WebhookSubscriptions", json={"CallbackURL": url, "Topic": topic}
    )


def verify(raw: bytes, secret: str) -> dict[str, Any] | None:
    """picqer's check: HMAC-SHA256 of the text between {"Content": and ,"HashCode":."""
    match = SIGNED.match(raw.decode())
    if match is None:
        return None
    content, hash_code = match.groups()
    expected = hmac.new(secret.encode(), content.encode(), hashlib.sha256).hexdigest().upper()
    if not hmac.compare_digest(expected, hash_code):
        return None
    payload: dict[str, Any] = json.loads(content)
    return payload


def payloads(running: RunningSandbox, receiver: WebhookReceiver) -> list[dict[str, Any]]:
    """The verified Content of every non-empty POST received so far."""
    assert running.sandbox.webhooks.wait_idle(5)
    contents = []
    for body in receiver.bodies():
        if body:
            content = verify(body, running.webhook_secret)
            assert content is not None, body
            contents.append(content)
    return contents


def test_a_subscription_gets_the_empty_validation_post(
    exact_sandbox: RunningSandbox, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    response = subscribe(api, receiver.url)

    assert response.status_code == 201
    d = response.json()["d"]
    assert (d["CallbackURL"], d["Topic"], d["ClientID"]) == (
        receiver.url,
        "SalesInvoices",
        str(exact_sandbox.client_id),
    )
    [validation] = receiver.wait_for_count(1)
    assert validation.path == "/exact/webhook"
    assert validation.headers["content-length"] == "0"
    assert validation.body == b""


def test_processing_an_invoice_sends_a_signed_update_for_the_sales_invoices_topic(
    exact_sandbox: RunningSandbox, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    invoice = post_invoice(api)
    subscribe(api, receiver.url)
    exact_sandbox.sandbox.webhooks.wait_idle(5)

    control(
        exact_sandbox,
        "POST",
        f"divisions/{DEMO_DIVISION}/invoices/{invoice['InvoiceID']}/process",
    )

    [update] = payloads(exact_sandbox, receiver)
    endpoint = (
        f"{exact_sandbox.url}/api/v1/{DEMO_DIVISION}/salesinvoice/SalesInvoices"
        f"(guid'{invoice['InvoiceID']}')"
    )
    assert update["Topic"] == "SalesInvoices"
    assert update["Action"] == "Update"
    assert update["Key"] == invoice["InvoiceID"]
    assert update["Division"] == DEMO_DIVISION
    assert update["ClientId"] == str(exact_sandbox.client_id)
    # The endpoint's and EventCreatedOn's exact formats are unconfirmed: the sandbox
    # gives the entity's REST URL and a local ISO time with milliseconds.
    assert update["ExactOnlineEndpoint"] == endpoint
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", update["EventCreatedOn"])
    # The payload carries the key only: the client GETs the endpoint for the rest.
    fetched = api.get(endpoint).json()["d"]
    assert (fetched["Status"], fetched["InvoiceNumber"]) == (50, 26700001)


def test_the_hash_code_is_uppercase_hex_hmac_sha256_of_the_raw_content(
    exact_sandbox: RunningSandbox, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    subscribe(api, receiver.url)
    post_invoice(api)
    assert exact_sandbox.sandbox.webhooks.wait_idle(5)

    [raw] = [body for body in receiver.bodies() if body]

    match = SIGNED.match(raw.decode())
    assert match is not None
    content, hash_code = match.groups()
    assert re.fullmatch(r"[0-9A-F]{64}", hash_code)
    assert verify(raw, exact_sandbox.webhook_secret) == json.loads(content)
    assert json.loads(content)["Action"] == "Create"
    lowercase = raw.replace(hash_code.encode(), hash_code.lower().encode())
    tampered = raw.replace(b'"Action":"Create"', b'"Action":"Delete"')
    assert verify(lowercase, exact_sandbox.webhook_secret) is None
    assert verify(tampered, exact_sandbox.webhook_secret) is None
    assert verify(raw, "another-apps-secret") is None


def test_create_update_and_delete_of_an_account_arrive_in_order(
    exact_sandbox: RunningSandbox, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    subscribe(api, receiver.url, topic="Accounts")
    created = api.post(f"{DEMO_DIVISION}/crm/Accounts", json={"Name": "Webhook B.V."}).json()["d"]
    url = f"{DEMO_DIVISION}/crm/Accounts(guid'{created['ID']}')"
    api.put(url, json={"City": "Delft"})
    api.delete(url)

    events = payloads(exact_sandbox, receiver)

    assert [(event["Topic"], event["Action"], event["Key"]) for event in events] == [
        ("Accounts", "Create", created["ID"]),
        ("Accounts", "Update", created["ID"]),
        ("Accounts", "Delete", created["ID"]),
    ]


def test_only_subscribed_topics_and_divisions_are_delivered(
    exact_sandbox: RunningSandbox, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    subscribe(api, receiver.url, topic="SalesInvoices", division=SECOND_DIVISION)
    acme = account_id(api, "ACME")

    api.put(f"{DEMO_DIVISION}/crm/Accounts(guid'{acme}')", json={"City": "Breda"})
    post_invoice(api)

    assert payloads(exact_sandbox, receiver) == []
    assert len(receiver.bodies()) == 1  # the validation POST only


def test_deliveries_are_listed_by_the_control_api(
    exact_sandbox: RunningSandbox, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    subscribe(api, receiver.url)
    invoice = post_invoice(api)
    assert exact_sandbox.sandbox.webhooks.wait_idle(5)

    deliveries = control(exact_sandbox, "GET", "webhooks").json()["deliveries"]

    assert [
        (item["url"], item["topic"], item["action"], item["key"], item["status"], item["error"])
        for item in deliveries
    ] == [
        (receiver.url, None, None, None, 200, None),
        (receiver.url, "SalesInvoices", "Create", invoice["InvoiceID"], 200, None),
    ]


def test_a_deleted_subscription_gets_nothing_more(
    exact_sandbox: RunningSandbox, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    subscription = subscribe(api, receiver.url).json()["d"]
    deleted = api.delete(f"{SUBSCRIPTIONS}(guid'{subscription['ID']}')")

    post_invoice(api)

    assert deleted.status_code == 204
    assert payloads(exact_sandbox, receiver) == []
    assert results(api.get(SUBSCRIPTIONS)) == []


def test_a_plain_http_callback_off_loopback_is_refused(api: httpx.Client) -> None:
    response = subscribe(api, "http://hooks.example.com/exact")

    # Exact's status and wording for this are unconfirmed: the sandbox answers 400.
    assert response.status_code == 400
    assert error_text(response) == "The callback URL must use HTTPS"
    assert results(api.get(SUBSCRIPTIONS)) == []


def test_an_https_callback_is_accepted(api: httpx.Client) -> None:
    # Port 9 on loopback refuses at once: the validation POST fails fast and is only logged.
    response = subscribe(api, "https://127.0.0.1:9/exact")

    assert response.status_code == 201


def test_an_unknown_topic_is_refused(api: httpx.Client, receiver: WebhookReceiver) -> None:
    response = subscribe(api, receiver.url, topic="Nonsense")

    assert response.status_code == 500
    assert error_text(response) == "Invalid topic: Nonsense"


def test_the_validation_post_comes_after_the_configured_delay(receiver: WebhookReceiver) -> None:
    # Exact sends it "about a second" after the subscription; the sandbox's default is 1 s
    # (the shared fixture sets 0). A shorter delay keeps this test quick.
    sandbox = Sandbox(SandboxConfig(webhook_validation_delay=0.3))
    with running_sandbox(sandbox) as running, authorised(running) as api:
        started = time.monotonic()
        assert subscribe(api, receiver.url).status_code == 201
        assert receiver.bodies() == []

        [validation] = receiver.wait_for_count(1)

        assert time.monotonic() - started >= 0.3
        assert validation.body == b""
