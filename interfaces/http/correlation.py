"""Every request gets a correlation id; an unhandled exception becomes a masked 500.

The id is the client's `X-Request-Id` when it is sane, else a new one. It is
echoed in the `X-Request-Id` response header (on websockets: in the handshake's
answer), kept in `scope["correlation_id"]`, and current (interfaces/correlation.py)
while the request is handled, so masked errors and log lines name it.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interfaces.correlation import (
    HEADER,
    INTERNAL,
    UNEXPECTED,
    correlated,
    correlation_id_from,
    log_unexpected,
)

SCOPE_KEY = "correlation_id"


class CorrelationId:
    """Pure ASGI middleware: correlation ids for HTTP and websockets, masked 500s."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        ident = correlation_id_from(Headers(scope=scope).get(HEADER))
        scope[SCOPE_KEY] = ident
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] in ("http.response.start", "websocket.accept"):
                started = True
                message.setdefault("headers", [])
                MutableHeaders(scope=message)[HEADER] = ident
            await send(message)

        with correlated(ident):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as error:
                log_unexpected(error, f"{scope['type']} {scope.get('path', '')}")
                if started or scope["type"] != "http":
                    raise
                await internal_error(ident)(scope, receive, send_with_id)


def internal_error(correlation_id: str) -> JSONResponse:
    body = {"error": {"code": INTERNAL, "message": UNEXPECTED, "correlationId": correlation_id}}
    return JSONResponse(body, status_code=500, headers={"Cache-Control": "no-store"})
