"""Alembic environment: migrations run on the application's async drivers.

The URL comes from `migrate.alembic_config` (attribute `database_url`), else
from HOURBILL_DATABASE_URL, else from `sqlalchemy.url` in alembic.ini.
SQLite migrations run with foreign keys off, so batch table rebuilds cannot
cascade deletes.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from infrastructure.persistence.database import ensure_sqlite_directory
from infrastructure.persistence.tables import metadata

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)


def database_url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("HOURBILL_DATABASE_URL")
    return url or config.get_main_option("sqlalchemy.url") or ""


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        # One transaction per migration: PostgreSQL refuses to ALTER a table with
        # deferred constraint checks still pending from an earlier migration's rows.
        transaction_per_migration=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    url = database_url()
    ensure_sqlite_directory(url)
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


def run_offline() -> None:
    context.configure(url=database_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    asyncio.run(run_online())
