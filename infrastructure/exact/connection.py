"""The Exact Online connection, stored: app settings, encrypted tokens, OAuth states.

One row (id 1) of `exact_connections` holds the connection: the app's
settings (client secret encrypted), the current token pair (both tokens
encrypted), when the access token was issued and expires (epoch ms), how often
it was refreshed, who connected, and why a reconnect is needed when it is.

`StoredAccessTokens` hands the adapter its bearer token. Exact's rules make the
refresh the delicate part: a refresh rotates the refresh token (the old one is
dead at once: "Old refresh token used."), is refused within 570 s of the last
one ("Access token not expired."), and two processes refreshing together break
the connection. So a refresh is single-flight in a process (an `asyncio.Lock`)
and across processes (a lock on the row: `UPDATE … SET lock_version =
lock_version + 1` first in the transaction, a row lock on PostgreSQL and the
database's write lock on SQLite); inside it the stored pair is read again, and
when another process refreshed meanwhile its pair is used without calling
Exact. The new pair is committed before anyone uses it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx
from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from application.exact import ExactAuthError, ExactError, ExactUser
from application.exact_connection import (
    COUNTRY_HOSTS,
    ConnectionStatus,
    ExactConnectionConfig,
    ExactConnectionStatus,
    UsedState,
)
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from infrastructure.exact.oauth_client import (
    ExactGrantRevokedError,
    ExactOAuthClient,
    ExactRefreshTooEarlyError,
)
from infrastructure.exact.tokens import StaticAccessTokens
from infrastructure.persistence.database import Database
from infrastructure.persistence.tables import exact_connections, exact_oauth_states
from infrastructure.secrets import SecretBox, SecretDecryptionError

log = logging.getLogger(__name__)

T = TypeVar("T")

CONNECTION_ID = 1
EARLIEST_REFRESH_MS = 570_000
"""Exact refuses a refresh within 570 s of the previous one."""
TOO_EARLY_BACKOFF_MS = 15_000
"""After "Access token not expired", wait this long before asking again."""
STATE_RETENTION_MS = 24 * 3600 * 1000
"""Expired OAuth states are deleted a day after they expired."""

OAuthFactory = Callable[[str], ExactOAuthClient]
"""The OAuth client of one Exact site, by base URL."""
WhoAmI = Callable[[str, str], Awaitable[ExactUser]]
"""(access token, base URL) → who is connected (Exact's `current/Me`)."""

_table = exact_connections
_c = exact_connections.c


class Now(Protocol):
    def now(self) -> dt.datetime: ...


def current_user_over(http: httpx.AsyncClient) -> WhoAmI:
    """`WhoAmI` reading `current/Me` through the gateway, on a shared httpx client."""

    async def who(access_token: str, base_url: str) -> ExactUser:
        transport = ExactHttp(StaticAccessTokens(access_token), base_url=base_url, client=http)
        return await ExactOnlineGateway(transport).current_user()

    return who


def base_url_of(config: ExactConnectionConfig) -> str:
    """The configured base URL, else the country's Exact host."""
    return (config.base_url or COUNTRY_HOSTS[config.country]).rstrip("/")


def _ms(moment: dt.datetime) -> int:
    return round(moment.timestamp() * 1000)


def _moment(ms: int | None) -> dt.datetime | None:
    return None if ms is None else dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


@dataclass(frozen=True, slots=True)
class _Tokens:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    issued_ms: int
    expires_ms: int

    def refresh_at_ms(self, margin_ms: int) -> int:
        """`margin` before expiry, but never earlier than Exact allows."""
        return max(self.issued_ms + EARLIEST_REFRESH_MS, self.expires_ms - margin_ms)


_NO_TOKENS: dict[str, Any] = {
    "access_token": None,
    "refresh_token": None,
    "access_issued_ms": None,
    "access_expires_ms": None,
}
_NO_USER: dict[str, Any] = {
    "user_id": None,
    "user_name": None,
    "user_email": None,
    "current_division": None,
}


async def _read(connection: AsyncConnection) -> Row[Any] | None:
    result = await connection.execute(select(_table).where(_c.id == CONNECTION_ID))
    return result.one_or_none()


async def _lock_row(connection: AsyncConnection) -> bool:
    """Take the connection's lock for this transaction; False when there is no row."""
    result = await connection.execute(
        update(_table).where(_c.id == CONNECTION_ID).values(lock_version=_c.lock_version + 1)
    )
    return result.rowcount == 1


def _not_connected(row: Row[Any] | None) -> ExactAuthError:
    if row is not None and row.status == ConnectionStatus.RECONNECT_NEEDED:
        return ExactAuthError(f"Exact Online needs a reconnect: {row.reason}")
    return ExactAuthError("Exact Online is not connected: connect (or reconnect) it first")


# --- the connector ------------------------------------------------------------


class SqlExactConnector:
    """`ExactConnector` over row 1 of `exact_connections`.

    `defaults` (from the environment) stand in for the app's settings until an
    administrator stores some. `on_change` is called after the stored tokens
    change here (configure, complete, disconnect): pass `StoredAccessTokens.forget`
    so this process stops using a cached token at once.
    """

    def __init__(
        self,
        database: Database,
        box: SecretBox,
        oauth_factory: OAuthFactory,
        clock: Now,
        defaults: ExactConnectionConfig | None = None,
        *,
        who: WhoAmI,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._database = database
        self._box = box
        self._oauth = oauth_factory
        self._clock = clock
        self._defaults = defaults
        self._who = who
        self._on_change = on_change

    def __repr__(self) -> str:
        return f"SqlExactConnector({self._database!r})"

    async def status(self) -> ExactConnectionStatus:
        async with self._database.engine.connect() as connection:
            row = await _read(connection)
        return self._status(row)

    async def configure(self, config: ExactConnectionConfig) -> ExactConnectionStatus:
        await self._upsert(
            {
                **self._settings(config),
                **_NO_TOKENS,
                **_NO_USER,
                "status": ConnectionStatus.NOT_CONNECTED.value,
                "refreshed_ms": None,
                "refresh_count": 0,
                "reason": None,
            }
        )
        self._changed()
        return await self.status()

    async def settings(self) -> ExactConnectionConfig | None:
        """The app's settings in force: stored ones, else the defaults (None: neither)."""
        async with self._database.engine.connect() as connection:
            row = await _read(connection)
        if row is None or row.client_id is None or row.client_secret is None:
            return self._defaults
        return ExactConnectionConfig(
            country=row.country,
            client_id=row.client_id,
            client_secret=self._box.decrypt(row.client_secret),
            redirect_url=row.redirect_url or "",
            base_url=row.base_url,
        )

    async def authorization_url(self, state: str) -> str:
        config = await self._required_settings()
        return self._oauth(base_url_of(config)).authorize_url(
            config.client_id, config.redirect_url, state
        )

    async def complete(self, code: str) -> ExactConnectionStatus:
        config = await self._required_settings()
        base_url = base_url_of(config)
        started = _ms(self._clock.now())
        pair = await self._oauth(base_url).exchange_code(
            config.client_id, config.client_secret, config.redirect_url, code
        )
        issued = _ms(self._clock.now())
        await self._upsert(
            {
                **self._settings(config),
                **_NO_USER,
                "status": ConnectionStatus.CONNECTED.value,
                "access_token": self._box.encrypt(pair.access_token),
                "refresh_token": self._box.encrypt(pair.refresh_token),
                "access_issued_ms": issued,
                "access_expires_ms": started + pair.expires_in * 1000,
                "refreshed_ms": None,
                "refresh_count": 0,
                "reason": None,
            }
        )
        self._changed()
        try:
            user = await self._who(pair.access_token, base_url)
        except ExactError as error:
            # The tokens are good and the code is spent: stay connected, name nobody.
            log.warning("Connected to Exact Online, but current/Me failed: %s", error.message)
        else:
            async with self._database.engine.begin() as connection:
                await connection.execute(
                    update(_table)
                    .where(_c.id == CONNECTION_ID)
                    .values(
                        user_id=user.user_id,
                        user_name=user.full_name,
                        user_email=user.email,
                        current_division=user.current_division,
                        updated_ms=_ms(self._clock.now()),
                    )
                )
        return await self.status()

    async def disconnect(self) -> ExactConnectionStatus:
        async with self._database.engine.begin() as connection:
            await connection.execute(
                update(_table)
                .where(_c.id == CONNECTION_ID)
                .values(
                    **_NO_TOKENS,
                    **_NO_USER,
                    status=ConnectionStatus.NOT_CONNECTED.value,
                    refreshed_ms=None,
                    refresh_count=0,
                    reason=None,
                    lock_version=_c.lock_version + 1,
                    updated_ms=_ms(self._clock.now()),
                )
            )
        self._changed()
        return await self.status()

    # --- helpers ------------------------------------------------------------------

    async def _required_settings(self) -> ExactConnectionConfig:
        config = await self.settings()
        if config is None:
            raise ExactAuthError("Configure the Exact Online app first")
        return config

    def _settings(self, config: ExactConnectionConfig) -> dict[str, Any]:
        return {
            "country": config.country,
            "base_url": config.base_url,
            "client_id": config.client_id,
            "client_secret": self._box.encrypt(config.client_secret),
            "redirect_url": config.redirect_url,
        }

    async def _upsert(self, values: dict[str, Any]) -> None:
        """Write row 1 whole (insert or update) in one statement, bumping its lock version."""
        values = {**values, "updated_ms": _ms(self._clock.now())}
        dialect = self._database.engine.dialect.name
        if dialect == "postgresql":
            statement: Any = postgresql.insert(_table)
        elif dialect == "sqlite":
            statement = sqlite.insert(_table)
        else:  # pragma: no cover - the project runs on these two only
            raise NotImplementedError(f"no upsert for {dialect}")
        statement = statement.values(id=CONNECTION_ID, **values).on_conflict_do_update(
            index_elements=[_c.id], set_={**values, "lock_version": _c.lock_version + 1}
        )
        async with self._database.engine.begin() as connection:
            await connection.execute(statement)

    def _status(self, row: Row[Any] | None) -> ExactConnectionStatus:
        if row is None:
            if self._defaults is None:
                return ExactConnectionStatus(ConnectionStatus.NOT_CONFIGURED)
            defaults = self._defaults
            return ExactConnectionStatus(
                ConnectionStatus.NOT_CONNECTED,
                country=defaults.country,
                base_url=base_url_of(defaults),
                client_id=defaults.client_id,
                redirect_url=defaults.redirect_url,
            )
        status = ConnectionStatus(row.status)
        return ExactConnectionStatus(
            status,
            country=row.country,
            base_url=(row.base_url or COUNTRY_HOSTS.get(row.country, "")).rstrip("/") or None,
            client_id=row.client_id,
            redirect_url=row.redirect_url,
            user_name=row.user_name,
            user_email=row.user_email,
            current_division=row.current_division,
            access_expires_at=_moment(row.access_expires_ms),
            refreshed_at=_moment(row.refreshed_ms),
            refresh_count=row.refresh_count,
            reason=row.reason if status is ConnectionStatus.RECONNECT_NEEDED else None,
        )

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()


# --- OAuth states ----------------------------------------------------------------


class SqlOAuthStates:
    """`OAuthStates` in `exact_oauth_states`: hashes only, each consumed at most once."""

    def __init__(self, database: Database, clock: Now | None = None) -> None:
        self._database = database
        self._clock = clock

    def _now_ms(self) -> int:
        return _ms(self._clock.now() if self._clock else dt.datetime.now(dt.UTC))

    async def save(self, state_hash: str, expires_at: dt.datetime, created_by: str | None) -> None:
        now = self._now_ms()
        async with self._database.engine.begin() as connection:
            await connection.execute(
                delete(exact_oauth_states).where(
                    exact_oauth_states.c.expires_ms < now - STATE_RETENTION_MS
                )
            )
            await connection.execute(
                insert(exact_oauth_states).values(
                    state_hash=state_hash,
                    created_ms=now,
                    expires_ms=_ms(expires_at),
                    created_by=created_by,
                )
            )

    async def consume(self, state_hash: str, now: dt.datetime) -> UsedState | None:
        moment = _ms(now)
        states = exact_oauth_states.c
        async with self._database.engine.begin() as connection:
            result = await connection.execute(
                update(exact_oauth_states)
                .where(
                    states.state_hash == state_hash,
                    states.used_ms.is_(None),
                    states.expires_ms > moment,
                )
                .values(used_ms=moment)
                .returning(states.created_by)
            )
            row = result.first()
        return None if row is None else UsedState(row.created_by)


# --- access tokens -------------------------------------------------------------------


class StoredAccessTokens:
    """`AccessTokens` from the stored connection, refreshed single-flight.

    The access token is cached in memory until its refresh moment:
    `max(issued + 570 s, expiry - margin)`. Then one coroutine of this process
    takes the database lock, re-reads the pair and either adopts the pair
    another process stored meanwhile or refreshes at Exact, committing the new
    pair before returning it. A revoked grant (invalid_grant, "Old refresh token
    used.", an expired refresh token) marks the connection RECONNECT_NEEDED with
    Exact's words as the reason. A throttled or unavailable token endpoint
    raises and leaves the connection as it was.
    """

    def __init__(
        self,
        database: Database,
        box: SecretBox,
        oauth_factory: OAuthFactory,
        clock: Now,
        margin_seconds: float = 30,
    ) -> None:
        self._database = database
        self._box = box
        self._oauth = oauth_factory
        self._clock = clock
        self._margin_ms = round(margin_seconds * 1000)
        self._lock = asyncio.Lock()
        self._cached: _Tokens | None = None
        self._not_before_ms = 0
        self.refreshes = 0
        """Refreshes this instance performed at Exact (not the ones it adopted)."""

    def __repr__(self) -> str:
        return f"StoredAccessTokens({self._database!r})"

    def forget(self) -> None:
        """Drop the cached token: the next call reads the stored connection again."""
        self._cached = None

    async def access_token(self) -> str:
        cached = self._cached
        if cached is not None and self._fresh(cached):
            return cached.access_token
        async with self._lock:
            cached = self._cached
            if cached is not None and self._fresh(cached):
                return cached.access_token
            stored = await self._load()
            if self._fresh(stored):
                self._cached = stored
                return stored.access_token
            now = self._now_ms()
            if now < self._not_before_ms and now < stored.expires_ms:
                return stored.access_token  # Exact said "too early" just now; still valid
            return (await _shielded(self._refresh(rejected=None))).access_token

    async def rejected(self, token: str) -> str:
        async with self._lock:
            if self._cached is not None and self._cached.access_token == token:
                self._cached = None
            stored = await self._load()
            if stored.access_token != token and self._fresh(stored):
                self._cached = stored
                return stored.access_token
            return (await _shielded(self._refresh(rejected=token))).access_token

    # --- helpers ------------------------------------------------------------------

    def _now_ms(self) -> int:
        return _ms(self._clock.now())

    def _fresh(self, tokens: _Tokens) -> bool:
        return self._now_ms() < tokens.refresh_at_ms(self._margin_ms)

    def _tokens(self, row: Row[Any] | None) -> _Tokens:
        if (
            row is None
            or row.status != ConnectionStatus.CONNECTED
            or row.access_token is None
            or row.refresh_token is None
        ):
            raise _not_connected(row)
        try:
            access, refresh = (
                self._box.decrypt(row.access_token),
                self._box.decrypt(row.refresh_token),
            )
        except SecretDecryptionError as error:
            raise ExactAuthError(f"{error} (or reconnect Exact Online)") from None
        return _Tokens(access, refresh, row.access_issued_ms or 0, row.access_expires_ms or 0)

    async def _load(self) -> _Tokens:
        async with self._database.engine.connect() as connection:
            return self._tokens(await _read(connection))

    async def _refresh(self, rejected: str | None) -> _Tokens:
        """Under the row lock: adopt a pair another process stored, or refresh at Exact."""
        async with self._database.engine.connect() as connection:
            await connection.begin()
            if not await _lock_row(connection):
                raise _not_connected(None)
            row = await _read(connection)
            stored = self._tokens(row)
            assert row is not None
            if (rejected is None or stored.access_token != rejected) and self._fresh(stored):
                await connection.rollback()
                log.info("Exact token pair refreshed by another process: adopted")
                self._cached = stored
                return stored
            started = self._now_ms()
            try:
                pair = await self._oauth(
                    (row.base_url or COUNTRY_HOSTS[row.country]).rstrip("/")
                ).refresh(row.client_id, self._box.decrypt(row.client_secret), stored.refresh_token)
            except ExactGrantRevokedError as error:
                await connection.execute(
                    update(_table)
                    .where(_c.id == CONNECTION_ID)
                    .values(
                        **_NO_TOKENS,
                        status=ConnectionStatus.RECONNECT_NEEDED.value,
                        reason=error.message,
                        updated_ms=self._now_ms(),
                    )
                )
                await connection.commit()
                self._cached = None
                log.error("Exact Online connection lost, reconnect needed: %s", error.message)
                raise ExactAuthError(
                    f"Exact Online needs a reconnect: {error.message}", status=error.status
                ) from None
            except ExactRefreshTooEarlyError as error:
                await connection.rollback()
                now = self._now_ms()
                self._not_before_ms = now + TOO_EARLY_BACKOFF_MS
                if rejected is None and now < stored.expires_ms:
                    return stored
                raise ExactAuthError(
                    "Exact refused the access token and does not allow a refresh yet "
                    f"({error.message}); try again in a minute",
                    status=error.status,
                ) from None
            issued = self._now_ms()
            tokens = _Tokens(
                pair.access_token,
                pair.refresh_token,
                issued,
                started + pair.expires_in * 1000,
            )
            await connection.execute(
                update(_table)
                .where(_c.id == CONNECTION_ID)
                .values(
                    access_token=self._box.encrypt(tokens.access_token),
                    refresh_token=self._box.encrypt(tokens.refresh_token),
                    access_issued_ms=tokens.issued_ms,
                    access_expires_ms=tokens.expires_ms,
                    refreshed_ms=issued,
                    refresh_count=_c.refresh_count + 1,
                    updated_ms=issued,
                )
            )
            await connection.commit()
        self.refreshes += 1
        self._cached = tokens
        log.info("Exact token pair refreshed and stored")
        return tokens


async def _shielded(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run to the end even if the caller is cancelled: a rotated pair must be stored."""
    task = asyncio.ensure_future(coroutine)
    task.add_done_callback(_retrieve)
    return await asyncio.shield(task)


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()
