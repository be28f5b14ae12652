"""Exact's rate limits: per app (client ID) and division, per minute and per day.

Every answered call carries the six `X-RateLimit-*` headers. A call over the
minutely limit gets 429 with an empty body and only the minutely headers; over
the daily limit, only the daily ones. The daily count resets at 00:00 UTC; the
minutely one at the next whole minute. Calls refused with 429 are not counted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from infrastructure.exact.sandbox.clock import SandboxClock


@dataclass
class Limits:
    minutely: int = 60
    daily: int = 5000


@dataclass
class _Usage:
    minute: int = -1
    minute_calls: int = 0
    day: dt.date = dt.date.min
    day_calls: int = 0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    def __init__(self, clock: SandboxClock, limits: Limits | None = None) -> None:
        self.clock = clock
        self.limits = limits or Limits()
        self._usage: dict[tuple[uuid.UUID, int], _Usage] = {}
        self.refused = 0

    def reset(self) -> None:
        self._usage.clear()
        self.refused = 0

    def check(self, client_id: uuid.UUID, division: int) -> Verdict:
        """Count one call, or refuse it when a limit is used up."""
        now = self.clock.now()
        usage = self._usage.setdefault((client_id, division), _Usage())
        minute = int(now.timestamp() // 60)
        if usage.minute != minute:
            usage.minute, usage.minute_calls = minute, 0
        if usage.day != now.date():
            usage.day, usage.day_calls = now.date(), 0
        minutely = self._minutely(usage, minute)
        daily = self._daily(usage, now)
        if usage.day_calls >= self.limits.daily:
            self.refused += 1
            return Verdict(False, daily)
        if usage.minute_calls >= self.limits.minutely:
            self.refused += 1
            return Verdict(False, minutely)
        usage.minute_calls += 1
        usage.day_calls += 1
        return Verdict(True, self._minutely(usage, minute) | self._daily(usage, now))

    def _minutely(self, usage: _Usage, minute: int) -> dict[str, str]:
        return {
            "X-RateLimit-Minutely-Limit": str(self.limits.minutely),
            "X-RateLimit-Minutely-Remaining": str(
                max(0, self.limits.minutely - usage.minute_calls)
            ),
            "X-RateLimit-Minutely-Reset": str((minute + 1) * 60_000),
        }

    def _daily(self, usage: _Usage, now: dt.datetime) -> dict[str, str]:
        midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
        return {
            "X-RateLimit-Limit": str(self.limits.daily),
            "X-RateLimit-Remaining": str(max(0, self.limits.daily - usage.day_calls)),
            "X-RateLimit-Reset": str(int(midnight.timestamp() * 1000)),
        }
