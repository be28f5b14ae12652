"""Connecting Hourbill to an Exact Online administration (OAuth2 authorization code).

The administrator configures the app (country, client ID and secret, redirect
URL), asks for the authorize URL, approves in Exact, and Exact redirects back
to the callback with a code and the `state`. The state is single-use, expires,
is stored only as a hash, and is bound to the admin key that started the dance:
the callback is refused when that key was revoked meanwhile, is gone or is no
admin key. Every callback is written to the audit log (`exact.callback`, acted by
the key that started it). Secrets never leave the connector: the status shows
who is connected and how healthy the tokens are, never the tokens.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Protocol

from application.access import AuditLog
from application.exact import ExactError
from application.ports import Clock
from domain.access import ApiKey, Principal, Role
from domain.audit import AuditOutcome
from domain.errors import ErrorCode, HourbillError, Problems

STATE_LIFETIME = dt.timedelta(minutes=10)
CALLBACK_ACTION = "exact.callback"

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


@dataclass(frozen=True, slots=True)
class UsedState:
    """A state consumed just now, and who started the connection with it."""

    created_by: str | None
    """As saved: the starting key's id; None or anything else for an unknown starter."""


class OAuthStates(Protocol):
    """Single-use OAuth `state` values, kept as hashes (infrastructure)."""

    async def save(
        self, state_hash: str, expires_at: dt.datetime, created_by: str | None
    ) -> None: ...

    async def consume(self, state_hash: str, now: dt.datetime) -> UsedState | None:
        """Mark the state used, atomically; None when unknown, used before or expired."""
        ...


class StartingKeys(Protocol):
    """The API keys, to check the one that started a connection (`ApiKeys` is one)."""

    async def get(self, key_id: uuid.UUID) -> ApiKey | None: ...


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

    async def execute(self, started_by: uuid.UUID) -> AuthorizationStart:
        """A fresh state bound to `started_by`, the admin key asking; only it may finish."""
        status = await self.connector.status()
        if status.status is ConnectionStatus.NOT_CONFIGURED:
            raise HourbillError.single(ErrorCode.REQUIRED, "Configure the Exact Online app first")
        state = secrets.token_urlsafe(32)
        expires_at = self.clock.now() + STATE_LIFETIME
        await self.states.save(hash_state(state), expires_at, str(started_by))
        return AuthorizationStart(await self.connector.authorization_url(state), expires_at)


class CompleteExactConnection:
    """Exact's redirect back: use up the state, check who started, hand the code over.

    Refused (`HourbillError`, Exact not called) when the code or state is missing, the
    state is unknown, used or expired, or the key that started is revoked, gone or no
    admin key; a refused state is used up all the same. Every attempt is audited.
    """

    def __init__(
        self,
        connector: ExactConnector,
        states: OAuthStates,
        clock: Clock,
        keys: StartingKeys,
        audit: AuditLog,
    ) -> None:
        self.connector = connector
        self.states = states
        self.clock = clock
        self.keys = keys
        self.audit = audit

    async def execute(
        self, code: str, state: str, *, correlation_id: str | None = None
    ) -> ExactConnectionStatus:
        attempt = _Attempt(self.audit, code, state, correlation_id)
        try:
            _require(code, state)
            used = await self.states.consume(hash_state(state), self.clock.now())
            if used is None:
                raise HourbillError.single(
                    ErrorCode.INVALID, "Unknown, used or expired state: start again", "state"
                )
            await self._check_starter(used, attempt)
            status = await self.connector.complete(code)
        except HourbillError as error:
            await attempt.done(AuditOutcome.REJECTED, tuple(p.code.value for p in error.problems))
            raise
        except ExactError as error:
            if error.retryable:
                await attempt.done(AuditOutcome.FAILED, (ErrorCode.EXACT_UNAVAILABLE.value,))
            else:
                await attempt.done(AuditOutcome.REJECTED, (ErrorCode.EXACT_REJECTED.value,))
            raise
        except Exception:
            await attempt.done(AuditOutcome.FAILED)
            raise
        await attempt.done(AuditOutcome.SUCCEEDED)
        return status

    async def _check_starter(self, used: UsedState, attempt: _Attempt) -> None:
        """The key that started acts in the audit; FORBIDDEN unless it is an active admin."""
        key_id = _key_id(used.created_by)
        key = None if key_id is None else await self.keys.get(key_id)
        if key is None:
            attempt.actor_name = f"unknown key {used.created_by}"
            raise _refused("was started by a key that no longer exists")
        attempt.actor = key.principal()
        if not key.active:
            raise _refused(f"was started by the key {key.name!r}, which is revoked")
        if not key.role.allows(Role.ADMIN):
            raise _refused(f"was started by the key {key.name!r}, which is no admin key")


class _Attempt:
    """One callback's audit entry: who (once known) and how it ended."""

    def __init__(self, audit: AuditLog, code: str, state: str, correlation_id: str | None):
        self.audit = audit
        self.correlation_id = correlation_id
        self.arguments = json.dumps(
            {"code": "***" if code else None, "state": "***" if state else None}, sort_keys=True
        )
        self.actor: Principal | None = None
        self.actor_name = "Exact callback"

    async def done(self, outcome: AuditOutcome, error_codes: tuple[str, ...] = ()) -> None:
        await self.audit.record(
            CALLBACK_ACTION,
            self.actor,
            self.arguments,
            outcome,
            error_codes,
            actor_name=self.actor_name,
            correlation_id=self.correlation_id,
        )


def _require(code: str, state: str) -> None:
    problems = Problems()
    if not code:
        problems.add(ErrorCode.REQUIRED, "Exact sent no authorization code", "code")
    if not state:
        problems.add(ErrorCode.REQUIRED, "The state is missing", "state")
    problems.raise_if_any()


def _key_id(created_by: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(created_by) if created_by else None
    except ValueError:
        return None


def _refused(why: str) -> HourbillError:
    return HourbillError.single(
        ErrorCode.FORBIDDEN, f"This connection {why}: an admin starts again", "state"
    )


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
