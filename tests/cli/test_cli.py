"""The `hourbill` command, driven through Typer's runner on a temporary SQLite file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from application.ports import CustomerFilter, PageRequest, SourceFilter
from hourbill.container import build_container
from hourbill.runtime import ContainerRuntime
from hourbill.settings import Settings
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
