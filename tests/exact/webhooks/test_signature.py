"""Webhook signatures: what the sandbox signs, the adapter accepts; anything else is refused."""

from __future__ import annotations

import base64
import hmac
import uuid

import pytest

from infrastructure.exact.sandbox.webhooks import signed_body
from infrastructure.exact.webhook_signature import WebhookSignatureError, sign, verify

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


def _hash_of(body: str) -> str:
    return body[body.index('"HashCode":"') + 12 : -2]


@pytest.mark.parametrize(
    "forge",
    [
        lambda body, hash: body.replace(hash, hash[:32]),
        lambda body, hash: body.replace(hash, hash[:-1]),
        lambda body, hash: body.replace(hash, ""),
        lambda body, hash: body.replace(hash, hash + "00"),
        lambda body, hash: body.replace(
            hash, base64.b64encode(bytes.fromhex(hash)).decode().rstrip("=")
        ),
        lambda body, hash: body.replace(hash, base64.b64encode(bytes.fromhex(hash)).decode()),
        lambda body, hash: body.replace(hash, hash.encode().hex()),
        lambda body, hash: body.replace('"HashCode"', '"hashcode"'),
        lambda body, hash: body.replace(hash, " " + hash),
    ],
    ids=[
        "half the hash",
        "one digit short",
        "empty hash",
        "hash and more",
        "base64 without padding",
        "base64",
        "hex of the hex",
        "field renamed",
        "padded hash",
    ],
)
def test_a_truncated_or_otherwise_encoded_signature_is_refused(forge: object) -> None:
    body = signed_body(CONTENT, SECRET)

    forged = forge(body, _hash_of(body))  # type: ignore[operator]

    assert forged != body
    with pytest.raises(WebhookSignatureError):
        verify(forged.encode(), SECRET)


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[1, 2]", b'"Update"', b"{}", b'{"Topic": "SalesInvoices"}'],
    ids=["not json", "a list", "a string", "empty", "no key"],
)
def test_a_signed_body_that_is_no_event_is_refused_not_an_error(content: bytes) -> None:
    """Signed with the right secret (so from Exact, or from whoever holds the secret)."""
    body = b'{"Content":' + content + b',"HashCode":"' + sign(content, SECRET).encode() + b'"}'

    with pytest.raises(WebhookSignatureError, match="not an event"):
        verify(body, SECRET)


def test_the_hash_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through hmac.compare_digest: `==` would stop at the first wrong digit."""
    compared: list[tuple[bytes, bytes]] = []
    constant_time = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return constant_time(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    body = signed_body(CONTENT, SECRET)
    forged = body.replace(_hash_of(body), "0" * 64)

    verify(body.encode(), SECRET)
    with pytest.raises(WebhookSignatureError):
        verify(forged.encode(), SECRET)

    assert compared == [
        (_hash_of(body).encode(), _hash_of(body).encode()),
        (_hash_of(body).encode(), b"0" * 64),
    ]
