"""Exact's call budget: 60 calls a minute and 5,000 a day per app (client ID) and division.

`ExactHttp` asks its `RateBudget` before every call (`acquire`), tells it the
``X-RateLimit-*`` headers of every response (`observe`) and reports a 429
(`exhausted`). The budget counts calls down per window and, when a window is
used up, sleeps until its reset, so that a well-behaved deployment never sees a
429 at all. A wait longer than `max_wait_seconds` (the daily limit, used up
until midnight UTC) raises `ExactThrottledError` with `retry_at` instead.

- `InMemoryRateBudget`: one process (unit tests, scripts, the fake).
- `DatabaseRateBudget`: every process of a deployment, through the
  `exact_rate_budgets` table (one row per client ID and division). Each
  acquisition is one short transaction that starts with
  ``UPDATE … SET lock_version = lock_version + 1``: the row lock on PostgreSQL,
  the database write lock on SQLite. Two processes therefore take turns, and
  never both spend the last call of a minute.

Counting rules (`BudgetState`, shared by both):

- Before any headers are seen, Exact's defaults hold: 60 a minute, 5,000 a day.
  A window whose reset has passed starts again at its limit, reset at the next
  whole minute or the next 00:00 UTC.
- Headers are the truth. A newer reset than ours is a new window: adopt it. The
  same reset: keep the larger of the two "used" counts (Exact's does not yet
  include our calls in flight; ours does not include other apps' calls). An
  older reset is a stale response: ignored.
- A 429 blocks the window it names until `retry_at` (the minutely window
  when the response does not say).

A call granted just before a reset can reach Exact just after it and count in
the new window; its response's headers correct the count, and the rare 429
this leaves is waited out and retried by `ExactHttp`.

Reset times come from Exact's clock, so `now` must be the same clock Exact
uses: the real one in production, the sandbox's in tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from application.exact import ExactThrottledError
from infrastructure.exact.http import RateLimit
from infrastructure.persistence.database import Database
from infrastructure.persistence.tables import exact_rate_budgets

DEFAULT_MINUTELY_LIMIT = 60
DEFAULT_DAILY_LIMIT = 5000
DEFAULT_MAX_WAIT_SECONDS = 120.0
NO_DIVISION = 0
"""The budget key of calls without a division (``current/Me``)."""
MIN_BACKOFF_MS = 1000
"""After a 429 whose reset has (by our clock) already passed: wait this long anyway."""

MINUTE_MS = 60_000
DAY_MS = 86_400_000

Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]


class RateBudget(Protocol):
    """What `ExactHttp` asks before and tells after every call (division None: no division)."""

    async def acquire(self, division: int | None) -> None:
        """Wait until a call may be made, and count it.

        Raises `ExactThrottledError` (with `retry_at`) when that is too far off.
        """
        ...

    async def observe(self, division: int | None, limit: RateLimit | None) -> None:
        """A response's rate-limit headers (None: it had none)."""
        ...

    async def exhausted(
        self, division: int | None, limit: RateLimit | None, retry_at: dt.datetime | None
    ) -> None:
        """Exact answered 429: no calls for this division before `retry_at`."""
        ...


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def budget_key(division: int | None) -> int:
    return NO_DIVISION if division is None else division


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _moment(millis: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)


def _next_minute(now_ms: int) -> int:
    return (now_ms // MINUTE_MS + 1) * MINUTE_MS


def _next_midnight(now_ms: int) -> int:
    return (now_ms // DAY_MS + 1) * DAY_MS


# --- the counting rules -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """One limit's state: None reset means "not started" (full at the next call)."""

    limit: int
    remaining: int
    reset_ms: int | None

    def rolled(self, now_ms: int, next_reset: Callable[[int], int]) -> Window:
        if self.reset_ms is not None and now_ms < self.reset_ms:
            return self
        return Window(self.limit, self.limit, next_reset(now_ms))

    def adopt(self, limit: int | None, remaining: int | None, reset: dt.datetime | None) -> Window:
        """Merge one window of a response's headers into this one."""
        if reset is None:
            return self if limit is None else replace(self, limit=limit)
        reset_ms = _ms(reset)
        new_limit = self.limit if limit is None else limit
        if self.reset_ms is None or reset_ms > self.reset_ms:  # a new window
            fresh = new_limit if remaining is None else remaining
            return Window(new_limit, max(0, fresh), reset_ms)
        if reset_ms < self.reset_ms:  # a stale response from an earlier window
            return self
        used = self.limit - self.remaining
        if remaining is not None:
            used = max(used, new_limit - remaining)
        return Window(new_limit, max(0, new_limit - used), reset_ms)

    def blocked_until(self, reset_ms: int) -> Window:
        return Window(self.limit, 0, reset_ms)


@dataclass(frozen=True, slots=True)
class BudgetState:
    """Both windows of one client ID and division."""

    minutely: Window = Window(DEFAULT_MINUTELY_LIMIT, DEFAULT_MINUTELY_LIMIT, None)
    daily: Window = Window(DEFAULT_DAILY_LIMIT, DEFAULT_DAILY_LIMIT, None)

    def take(self, now_ms: int) -> tuple[BudgetState, int | None]:
        """(the state after, None) when a call may go now, else (state, ms when to try again)."""
        state = BudgetState(
            self.minutely.rolled(now_ms, _next_minute), self.daily.rolled(now_ms, _next_midnight)
        )
        for window in (state.daily, state.minutely):
            if window.remaining <= 0:
                assert window.reset_ms is not None  # a rolled window has a reset
                return state, window.reset_ms
        return (
            BudgetState(
                replace(state.minutely, remaining=state.minutely.remaining - 1),
                replace(state.daily, remaining=state.daily.remaining - 1),
            ),
            None,
        )

    def observe(self, limit: RateLimit) -> BudgetState:
        return BudgetState(
            self.minutely.adopt(
                limit.minutely_limit, limit.minutely_remaining, limit.minutely_reset
            ),
            self.daily.adopt(limit.daily_limit, limit.daily_remaining, limit.daily_reset),
        )

    def exhausted(
        self, now_ms: int, limit: RateLimit | None, retry_at: dt.datetime | None
    ) -> BudgetState:
        state = self if limit is None else self.observe(limit)
        until = _ms(retry_at) if retry_at is not None else _next_minute(now_ms)
        until = max(until, now_ms + MIN_BACKOFF_MS)
        if limit is not None and limit.daily_remaining == 0:
            return replace(state, daily=state.daily.blocked_until(until))
        return replace(state, minutely=state.minutely.blocked_until(until))


class _Waiting:
    """The acquire loop both budgets share: take, or sleep until the reset, or give up."""

    def __init__(self, now: Clock, sleep: Sleep, max_wait_seconds: float) -> None:
        self._now = now
        self._sleep = sleep
        self.max_wait_seconds = max_wait_seconds

    def now_ms(self) -> int:
        return _ms(self._now())

    async def wait_or_raise(self, division: int | None, retry_ms: int) -> None:
        seconds = (retry_ms - self.now_ms()) / 1000
        if seconds > self.max_wait_seconds:
            where = "without a division" if division is None else f"in division {division}"
            raise ExactThrottledError(
                f"Exact's rate limit for calls {where} is used up until "
                f"{_moment(retry_ms).isoformat()}",
                retry_at=_moment(retry_ms),
            )
        await self._sleep(max(0.0, seconds))


# --- one process ------------------------------------------------------------------


class InMemoryRateBudget:
    """The budget of one process: state in a dict, guarded by a lock."""

    def __init__(
        self,
        *,
        now: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
    ) -> None:
        self._waiting = _Waiting(now, sleep, max_wait_seconds)
        self._states: dict[int, BudgetState] = {}
        self._lock = threading.Lock()

    async def state(self, division: int | None) -> BudgetState:
        with self._lock:
            return self._states.get(budget_key(division), BudgetState())

    async def acquire(self, division: int | None) -> None:
        key = budget_key(division)
        while True:
            with self._lock:
                state, retry_ms = self._states.get(key, BudgetState()).take(self._waiting.now_ms())
                self._states[key] = state
            if retry_ms is None:
                return
            await self._waiting.wait_or_raise(division, retry_ms)

    async def observe(self, division: int | None, limit: RateLimit | None) -> None:
        if limit is None:
            return
        key = budget_key(division)
        with self._lock:
            self._states[key] = self._states.get(key, BudgetState()).observe(limit)

    async def exhausted(
        self, division: int | None, limit: RateLimit | None, retry_at: dt.datetime | None
    ) -> None:
        key = budget_key(division)
        with self._lock:
            self._states[key] = self._states.get(key, BudgetState()).exhausted(
                self._waiting.now_ms(), limit, retry_at
            )


# --- every process of a deployment ------------------------------------------------


_T = exact_rate_budgets.c


def _state_of(row: Any) -> BudgetState:
    def window(limit: int | None, remaining: int | None, reset: int | None, default: int) -> Window:
        limit = default if limit is None else limit
        return Window(limit, limit if remaining is None else remaining, reset)

    return BudgetState(
        window(
            row.minutely_limit,
            row.minutely_remaining,
            row.minutely_reset_ms,
            DEFAULT_MINUTELY_LIMIT,
        ),
        window(row.daily_limit, row.daily_remaining, row.daily_reset_ms, DEFAULT_DAILY_LIMIT),
    )


def _columns_of(state: BudgetState) -> dict[str, int | None]:
    return {
        "minutely_limit": state.minutely.limit,
        "minutely_remaining": state.minutely.remaining,
        "minutely_reset_ms": state.minutely.reset_ms,
        "daily_limit": state.daily.limit,
        "daily_remaining": state.daily.remaining,
        "daily_reset_ms": state.daily.reset_ms,
    }


class DatabaseRateBudget:
    """The budget of a deployment: one `exact_rate_budgets` row per client ID and division.

    Every operation is one transaction: lock the row (creating it first if
    needed), read it, apply the counting rules, write it back. Waiting happens
    outside any transaction.
    """

    def __init__(
        self,
        database: Database,
        client_id: object,
        *,
        now: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
    ) -> None:
        self.database = database
        self.client_id = str(client_id)
        self._waiting = _Waiting(now, sleep, max_wait_seconds)
        self._seen: dict[int, BudgetState] = {}
        """The state as this process last left it, per key."""
        dialect = database.engine.dialect.name
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    async def state(self, division: int | None) -> BudgetState:
        """The stored state (read without the lock: for looking, not for deciding)."""
        key = budget_key(division)
        query = select(exact_rate_budgets).where(
            (_T.client_id == self.client_id) & (_T.division == key)
        )
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(query)).one_or_none()
        return BudgetState() if row is None else _state_of(row)

    async def acquire(self, division: int | None) -> None:
        while True:
            retry_ms = await self._change(
                division, lambda state: state.take(self._waiting.now_ms())
            )
            if retry_ms is None:
                return
            await self._waiting.wait_or_raise(division, retry_ms)

    async def observe(self, division: int | None, limit: RateLimit | None) -> None:
        if limit is None:
            return
        seen = self._seen.get(budget_key(division))
        if seen is not None and seen.observe(limit) == seen:
            # Nothing new even to the state this process saw last; the row can only
            # have moved on from there (fewer calls left, or a later window).
            return
        await self._change(division, lambda state: (state.observe(limit), None))

    async def exhausted(
        self, division: int | None, limit: RateLimit | None, retry_at: dt.datetime | None
    ) -> None:
        await self._change(
            division,
            lambda state: (state.exhausted(self._waiting.now_ms(), limit, retry_at), None),
        )

    async def _change(
        self, division: int | None, rule: Callable[[BudgetState], tuple[BudgetState, Any]]
    ) -> Any:
        """Apply `rule` to the row under its lock; returns the rule's second value."""
        key = budget_key(division)
        where = (_T.client_id == self.client_id) & (_T.division == key)
        lock = (
            update(exact_rate_budgets)
            .where(where)
            .values(lock_version=_T.lock_version + 1)
            .returning(*exact_rate_budgets.c)
        )
        async with self.database.engine.begin() as connection:
            row = (await connection.execute(lock)).one_or_none()
            if row is None:
                await connection.execute(
                    self._insert(exact_rate_budgets)
                    .values(client_id=self.client_id, division=key, lock_version=0)
                    .on_conflict_do_nothing()
                )
                row = (await connection.execute(lock)).one()
            before = _state_of(row)
            after, result = rule(before)
            if after != before or row.minutely_limit is None:
                await connection.execute(
                    update(exact_rate_budgets).where(where).values(**_columns_of(after))
                )
        self._seen[key] = after
        return result
