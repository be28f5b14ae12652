"""Checking that a webhook call really comes from Exact.

Exact posts ``{"Content":{…},"HashCode":"…"}`` where HashCode is the uppercase
hex HMAC-SHA256 of the raw text between ``{"Content":`` and ``,"HashCode":``,
keyed with the app's webhook secret. The check runs on the raw bytes (parsing
and re-serialising would change the text) and compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

_BODY = re.compile(rb'^\{"Content":(?P<content>.*),"HashCode":"(?P<hash>[0-9A-Fa-f]*)"\}$', re.S)


class WebhookSignatureError(ValueError):
    """Unsigned, malformed or forged: refuse the call."""


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    topic: str
    action: str
    division: int
    key: uuid.UUID
    endpoint: str | None
    client_id: str | None


def sign(content: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), content, hashlib.sha256).hexdigest().upper()


def verify(body: bytes, secret: str) -> WebhookEvent:
    """The event in a signed body, or WebhookSignatureError."""
    match = _BODY.match(body.strip())
    if match is None:
        raise WebhookSignatureError("not an Exact webhook body")
    expected = sign(match.group("content"), secret)
    if not hmac.compare_digest(expected.encode(), match.group("hash")):
        raise WebhookSignatureError("the HashCode does not match")
    return _event(match.group("content"))


def _event(signed: bytes) -> WebhookEvent:
    try:
        content: Any = json.loads(signed)
        return WebhookEvent(
            topic=str(content["Topic"]),
            action=str(content["Action"]),
            division=int(content["Division"]),
            key=uuid.UUID(str(content["Key"])),
            endpoint=content.get("ExactOnlineEndpoint"),
            client_id=content.get("ClientId"),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise WebhookSignatureError(f"the signed content is not an event: {error}") from None
