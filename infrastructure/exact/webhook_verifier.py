"""The `ExactWebhookVerifier` port over the HMAC check of `webhook_signature`."""

from __future__ import annotations

from application.invoice_sync import ExactNotification, WebhookRejected
from infrastructure.exact import webhook_signature


class HmacWebhookVerifier:
    """Verifies with the app's webhook secret; with none configured, refuses every call."""

    def __init__(self, secret: str | None) -> None:
        self._secret = secret or None

    @property
    def configured(self) -> bool:
        return self._secret is not None

    def verify(self, body: bytes) -> ExactNotification:
        if self._secret is None:
            raise WebhookRejected("no webhook secret is configured (HOURBILL_EXACT_WEBHOOK_SECRET)")
        try:
            event = webhook_signature.verify(body, self._secret)
        except webhook_signature.WebhookSignatureError as error:
            raise WebhookRejected(str(error)) from None
        return ExactNotification(event.topic, event.action, event.division, event.key)
