"""Small helpers shared by the unit tests."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

import pytest

from domain.bookings import HourBooking, Supply
from domain.customers import Customer
from domain.errors import ErrorCode, HourbillError
from domain.events import OrderEvent
from domain.orders import Order
from domain.rates import RateRule
from domain.vat import VatCode
from domain.work import Employee, Project, Task
from tests.fakes import FakeStore, RecordingPublisher

T = TypeVar("T")

_TABLES: dict[type, str] = {
    Customer: "customers",
    Employee: "employees",
    Project: "projects",
    Task: "tasks",
    HourBooking: "bookings",
    Supply: "supplies",
    RateRule: "rate_rules",
    Order: "orders",
}


def put(store: FakeStore, thing: T) -> T:
    """Save a domain object straight into the fake database (no commit counted)."""
    if isinstance(thing, VatCode):
        store.vat_codes[thing.code] = thing
    else:
        getattr(store, _TABLES[type(thing)])[thing.id] = thing  # type: ignore[attr-defined]
    if isinstance(thing, Order) and thing.number is not None:
        store.last_number = max(store.last_number, thing.number)
    return thing


def snapshot(store: FakeStore) -> dict[str, Any]:
    """Everything in the fake database as plain, comparable data."""
    return dataclasses.asdict(store)


def codes(error: HourbillError) -> list[tuple[ErrorCode, str | None]]:
    """The (code, field) pairs of an error, in the order they were reported."""
    return [(p.code, p.field) for p in error.problems]


def raises_problems(*expected: tuple[ErrorCode, str | None]) -> Any:
    """Context manager: the block raises HourbillError with exactly these (code, field) pairs."""
    return _RaisesProblems(list(expected))


class _RaisesProblems:
    def __init__(self, expected: list[tuple[ErrorCode, str | None]]) -> None:
        self.expected = expected
        self._raises = pytest.raises(HourbillError)

    def __enter__(self) -> pytest.ExceptionInfo[HourbillError]:
        self.info = self._raises.__enter__()
        return self.info

    def __exit__(self, *exc: Any) -> bool:
        suppressed = bool(self._raises.__exit__(*exc))
        if suppressed:
            actual = codes(self.info.value)
            assert actual == self.expected, f"problems {actual} != expected {self.expected}"
        return suppressed


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a use case from synchronous code (hypothesis tests)."""
    return asyncio.run(coroutine)


class CommitWatchingPublisher(RecordingPublisher):
    """Records, per publish call, how many commits the store had seen at that moment."""

    def __init__(self, store: FakeStore) -> None:
        super().__init__()
        self.store = store
        self.commits_at_publish: list[int] = []

    async def publish(self, events: Sequence[OrderEvent]) -> None:
        self.commits_at_publish.append(self.store.commits)
        await super().publish(events)
