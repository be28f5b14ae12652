"""Subscriptions see what happens in every server process on one PostgreSQL database.

A websocket client (graphql-transport-ws) talks to server A only; the changes
come through server B's HTTP API, or from a publisher standing in for a worker
process. Nothing but PostgreSQL connects A and B.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from domain.events import InvoiceEvent, InvoiceEventKind, InvoiceRunProgressEvent
from infrastructure.events_postgres import PostgresEventBroker
from infrastructure.persistence.database import Database
from interfaces.graphql.ids import global_id
from tests.e2e.server import RunningServer, spawned_servers
from tests.e2e.test_api_over_the_network import (
    CREATE_ORDER,
    ORDER_EVENTS,
    UPDATE_ORDER,
    graphql,
    new_customer,
    subscribers,
)
from tests.e2e.ws import GraphQLWebSocket, graphql_ws

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

INVOICE_EVENTS = """subscription($customerId: ID, $invoiceId: ID, $runId: ID) {
  invoiceEvents(customerId: $customerId, invoiceId: $invoiceId, runId: $runId) {
    kind invoiceId customerId runId state number message invoice { id state }
  }
}"""
RUN_PROGRESS = """subscription($runId: ID!) {
  invoiceRunProgress(runId: $runId) { runId total done failed remaining }
}"""

Servers = tuple[RunningServer, RunningServer]


@pytest.fixture
async def clients(two_servers_on_postgres: Servers) -> AsyncIterator[list[httpx.AsyncClient]]:
    async with (
        httpx.AsyncClient(
            base_url=two_servers_on_postgres[0].base_url,
            headers=two_servers_on_postgres[0].headers,
            timeout=10,
        ) as a,
        httpx.AsyncClient(
            base_url=two_servers_on_postgres[1].base_url,
            headers=two_servers_on_postgres[1].headers,
            timeout=10,
        ) as b,
    ):
        yield [a, b]


@pytest.fixture
async def worker(postgres_url: str) -> AsyncIterator[PostgresEventBroker]:
    """A publisher on the same database: what an invoicing worker process publishes through."""
    database = Database(postgres_url)
    broker = PostgresEventBroker(database)
    yield broker
    await broker.aclose()
    await database.dispose()


def order_events(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] == "next", message
    event: dict[str, Any] = message["payload"]["data"]["orderEvents"]
    return event


async def test_a_subscriber_on_one_server_receives_the_order_events_of_the_other(
    two_servers_on_postgres: Servers, clients: list[httpx.AsyncClient]
) -> None:
    a, b = two_servers_on_postgres
    _, on_b = clients
    customer_id = await new_customer(on_b)
    async with graphql_ws(a.ws_url, a.admin_key) as ws_a, graphql_ws(b.ws_url, b.admin_key) as ws_b:
        await ws_a.subscribe("orders", ORDER_EVENTS)
        await ws_b.subscribe("orders", ORDER_EVENTS)
        await subscribers(a, 1)
        await subscribers(b, 1)

        created = (await graphql(on_b, CREATE_ORDER, customerId=customer_id))["createOrder"]
        order_id = created["order"]["id"]
        await graphql(on_b, UPDATE_ORDER, id=order_id)
        second = (await graphql(on_b, CREATE_ORDER, customerId=customer_id))["createOrder"]

        for ws in (ws_a, ws_b):
            events = [order_events(await ws.receive()) for _ in range(3)]
            assert [(e["kind"], e["orderId"]) for e in events] == [
                ("CREATED", order_id),
                ("CHANGED", order_id),
                ("CREATED", second["order"]["id"]),
            ]
            assert events[0]["order"]["customer"] == {"code": "ACME", "name": "Acme Bouw B.V."}
            assert events[1]["order"]["reference"] == "PO-1"


async def test_invoice_events_of_a_worker_reach_subscribers_filtered_and_typed(
    two_servers_on_postgres: Servers, worker: PostgresEventBroker
) -> None:
    a, _ = two_servers_on_postgres
    run_id, other_run = uuid.uuid4(), uuid.uuid4()
    customer_id, invoice_id = uuid.uuid4(), uuid.uuid4()
    failed = InvoiceEvent(
        InvoiceEventKind.FAILED, invoice_id, customer_id, "FAILED", 4711, run_id, "Boekjaar dicht"
    )
    async with graphql_ws(a.ws_url, a.admin_key) as ws:
        await ws.subscribe("run", INVOICE_EVENTS, runId=global_id("InvoiceRun", run_id))
        await ws.subscribe("progress", RUN_PROGRESS, runId=global_id("InvoiceRun", run_id))
        await subscribers(a, 2)

        await worker.publish(
            [
                InvoiceEvent(
                    InvoiceEventKind.SENT, uuid.uuid4(), customer_id, "SENT", 1, other_run
                ),
                InvoiceRunProgressEvent(other_run, total=1, done=1, failed=0),
                failed,
                InvoiceRunProgressEvent(run_id, total=3, done=1, failed=1),
            ]
        )
        received = {message["id"]: message for message in [await ws.receive(), await ws.receive()]}

    assert received["run"]["payload"]["data"]["invoiceEvents"] == {
        "kind": "FAILED",
        "invoiceId": global_id("Invoice", invoice_id),
        "customerId": global_id("Customer", customer_id),
        "runId": global_id("InvoiceRun", run_id),
        "state": "FAILED",
        "number": 4711,
        "message": "Boekjaar dicht",
        "invoice": None,  # the stand-in worker published an invoice this database never had
    }
    assert received["progress"]["payload"]["data"]["invoiceRunProgress"] == {
        "runId": global_id("InvoiceRun", run_id),
        "total": 3,
        "done": 1,
        "failed": 1,
        "remaining": 1,
    }


async def test_invoice_events_of_one_customer_or_one_invoice(
    two_servers_on_postgres: Servers, worker: PostgresEventBroker
) -> None:
    a, _ = two_servers_on_postgres
    acme, delta, invoice_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with graphql_ws(a.ws_url, a.admin_key) as ws:
        await ws.subscribe("delta", INVOICE_EVENTS, customerId=global_id("Customer", delta))
        await ws.subscribe("invoice", INVOICE_EVENTS, invoiceId=global_id("Invoice", invoice_id))
        await subscribers(a, 2)

        await worker.publish(
            [
                InvoiceEvent(InvoiceEventKind.CREATED, uuid.uuid4(), acme, "QUEUED", 1),
                InvoiceEvent(InvoiceEventKind.SENT, invoice_id, acme, "SENT", 2),
                InvoiceEvent(InvoiceEventKind.PROCESSED, uuid.uuid4(), delta, "PROCESSED", 3),
            ]
        )
        received = {message["id"]: message for message in [await ws.receive(), await ws.receive()]}

    numbers = {key: m["payload"]["data"]["invoiceEvents"]["number"] for key, m in received.items()}
    assert numbers == {"invoice": 2, "delta": 3}


async def test_a_bad_run_id_ends_the_subscription_with_a_typed_error(
    two_servers_on_postgres: Servers,
) -> None:
    a, _ = two_servers_on_postgres
    async with graphql_ws(a.ws_url, a.admin_key) as ws:
        await ws.subscribe("bad", RUN_PROGRESS, runId=global_id("Customer", uuid.uuid4()))
        message = await ws.receive()
        assert await ws.receive() == {"id": "bad", "type": "complete"}
    (error,) = message["payload"]["errors"]
    assert error["extensions"] == {"code": "INVALID", "field": "runId"}


async def terminate_listeners(postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                )
            )
    finally:
        await database.dispose()


async def test_after_the_listener_lost_its_connection_subscriptions_complete_and_can_resubscribe(
    two_servers_on_postgres: Servers, clients: list[httpx.AsyncClient], postgres_url: str
) -> None:
    a, _ = two_servers_on_postgres
    _, on_b = clients
    customer_id = await new_customer(on_b)
    async with graphql_ws(a.ws_url, a.admin_key) as ws:
        await ws.subscribe("orders", ORDER_EVENTS)
        await subscribers(a, 1)

        await terminate_listeners(postgres_url)

        assert await ws.receive() == {"id": "orders", "type": "complete"}
        await ws.subscribe("again", ORDER_EVENTS)
        await subscribers(a, 1)
        created = (await graphql(on_b, CREATE_ORDER, customerId=customer_id))["createOrder"]
        event = order_events(await ws.receive())
    assert event["orderId"] == created["order"]["id"]


async def warm_up(ws: GraphQLWebSocket, http: httpx.AsyncClient, customer_id: str) -> None:
    """Create orders until the subscription delivers one, then take the rest: it is live.

    A spawned server cannot be asked whether the subscription is in place yet.
    """
    created: list[str] = []
    for _ in range(50):
        payload = (await graphql(http, CREATE_ORDER, customerId=customer_id))["createOrder"]
        created.append(payload["order"]["id"])
        try:
            message = await asyncio.wait_for(ws.receive(), 0.2)
        except TimeoutError:
            continue
        first = created.index(order_events(message)["orderId"])
        later = [order_events(await ws.receive())["orderId"] for _ in created[first + 1 :]]
        assert later == created[first + 1 :]
        return
    raise AssertionError("the subscription never delivered an event")


async def test_two_hourbill_serve_processes_share_their_events(
    postgres_url: str, tmp_path: Path
) -> None:
    with spawned_servers(postgres_url, tmp_path, 2) as (a, b):
        async with httpx.AsyncClient(base_url=b.base_url, headers=b.headers, timeout=10) as on_b:
            customer_id = await new_customer(on_b)
            async with graphql_ws(a.ws_url, a.admin_key) as ws:
                await ws.subscribe("orders", ORDER_EVENTS)
                await warm_up(ws, on_b, customer_id)
                created = (await graphql(on_b, CREATE_ORDER, customerId=customer_id))["createOrder"]
                event = order_events(await ws.receive())
    assert (event["kind"], event["orderId"]) == ("CREATED", created["order"]["id"])
    assert event["order"]["customer"]["code"] == "ACME"
