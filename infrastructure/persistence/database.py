"""The engine and session factory for one database URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

SQLITE_PRAGMAS = (
    "foreign_keys=ON",
    "journal_mode=WAL",
    "busy_timeout=30000",
    "cache_size=-16384",
)


def ensure_sqlite_directory(url: str | URL) -> None:
    """SQLite creates its file but not the directory holding it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(dbapi_connection: Any, _record: object) -> None:
    """Enforce foreign keys; readers never wait for the writer; writers wait up to 30 s."""
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


class Database:
    """One engine per process. The schema comes from migrations, never from `create_all`."""

    def __init__(self, url: str, echo: bool = False) -> None:
        ensure_sqlite_directory(url)
        self.engine = create_async_engine(url, echo=echo, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _configure_sqlite)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def dispose(self) -> None:
        await self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.engine.url!r})"
