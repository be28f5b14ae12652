"""Migrations: every revision goes up, down and up again; the result matches the metadata."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from infrastructure.persistence.migrate import alembic_config, downgrade, upgrade
from infrastructure.persistence.tables import metadata
from tests.support.db import in_thread


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(""))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_there_is_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config(""))
    assert len(script.get_heads()) == 1


def stairway(url: str) -> None:
    for revision in revisions():
        upgrade(url, revision)
        downgrade(url, "-1")
        upgrade(url, revision)


def test_stairway(empty_database_url: str) -> None:
    in_thread(stairway, empty_database_url)


def _differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), metadata))


async def test_migrated_schema_matches_the_metadata(database_url: str) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()


@pytest.mark.parametrize("revision", revisions())
def test_revisions_have_a_docstring(revision: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(""))
    assert script.get_revision(revision).doc
