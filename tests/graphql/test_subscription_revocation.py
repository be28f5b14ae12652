"""A running subscription ends when its key is revoked (checked before an event goes out)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from starlette.applications import Starlette

from application.service import Hourbill
from application.use_cases.customers import CreateCustomerRequest
from application.use_cases.orders import CreateOrderRequest
from domain.access import Role
from interfaces.graphql import subscriptions
from tests.support.asgi_ws import AsgiWebSocket, websocket
from tests.support.keys import bearer, make_key

EVENTS = "subscription { orderEvents { kind } }"


async def subscribed(socket: AsgiWebSocket, token: str) -> None:
    await socket.send_json({"type": "connection_init", "payload": bearer(token)})
    assert (await socket.receive_json())["type"] == "connection_ack"
    await socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}})
    await asyncio.sleep(0.2)  # the subscription listens before the first event is published


async def make_order(hourbill: Hourbill) -> None:
    code = uuid.uuid4().hex[:8]
    customer = await hourbill.create_customer.execute(CreateCustomerRequest(code, "Acme"))
    await hourbill.create_order.execute(CreateOrderRequest(customer_id=customer.id))


async def test_the_next_event_after_revoking_ends_the_subscription(
    app: Starlette, hourbill: Hourbill, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subscriptions, "KEY_RECHECK_SECONDS", 0.0)
    token = await make_key(hourbill, Role.VIEWER, "dashboard")

    async with websocket(app, "/graphql", "graphql-transport-ws") as socket:
        await subscribed(socket, token)
        await make_order(hourbill)
        delivered = await socket.receive_json()
        await hourbill.revoke_api_key.execute("dashboard")
        await make_order(hourbill)
        refused = await socket.receive_json()
        completed = await socket.receive_json()

    assert delivered["payload"]["data"] == {"orderEvents": {"kind": "CREATED"}}
    assert refused["type"] == "next"
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert completed == {"id": "1", "type": "complete"}


async def test_a_valid_key_is_checked_again_but_keeps_receiving(
    app: Starlette, hourbill: Hourbill, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subscriptions, "KEY_RECHECK_SECONDS", 0.0)
    token = await make_key(hourbill, Role.VIEWER, "dashboard")

    async with websocket(app, "/graphql", "graphql-transport-ws") as socket:
        await subscribed(socket, token)
        await make_order(hourbill)
        await make_order(hourbill)
        first, second = await socket.receive_json(), await socket.receive_json()

    assert [m["payload"]["data"]["orderEvents"]["kind"] for m in (first, second)] == [
        "CREATED",
        "CREATED",
    ]
