"""StoredAccessTokens' decisions on SQLite and PostgreSQL, with Exact's token endpoint on respx.

A pair is stored as issued at the clock's start; Exact allows the next refresh
570 s later, and the token expires after 600 s.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from application.exact import ExactAuthError, ExactThrottledError, ExactUnavailableError
from application.exact_connection import ConnectionStatus
from infrastructure.exact.connection import OAuthFactory, SqlExactConnector, StoredAccessTokens
from infrastructure.persistence.database import Database
from infrastructure.secrets import SecretBox
from tests.exact.connection.support import (
    CLIENT_ID,
    CLIENT_SECRET,
    CONFIG,
    START,
    FakeWho,
    ManualClock,
    oauth_error,
    store_pair,
    stored_pair,
    stored_row,
    token_response,
)

START_MS = round(START.timestamp() * 1000)


@pytest.fixture
async def stored(database: Database, box: SecretBox, clock: ManualClock) -> None:
    await store_pair(database, box, clock)


def other_process(
    database_url: str, box: SecretBox, oauth_factory: OAuthFactory, clock: ManualClock
) -> tuple[Database, StoredAccessTokens]:
    """Another engine and token source on the same database: as a second process has."""
    database = Database(database_url)
    return database, StoredAccessTokens(database, box, oauth_factory, clock)


@pytest.mark.usefixtures("stored")
async def test_a_fresh_token_is_served_without_asking_exact(
    tokens: StoredAccessTokens, token_route: respx.Route, clock: ManualClock
) -> None:
    assert await tokens.access_token() == "access-1"
    clock.advance(569.9)
    assert await tokens.access_token() == "access-1"

    assert token_route.call_count == 0
    assert tokens.refreshes == 0


@pytest.mark.usefixtures("stored")
async def test_a_due_token_is_refreshed_once_and_the_pair_stored_before_use(
    tokens: StoredAccessTokens,
    token_route: respx.Route,
    clock: ManualClock,
    database: Database,
    box: SecretBox,
) -> None:
    token_route.return_value = token_response("access-2", "refresh-2")
    assert await tokens.access_token() == "access-1"
    clock.advance(570)

    assert await tokens.access_token() == "access-2"
    committed = await stored_pair(database, box)  # read on another connection: committed
    assert await tokens.access_token() == "access-2"

    assert token_route.call_count == 1
    assert parse_qs(token_route.calls.last.request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["refresh-1"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
    }
    assert committed == ("access-2", "refresh-2")
    row = await stored_row(database)
    assert row["refresh_count"] == 1
    assert row["refreshed_ms"] == START_MS + 570_000
    assert row["access_issued_ms"] == START_MS + 570_000
    assert row["access_expires_ms"] == START_MS + 1_170_000
    assert row["status"] == "CONNECTED"
    assert tokens.refreshes == 1


async def test_the_margin_never_brings_a_refresh_before_570_seconds(
    database: Database,
    box: SecretBox,
    oauth_factory: OAuthFactory,
    clock: ManualClock,
    token_route: respx.Route,
) -> None:
    await store_pair(database, box, clock)
    tokens = StoredAccessTokens(database, box, oauth_factory, clock, margin_seconds=120)
    token_route.return_value = token_response()

    clock.advance(569)
    assert await tokens.access_token() == "access-1"
    assert token_route.call_count == 0
    clock.advance(1)
    assert await tokens.access_token() == "access-2"
    assert token_route.call_count == 1


async def test_a_long_lived_token_is_refreshed_margin_seconds_before_it_expires(
    database: Database,
    box: SecretBox,
    tokens: StoredAccessTokens,
    clock: ManualClock,
    token_route: respx.Route,
) -> None:
    await store_pair(database, box, clock, expires_in=1200)
    token_route.return_value = token_response()

    clock.advance(1169)
    assert await tokens.access_token() == "access-1"
    assert token_route.call_count == 0
    clock.advance(1)
    assert await tokens.access_token() == "access-2"


@pytest.mark.usefixtures("stored")
async def test_twenty_coroutines_at_expiry_share_one_refresh(
    tokens: StoredAccessTokens, token_route: respx.Route, clock: ManualClock
) -> None:
    async def slow_exact(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return token_response()

    token_route.side_effect = slow_exact
    clock.advance(600)

    results = await asyncio.gather(*(tokens.access_token() for _ in range(20)))

    assert results == ["access-2"] * 20
    assert token_route.call_count == 1


@pytest.mark.usefixtures("stored")
async def test_two_processes_at_expiry_share_one_refresh_through_the_database_lock(
    tokens: StoredAccessTokens,
    token_route: respx.Route,
    clock: ManualClock,
    database_url: str,
    box: SecretBox,
    oauth_factory: OAuthFactory,
) -> None:
    async def slow_exact(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.3)
        return token_response()

    token_route.side_effect = slow_exact
    second_database, second = other_process(database_url, box, oauth_factory, clock)
    try:
        assert await second.access_token() == "access-1"  # both have the old pair cached
        assert await tokens.access_token() == "access-1"
        clock.advance(575)

        results = await asyncio.gather(
            *(source.access_token() for source in (tokens, second) for _ in range(5))
        )
    finally:
        await second_database.dispose()

    assert results == ["access-2"] * 10
    assert token_route.call_count == 1
    assert sorted([tokens.refreshes, second.refreshes]) == [0, 1]


@pytest.mark.usefixtures("stored")
async def test_a_pair_another_process_stored_is_adopted_without_asking_exact(
    tokens: StoredAccessTokens,
    token_route: respx.Route,
    clock: ManualClock,
    database_url: str,
    box: SecretBox,
    oauth_factory: OAuthFactory,
) -> None:
    token_route.return_value = token_response()
    assert await tokens.access_token() == "access-1"
    clock.advance(580)
    second_database, second = other_process(database_url, box, oauth_factory, clock)
    try:
        assert await second.access_token() == "access-2"
    finally:
        await second_database.dispose()

    assert await tokens.access_token() == "access-2"
    assert token_route.call_count == 1
    assert tokens.refreshes == 0


@pytest.mark.usefixtures("stored")
async def test_too_early_at_exact_keeps_the_valid_token_and_backs_off(
    tokens: StoredAccessTokens,
    token_route: respx.Route,
    clock: ManualClock,
    database: Database,
) -> None:
    token_route.return_value = oauth_error(401, "invalid_request", "Access token not expired.")
    clock.advance(575)
    before = await stored_row(database)

    assert await tokens.access_token() == "access-1"
    clock.advance(5)
    assert await tokens.access_token() == "access-1"  # within the back-off: Exact not asked

    assert token_route.call_count == 1
    assert await stored_row(database) == before


@pytest.mark.usefixtures("stored")
async def test_too_early_after_expiry_fails_without_breaking_the_connection(
    tokens: StoredAccessTokens,
    token_route: respx.Route,
    clock: ManualClock,
    connector: SqlExactConnector,
) -> None:
    token_route.return_value = oauth_error(401, "invalid_request", "Access token not expired.")
    clock.advance(601)

    with pytest.raises(ExactAuthError, match="does not allow a refresh yet"):
        await tokens.access_token()

    assert (await connector.status()).status is ConnectionStatus.CONNECTED


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (
            oauth_error(401, "unauthorized_client", "Old refresh token used."),
            "Old refresh token used.",
        ),
        (
            oauth_error(
                400, "invalid_grant", "Token is not allowed, because of invalid or empty chainId"
            ),
            "Token is not allowed, because of invalid or empty chainId",
        ),
        (
            oauth_error(
                400,
                "invalid_request",
                "The refresh token expired at 10/11/2022 9:18:20 PM and it is now 11/11/2022",
            ),
            "The refresh token expired at 10/11/2022 9:18:20 PM and it is now 11/11/2022",
        ),
    ],
    ids=["old-refresh-token", "invalid-grant", "expired-refresh-token"],
)
@pytest.mark.usefixtures("stored")
async def test_a_revoked_grant_needs_a_reconnect_with_exacts_reason(
    tokens: StoredAccessTokens,
    token_route: respx.Route,
    clock: ManualClock,
    connector: SqlExactConnector,
    database: Database,
    response: httpx.Response,
    reason: str,
) -> None:
    token_route.return_value = response
    clock.advance(600)

    with pytest.raises(ExactAuthError, match="reconnect") as raised:
        await tokens.access_token()

    assert reason in raised.value.message
    status = await connector.status()
    assert status.status is ConnectionStatus.RECONNECT_NEEDED
    assert status.reason == reason
    row = await stored_row(database)
    assert row["access_token"] is None
    assert row["refresh_token"] is None
    with pytest.raises(ExactAuthError, match="reconnect"):
        await tokens.access_token()
    with pytest.raises(ExactAuthError, match="reconnect"):
        await tokens.rejected("access-1")
    assert token_route.call_count == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(429, headers={"X-RateLimit-Minutely-Reset": "1795000000000"}),
        httpx.Response(503, text="unavailable"),
        httpx.ReadTimeout("slow"),
    ],
    ids=["throttled", "unavailable", "timeout"],
)
@pytest.mark.usefixtures("stored")
async def test_a_throttled_or_unavailable_token_endpoint_leaves_the_connection_untouched(
    tokens: StoredAccessTokens,
    token_route: respx.Route,
    clock: ManualClock,
    database: Database,
    failure: httpx.Response | Exception,
) -> None:
    if isinstance(failure, Exception):
        token_route.side_effect = failure
    else:
        token_route.return_value = failure
    clock.advance(600)
    before = await stored_row(database)

    with pytest.raises((ExactThrottledError, ExactUnavailableError)):
        await tokens.access_token()

    assert await stored_row(database) == before  # lock_version included: rolled back
    token_route.side_effect = None
    token_route.return_value = token_response()
    assert await tokens.access_token() == "access-2"  # the same refresh token still works


@pytest.mark.usefixtures("stored")
async def test_rejected_returns_a_fresher_stored_token_without_asking_exact(
    tokens: StoredAccessTokens,
    token_route: respx.Route,
    clock: ManualClock,
    database_url: str,
    box: SecretBox,
    oauth_factory: OAuthFactory,
) -> None:
    token_route.return_value = token_response()
    clock.advance(575)
    second_database, second = other_process(database_url, box, oauth_factory, clock)
    try:
        assert await second.access_token() == "access-2"
    finally:
        await second_database.dispose()

    assert await tokens.rejected("access-1") == "access-2"
    assert token_route.call_count == 1


@pytest.mark.usefixtures("stored")
async def test_rejected_forces_one_refresh_when_exact_allows_it(
    tokens: StoredAccessTokens,
    token_route: respx.Route,
    clock: ManualClock,
    database: Database,
    box: SecretBox,
) -> None:
    token_route.return_value = token_response("access-2", "refresh-2")
    assert await tokens.access_token() == "access-1"
    clock.advance(575)  # refresh allowed, yet a 401 came before we asked

    assert await tokens.rejected("access-1") == "access-2"

    assert token_route.call_count == 1
    assert await stored_pair(database, box) == ("access-2", "refresh-2")
    assert await tokens.access_token() == "access-2"


@pytest.mark.usefixtures("stored")
async def test_rejected_while_exact_says_too_early_fails_but_keeps_the_connection(
    tokens: StoredAccessTokens,
    token_route: respx.Route,
    clock: ManualClock,
    connector: SqlExactConnector,
    database: Database,
) -> None:
    token_route.return_value = oauth_error(401, "invalid_request", "Access token not expired.")
    clock.advance(60)
    before = await stored_row(database)

    with pytest.raises(ExactAuthError, match="Access token not expired") as raised:
        await tokens.rejected("access-1")

    assert "reconnect" not in raised.value.message
    assert token_route.call_count == 1
    assert (await connector.status()).status is ConnectionStatus.CONNECTED
    assert await stored_row(database) == before


async def test_nothing_stored_fails_at_once_without_asking_exact(
    tokens: StoredAccessTokens, token_route: respx.Route
) -> None:
    with pytest.raises(ExactAuthError, match="not connected"):
        await tokens.access_token()
    with pytest.raises(ExactAuthError, match="not connected"):
        await tokens.rejected("anything")

    assert token_route.call_count == 0


async def test_configured_but_not_connected_fails_at_once(
    tokens: StoredAccessTokens, token_route: respx.Route, connector: SqlExactConnector
) -> None:
    await connector.configure(CONFIG)

    with pytest.raises(ExactAuthError, match="connect"):
        await tokens.access_token()

    assert token_route.call_count == 0


@pytest.mark.usefixtures("stored")
async def test_a_disconnect_reaches_the_cached_token_through_on_change(
    database: Database,
    box: SecretBox,
    oauth_factory: OAuthFactory,
    clock: ManualClock,
    tokens: StoredAccessTokens,
) -> None:
    connector = SqlExactConnector(
        database, box, oauth_factory, clock, who=FakeWho(), on_change=tokens.forget
    )
    assert await tokens.access_token() == "access-1"

    await connector.disconnect()

    with pytest.raises(ExactAuthError, match="not connected"):
        await tokens.access_token()


@pytest.mark.usefixtures("stored")
async def test_a_wrong_key_is_an_auth_error_naming_the_key(
    database: Database, oauth_factory: OAuthFactory, clock: ManualClock
) -> None:
    stranger = StoredAccessTokens(
        database, SecretBox(SecretBox.generate_key()), oauth_factory, clock
    )

    with pytest.raises(ExactAuthError, match="configured key"):
        await stranger.access_token()
