"""Connecting Hourbill to an Exact Online administration (OAuth2 authorization code).

The administrator configures the app (country, client ID and secret, redirect
URL), asks for the authorize URL, approves in Exact, and Exact redirects back
to the callback with a code and the `state`. The state is single-use, expires,
and is stored only as a hash. Secrets never leave the connector: the status
shows who is connected and how healthy the tokens are, never the tokens.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from dataclasses import dataclass
from typing import Protocol

from application.ports import Clock
from domain.errors import ErrorCode, HourbillError, Problems

STATE_LIFETIME = dt.timedelta(minutes=10)

COUNTRY_HOSTS = {
    "nl": "https://start.exactonline.nl",
    "be": "https://start.exactonline.be",
    "de": "https://start.exactonline.de",
    "co.uk": "https://start.exactonline.co.uk",
    "com": "https://start.exactonline.com",
    "es": "https://start.exactonline.es",
    "fr": "https://start.exactonline.fr",
}
"""Each country is its own Exact instance: apps and tokens do not carry over."""


class ConnectionStatus(enum.StrEnum):
    NOT_CONFIGURED = "NOT_CONFIGURED"
    NOT_CONNECTED = "NOT_CONNECTED"
    CONNECTED = "CONNECTED"
    RECONNECT_NEEDED = "RECONNECT_NEEDED"


@dataclass(frozen=True, slots=True)
class ExactConnectionConfig:
    country: str
    client_id: str
    client_secret: str
    redirect_url: str
    base_url: str | None = None
    """None: the country's Exact host."""


@dataclass(frozen=True, slots=True)
class ExactConnectionStatus:
    status: ConnectionStatus
    country: str | None = None
    base_url: str | None = None
    client_id: str | None = None
    redirect_url: str | None = None
    user_name: str | None = None
    user_email: str | None = None
    current_division: int | None = None
    access_expires_at: dt.datetime | None = None
    refreshed_at: dt.datetime | None = None
    refresh_count: int = 0
    reason: str | None = None
    """Why a reconnect is needed (Exact's own words), when it is."""


class ExactConnector(Protocol):
    """The connection's state and the OAuth2 exchanges with Exact (infrastructure)."""

    async def status(self) -> ExactConnectionStatus: ...

    async def configure(self, config: ExactConnectionConfig) -> ExactConnectionStatus:
        """Store the app's settings (secret encrypted); drops any tokens."""
        ...

    async def authorization_url(self, state: str) -> str:
        """Exact's authorize URL for the configured app, carrying `state`."""
        ...

    async def complete(self, code: str) -> ExactConnectionStatus:
        """Exchange the code for tokens, store them, and read who connected.

        Raises `ExactError` when Exact refuses the code (used, expired, wrong app).
        """
        ...

    async def disconnect(self) -> ExactConnectionStatus: ...


class OAuthStates(Protocol):
    """Single-use OAuth `state` values, kept as hashes (infrastructure)."""

    async def save(
        self, state_hash: str, expires_at: dt.datetime, created_by: str | None
    ) -> None: ...

    async def consume(self, state_hash: str, now: dt.datetime) -> bool:
        """Mark the state used; False when unknown, used before or expired."""
        ...


def hash_state(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AuthorizationStart:
    authorize_url: str
    expires_at: dt.datetime


class StartExactConnection:
    def __init__(self, connector: ExactConnector, states: OAuthStates, clock: Clock) -> None:
        self.connector = connector
        self.states = states
        self.clock = clock

    async def execute(self, started_by: str | None = None) -> AuthorizationStart:
        status = await self.connector.status()
        if status.status is ConnectionStatus.NOT_CONFIGURED:
            raise HourbillError.single(ErrorCode.REQUIRED, "Configure the Exact Online app first")
        state = secrets.token_urlsafe(32)
        expires_at = self.clock.now() + STATE_LIFETIME
        await self.states.save(hash_state(state), expires_at, started_by)
        return AuthorizationStart(await self.connector.authorization_url(state), expires_at)


class CompleteExactConnection:
    def __init__(self, connector: ExactConnector, states: OAuthStates, clock: Clock) -> None:
        self.connector = connector
        self.states = states
        self.clock = clock

    async def execute(self, code: str, state: str) -> ExactConnectionStatus:
        problems = Problems()
        if not code:
            problems.add(ErrorCode.REQUIRED, "Exact sent no authorization code", "code")
        if not state:
            problems.add(ErrorCode.REQUIRED, "The state is missing", "state")
        problems.raise_if_any()
        if not await self.states.consume(hash_state(state), self.clock.now()):
            raise HourbillError.single(
                ErrorCode.INVALID, "Unknown, used or expired state: start again", "state"
            )
        return await self.connector.complete(code)


_REQUIRED_FIELDS = (
    ("client_id", "clientId"),
    ("client_secret", "clientSecret"),
    ("redirect_url", "redirectUrl"),
)


class ConfigureExactConnection:
    def __init__(self, connector: ExactConnector) -> None:
        self.connector = connector

    async def execute(self, config: ExactConnectionConfig) -> ExactConnectionStatus:
        problems = Problems()
        if config.country not in COUNTRY_HOSTS:
            countries = ", ".join(COUNTRY_HOSTS)
            problems.add(ErrorCode.INVALID, f"Use one of {countries}", "country")
        for name, field in _REQUIRED_FIELDS:
            if not getattr(config, name).strip():
                problems.add(ErrorCode.REQUIRED, "Required", field)
        for name, field in (("redirect_url", "redirectUrl"), ("base_url", "baseUrl")):
            url = getattr(config, name)
            if url and not url.startswith(("https://", "http://")):
                problems.add(ErrorCode.INVALID, "Must be an http(s) URL", field)
        problems.raise_if_any()
        return await self.connector.configure(config)


class DisconnectExact:
    def __init__(self, connector: ExactConnector) -> None:
        self.connector = connector

    async def execute(self) -> ExactConnectionStatus:
        return await self.connector.disconnect()
