"""webhooks/WebhookSubscriptions through the port."""

from __future__ import annotations

import pytest

from application.exact import ExactAuthError, ExactValidationError, WebhookSubscription
from infrastructure.exact.sandbox import schema
from tests.exact.contract.conftest import DIVISION, Exact, Gateway

CALLBACK = "http://127.0.0.1:9/exact/webhooks"  # loopback http: allowed by the sandbox


async def test_subscribe_list_unsubscribe(gateway: Gateway, exact: Exact) -> None:
    assert await gateway.webhook_subscriptions(DIVISION) == []

    subscription = await gateway.subscribe(DIVISION, "SalesInvoices", CALLBACK)

    assert (subscription.topic, subscription.callback_url) == ("SalesInvoices", CALLBACK)
    assert await gateway.webhook_subscriptions(DIVISION) == [subscription]
    [row] = exact.rows(schema.WEBHOOK_SUBSCRIPTIONS)
    assert row["ID"] == subscription.subscription_id

    await gateway.unsubscribe(DIVISION, subscription.subscription_id)

    assert await gateway.webhook_subscriptions(DIVISION) == []
    await gateway.unsubscribe(DIVISION, subscription.subscription_id)  # already gone: fine


async def test_two_topics(gateway: Gateway) -> None:
    invoices = await gateway.subscribe(DIVISION, "SalesInvoices", CALLBACK)
    accounts = await gateway.subscribe(DIVISION, "Accounts", "https://hooks.example/exact")

    listed = await gateway.webhook_subscriptions(DIVISION)

    assert sorted(listed, key=lambda s: s.topic) == [
        WebhookSubscription(accounts.subscription_id, "Accounts", "https://hooks.example/exact"),
        WebhookSubscription(invoices.subscription_id, "SalesInvoices", CALLBACK),
    ]


async def test_an_unknown_topic_is_refused(gateway: Gateway) -> None:
    with pytest.raises(ExactValidationError) as raised:
        await gateway.subscribe(DIVISION, "Bananas", CALLBACK)

    assert raised.value.message == "Invalid topic: Bananas"


async def test_a_plain_http_callback_elsewhere_is_refused(gateway: Gateway) -> None:
    with pytest.raises(ExactValidationError) as raised:
        await gateway.subscribe(DIVISION, "Accounts", "http://hooks.example/exact")

    assert (raised.value.status, raised.value.message) == (400, "The callback URL must use HTTPS")
    assert await gateway.webhook_subscriptions(DIVISION) == []


async def test_webhooks_of_a_division_without_access(gateway: Gateway) -> None:
    with pytest.raises(ExactAuthError):
        await gateway.webhook_subscriptions(999_999)
    with pytest.raises(ExactAuthError):
        await gateway.subscribe(999_999, "Accounts", CALLBACK)
