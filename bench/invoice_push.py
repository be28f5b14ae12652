"""Invoicing 500 orders into the Exact sandbox under Exact's 60-calls-a-minute limit.

The whole Hourbill stack runs as in production (use cases, outbox, worker,
the httpx adapter, the shared database rate budget) against the sandbox over
loopback, with the sandbox's real limits: 60 calls a minute per app and
division. Only time is simulated: the budget sleeps on the sandbox's clock,
which jumps ahead to the reset instead of waiting a real minute. Every other
second (the real work) passes on that clock as it passes for real.

Measured:
- ``push``: sandbox minutes from `createInvoices` to the last invoice SENT,
  against the limit's minimum (500 / 60 = 8.33 minutes); POSTs, other calls
  and 429s as the sandbox logged them.
- ``sync``: after processing all 500 in the sandbox, the calls one
  `syncInvoiceNumbers` over every open invoice makes (target: at most 15).

    uv run python -m bench.invoice_push --db sqlite --db postgres
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import time
from decimal import Decimal
from typing import Any

from dependency_injector import providers

from application.customer_sync import ImportExactAccountsRequest
from application.invoicing import CreateInvoicesRequest
from application.use_cases.orders import AddOrderLineRequest, CreateOrderRequest
from bench.databases import fresh_database
from domain.idempotency import IdempotencyKey
from hourbill.container import Container, build_container
from hourbill.settings import Settings
from infrastructure.exact.budget import DatabaseRateBudget
from infrastructure.exact.sandbox.sandbox import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    Sandbox,
    SandboxConfig,
)
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.exact.sandbox.server import RunningSandbox, running_sandbox
from infrastructure.secrets import SecretBox

ORDERS = 500
MINUTELY = 60


class SandboxTokens:
    """Access tokens minted by the sandbox itself: the benchmark is about pacing, not OAuth."""

    def __init__(self, running: RunningSandbox) -> None:
        self.running = running
        self.token = running.access_token()

    async def access_token(self) -> str:
        return self.token

    async def rejected(self, token: str) -> str:
        self.token = self.running.access_token()
        return self.token

    def forget(self) -> None:
        """The connection changed (the container wires this to the connector)."""


def _container(running: RunningSandbox, url: str) -> Container:
    settings = Settings(
        database_url=url,
        exact_base_url=running.url,
        exact_client_id=str(DEMO_CLIENT_ID),
        exact_client_secret=DEMO_CLIENT_SECRET,
        secret_key=SecretBox.generate_key(),
        worker=False,
        sync_interval_seconds=0,
    )
    container = build_container(settings)
    clock = running.sandbox.clock
    container.exact_tokens.override(providers.Object(SandboxTokens(running)))
    container.exact_budget.override(
        providers.Singleton(
            DatabaseRateBudget,
            container.database,
            str(DEMO_CLIENT_ID),
            now=clock.now,
            sleep=clock.sleep,
        )
    )
    return container


async def _orders(container: Container) -> list[Any]:
    """500 one-line orders over the demo accounts, imported (and so linked) as customers."""
    hourbill = container.hourbill()
    async with container.uow()() as uow:
        settings = await uow.settings.invoicing()
        settings.exact_division, settings.exact_journal = DEMO_DIVISION, "70"
        settings.exact_default_item, settings.exact_default_vat_code = "UREN", "2"
        await uow.commit()
    await hourbill.import_exact_accounts.execute(ImportExactAccountsRequest(all=True))
    async with container.uow()() as uow:
        customers = [c for c in await uow.customers.all() if c.exact_account_id]
    orders = []
    for n in range(ORDERS):
        order = await hourbill.create_order.execute(
            CreateOrderRequest(customers[n % len(customers)].id)
        )
        await hourbill.add_order_line.execute(
            AddOrderLineRequest(order.id, "Consultancy", Decimal("8"), Decimal(95 + n % 40))
        )
        orders.append(order.id)
    return orders


def _calls(sandbox: Sandbox, since: int) -> dict[str, int]:
    calls = sandbox.api_calls()[since:]
    accepted = [c for c in calls if c.status < 400]
    return {
        "posts": sum(c.method == "POST" for c in accepted),
        "other_calls": sum(c.method != "POST" for c in accepted),
        "throttled_429": sum(c.status == 429 for c in calls),
        # A token expiring mid-run (sandbox time) is refused before the rate limit counts it.
        "expired_token_401": sum(c.status == 401 for c in calls),
    }


async def _run(running: RunningSandbox, kind: str, url: str) -> list[dict[str, Any]]:
    container = _container(running, url)
    sandbox = running.sandbox
    try:
        orders = await _orders(container)
        # Start on a minute boundary: Exact's minutely windows are fixed (they reset at
        # each whole minute), so a run started late in a minute gets that minute's 60
        # calls early and can beat 500/60 by up to a minute. Aligned, it cannot.
        now = sandbox.clock.now()
        sandbox.clock.set(now.replace(second=0, microsecond=0) + dt.timedelta(minutes=2))
        before, started, real = len(sandbox.api_calls()), sandbox.clock.now(), time.perf_counter()
        hourbill = container.hourbill()
        await hourbill.create_invoices.execute(
            CreateInvoicesRequest(orders), IdempotencyKey("bench-run")
        )
        handled = await container.outbox_worker().drain(rounds=100_000)
        minutes = (sandbox.clock.now() - started).total_seconds() / 60
        push = {
            "benchmark": "invoice_push",
            "db": kind,
            "orders": ORDERS,
            "handled": handled,
            "sent": len(sandbox.invoices(DEMO_DIVISION)),
            "sandbox_minutes": round(minutes, 2),
            "minimum_minutes": round(ORDERS / MINUTELY, 2),
            "over_minimum_percent": round((minutes / (ORDERS / MINUTELY) - 1) * 100, 1),
            "real_seconds": round(time.perf_counter() - real, 1),
            **_calls(sandbox, before),
        }
        for row in sandbox.invoices(DEMO_DIVISION):
            sandbox.process_invoice(DEMO_DIVISION, row["InvoiceID"])
        before = len(sandbox.api_calls())
        summary = await container.invoice_number_sync().execute(None)
        sync = {
            "benchmark": "invoice_number_sync",
            "db": kind,
            "invoices": ORDERS,
            "numbered": summary.numbered,
            "calls": len(sandbox.api_calls()[before:]),
        }
        return [push, sync]
    finally:
        await container.exact_client().aclose()
        await container.database().dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    args = parser.parse_args()
    for kind in args.db or ["sqlite"]:
        config = SandboxConfig(minutely_limit=MINUTELY, daily_limit=5000)
        with contextlib.ExitStack() as stack:
            url = stack.enter_context(fresh_database(kind))
            running = stack.enter_context(running_sandbox(Sandbox(config)))
            for result in asyncio.run(_run(running, kind, url)):
                print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
