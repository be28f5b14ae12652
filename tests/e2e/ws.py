"""A minimal graphql-transport-ws client on the `websockets` library."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

PROTOCOL = Subprotocol("graphql-transport-ws")
TIMEOUT = 10

Message = dict[str, Any]


class GraphQLWebSocket:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, message: Message) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self) -> Message:
        """The next message that is not a ping (pings are answered)."""
        while True:
            raw = await asyncio.wait_for(self.connection.recv(), TIMEOUT)
            message: Message = json.loads(raw)
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            return message

    async def subscribe(self, operation_id: str, query: str, **variables: Any) -> None:
        payload = {"query": query, "variables": variables}
        await self.send({"id": operation_id, "type": "subscribe", "payload": payload})

    async def complete(self, operation_id: str) -> None:
        await self.send({"id": operation_id, "type": "complete"})


@asynccontextmanager
async def graphql_ws(url: str, key: str) -> AsyncIterator[GraphQLWebSocket]:
    """An acknowledged graphql-transport-ws connection, authenticated with `key`."""
    async with connect(url, subprotocols=[PROTOCOL], open_timeout=TIMEOUT) as connection:
        assert connection.subprotocol == PROTOCOL
        socket = GraphQLWebSocket(connection)
        payload = {"Authorization": f"Bearer {key}"}
        await socket.send({"type": "connection_init", "payload": payload})
        assert (await socket.receive())["type"] == "connection_ack"
        yield socket
