"""Benchmark: the orders grid query, 100 orders with ~10 lines each and provenance counts.

    uv run python -m bench.orders_query --db sqlite --db postgres

Seeds 100 customers, each with bookings on four tasks (two rates each) and two
kinds of supplies, generates their 100 orders of 10 lines with the real use case,
then times the GraphQL query through the ASGI app in-process (httpx.ASGITransport:
the whole GraphQL + SQL path, no network), with the server's GC tuning.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import time
from typing import Any

import httpx

from application.use_cases.generation import GenerateOrdersRequest
from bench.databases import fresh_database
from bench.seed import GRID, PERIOD_DAYS, PERIOD_START, seed
from domain.access import Role
from hourbill.container import build_container
from hourbill.runtime import tune_garbage_collector
from hourbill.settings import Settings
from interfaces.http.app import create_app

QUERY = """{
  orders(first: 100) {
    totalCount
    edges { cursor node {
      id number status orderDate description subtotal vatTotal total
      customer { code name }
      lines { position description quantity unit unitPrice amount vatCode bookingCount supplyCount }
    } }
  }
}"""


async def _run(url: str, runs: int) -> dict[str, Any]:
    await seed(url, bookings=6_000, supplies=600, customers=100, shape=GRID)
    container = build_container(Settings(database_url=url))
    hourbill = container.hourbill()
    end = PERIOD_START + dt.timedelta(days=PERIOD_DAYS - 1)
    plan = await hourbill.generate_orders.execute(GenerateOrdersRequest(PERIOD_START, end))
    lines = sum(len(o.lines) for o in plan.orders)
    app = create_app(hourbill, graphiql=False)
    key = await hourbill.create_api_key.execute("bench", Role.VIEWER, "bench")
    tune_garbage_collector()
    timings = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://b",
        headers={"Authorization": f"Bearer {key.token}"},
    ) as client:
        for n in range(runs + 3):
            started = time.perf_counter()
            response = await client.post("/graphql", json={"query": QUERY})
            elapsed = time.perf_counter() - started
            body = response.json()
            assert "errors" not in body, body["errors"]
            assert len(body["data"]["orders"]["edges"]) == 100
            if n >= 3:
                timings.append(elapsed * 1000)
    await container.database().dispose()
    timings.sort()
    return {
        "orders": len(plan.orders),
        "lines_per_order": round(lines / len(plan.orders), 1),
        "runs": runs,
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
        "response_kb": round(len(response.content) / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    for kind in args.db or ["sqlite", "postgres"]:
        with fresh_database(kind) as url:
            print(json.dumps({"db": kind, **asyncio.run(_run(url, args.runs))}), flush=True)


if __name__ == "__main__":
    main()
