"""Webhook signatures: what the sandbox signs, the adapter accepts; anything else is refused."""

from __future__ import annotations

import uuid

import pytest

from infrastructure.exact.sandbox.webhooks import signed_body
from infrastructure.exact.webhook_signature import WebhookSignatureError, verify

SECRET = "sandbox-webhook-secret"
KEY = uuid.UUID("0f9d6c1e-43c1-4c4f-9a41-1b7c3c6f2d10")
CONTENT = {
    "Topic": "SalesInvoices",
    "ClientId": "5b7e1c3a-2f4d-4e8b-9a6c-0d1e2f3a4b5c",
    "Division": 123456,
    "Action": "Update",
    "Key": str(KEY),
    "ExactOnlineEndpoint": f"https://start.exactonline.nl/api/v1/123456/salesinvoice/SalesInvoices(guid'{KEY}')",
    "EventCreatedOn": "2026-11-21T10:00:00.000",
}


def test_a_body_signed_as_exact_signs_is_accepted() -> None:
    event = verify(signed_body(CONTENT, SECRET).encode(), SECRET)

    assert (event.topic, event.action, event.division, event.key) == (
        "SalesInvoices",
        "Update",
        123456,
        KEY,
    )
    assert event.endpoint == CONTENT["ExactOnlineEndpoint"]


@pytest.mark.parametrize(
    "forge",
    [
        lambda body: body.replace('"Update"', '"Delete"'),
        lambda body: body.replace(body[-66:-2], body[-66:-2].lower()),
        lambda body: body.replace(body[-66:-2], "0" * 64),
        lambda body: body.split(',"HashCode"')[0] + "}",
        lambda body: "",
    ],
    ids=["tampered content", "lowercase hex", "wrong hash", "unsigned", "empty"],
)
def test_forged_or_unsigned_bodies_are_refused(forge: object) -> None:
    body = forge(signed_body(CONTENT, SECRET))  # type: ignore[operator]

    with pytest.raises(WebhookSignatureError):
        verify(body.encode(), SECRET)


def test_another_apps_secret_does_not_verify() -> None:
    with pytest.raises(WebhookSignatureError):
        verify(signed_body(CONTENT, SECRET).encode(), "another-secret")
