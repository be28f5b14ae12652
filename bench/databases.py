"""Throwaway benchmark databases: a SQLite file or a fresh PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from infrastructure.persistence.migrate import upgrade

POSTGRES_SERVER = os.environ.get(
    "HOURBILL_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


async def _admin(sql: str) -> None:
    engine = create_async_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(sql))
    await engine.dispose()


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """A migrated, empty database URL of the given kind; removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="hourbill-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
            upgrade(url)
            yield url
        return
    name = f"hourbill_bench_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
