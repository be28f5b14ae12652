"""e2e fixtures: a real server per test, and an HTTP client for it.

`two_servers_on_postgres`: two servers (each its own container, event loop,
database pool and event listener) on one throwaway PostgreSQL database, for
what must work across server processes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import RunningServer, running_server
from tests.support.db import sqlite_url_for


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(sqlite_url_for(tmp_path / "hourbill.sqlite3")) as running:
        yield running


@pytest.fixture
def two_servers_on_postgres(postgres_url: str) -> Iterator[tuple[RunningServer, RunningServer]]:
    """Servers A and B on one migrated PostgreSQL database (`postgres_url`, per test)."""
    with (
        running_server(postgres_url, migrate=False) as a,
        running_server(postgres_url, migrate=False) as b,
    ):
        yield a, b


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=server.base_url, headers=server.headers, timeout=10
    ) as client:
        yield client
