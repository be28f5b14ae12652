"""Benchmark: a 1,000-booking specification report and a batch of 50 concept invoices.

    uv run python -m bench.documents --db sqlite --db postgres

Issue 6's targets: the specification of 1,000 bookings renders in under 2 s with
peak memory under 200 MB; 50 concept invoices in one PDF in under 10 s.

Seeding (straight into the tables, then the real GenerateOrders use case) happens
in this process. Each measurement runs in a fresh subprocess, so its peak resident
memory (ru_maxrss) is its own. Timed is what a download route runs: the real
PrintDocuments use case from the container (read the orders, their bookings and
names, build the documents, render the PDF). The PDF is parsed back with pypdf
afterwards, outside the timing, to check that it holds what it should.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import resource
import subprocess
import sys
import time
import tracemalloc
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from bench.databases import fresh_database
from bench.seed import GRID, PERIOD_DAYS, PERIOD_START, seed

DESCRIPTION = "Uitwerking en afstemming met de opdrachtgever over de planning van fase 2"
"""A realistic booking description: long enough to wrap in the specification's column."""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _prepare(url: str, bookings: int, customers: int, supplies: int) -> None:
    """Seed, give bookings real descriptions, and generate one order per customer."""
    from application.use_cases.generation import GenerateOrdersRequest
    from hourbill.container import build_container
    from hourbill.settings import Settings
    from infrastructure.persistence import tables

    await seed(url, bookings, supplies, customers, shape=GRID)
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            update(tables.bookings).values(description=DESCRIPTION, billable=True)
        )
    await engine.dispose()
    container = build_container(Settings(database_url=url))
    request = GenerateOrdersRequest(PERIOD_START, PERIOD_START + dt.timedelta(days=PERIOD_DAYS - 1))
    await container.hourbill().generate_orders.execute(request)
    await container.database().dispose()


async def _order_ids(url: str) -> list[uuid.UUID]:
    from infrastructure.persistence import tables

    engine = create_async_engine(url)
    async with engine.connect() as connection:
        rows = await connection.execute(select(tables.orders.c.id).order_by(tables.orders.c.number))
        ids = [row[0] for row in rows]
    await engine.dispose()
    return ids


async def _measure(url: str, kind: str) -> dict[str, Any]:
    from pypdf import PdfReader

    from hourbill.container import build_container
    from hourbill.runtime import tune_garbage_collector
    from hourbill.settings import Settings

    container = build_container(Settings(database_url=url))
    printer = container.hourbill().print_documents
    ids = await _order_ids(url)
    tune_garbage_collector()
    before = _peak_mb()

    async def render() -> Any:
        if kind == "specification":
            return await printer.specifications(ids[:1])
        return await printer.concept_invoices(ids)

    timings = []
    for _ in range(2):  # cold (fonts read, first subset), then as a running server has it
        started = time.perf_counter()
        pdf = await render()
        timings.append(time.perf_counter() - started)
    peak = _peak_mb()
    tracemalloc.start()  # a third, untimed run: tracing slows Python down several times
    await render()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await container.database().dispose()
    reader = PdfReader(io.BytesIO(pdf.content))
    first_page = reader.pages[0].extract_text()
    return {
        "kind": kind,
        "orders": len(pdf.order_numbers),
        "cold_seconds": round(timings[0], 2),
        "warm_seconds": round(timings[1], 2),
        "pages": len(reader.pages),
        "kilobytes": round(len(pdf.content) / 1024),
        "python_alloc_peak_mb": round(traced_peak / 2**20, 1),
        "rss_before_mb": round(before),
        "peak_rss_mb": round(peak),
        "first_order_on_page_1": str(pdf.order_numbers[0]) in first_page,
    }


def _run_measurement(url: str, kind: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.documents", "--measure", url, kind],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def benchmark(kind: str) -> list[dict[str, Any]]:
    results = []
    # One customer, one project, 1,000 billable bookings: the specification.
    with fresh_database(kind) as url:
        asyncio.run(_prepare(url, bookings=1000, customers=1, supplies=0))
        results.append({"db": kind, "bookings": 1000} | _run_measurement(url, "specification"))
    # 50 customers, about 10 lines each: the batch of concept invoices.
    with fresh_database(kind) as url:
        asyncio.run(_prepare(url, bookings=5000, customers=50, supplies=500))
        results.append({"db": kind, "bookings": 5000} | _run_measurement(url, "concept"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--measure", nargs=2, metavar=("URL", "KIND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        url, kind = args.measure
        print(json.dumps(asyncio.run(_measure(url, kind))))
        return
    for kind in args.db or ["sqlite"]:
        for result in benchmark(kind):
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
