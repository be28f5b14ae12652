"""Fault injection: the failures a real Exact integration meets, on demand.

A rule matches requests by method and path (a case-insensitive substring of
the URL path, e.g. ``salesinvoice/SalesInvoices`` or ``oauth2/token``), fires
for its first `times` matches (None: forever) with `probability`, and does one
of these:

- ``latency``: wait `seconds` before handling the request;
- ``error``: answer `status` (default 503) without handling it;
- ``throttle``: answer 429 with an empty body and the minutely headers of an
  exhausted quota, as when another app used the division's quota; it resets
  at the next whole minute, or `seconds` from now when given;
- ``lose_response``: handle the request (a POST's write is committed) and then
  drop the connection, so the client never learns the outcome.
"""

from __future__ import annotations

import enum
import itertools
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class FaultKind(enum.StrEnum):
    LATENCY = "latency"
    ERROR = "error"
    THROTTLE = "throttle"
    LOSE_RESPONSE = "lose_response"


@dataclass
class Fault:
    kind: FaultKind
    method: str | None = None
    path: str | None = None
    times: int | None = 1
    probability: float = 1.0
    status: int = 503
    seconds: float = 0.0
    fired: int = 0
    id: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        return not self.path or self.path.lower() in path.lower()

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "method": self.method,
            "path": self.path,
            "times": self.times,
            "probability": self.probability,
            "status": self.status,
            "seconds": self.seconds,
            "fired": self.fired,
        }


@dataclass
class FaultPlan:
    seed: int = 0
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, kind: FaultKind | str, **options: Any) -> Fault:
        fault = Fault(FaultKind(kind), **options)
        if not 0 <= fault.probability <= 1:
            raise ValueError("probability must be between 0 and 1")
        with self._lock:
            fault.id = next(self._ids)
            self.faults.append(fault)
        return fault

    def add_from_json(self, body: Mapping[str, Any]) -> Fault:
        allowed = {"method", "path", "times", "probability", "status", "seconds"}
        unknown = set(body) - allowed - {"kind"}
        if unknown:
            raise ValueError(f"unknown fault options: {', '.join(sorted(unknown))}")
        options = {key: body[key] for key in allowed & set(body)}
        # JSON numbers arrive as Decimal (the sandbox's codec): make them plain numbers.
        for name in ("probability", "seconds"):
            if name in options:
                options[name] = float(options[name])
        for name in ("status", "times"):
            if options.get(name) is not None:
                options[name] = int(options[name])
        return self.add(body["kind"], **options)

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def reseed(self, seed: int) -> None:
        with self._lock:
            self.seed = seed
            self._random = random.Random(seed)

    def draw(self, method: str, path: str, kinds: set[FaultKind]) -> list[Fault]:
        """The faults that fire for this request, among the given kinds."""
        fired: list[Fault] = []
        with self._lock:
            for fault in self.faults:
                if fault.kind not in kinds or not fault.matches(method, path):
                    continue
                if fault.probability < 1 and self._random.random() >= fault.probability:
                    continue
                fault.fired += 1
                fired.append(fault)
        return fired


BEFORE = {FaultKind.LATENCY, FaultKind.ERROR, FaultKind.THROTTLE}
AFTER = {FaultKind.LOSE_RESPONSE}
