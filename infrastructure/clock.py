"""The real clock. Dates are the service's local calendar dates (settings.timezone)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


class SystemClock:
    def __init__(self, timezone: str = "Europe/Amsterdam") -> None:
        self._zone = ZoneInfo(timezone)

    def now(self) -> dt.datetime:
        return dt.datetime.now(tz=self._zone)

    def today(self) -> dt.date:
        return self.now().date()
