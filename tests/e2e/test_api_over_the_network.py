"""The real server on a loopback port: HTTP mutations and graphql-transport-ws subscriptions."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from tests.e2e.server import RunningServer
from tests.e2e.ws import graphql_ws

pytestmark = pytest.mark.e2e

CREATE_CUSTOMER = """mutation($code: String!) {
  createCustomer(input: {code: $code, name: "Acme Bouw B.V."}) {
    customer { id code name } errors { field code message }
  }
}"""
RENAME_CUSTOMER = """mutation($id: ID!, $name: String!) {
  updateCustomer(input: {id: $id, name: $name}) { errors { code } }
}"""
CREATE_ORDER = """mutation($customerId: ID!) {
  createOrder(input: {customerId: $customerId, description: "Advies"}) {
    order { id number } errors { field code message }
  }
}"""
UPDATE_ORDER = """mutation($id: ID!) {
  updateOrder(input: {id: $id, reference: "PO-1"}) { errors { code } }
}"""
SETUP_WORK = """mutation {
  createEmployee(input: {code: "ANNA", name: "Anna"}) { employee { id } errors { code } }
  createRateRule(input: {rate: "85"}) { errors { code } }
}"""
RECORD_BOOKING = """mutation($employeeId: ID!, $customerId: ID!) {
  recordBooking(input: {employeeId: $employeeId, customerId: $customerId,
                        date: "2026-11-02", hours: "8"}) { errors { code } }
}"""
GENERATE = """mutation {
  generateOrders(input: {periodStart: "2026-11-01", periodEnd: "2026-11-30"}) {
    orders { id number } errors { code message }
  }
}"""
ORDER_EVENTS = """subscription($customerId: ID) {
  orderEvents(customerId: $customerId) {
    kind orderId customerId number mergedOrderIds
    order { id number description reference total customer { code name } }
  }
}"""


async def graphql(http: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def new_customer(http: httpx.AsyncClient, code: str = "ACME") -> str:
    payload = (await graphql(http, CREATE_CUSTOMER, code=code))["createCustomer"]
    assert payload["errors"] == []
    return str(payload["customer"]["id"])


async def subscribers(server: RunningServer, expected: int) -> None:
    """Wait until the broker has `expected` live subscriptions."""
    broker = server.container.events()
    for _ in range(200):
        if broker.subscriber_count == expected:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{broker.subscriber_count} subscribers, expected {expected}")


async def test_a_mutation_over_real_http(http: httpx.AsyncClient) -> None:
    payload = (await graphql(http, CREATE_CUSTOMER, code="ACME"))["createCustomer"]
    assert payload["errors"] == []
    assert payload["customer"]["code"] == "ACME"
    again = (await graphql(http, CREATE_CUSTOMER, code="ACME"))["createCustomer"]
    assert again["errors"][0]["code"] == "DUPLICATE"
    data = await graphql(http, "{ customers { totalCount edges { node { name } } } }")
    assert data["customers"]["totalCount"] == 1


async def test_order_events_arrive_over_graphql_transport_ws(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    customer_id = await new_customer(http)
    async with graphql_ws(server.ws_url, server.admin_key) as ws:
        await ws.subscribe("orders", ORDER_EVENTS)
        await subscribers(server, 1)

        created = (await graphql(http, CREATE_ORDER, customerId=customer_id))["createOrder"]
        event = await ws.receive()
        assert event == {
            "id": "orders",
            "type": "next",
            "payload": {
                "data": {
                    "orderEvents": {
                        "kind": "CREATED",
                        "orderId": created["order"]["id"],
                        "customerId": customer_id,
                        "number": created["order"]["number"],
                        "mergedOrderIds": [],
                        "order": {
                            "id": created["order"]["id"],
                            "number": created["order"]["number"],
                            "description": "Advies",
                            "reference": None,
                            "total": "0",
                            "customer": {"code": "ACME", "name": "Acme Bouw B.V."},
                        },
                    }
                }
            },
        }

        employee = (await graphql(http, SETUP_WORK))["createEmployee"]
        await graphql(
            http, RECORD_BOOKING, employeeId=employee["employee"]["id"], customerId=customer_id
        )
        generated = (await graphql(http, GENERATE))["generateOrders"]
        assert generated["errors"] == []
        event = (await ws.receive())["payload"]["data"]["orderEvents"]
        assert (event["kind"], event["orderId"]) == ("CREATED", generated["orders"][0]["id"])
        assert event["order"]["total"] == "822.80"

        await ws.complete("orders")
        await subscribers(server, 0)


async def test_every_event_sees_fresh_data(server: RunningServer, http: httpx.AsyncClient) -> None:
    customer_id = await new_customer(http)
    async with graphql_ws(server.ws_url, server.admin_key) as ws:
        await ws.subscribe("orders", ORDER_EVENTS)
        await subscribers(server, 1)
        order_id = (await graphql(http, CREATE_ORDER, customerId=customer_id))["createOrder"][
            "order"
        ]["id"]
        first = (await ws.receive())["payload"]["data"]["orderEvents"]
        await graphql(http, RENAME_CUSTOMER, id=customer_id, name="Acme Holding")
        await graphql(http, UPDATE_ORDER, id=order_id)
        second = (await ws.receive())["payload"]["data"]["orderEvents"]
    assert first["order"]["customer"]["name"] == "Acme Bouw B.V."
    assert (second["kind"], second["order"]["reference"]) == ("CHANGED", "PO-1")
    assert second["order"]["customer"]["name"] == "Acme Holding"


async def test_order_events_of_one_customer(server: RunningServer, http: httpx.AsyncClient) -> None:
    acme = await new_customer(http, "ACME")
    delta = await new_customer(http, "DELTA")
    async with graphql_ws(server.ws_url, server.admin_key) as ws:
        await ws.subscribe("delta", ORDER_EVENTS, customerId=delta)
        await subscribers(server, 1)
        await graphql(http, CREATE_ORDER, customerId=acme)
        await graphql(http, CREATE_ORDER, customerId=delta)
        event = (await ws.receive())["payload"]["data"]["orderEvents"]
    assert (event["customerId"], event["number"]) == (delta, 2)


async def test_leaving_closes_the_event_stream(server: RunningServer) -> None:
    async with graphql_ws(server.ws_url, server.admin_key) as ws:
        await ws.subscribe("orders", ORDER_EVENTS)
        await subscribers(server, 1)
    await subscribers(server, 0)


async def test_the_legacy_graphql_ws_protocol_is_refused(server: RunningServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(server.ws_url, subprotocols=[Subprotocol("graphql-ws")]):
            pass
    assert refused.value.response.status_code == 403


async def test_a_bad_customer_id_ends_the_subscription_with_a_typed_error(
    server: RunningServer,
) -> None:
    async with graphql_ws(server.ws_url, server.admin_key) as ws:
        await ws.subscribe("bad", ORDER_EVENTS, customerId="not-an-id")
        message = await ws.receive()
        assert await ws.receive() == {"id": "bad", "type": "complete"}
    assert message["type"] == "next"
    (error,) = message["payload"]["errors"]
    assert error["extensions"] == {"code": "INVALID", "field": "customerId"}
    await subscribers(server, 0)


async def test_queries_and_mutations_also_run_over_the_websocket(server: RunningServer) -> None:
    async with graphql_ws(server.ws_url, server.admin_key) as ws:
        await ws.subscribe("create", CREATE_CUSTOMER, code="WS")
        created = await ws.receive()
        assert await ws.receive() == {"id": "create", "type": "complete"}
        await ws.subscribe("list", "{ customers { edges { node { code } } } }")
        listed = await ws.receive()
    assert created["payload"]["data"]["createCustomer"]["customer"]["code"] == "WS"
    assert listed["payload"]["data"]["customers"]["edges"] == [{"node": {"code": "WS"}}]
