"""A websocket to an ASGI app in this process: no server, no port (Starlette's TestClient
needs httpx2 and a thread; this needs neither)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from starlette.types import ASGIApp, Message

TIMEOUT = 5


class AsgiWebSocket:
    def __init__(
        self, accepted: Message, to_app: asyncio.Queue[Message], from_app: asyncio.Queue[Message]
    ) -> None:
        self.headers = {k.decode().lower(): v.decode() for k, v in accepted.get("headers", [])}
        self._to_app = to_app
        self._from_app = from_app

    async def send_json(self, data: Any) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json(self) -> Any:
        message = await asyncio.wait_for(self._from_app.get(), TIMEOUT)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])


@asynccontextmanager
async def websocket(
    app: ASGIApp, path: str, subprotocol: str, headers: Mapping[str, str] | None = None
) -> AsyncIterator[AsgiWebSocket]:
    """An accepted websocket to `app`; closed (by the client) on leaving."""
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message] = asyncio.Queue()
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "server": ("hourbill.test", 80),
        "client": ("127.0.0.1", 50000),
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"hourbill.test"),
            (b"sec-websocket-protocol", subprotocol.encode()),
            *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
        ],
        "subprotocols": [subprotocol],
        "state": {},
    }
    await to_app.put({"type": "websocket.connect"})

    async def run() -> None:
        await app(scope, to_app.get, from_app.put)

    task = asyncio.create_task(run())
    accepted = await asyncio.wait_for(from_app.get(), TIMEOUT)
    assert accepted["type"] == "websocket.accept", accepted
    try:
        yield AsgiWebSocket(accepted, to_app, from_app)
    finally:
        await to_app.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(task, TIMEOUT)
