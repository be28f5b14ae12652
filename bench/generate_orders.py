"""Benchmark: generate orders from N bookings and N/10 supplies over N/100 customers.

    uv run python -m bench.generate_orders --db sqlite --db postgres --bookings 10000 100000

Seeding happens in this process; each generation runs in a fresh subprocess so
that its peak resident memory (ru_maxrss) is its own. Timed: the real
GenerateOrders use case through the container (load unbilled, plan, insert,
commit), as `generateOrders` runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.databases import fresh_database
from bench.seed import PERIOD_DAYS, PERIOD_START
from bench.seed import run as seed


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _measure(url: str) -> dict[str, Any]:
    from application.use_cases.generation import GenerateOrdersRequest
    from hourbill.container import build_container
    from hourbill.runtime import tune_garbage_collector
    from hourbill.settings import Settings
    from infrastructure.persistence import tables

    container = build_container(Settings(database_url=url))
    hourbill = container.hourbill()
    tune_garbage_collector()
    before = _peak_mb()
    request = GenerateOrdersRequest(PERIOD_START, PERIOD_START + dt.timedelta(days=PERIOD_DAYS - 1))
    started = time.perf_counter()
    plan = await hourbill.generate_orders.execute(request)
    seconds = time.perf_counter() - started
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        billable = await connection.scalar(
            select(func.count()).select_from(tables.bookings).where(tables.bookings.c.billable)
        )
        billed = await connection.scalar(
            select(func.count()).select_from(tables.order_line_bookings)
        )
    await engine.dispose()
    await container.database().dispose()
    assert billed == billable == plan.booking_count, (billed, billable, plan.booking_count)
    return {
        "seconds": round(seconds, 2),
        "orders": len(plan.orders),
        "lines": sum(len(o.lines) for o in plan.orders),
        "bookings_billed": billed,
        "supplies_billed": plan.supply_count,
        "rss_before_mb": round(before),
        "peak_rss_mb": round(_peak_mb()),
    }


def benchmark(kind: str, bookings: int) -> dict[str, Any]:
    with fresh_database(kind) as url:
        started = time.perf_counter()
        seed(url, bookings, bookings // 10, max(1, bookings // 100))
        seeded = time.perf_counter() - started
        out = subprocess.run(
            [sys.executable, "-m", "bench.generate_orders", "--measure", url],
            check=True,
            capture_output=True,
            text=True,
        )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {"db": kind, "bookings": bookings, "seed_seconds": round(seeded, 1), **result}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--bookings", nargs="+", type=int, default=[100_000])
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(_measure(args.measure))))
        return
    for kind in args.db or ["sqlite", "postgres"]:
        for size in args.bookings:
            print(json.dumps(benchmark(kind, size)), flush=True)


if __name__ == "__main__":
    main()
