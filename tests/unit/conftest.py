"""Fixtures of the unit tests: the in-memory fakes of every port, and a small seeded world."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from domain.customers import Customer
from domain.rates import RateRule
from domain.work import Employee, Project, Task
from tests.factories import (
    CustomerFactory,
    EmployeeFactory,
    ProjectFactory,
    RateRuleFactory,
    TaskFactory,
)
from tests.fakes import FakeStore, FakeUnitOfWorkFactory, FixedClock
from tests.unit.helpers import CommitWatchingPublisher, put

TODAY = dt.date(2026, 4, 2)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def uow(store: FakeStore) -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory(store)


@pytest.fixture
def events(store: FakeStore) -> CommitWatchingPublisher:
    return CommitWatchingPublisher(store)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@dataclass
class World:
    """Two customers, one project with two tasks for Acme, two employees, a default rate."""

    acme: Customer
    globex: Customer
    anna: Employee
    bram: Employee
    renovation: Project
    design: Task
    build: Task
    default_rate: RateRule


@pytest.fixture
def world(store: FakeStore) -> World:
    acme = put(store, CustomerFactory(code="ACME", name="Acme Bouw B.V."))
    renovation = put(store, ProjectFactory(customer=acme, code="REN", name="Renovatie"))
    return World(
        acme=acme,
        globex=put(store, CustomerFactory(code="GLOBEX", name="Globex Logistiek")),
        anna=put(store, EmployeeFactory(code="ANNA", name="Anna de Vries")),
        bram=put(store, EmployeeFactory(code="BRAM", name="Bram Jansen")),
        renovation=renovation,
        design=put(store, TaskFactory(project=renovation, code="10", name="Ontwerp")),
        build=put(store, TaskFactory(project=renovation, code="20", name="Bouw", item_code="BOUW")),
        default_rate=put(store, RateRuleFactory(rate=Decimal("90"))),
    )
