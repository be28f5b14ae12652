"""The `hourbill` command, driven through Typer's runner on a temporary SQLite file."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from application.ports import CustomerFilter, PageRequest, SourceFilter
from hourbill.container import build_container
from hourbill.runtime import ContainerRuntime
from hourbill.settings import Settings
from infrastructure.exact.sandbox.sandbox import DEMO_CLIENT_ID
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.secrets import SecretBox
from interfaces.cli import make_cli


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")


def run(settings: Settings, *args: str) -> str:
    cli = make_cli(lambda: ContainerRuntime(build_container(settings)))
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


async def counts(settings: Settings) -> tuple[int, int, int]:
    container = build_container(settings)
    queries = container.hourbill().queries
    try:
        customers = await queries.customers(CustomerFilter(), PageRequest(first=1))
        bookings = await queries.bookings(SourceFilter(), PageRequest(first=1))
        supplies = await queries.supplies(SourceFilter(), PageRequest(first=1))
        return customers.total_count, bookings.total_count, supplies.total_count
    finally:
        await container.database().dispose()


def test_migrate_creates_the_schema_and_says_where(settings: Settings) -> None:
    output = run(settings, "migrate")

    assert "Database is up to date" in output
    assert asyncio.run(counts(settings)) == (0, 0, 0)


def test_demo_data_fills_the_database_reproducibly(settings: Settings, tmp_path: Path) -> None:
    output = run(settings, "demo-data", "--seed", "7")
    again = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'again.sqlite3'}")
    run(again, "demo-data", "--seed", "7")

    customers, bookings, supplies = asyncio.run(counts(settings))
    assert "Demo data loaded" in output
    assert customers == 12
    assert bookings > 1000
    assert supplies == 52
    assert asyncio.run(counts(again)) == (customers, bookings, supplies)


def test_the_command_lists_serve_migrate_and_demo_data(settings: Settings) -> None:
    output = run(settings, "--help")

    for command in ("serve", "migrate", "demo-data"):
        assert command in output


def test_exact_sandbox_runs_standalone_with_the_demo_administration() -> None:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "hourbill",
        "exact-sandbox",
        "--port",
        str(port),
        "--minutely-limit",
        "100",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(f"{url}/control/clock")
        token = httpx.post(f"{url}/control/tokens", json={"client_id": str(DEMO_CLIENT_ID)}).json()[
            "access_token"
        ]
        response = httpx.get(
            f"{url}/api/v1/current/Me",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert response.status_code == 200
    assert response.json()["d"]["results"][0]["CurrentDivision"] == DEMO_DIVISION
    assert response.headers["X-RateLimit-Minutely-Limit"] == "100"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_secret_key_prints_a_key_that_encrypts(settings: Settings) -> None:
    key = run(settings, "secret-key").strip()

    box = SecretBox(key)
    assert box.decrypt(box.encrypt("refresh-token")) == "refresh-token"
    assert key != run(settings, "secret-key").strip()
