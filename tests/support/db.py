"""Database fixtures: freshly migrated SQLite and PostgreSQL databases for tests.

A pytest plugin, registered in tests/conftest.py. Fixtures:

- `database_url`: a freshly migrated database URL, parametrized over
  ["sqlite", "postgres"]; the postgres case carries the `postgres` marker.
- `sqlite_url`, `postgres_url`: one of the two. A test using `postgres_url`
  directly should be marked `@pytest.mark.postgres` itself.
- `empty_database_url`: like `database_url`, but not migrated (migration tests).
- `database`: a `Database` on `database_url`, disposed afterwards.
- `uow_factory`: a `SqlAlchemyUnitOfWorkFactory` on `database`.

Helpers:

- `count_statements(engine)`: a context manager collecting the SQL statements an
  engine (sync or async) executes: `with count_statements(e) as sql: ...`, then
  `len(sql)`.
- `sqlite_url_for(path)`: the aiosqlite URL of a database file.
- `in_thread(function, *args)`: run blocking code, such as
  `migrate.upgrade(url)` (it runs its own event loop), from inside a test's loop.

PostgreSQL: every test gets its own database, named `hourbill_t_<random>`,
copied from a template migrated once per run, and dropped afterwards; the server
is HOURBILL_TEST_POSTGRES_URL (default: the `test` database on 127.0.0.1:5432).
When it is unreachable the postgres tests are skipped, except under CI=true,
where they fail.

Importing this plugin maps the domain classes, so that every test of the run,
with fakes or with SQL, sees the same (mapped) classes.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from infrastructure.persistence.database import Database
from infrastructure.persistence.mapping import map_tables
from infrastructure.persistence.migrate import upgrade
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory

T = TypeVar("T")

POSTGRES_SERVER_URL = os.environ.get(
    "HOURBILL_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)

map_tables()


def in_thread(function: Callable[..., T], *args: Any) -> T:
    """Run blocking code (an Alembic migration, `asyncio.run`) away from any test's event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return in_thread(asyncio.run, coroutine)


@contextmanager
def count_statements(engine: AsyncEngine | Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    target = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
    event.listen(target, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(target, "before_cursor_execute", record)


# -- SQLite -------------------------------------------------------------------


def sqlite_url_for(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "hourbill.sqlite3"
    in_thread(upgrade, sqlite_url_for(path))
    return path


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "hourbill.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    return sqlite_url_for(path)


# -- PostgreSQL -----------------------------------------------------------------


async def _on_server(*statements: str) -> None:
    engine = create_async_engine(
        POSTGRES_SERVER_URL,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"timeout": 5},
    )
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def _throwaway_name() -> str:
    return f"hourbill_t_{secrets.token_hex(6)}"


def _url_of(name: str) -> str:
    return make_url(POSTGRES_SERVER_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _postgres_server() -> None:
    try:
        run(_on_server("SELECT 1"))
    except (OSError, TimeoutError, DBAPIError) as error:
        reason = f"PostgreSQL at {make_url(POSTGRES_SERVER_URL)!r} is unreachable: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _create(name: str, template: str = "template1") -> None:
    run(_on_server(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))


def _drop(name: str) -> None:
    run(_on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def _postgres_template(_postgres_server: None) -> Iterator[str]:
    name = f"{_throwaway_name()}_template"
    _create(name)
    try:
        in_thread(upgrade, _url_of(name))
        yield name
    finally:
        _drop(name)


@pytest.fixture
def postgres_url(_postgres_template: str) -> Iterator[str]:
    name = _throwaway_name()
    _create(name, _postgres_template)
    try:
        yield _url_of(name)
    finally:
        _drop(name)


@pytest.fixture
def empty_postgres_url(_postgres_server: None) -> Iterator[str]:
    name = _throwaway_name()
    _create(name)
    try:
        yield _url_of(name)
    finally:
        _drop(name)


# -- Either ---------------------------------------------------------------------

BOTH = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BOTH)
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture(params=BOTH)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url_for(tmp_path / "empty.sqlite3")
    return str(request.getfixturevalue("empty_postgres_url"))


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def uow_factory(database: Database) -> SqlAlchemyUnitOfWorkFactory:
    return SqlAlchemyUnitOfWorkFactory(database)
