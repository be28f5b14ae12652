"""Benchmark: how many Exact calls the adapter makes, and how long they take, on the sandbox.

    uv run python -m bench.exact_calls --db sqlite --db postgres

Runs the sandbox on a loopback port (`running_sandbox()`, in a thread of this
process) with its rate limits raised out of the way, and `ExactOnlineGateway`
over `ExactHttp` against it. Calls are counted from the sandbox's request log,
so they are what Exact would have billed against the 60-a-minute and
5,000-a-day limits. One JSON line per case:

- ``accounts_sync_10000``: 10,000 accounts (plus the demo's 5) read through the
  sync feed, `accounts_changed_since` from the start until it says complete
  (target ≤ 11 calls: 1,000 rows a page);
- ``accounts_paged_10000``: the same accounts through the regular endpoint
  (`find_accounts` by a name they all share, 60 rows a page), for comparison;
- ``invoice_50_lines``: one invoice with 50 lines created (target 1 call);
- ``invoices_500_by_id`` / ``invoices_500_by_reference``: number and status of
  500 invoices (made in the sandbox's model, every fifth one processed), looked
  up in `or`-batches of 40 (target ≤ 15 calls);
- ``budget_overhead``: 500 GETs with no budget, the in-memory one and the
  database one (per `--db`), to show what asking the budget costs per call.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from application.exact import SalesInvoiceDraft, SalesInvoiceLineDraft
from bench.databases import fresh_database
from infrastructure.exact.budget import DatabaseRateBudget, InMemoryRateBudget, RateBudget
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.sandbox import Sandbox, SandboxConfig
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.exact.sandbox.server import RunningSandbox, running_sandbox
from infrastructure.exact.tokens import StaticAccessTokens
from infrastructure.persistence.database import Database

DIVISION = DEMO_DIVISION
HIGH = 1_000_000_000
ACCOUNTS = 10_000
INVOICES = 500
LINES = 50
OVERHEAD_CALLS = 500
BULK_NAME = "Bench Customer B.V."


def _id_of(sandbox: Sandbox, entity_set: schema.EntitySet, code: str) -> uuid.UUID:
    [key] = [
        row[entity_set.key]
        for row in sandbox.rows(DIVISION, entity_set.path)
        if str(row["Code"]).strip() == code
    ]
    assert isinstance(key, uuid.UUID)
    return key


class Bench:
    def __init__(self, running: RunningSandbox) -> None:
        self.running = running
        self.sandbox = running.sandbox
        self.token = running.access_token()

    def gateway(self, budget: RateBudget | None = None) -> ExactOnlineGateway:
        http = ExactHttp(StaticAccessTokens(self.token), base_url=self.running.url, budget=budget)
        return ExactOnlineGateway(http)

    async def measure(
        self, case: str, work: Callable[[], Awaitable[dict[str, Any]]], target: int | None
    ) -> dict[str, Any]:
        with self.sandbox.lock:
            self.sandbox.requests.clear()
        started = time.perf_counter()
        facts = await work()
        seconds = time.perf_counter() - started
        calls = self.sandbox.api_calls()
        if any(entry.status >= 400 for entry in calls):
            raise RuntimeError(f"{case}: Exact refused a call: {calls}")
        result: dict[str, Any] = {"case": case, "calls": len(calls)}
        if target is not None:
            result["target_calls"] = target
        return {**result, **facts, "seconds": round(seconds, 3)}

    # --- the cases ---------------------------------------------------------------------

    async def accounts(self) -> list[dict[str, Any]]:
        self.sandbox.seed(
            {
                "divisions": [
                    {
                        "code": DIVISION,
                        "accounts": [
                            {"Code": str(100_000 + n), "Name": BULK_NAME} for n in range(ACCOUNTS)
                        ],
                    }
                ]
            }
        )
        gateway = self.gateway()

        async def sync() -> dict[str, Any]:
            rows, timestamp, complete = 0, 1, False
            while not complete:
                changes = await gateway.accounts_changed_since(DIVISION, timestamp)
                rows += len(changes.accounts)
                timestamp, complete = changes.next_timestamp, changes.complete
            return {"rows": rows}

        async def paged() -> dict[str, Any]:
            return {"rows": len(await gateway.find_accounts(DIVISION, name=BULK_NAME))}

        try:
            return [
                await self.measure("accounts_sync_10000", sync, 11),
                await self.measure("accounts_paged_10000", paged, None),
            ]
        finally:
            await gateway.aclose()

    async def invoice_with_50_lines(self) -> dict[str, Any]:
        item = _id_of(self.sandbox, schema.ITEMS, "UREN")
        draft = SalesInvoiceDraft(
            ordered_by=_id_of(self.sandbox, schema.ACCOUNTS, "ACME"),
            journal="70",
            your_ref="BENCH-50-LINES",
            invoice_date=dt.date(2026, 3, 31),
            description="Fifty lines",
            lines=[
                SalesInvoiceLineDraft(
                    item_id=item,
                    description=f"Week {n}",
                    quantity=Decimal("7.5"),
                    net_price=Decimal("95.00"),
                )
                for n in range(1, LINES + 1)
            ],
        )
        gateway = self.gateway()

        async def create() -> dict[str, Any]:
            invoice = await gateway.create_sales_invoice(DIVISION, draft)
            with self.sandbox.lock:
                lines = self.sandbox.administration.lines_of(DIVISION, invoice.invoice_id)
            return {"lines": len(lines)}

        try:
            return await self.measure("invoice_50_lines", create, 1)
        finally:
            await gateway.aclose()

    async def invoice_numbers_and_status(self) -> list[dict[str, Any]]:
        ordered_by = str(_id_of(self.sandbox, schema.ACCOUNTS, "DELTA"))
        item = str(_id_of(self.sandbox, schema.ITEMS, "UREN"))
        ids: list[uuid.UUID] = []
        refs: list[str] = []
        with self.sandbox.lock:  # made in the model: what is measured is reading them back
            for n in range(INVOICES):
                row = self.sandbox.administration.create(
                    DIVISION,
                    schema.INVOICES,
                    {
                        "OrderedBy": ordered_by,
                        "Journal": "70",
                        "YourRef": f"BENCH-{n:04d}",
                        "SalesInvoiceLines": [{"Item": item, "Quantity": 8, "NetPrice": 95}],
                    },
                )
                ids.append(row["InvoiceID"])
                refs.append(f"BENCH-{n:04d}")
        for invoice_id in ids[::5]:
            self.sandbox.process_invoice(DIVISION, invoice_id)
        gateway = self.gateway()

        async def by_id() -> dict[str, Any]:
            found = await gateway.sales_invoices(DIVISION, ids)
            numbered = sum(invoice.invoice_number is not None for invoice in found.values())
            return {"invoices": len(found), "processed": numbered}

        async def by_reference() -> dict[str, Any]:
            found = await gateway.sales_invoices_by_reference(DIVISION, refs)
            numbered = sum(invoice.invoice_number is not None for invoice in found.values())
            return {"invoices": len(found), "processed": numbered}

        try:
            return [
                await self.measure("invoices_500_by_id", by_id, 15),
                await self.measure("invoices_500_by_reference", by_reference, 15),
            ]
        finally:
            await gateway.aclose()

    async def budget_overhead(self, budget_name: str, budget: RateBudget | None) -> dict[str, Any]:
        gateway = self.gateway(budget)

        async def calls() -> dict[str, Any]:
            for _ in range(OVERHEAD_CALLS):
                await gateway.http.get_page(
                    "financial/Journals", division=DIVISION, params={"$select": "ID"}
                )
            return {"budget": budget_name}

        try:
            result = await self.measure("budget_overhead", calls, None)
        finally:
            await gateway.aclose()
        result["ms_per_call"] = round(result["seconds"] * 1000 / OVERHEAD_CALLS, 3)
        return result


async def _run(running: RunningSandbox, database_urls: dict[str, str]) -> list[dict[str, Any]]:
    bench = Bench(running)
    results = [
        await bench.invoice_with_50_lines(),
        *await bench.invoice_numbers_and_status(),
        *await bench.accounts(),
    ]
    clock = running.sandbox.clock
    results.append(await bench.budget_overhead("none", None))
    results.append(await bench.budget_overhead("memory", InMemoryRateBudget(now=clock.now)))
    for kind, url in database_urls.items():
        database = Database(url)
        try:
            budget = DatabaseRateBudget(database, running.client_id, now=clock.now)
            results.append(await bench.budget_overhead(f"database ({kind})", budget))
        finally:
            await database.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    args = parser.parse_args()
    kinds: list[str] = args.db or ["sqlite"]
    config = SandboxConfig(minutely_limit=HIGH, daily_limit=HIGH, webhook_validation_delay=0.0)
    with contextlib.ExitStack() as stack:
        urls = {kind: stack.enter_context(fresh_database(kind)) for kind in kinds}
        running = stack.enter_context(running_sandbox(Sandbox(config)))
        for result in asyncio.run(_run(running, urls)):
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
