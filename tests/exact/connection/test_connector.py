"""SqlExactConnector and SqlOAuthStates on SQLite and PostgreSQL (Exact on respx)."""

from __future__ import annotations

import asyncio
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from sqlalchemy import select

from application.exact import ExactAuthError, ExactError, ExactUnavailableError
from application.exact_connection import (
    ConnectionStatus,
    ExactConnectionConfig,
    ExactConnectionStatus,
    ExactConnector,
    OAuthStates,
    UsedState,
)
from infrastructure.exact.connection import (
    OAuthFactory,
    SqlExactConnector,
    SqlOAuthStates,
    StoredAccessTokens,
)
from infrastructure.exact.oauth_client import ExactGrantRevokedError
from infrastructure.exact.tokens import AccessTokens
from infrastructure.persistence.database import Database
from infrastructure.persistence.tables import exact_oauth_states
from infrastructure.secrets import SecretBox
from tests.exact.connection.support import (
    BASE,
    CLIENT_ID,
    CLIENT_SECRET,
    CONFIG,
    REDIRECT_URL,
    START,
    USER,
    FakeWho,
    ManualClock,
    oauth_error,
    stored_pair,
    stored_row,
    token_response,
)

START_MS = round(START.timestamp() * 1000)


async def test_nothing_stored_and_no_defaults_is_not_configured(
    connector: SqlExactConnector,
) -> None:
    assert await connector.status() == ExactConnectionStatus(ConnectionStatus.NOT_CONFIGURED)
    with pytest.raises(ExactAuthError, match="Configure"):
        await connector.authorization_url("state")


async def test_defaults_from_the_environment_stand_in_until_something_is_stored(
    database: Database,
    box: SecretBox,
    oauth_factory: OAuthFactory,
    clock: ManualClock,
    who: FakeWho,
    exact: respx.MockRouter,
) -> None:
    defaults = ExactConnectionConfig("be", CLIENT_ID, CLIENT_SECRET, REDIRECT_URL)
    connector = SqlExactConnector(database, box, oauth_factory, clock, defaults, who=who)
    belgian = exact.post("https://start.exactonline.be/api/oauth2/token").mock(
        return_value=token_response("access-1", "refresh-1")
    )

    assert await connector.status() == ExactConnectionStatus(
        ConnectionStatus.NOT_CONNECTED,
        country="be",
        base_url="https://start.exactonline.be",
        client_id=CLIENT_ID,
        redirect_url=REDIRECT_URL,
    )
    assert (await connector.authorization_url("s")).startswith(
        "https://start.exactonline.be/api/oauth2/auth?"
    )
    status = await connector.complete("code-1")

    assert belgian.call_count == 1
    assert status.status is ConnectionStatus.CONNECTED
    assert status.country == "be"
    row = await stored_row(database)
    assert row["client_id"] == CLIENT_ID
    assert box.decrypt(row["client_secret"]) == CLIENT_SECRET


async def test_configure_stores_the_app_with_the_secret_encrypted(
    connector: SqlExactConnector, database: Database, box: SecretBox
) -> None:
    status = await connector.configure(CONFIG)

    assert status == ExactConnectionStatus(
        ConnectionStatus.NOT_CONNECTED,
        country="nl",
        base_url=BASE,
        client_id=CLIENT_ID,
        redirect_url=REDIRECT_URL,
    )
    row = await stored_row(database)
    assert row["client_secret"] != CLIENT_SECRET
    assert CLIENT_SECRET not in row["client_secret"]
    assert box.decrypt(row["client_secret"]) == CLIENT_SECRET
    assert await connector.settings() == CONFIG


async def test_a_configured_base_url_wins_over_the_country(
    connector: SqlExactConnector,
) -> None:
    status = await connector.configure(
        ExactConnectionConfig("nl", CLIENT_ID, CLIENT_SECRET, REDIRECT_URL, "http://127.0.0.1:9/")
    )

    assert status.base_url == "http://127.0.0.1:9"
    assert (await connector.authorization_url("s")).startswith(
        "http://127.0.0.1:9/api/oauth2/auth?"
    )


async def test_the_authorization_url_names_the_app_redirect_and_state(
    connector: SqlExactConnector,
) -> None:
    await connector.configure(CONFIG)

    url = urlsplit(await connector.authorization_url("the-state"))

    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{BASE}/api/oauth2/auth"
    assert parse_qs(url.query) == {
        "client_id": [CLIENT_ID],
        "redirect_uri": [REDIRECT_URL],
        "response_type": ["code"],
        "state": ["the-state"],
        "force_login": ["0"],
    }


async def test_complete_stores_the_pair_encrypted_and_names_who_connected(
    connector: SqlExactConnector,
    database: Database,
    box: SecretBox,
    who: FakeWho,
    token_route: respx.Route,
) -> None:
    await connector.configure(CONFIG)
    token_route.return_value = token_response("access-1", "refresh-1")

    status = await connector.complete("stampNL001.code!x")

    assert parse_qs(token_route.calls.last.request.content.decode())["code"] == [
        "stampNL001.code!x"
    ]
    assert who.calls == [("access-1", BASE)]
    assert status == ExactConnectionStatus(
        ConnectionStatus.CONNECTED,
        country="nl",
        base_url=BASE,
        client_id=CLIENT_ID,
        redirect_url=REDIRECT_URL,
        user_name=USER.full_name,
        user_email=USER.email,
        current_division=USER.current_division,
        access_expires_at=START + dt.timedelta(seconds=600),
        refreshed_at=None,
        refresh_count=0,
    )
    row = await stored_row(database)
    assert row["user_id"] == USER.user_id
    assert row["access_issued_ms"] == START_MS
    assert "access-1" not in row["access_token"]
    assert "refresh-1" not in row["refresh_token"]
    assert await stored_pair(database, box) == ("access-1", "refresh-1")


async def test_a_refused_code_raises_and_stores_nothing(
    connector: SqlExactConnector, database: Database, token_route: respx.Route
) -> None:
    await connector.configure(CONFIG)
    before = await stored_row(database)
    token_route.return_value = oauth_error(
        400, "invalid_grant", "Invalid or already used authorization code"
    )

    with pytest.raises(ExactGrantRevokedError, match="already used") as raised:
        await connector.complete("used")

    assert isinstance(raised.value, ExactError)
    assert await stored_row(database) == before
    assert (await connector.status()).status is ConnectionStatus.NOT_CONNECTED


async def test_when_current_me_fails_the_connection_stands_without_a_name(
    database: Database,
    box: SecretBox,
    oauth_factory: OAuthFactory,
    clock: ManualClock,
    token_route: respx.Route,
) -> None:
    who = FakeWho(error=ExactUnavailableError("Exact did not answer in time"))
    connector = SqlExactConnector(database, box, oauth_factory, clock, who=who)
    await connector.configure(CONFIG)
    token_route.return_value = token_response("access-1", "refresh-1")

    status = await connector.complete("code")

    assert status.status is ConnectionStatus.CONNECTED
    assert status.user_name is None
    assert await stored_pair(database, box) == ("access-1", "refresh-1")


async def test_disconnect_drops_tokens_and_user_but_keeps_the_app(
    database: Database,
    box: SecretBox,
    oauth_factory: OAuthFactory,
    clock: ManualClock,
    who: FakeWho,
    token_route: respx.Route,
) -> None:
    changes: list[str] = []
    connector = SqlExactConnector(
        database, box, oauth_factory, clock, who=who, on_change=lambda: changes.append("x")
    )
    await connector.configure(CONFIG)
    token_route.return_value = token_response("access-1", "refresh-1")
    await connector.complete("code")

    status = await connector.disconnect()

    assert status == ExactConnectionStatus(
        ConnectionStatus.NOT_CONNECTED,
        country="nl",
        base_url=BASE,
        client_id=CLIENT_ID,
        redirect_url=REDIRECT_URL,
    )
    row = await stored_row(database)
    assert (row["access_token"], row["refresh_token"], row["user_name"]) == (None, None, None)
    assert box.decrypt(row["client_secret"]) == CLIENT_SECRET
    assert changes == ["x", "x", "x"]


async def test_reconfiguring_drops_the_tokens(
    connector: SqlExactConnector, database: Database, token_route: respx.Route
) -> None:
    await connector.configure(CONFIG)
    token_route.return_value = token_response("access-1", "refresh-1")
    await connector.complete("code")

    status = await connector.configure(
        ExactConnectionConfig("nl", "another-app", "another-secret", REDIRECT_URL)
    )

    assert status.status is ConnectionStatus.NOT_CONNECTED
    assert status.client_id == "another-app"
    row = await stored_row(database)
    assert row["access_token"] is None
    assert row["user_name"] is None


async def test_disconnect_with_nothing_stored_changes_nothing(
    connector: SqlExactConnector,
) -> None:
    assert (await connector.disconnect()).status is ConnectionStatus.NOT_CONFIGURED


def test_the_connector_repr_shows_no_secrets(connector: SqlExactConnector) -> None:
    assert "secret" not in repr(connector).lower()


# --- OAuth states -------------------------------------------------------------------


@pytest.fixture
def states(database: Database, clock: ManualClock) -> SqlOAuthStates:
    return SqlOAuthStates(database, clock)


async def test_a_state_is_consumed_once_and_tells_who_started(states: SqlOAuthStates) -> None:
    await states.save("a" * 64, START + dt.timedelta(minutes=10), "key-of-the-admin")

    first = await states.consume("a" * 64, START + dt.timedelta(minutes=1))

    assert first == UsedState("key-of-the-admin")
    assert await states.consume("a" * 64, START + dt.timedelta(minutes=2)) is None


async def test_unknown_and_expired_states_are_refused(states: SqlOAuthStates) -> None:
    await states.save("b" * 64, START + dt.timedelta(minutes=10), None)

    assert await states.consume("c" * 64, START) is None
    assert await states.consume("b" * 64, START + dt.timedelta(minutes=10)) is None


async def test_concurrent_consumers_of_one_state_see_exactly_one_success(
    states: SqlOAuthStates, database_url: str, clock: ManualClock
) -> None:
    await states.save("d" * 64, START + dt.timedelta(minutes=10), None)
    other_database = Database(database_url)
    other = SqlOAuthStates(other_database, clock)
    try:
        results = await asyncio.gather(*(s.consume("d" * 64, START) for s in (states, other) * 5))
    finally:
        await other_database.dispose()

    assert sorted(results, key=lambda r: r is not None) == [None] * 9 + [UsedState(None)]


async def test_states_long_expired_are_swept_on_save(
    states: SqlOAuthStates, clock: ManualClock, database: Database
) -> None:
    await states.save("e" * 64, START + dt.timedelta(minutes=10), None)
    clock.advance(2 * 24 * 3600)

    await states.save("f" * 64, clock.now() + dt.timedelta(minutes=10), None)

    async with database.engine.connect() as connection:
        hashes = (await connection.execute(select(exact_oauth_states.c.state_hash))).scalars()
        assert list(hashes) == ["f" * 64]


async def test_an_unreachable_token_endpoint_fails_complete_as_unavailable(
    connector: SqlExactConnector, token_route: respx.Route
) -> None:
    await connector.configure(CONFIG)
    token_route.side_effect = httpx.ConnectError("refused")

    with pytest.raises(ExactUnavailableError):
        await connector.complete("code")
    assert (await connector.status()).status is ConnectionStatus.NOT_CONNECTED


def test_the_adapters_fit_their_ports(
    connector: SqlExactConnector, database: Database, tokens: StoredAccessTokens
) -> None:
    """Checked by mypy (`uv run mypy --strict tests/exact/connection`) as much as by pytest."""
    port: ExactConnector = connector
    states: OAuthStates = SqlOAuthStates(database)
    access: AccessTokens = tokens

    assert all(
        callable(getattr(adapter, name))
        for adapter, names in (
            (port, ("status", "configure", "authorization_url", "complete", "disconnect")),
            (states, ("save", "consume")),
            (access, ("access_token", "rejected")),
        )
        for name in names
    )
