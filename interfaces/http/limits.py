"""A cap on the size of a request body, checked before anything parses it."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024
TOO_LARGE = "REQUEST_TOO_LARGE"


class RequestSizeLimit:
    """Pure ASGI wrapper: a body above `max_bytes` gets 413 and never reaches `app`.

    A declared `Content-Length` is refused at once; a body without one (chunked)
    is read up to the limit, then handed on as it came.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self.too_large()(scope, receive, send)
            return
        messages = await self._read_body(receive)
        if messages is None:
            await self.too_large()(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _read_body(self, receive: Receive) -> list[Message] | None:
        """The body's messages, or None once they hold more than `max_bytes`."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return None
            if not message.get("more_body", False):
                return messages

    def too_large(self) -> JSONResponse:
        error = {
            "message": f"The request body may hold at most {self.max_bytes} bytes.",
            "extensions": {"code": TOO_LARGE, "maxBytes": self.max_bytes},
        }
        return JSONResponse({"errors": [error]}, status_code=413)
