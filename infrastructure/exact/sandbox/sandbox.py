"""The sandbox as one object: state, OAuth, limits, faults, request log, webhooks.

Tests drive it directly (`sandbox.faults.add(...)`, `sandbox.process_invoice(...)`)
or over HTTP through the control API; the Exact API itself is served by
`infrastructure.exact.sandbox.app.create_sandbox_app`.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.administration import Administration, Row
from infrastructure.exact.sandbox.clock import SandboxClock
from infrastructure.exact.sandbox.faults import FaultPlan
from infrastructure.exact.sandbox.oauth import ClientApp, OAuthServer
from infrastructure.exact.sandbox.ratelimit import Limits, RateLimiter
from infrastructure.exact.sandbox.seed import demo_administration, seed
from infrastructure.exact.sandbox.webhooks import WebhookDispatcher

DEMO_CLIENT_ID = uuid.UUID("5b7e1c3a-2f4d-4e8b-9a6c-0d1e2f3a4b5c")
DEMO_CLIENT_SECRET = "sandbox-client-secret"
DEMO_WEBHOOK_SECRET = "sandbox-webhook-secret"
LOOPBACK_REDIRECTS = ["http://127.0.0.1*", "http://localhost*"]


@dataclass
class SandboxConfig:
    minutely_limit: int = 60
    daily_limit: int = 5000
    language: str = "en"
    fault_seed: int = 0
    webhook_validation_delay: float = 1.0
    timezone: str = "Europe/Amsterdam"
    demo: bool = True
    """Seed the demo administration and register the demo app on (re)start."""
    request_log_size: int = 10_000


@dataclass(frozen=True)
class LoggedRequest:
    at: dt.datetime
    method: str
    path: str
    query: str
    status: int
    client_id: uuid.UUID | None
    division: int | None
    faults: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "client_id": str(self.client_id) if self.client_id else None,
            "division": self.division,
            "faults": list(self.faults),
        }


@dataclass
class Sandbox:
    config: SandboxConfig = field(default_factory=SandboxConfig)
    clock: SandboxClock = field(default=None)  # type: ignore[assignment]
    """By default a real-time clock in `config.timezone`."""

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = SandboxClock(timezone=self.config.timezone)
        self.lock = threading.RLock()
        """Held while a request touches state: tests may call in from another thread."""
        self.faults = FaultPlan(seed=self.config.fault_seed)
        self.requests: deque[LoggedRequest] = deque(maxlen=self.config.request_log_size)
        self.webhooks = WebhookDispatcher(
            self._webhook_secret, validation_delay=self.config.webhook_validation_delay
        )
        self._build()

    def _build(self) -> None:
        self.administration = Administration(self.clock, language=self.config.language)
        self.oauth = OAuthServer(self.clock, self.administration.user_id)
        self.limits = RateLimiter(
            self.clock, Limits(self.config.minutely_limit, self.config.daily_limit)
        )
        self.webhooks.attach(self.administration)
        if self.config.demo:
            self.seed(demo_administration())
            self.register_client(
                ClientApp(
                    DEMO_CLIENT_ID,
                    DEMO_CLIENT_SECRET,
                    list(LOOPBACK_REDIRECTS),
                    DEMO_WEBHOOK_SECRET,
                    "Demo app",
                )
            )

    # --- control ------------------------------------------------------------------

    def reset(self, *, demo: bool | None = None) -> None:
        """Forget everything: state, tokens, counters, faults, the log; the clock is real again."""
        with self.lock:
            if demo is not None:
                self.config.demo = demo
            base_url = self.administration.base_url
            self.faults.clear()
            self.faults.reseed(self.config.fault_seed)
            self.requests.clear()
            self.clock.set_scale(1.0)
            self.clock.set(dt.datetime.now(dt.UTC))
            self._build()
            self.administration.base_url = base_url

    def seed(self, description: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return seed(self.administration, description)

    def register_client(self, app: ClientApp) -> ClientApp:
        with self.lock:
            return self.oauth.register(app)

    def mint_tokens(self, client_id: uuid.UUID = DEMO_CLIENT_ID) -> dict[str, str]:
        with self.lock:
            return self.oauth.mint(client_id)

    def process_invoice(self, division: int, invoice_id: uuid.UUID) -> Row:
        with self.lock:
            return self.administration.process_invoice(division, invoice_id)

    def rows(self, division: int, path: str) -> list[Row]:
        with self.lock:
            entity_set = schema.ENTITY_SETS[path.lower()]
            return [dict(row) for row in self.administration.rows(division, entity_set)]

    def invoices(self, division: int) -> list[Row]:
        return self.rows(division, schema.INVOICES.path)

    def set_limits(self, *, minutely: int | None = None, daily: int | None = None) -> None:
        """Change the limits until the next reset (which restores the configured ones)."""
        with self.lock:
            if minutely is not None:
                self.limits.limits.minutely = minutely
            if daily is not None:
                self.limits.limits.daily = daily

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def log(self, entry: LoggedRequest) -> None:
        self.requests.append(entry)

    def api_calls(self, method: str | None = None, path: str | None = None) -> list[LoggedRequest]:
        """Logged calls to the REST API (not OAuth, not control), optionally filtered."""
        return [
            entry
            for entry in list(self.requests)
            if entry.path.startswith("/api/v1/")
            and (method is None or entry.method == method)
            and (path is None or path.lower() in entry.path.lower())
        ]

    def _webhook_secret(self, client_id: uuid.UUID) -> str | None:
        app = self.oauth.clients.get(client_id)
        return app.webhook_secret if app else None
