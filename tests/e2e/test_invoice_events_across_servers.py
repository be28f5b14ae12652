"""Live invoice status across server processes, on PostgreSQL.

Server A runs without an outbox worker; server B (`hourbill serve`, an OS
process of its own) runs one. A websocket client subscribed to A sees every
invoice B's worker pushes to the Exact sandbox, and the run's progress.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from infrastructure.exact.sandbox.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, Sandbox
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.exact.sandbox.server import RunningSandbox, running_sandbox
from infrastructure.secrets import SecretBox
from tests.e2e.server import RunningServer, running_server, spawned_servers
from tests.e2e.test_api_over_the_network import subscribers
from tests.e2e.test_invoicing_chaos import ADMINISTRATION, CUSTOMER, LINE, ORDER, Client, connect
from tests.e2e.ws import graphql_ws

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ORDERS = 5
EVENTS = """subscription { invoiceEvents { kind invoiceId state number invoice { reference } } }"""
PROGRESS = """subscription($runId: ID!) {
  invoiceRunProgress(runId: $runId) { total done failed remaining } }"""
CREATE = """
mutation ($ids: [ID!]!) { createInvoices(input: {orderIds: $ids, idempotencyKey: "across"}) {
  run { id } invoices { id reference } errors { field code message } } }
"""


@pytest.fixture
def exact() -> Iterator[RunningSandbox]:
    with running_sandbox(Sandbox()) as running:
        yield running


async def test_a_subscriber_on_one_server_sees_the_invoices_another_servers_worker_pushes(
    postgres_url: str, exact: RunningSandbox, tmp_path: Path
) -> None:
    key = SecretBox.generate_key()
    app = {"exact_base_url": exact.url, "exact_client_id": str(DEMO_CLIENT_ID)}
    overrides: dict[str, Any] = {
        **app,
        "exact_client_secret": DEMO_CLIENT_SECRET,
        "secret_key": key,
        "worker": False,
        "sync_interval_seconds": 0,
    }
    environment = {f"HOURBILL_{name.upper()}": value for name, value in app.items()}
    environment |= {
        "HOURBILL_EXACT_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        "HOURBILL_SECRET_KEY": key,
        "HOURBILL_SYNC_INTERVAL_SECONDS": "0",
    }
    with running_server(postgres_url, migrate=False, overrides=overrides) as a:
        async with httpx.AsyncClient(base_url=a.base_url, headers=a.headers, timeout=30) as http:
            client = Client(http)
            await connect(client)
            await client.mutate(ADMINISTRATION)
            orders = await some_orders(client)
            with spawned_servers(postgres_url, tmp_path, 1, environment):  # B, with a worker
                events, progress = await watch(a, client, orders)

    pushed = exact.sandbox.invoices(DEMO_DIVISION)
    order_numbers = {row["YourRef"]: row["OrderNumber"] for row in pushed}
    sent = [event for event in events if event["kind"] == "SENT"]
    assert len(pushed) == ORDERS
    assert [event["kind"] for event in events].count("CREATED") == ORDERS
    assert {event["invoice"]["reference"] for event in sent} == set(order_numbers)
    for event in sent:
        assert event["state"] == "SENT"
        assert event["number"] == order_numbers[event["invoice"]["reference"]]
    assert progress[-1] == {"total": ORDERS, "done": ORDERS, "failed": 0, "remaining": 0}
    assert [p["done"] for p in progress] == sorted(p["done"] for p in progress)


async def some_orders(client: Client) -> list[str]:
    customer = (await client.mutate(CUSTOMER, code="ACROSS"))["customer"]["id"]
    orders = []
    for n in range(ORDERS):
        order = (await client.mutate(ORDER, customerId=customer))["order"]["id"]
        await client.mutate(LINE, orderId=order, quantity="2", price=f"{100 + n}.00")
        orders.append(order)
    return orders


async def watch(
    a: RunningServer, client: Client, orders: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Subscribe on A, invoice the orders through A, collect until B's worker is done."""
    events: list[dict[str, Any]] = []
    progress: list[dict[str, Any]] = []
    async with graphql_ws(a.ws_url, a.admin_key) as ws:
        await ws.subscribe("events", EVENTS)
        await subscribers(a, 1)
        created = await client.mutate(CREATE, ids=orders)
        await ws.subscribe("progress", PROGRESS, runId=created["run"]["id"])
        await subscribers(a, 2)
        async with asyncio.timeout(60):
            while sum(e["kind"] == "SENT" for e in events) < ORDERS or (
                not progress or progress[-1]["remaining"]
            ):
                message = await ws.receive()
                data = message["payload"]["data"]
                if message["id"] == "events":
                    events.append(data["invoiceEvents"])
                else:
                    progress.append(data["invoiceRunProgress"])
    return events, progress
