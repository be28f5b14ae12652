"""`POST /exact/webhooks`: where Exact Online posts its events.

Exact first sends an empty POST to check the URL answers (any 2xx will do).
Every event after that is signed; the signature is checked on the raw body,
and a call that is unsigned, malformed or forged gets 401 and changes nothing
(it is logged without its body). A good call is answered 200 at once; the
refresh it asks for runs in the background, and if it fails, polling catches up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response

from application.invoice_sync import HandleExactWebhook, WebhookRejected

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
"""An event is a few hundred bytes; anything much larger is not from Exact."""


def exact_webhooks(handler: HandleExactWebhook) -> Callable[[Request], Awaitable[Response]]:
    async def receive(request: Request) -> Response:
        body = await _body(request)
        if body is None:
            return PlainTextResponse("Payload too large", status_code=413)
        if not body.strip():
            return Response(status_code=200)  # Exact's validation call
        try:
            notification = handler.accept(body)
        except WebhookRejected as error:
            client = request.client.host if request.client else "unknown"
            log.warning("refused an Exact webhook call from %s: %s", client, error)
            return PlainTextResponse("Invalid signature", status_code=401)
        log.debug(
            "Exact webhook: %s %s %s in %s",
            notification.topic,
            notification.action,
            notification.key,
            notification.division,
        )
        return Response(status_code=200)

    return receive


async def _body(request: Request) -> bytes | None:
    """The raw body, or None when it exceeds MAX_BODY (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                return None
            chunks.append(chunk)
    except ClientDisconnect:
        return b""
    return b"".join(chunks)
