"""The API on a freshly migrated SQLite database, through the real SQL adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from dependency_injector import providers

from hourbill.container import Container, build_container
from hourbill.settings import Settings
from infrastructure.persistence.migrate import upgrade
from tests.fakes import FixedClock
from tests.support.db import in_thread, sqlite_url_for


@asynccontextmanager
async def sqlite_container(path: Path) -> AsyncIterator[Container]:
    """The container on a migrated SQLite file at `path`; the database is closed afterwards."""
    url = sqlite_url_for(path)
    in_thread(upgrade, url)
    container = build_container(Settings(database_url=url))
    container.clock.override(providers.Object(FixedClock()))
    try:
        yield container
    finally:
        await container.database().dispose()
