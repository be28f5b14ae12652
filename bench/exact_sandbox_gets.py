"""Benchmark: simple GETs per second against the Exact Online sandbox.

    uv run python -m bench.exact_sandbox_gets --requests 5000 --concurrency 1 4 16

Two ways to run the sandbox, both with uvicorn on a loopback port:

- ``process``: `hourbill exact-sandbox` in its own process, the client in this
  one (how a test suite in another project, or another language, uses it);
- ``thread``: the pytest fixture's way, the server in a thread of the client's
  process, so both share one interpreter (and its GIL).

The client is httpx with keep-alive, `concurrency` requests in flight. Each
request is a GET Exact would answer from a plain table read, with `$select`
and a filter (the accounts of the demo administration, 10 seeded plus the
demo's own), and the rate limits raised out of the way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx

from infrastructure.exact.sandbox.sandbox import DEMO_CLIENT_ID, Sandbox, SandboxConfig
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.exact.sandbox.server import running_sandbox

UNLIMITED = 1_000_000_000
PATHS = [
    (
        f"/api/v1/{DEMO_DIVISION}/crm/Accounts",
        {"$select": "ID,Code,Name", "$filter": "trim(Code) eq 'ACME'"},
    ),
    (f"/api/v1/{DEMO_DIVISION}/logistics/Items", {"$select": "ID,Code,Description"}),
    ("/api/v1/current/Me", {"$select": "CurrentDivision,FullName"}),
]


async def _hammer(url: str, token: str, requests: int, concurrency: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits) as client:
        for path, params in PATHS:  # warm up every path once
            (await client.get(path, params=params)).raise_for_status()
        counter = iter(range(requests))

        async def worker() -> None:
            for index in counter:
                path, params = PATHS[index % len(PATHS)]
                started = time.perf_counter()
                response = await client.get(path, params=params)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": requests,
        "concurrency": concurrency,
        "seconds": round(seconds, 3),
        "gets_per_second": round(requests / seconds),
        "median_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 2),
    }


@contextlib.contextmanager
def _sandbox_process() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "hourbill",
        "exact-sandbox",
        "--port",
        str(port),
        "--minutely-limit",
        str(UNLIMITED),
        "--daily-limit",
        str(UNLIMITED),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/control/clock", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _token(url: str) -> str:
    response = httpx.post(f"{url}/control/tokens", json={"client_id": str(DEMO_CLIENT_ID)})
    response.raise_for_status()
    return str(response.json()["access_token"])


def run(mode: str, requests: int, concurrency: int) -> dict[str, Any]:
    if mode == "process":
        with _sandbox_process() as url:
            result = asyncio.run(_hammer(url, _token(url), requests, concurrency))
    else:
        config = SandboxConfig(minutely_limit=UNLIMITED, daily_limit=UNLIMITED)
        with running_sandbox(Sandbox(config)) as running:
            result = asyncio.run(
                _hammer(running.url, running.access_token(), requests, concurrency)
            )
    return {"mode": mode, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["process", "thread"], action="append")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    for mode in args.mode or ["process", "thread"]:
        for concurrency in args.concurrency:
            print(json.dumps(run(mode, args.requests, concurrency)), flush=True)


if __name__ == "__main__":
    main()
