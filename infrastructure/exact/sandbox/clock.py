"""The sandbox's clock: real time that tests can advance and speed up.

Token lifetimes, authorization codes, rate-limit windows and `Created` dates
all read this clock, so a test can make ten minutes pass in no time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo


class SandboxClock:
    def __init__(
        self,
        *,
        timezone: str = "Europe/Amsterdam",
        start: dt.datetime | None = None,
        scale: float = 1.0,
    ) -> None:
        self.zone = ZoneInfo(timezone)
        self._lock = threading.Lock()
        self._anchor_real = time.monotonic()
        self._anchor = start or dt.datetime.now(dt.UTC)
        self._scale = scale

    def now(self) -> dt.datetime:
        """The sandbox's current moment, timezone-aware UTC."""
        with self._lock:
            elapsed = (time.monotonic() - self._anchor_real) * self._scale
            return self._anchor + dt.timedelta(seconds=elapsed)

    def timestamp(self) -> float:
        return self.now().timestamp()

    def local_now(self) -> dt.datetime:
        """Exact's local wall-clock time, naive: what `/Date(ms)/` encodes."""
        return self.now().astimezone(self.zone).replace(tzinfo=None)

    def today(self) -> dt.date:
        return self.local_now().date()

    @property
    def scale(self) -> float:
        return self._scale

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._anchor += dt.timedelta(seconds=seconds)

    def set_scale(self, scale: float) -> None:
        """From now on, one real second is `scale` sandbox seconds."""
        if scale <= 0:
            raise ValueError("the clock's scale must be positive")
        with self._lock:
            real = time.monotonic()
            self._anchor += dt.timedelta(seconds=(real - self._anchor_real) * self._scale)
            self._anchor_real = real
            self._scale = scale

    def set(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("set the sandbox clock with an aware datetime")
        with self._lock:
            self._anchor_real = time.monotonic()
            self._anchor = moment.astimezone(dt.UTC)

    async def sleep(self, seconds: float, *, settle: float = 0.0) -> None:
        """Let `seconds` pass on this clock at once: the sleep to inject into code under
        test (such as a rate budget), so waiting for a reset costs no real time.

        Sleepers side by side do not add up: each moves the clock on to its own
        wake-up time, unless the clock is already past it. `settle` real seconds
        pass first, so that requests already in flight land before the jump, as
        they would in real time (where a wait lasts longer than a request).
        """
        wake = self.now() + dt.timedelta(seconds=max(0.0, seconds))
        await asyncio.sleep(settle)
        with self._lock:
            now = self._anchor + dt.timedelta(
                seconds=(time.monotonic() - self._anchor_real) * self._scale
            )
            if now < wake:
                self._anchor += wake - now

    def sleep_seconds(self, sandbox_seconds: float) -> float:
        """Real seconds to wait until `sandbox_seconds` have passed on this clock."""
        return max(0.0, sandbox_seconds / self._scale)
