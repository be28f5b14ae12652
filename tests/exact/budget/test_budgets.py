"""The call budget's rules, alike in memory and in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from application.exact import ExactThrottledError
from infrastructure.exact.budget import BudgetState, DatabaseRateBudget, Window
from infrastructure.exact.http import RateLimit
from infrastructure.persistence.database import Database
from infrastructure.persistence.tables import exact_rate_budgets
from tests.exact.budget.conftest import CLIENT_ID, START, Budget, Budgets, FakeClock

DIVISION = 123456
OTHER_DIVISION = 654321
NEXT_MINUTE = dt.datetime(2023, 5, 12, 8, 19, tzinfo=dt.UTC)
MIDNIGHT = dt.datetime(2023, 5, 13, tzinfo=dt.UTC)


def ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def minutely(remaining: int, reset: dt.datetime = NEXT_MINUTE, limit: int = 60) -> RateLimit:
    return RateLimit(minutely_limit=limit, minutely_remaining=remaining, minutely_reset=reset)


def daily(remaining: int, reset: dt.datetime = MIDNIGHT, limit: int = 5000) -> RateLimit:
    return RateLimit(daily_limit=limit, daily_remaining=remaining, daily_reset=reset)


def merged(first: RateLimit, second: RateLimit) -> RateLimit:
    """One response's headers: `first`'s, and `second`'s where it has them."""
    given = {
        field.name: getattr(second, field.name)
        for field in dataclasses.fields(second)
        if getattr(second, field.name) is not None
    }
    return dataclasses.replace(first, **given)


async def spend(budget: Budget, calls: int, division: int | None = DIVISION) -> None:
    for _ in range(calls):
        await budget.acquire(division)


# --- Exact's defaults and the windows ---------------------------------------------------


async def test_before_any_headers_exacts_defaults_hold(budgets: Budgets, clock: FakeClock) -> None:
    budget = budgets.new()

    await spend(budget, 60)

    assert clock.sleeps == []
    assert await budget.state(DIVISION) == BudgetState(
        minutely=Window(60, 0, ms(NEXT_MINUTE)), daily=Window(5000, 4940, ms(MIDNIGHT))
    )


async def test_the_61st_call_waits_exactly_until_the_next_minute(
    budgets: Budgets, clock: FakeClock
) -> None:
    budget = budgets.new()

    await spend(budget, 61)

    assert clock.sleeps == [35.0]  # 08:18:25 → 08:19:00
    assert clock.now() == NEXT_MINUTE
    state = await budget.state(DIVISION)
    assert state.minutely == Window(60, 59, ms(NEXT_MINUTE + dt.timedelta(minutes=1)))
    assert state.daily == Window(5000, 4939, ms(MIDNIGHT))


async def test_a_window_whose_reset_has_passed_starts_again_full(
    budgets: Budgets, clock: FakeClock
) -> None:
    budget = budgets.new()
    await spend(budget, 10)

    clock.advance(95)  # 08:20:00
    await spend(budget, 1)

    assert clock.sleeps == []
    state = await budget.state(DIVISION)
    assert state.minutely == Window(60, 59, ms(dt.datetime(2023, 5, 12, 8, 21, tzinfo=dt.UTC)))
    assert state.daily.remaining == 4989


async def test_the_daily_window_starts_again_at_midnight_utc(
    budgets: Budgets, clock: FakeClock
) -> None:
    budget = budgets.new()
    await budget.observe(DIVISION, daily(0))

    clock.moment = MIDNIGHT
    await spend(budget, 1)

    assert (await budget.state(DIVISION)).daily == Window(
        5000, 4999, ms(MIDNIGHT + dt.timedelta(days=1))
    )


# --- adopting the headers -------------------------------------------------------------


async def test_fewer_calls_left_by_exacts_count_are_adopted(budgets: Budgets) -> None:
    budget = budgets.new()
    await spend(budget, 5)

    await budget.observe(DIVISION, merged(minutely(20), daily(4000)))

    state = await budget.state(DIVISION)
    assert state.minutely == Window(60, 20, ms(NEXT_MINUTE))
    assert state.daily == Window(5000, 4000, ms(MIDNIGHT))


async def test_calls_in_flight_are_not_given_back_by_an_earlier_count(budgets: Budgets) -> None:
    budget = budgets.new()
    await spend(budget, 10)  # 50 left; Exact has seen 5 of them so far

    await budget.observe(DIVISION, minutely(55))

    assert (await budget.state(DIVISION)).minutely.remaining == 50


async def test_what_another_process_spent_is_not_given_back_either(budgets: Budgets) -> None:
    first = budgets.new()
    second = budgets.another(first)
    await spend(first, 10)
    await spend(second, 10)  # 40 left

    await first.observe(DIVISION, minutely(55))
    await first.observe(DIVISION, minutely(45))
    assert (await first.state(DIVISION)).minutely.remaining == 40

    await first.observe(DIVISION, minutely(30))
    assert (await second.state(DIVISION)).minutely.remaining == 30


async def test_a_newer_reset_is_a_new_window(budgets: Budgets) -> None:
    budget = budgets.new()
    await spend(budget, 60)
    later = NEXT_MINUTE + dt.timedelta(minutes=1)

    await budget.observe(DIVISION, minutely(58, reset=later))

    assert (await budget.state(DIVISION)).minutely == Window(60, 58, ms(later))


async def test_a_response_from_an_earlier_window_is_ignored(budgets: Budgets) -> None:
    budget = budgets.new()
    await spend(budget, 3)
    before = await budget.state(DIVISION)

    await budget.observe(DIVISION, minutely(0, reset=NEXT_MINUTE - dt.timedelta(minutes=1)))

    assert await budget.state(DIVISION) == before


async def test_a_larger_limit_counts_the_calls_used_against_it(budgets: Budgets) -> None:
    budget = budgets.new()
    await spend(budget, 20)

    await budget.observe(DIVISION, merged(daily(8990, limit=9000), minutely(90, limit=100)))

    state = await budget.state(DIVISION)
    assert state.daily == Window(9000, 8980, ms(MIDNIGHT))  # our 20 calls, not Exact's 10
    assert state.minutely == Window(100, 80, ms(NEXT_MINUTE))


async def test_a_response_without_headers_changes_nothing(budgets: Budgets) -> None:
    budget = budgets.new()
    await spend(budget, 2)
    before = await budget.state(DIVISION)

    await budget.observe(DIVISION, None)

    assert await budget.state(DIVISION) == before


# --- used up ------------------------------------------------------------------------------


async def test_daily_limit_used_up_raises_with_retry_at_instead_of_sleeping(
    budgets: Budgets, clock: FakeClock
) -> None:
    budget = budgets.new()
    await budget.observe(DIVISION, merged(daily(0), minutely(42)))

    with pytest.raises(ExactThrottledError) as raised:
        await budget.acquire(DIVISION)

    assert raised.value.retry_at == MIDNIGHT
    assert raised.value.status == 429
    assert clock.sleeps == []


async def test_a_daily_429_blocks_the_division_until_midnight(
    budgets: Budgets, clock: FakeClock
) -> None:
    budget = budgets.new()

    await budget.exhausted(DIVISION, daily(0), MIDNIGHT)

    with pytest.raises(ExactThrottledError) as raised:
        await budget.acquire(DIVISION)
    assert raised.value.retry_at == MIDNIGHT
    assert clock.sleeps == []


async def test_a_minutely_429_waits_exactly_until_retry_at(
    budgets: Budgets, clock: FakeClock
) -> None:
    budget = budgets.new()
    await spend(budget, 3)  # our count says 57 left: another app took the rest

    await budget.exhausted(DIVISION, minutely(0), NEXT_MINUTE)
    await budget.acquire(DIVISION)

    assert clock.sleeps == [35.0]
    assert clock.now() == NEXT_MINUTE


async def test_a_429_without_headers_waits_for_the_next_minute(
    budgets: Budgets, clock: FakeClock
) -> None:
    budget = budgets.new()

    await budget.exhausted(DIVISION, None, None)
    await budget.acquire(DIVISION)

    assert clock.sleeps == [35.0]


async def test_a_429_whose_reset_has_passed_by_our_clock_still_backs_off(
    budgets: Budgets, clock: FakeClock
) -> None:
    budget = budgets.new()

    await budget.exhausted(DIVISION, minutely(0), START - dt.timedelta(seconds=2))
    await budget.acquire(DIVISION)

    assert clock.sleeps == [1.0]


async def test_a_wait_longer_than_max_wait_raises(budgets: Budgets, clock: FakeClock) -> None:
    budget = budgets.new(max_wait_seconds=30)
    await spend(budget, 60)

    with pytest.raises(ExactThrottledError) as raised:
        await budget.acquire(DIVISION)

    assert raised.value.retry_at == NEXT_MINUTE  # 35 s away
    assert clock.sleeps == []


async def test_divisions_and_calls_without_a_division_have_budgets_of_their_own(
    budgets: Budgets, clock: FakeClock
) -> None:
    budget = budgets.new(max_wait_seconds=0)
    await spend(budget, 60)

    await spend(budget, 60, OTHER_DIVISION)
    await spend(budget, 60, None)

    assert clock.sleeps == []
    assert (await budget.state(None)).minutely.remaining == 0
    assert (await budget.state(0)) == (await budget.state(None))


async def test_two_concurrent_acquirers_never_overspend(budgets: Budgets, clock: FakeClock) -> None:
    clock.moment = dt.datetime(2023, 5, 12, 8, 18, tzinfo=dt.UTC)
    first = budgets.new()
    second = budgets.another(first)

    await asyncio.gather(spend(first, 75), spend(second, 75))

    # 150 calls at 60 a minute: two full minutes, then 30 calls in the third;
    # with a lost update the daily count would show fewer than 150 calls.
    assert clock.now() == dt.datetime(2023, 5, 12, 8, 20, tzinfo=dt.UTC)
    state = await first.state(DIVISION)
    assert state.minutely.remaining == 30
    assert state.daily.remaining == 5000 - 150


# --- the database row -------------------------------------------------------------------


async def test_the_database_keeps_one_row_per_client_id_and_division(
    database: Database, clock: FakeClock
) -> None:
    budget = DatabaseRateBudget(database, CLIENT_ID, now=clock.now, sleep=clock.sleep)
    other_app = DatabaseRateBudget(database, "another-app", now=clock.now, sleep=clock.sleep)

    await spend(budget, 3)
    await spend(other_app, 1)
    await spend(budget, 1, None)

    async with database.engine.connect() as connection:
        rows = (
            await connection.execute(
                select(exact_rate_budgets).order_by(
                    exact_rate_budgets.c.client_id, exact_rate_budgets.c.division
                )
            )
        ).all()
    assert [
        (row.client_id, row.division, row.minutely_remaining, row.daily_remaining) for row in rows
    ] == [
        (CLIENT_ID, 0, 59, 4999),
        (CLIENT_ID, DIVISION, 57, 4997),
        ("another-app", DIVISION, 59, 4999),
    ]
    assert (rows[1].minutely_limit, rows[1].daily_limit) == (60, 5000)
    assert rows[1].minutely_reset_ms == ms(NEXT_MINUTE)
    assert rows[1].daily_reset_ms == ms(MIDNIGHT)
    assert rows[1].lock_version == 3  # taken once per acquisition
