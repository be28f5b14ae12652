"""Integration fixtures: the whole application on the fakes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from dependency_injector import providers

from application.ports import UnitOfWorkFactory
from application.service import Hourbill
from hourbill.container import build_container
from infrastructure.persistence.database import Database
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

TODAY = dt.date(2026, 11, 30)


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_uow_factory(request: pytest.FixtureRequest) -> AsyncIterator[UnitOfWorkFactory]:
    """The in-memory reference and both SQL databases: contract tests must pass on all three."""
    if request.param == "fake":
        yield FakeUnitOfWorkFactory()
        return
    database = Database(request.getfixturevalue(f"{request.param}_url"))
    yield SqlAlchemyUnitOfWorkFactory(database)
    await database.dispose()


def application(uow: UnitOfWorkFactory) -> Hourbill:
    """The application as the composition root builds it, on the given unit of work."""
    container = build_container()
    container.uow.override(providers.Object(uow))
    container.clock.override(providers.Object(FixedClock(TODAY)))
    return container.hourbill()


@pytest.fixture
def app(any_uow_factory: UnitOfWorkFactory) -> Hourbill:
    return application(any_uow_factory)


@pytest.fixture
def sql_app(uow_factory: SqlAlchemyUnitOfWorkFactory) -> Hourbill:
    """The application on `uow_factory` (SQLite and PostgreSQL)."""
    return application(uow_factory)
