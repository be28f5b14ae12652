"""ExactOAuthClient on respx: the authorize URL, the token requests, every error path."""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from application.exact import (
    ExactAuthError,
    ExactError,
    ExactThrottledError,
    ExactUnavailableError,
)
from infrastructure.exact.oauth_client import (
    ExactGrantRevokedError,
    ExactOAuthClient,
    ExactRefreshTooEarlyError,
    TokenPair,
)
from tests.exact.connection.support import (
    BASE,
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URL,
    oauth_error,
    token_body,
)

CODE = "stampNL001.Xyz!abc"

OLD_TOKEN = "Old refresh token used."
EXPIRED = "The refresh token expired at 10/11/2022 9:18:20 PM and it is now 11/11/2022 9:18:20 PM"
CHAIN = "Token is not allowed, because of invalid or empty chainId"


@pytest.fixture
def client(http_client: httpx.AsyncClient) -> ExactOAuthClient:
    return ExactOAuthClient(http_client, f"{BASE}/")


def form_of(route: respx.Route) -> dict[str, list[str]]:
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return parse_qs(request.content.decode(), keep_blank_values=True)


def test_the_authorize_url_carries_the_app_the_redirect_and_the_state(
    client: ExactOAuthClient,
) -> None:
    url = client.authorize_url(CLIENT_ID, REDIRECT_URL, "st&te=1")

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE}/api/oauth2/auth"
    assert parse_qs(parts.query) == {
        "client_id": [CLIENT_ID],
        "redirect_uri": [REDIRECT_URL],
        "response_type": ["code"],
        "state": ["st&te=1"],
        "force_login": ["0"],
    }


async def test_exchange_code_posts_the_form_and_reads_expires_in_as_a_string(
    client: ExactOAuthClient, token_route: respx.Route
) -> None:
    token_route.return_value = httpx.Response(200, json=token_body("a-1", "r-1"))

    pair = await client.exchange_code(CLIENT_ID, CLIENT_SECRET, REDIRECT_URL, CODE)

    assert pair == TokenPair("a-1", "r-1", 600)
    assert form_of(token_route) == {
        "grant_type": ["authorization_code"],
        "code": [CODE],
        "redirect_uri": [REDIRECT_URL],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
    }


async def test_refresh_posts_the_refresh_token_and_accepts_any_case_of_bearer(
    client: ExactOAuthClient, token_route: respx.Route
) -> None:
    token_route.return_value = httpx.Response(
        200, json=token_body("a-2", "r-2", token_type="BEARER", expires_in=" 599 ")
    )

    pair = await client.refresh(CLIENT_ID, CLIENT_SECRET, "r-1")

    assert pair == TokenPair("a-2", "r-2", 599)
    assert form_of(token_route) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["r-1"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
    }


async def test_expires_in_as_a_number_is_accepted(
    client: ExactOAuthClient, token_route: respx.Route
) -> None:
    token_route.return_value = httpx.Response(200, json=token_body(expires_in=600))

    assert (await client.refresh(CLIENT_ID, CLIENT_SECRET, "r")).expires_in == 600


def test_a_token_pair_does_not_show_its_tokens() -> None:
    assert "secret-a" not in repr(TokenPair("secret-a", "secret-r", 600))
    assert "secret-r" not in repr(TokenPair("secret-a", "secret-r", 600))


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (oauth_error(400, "invalid_grant", CHAIN), CHAIN),
        (
            oauth_error(400, "invalid_grant", "Invalid or already used authorization code"),
            "Invalid or already used authorization code",
        ),
        (oauth_error(401, "unauthorized_client", OLD_TOKEN), OLD_TOKEN),
        (oauth_error(400, "invalid_request", EXPIRED), EXPIRED),
        (
            oauth_error(400, "invalid_client", "Invalid client credentials"),
            "Invalid client credentials",
        ),
        (
            oauth_error(400, "invalid_client", f"Client with identifier '{CLIENT_ID}' not found"),
            f"Client with identifier '{CLIENT_ID}' not found",
        ),
    ],
    ids=[
        "invalid-grant",
        "used-code",
        "old-refresh-token",
        "expired-refresh-token",
        "invalid-client",
        "unknown-client",
    ],
)
async def test_a_dead_grant_means_reconnect_in_exacts_words(
    client: ExactOAuthClient,
    token_route: respx.Route,
    response: httpx.Response,
    message: str,
) -> None:
    token_route.return_value = response

    with pytest.raises(ExactGrantRevokedError) as raised:
        await client.refresh(CLIENT_ID, CLIENT_SECRET, "r-1")

    assert isinstance(raised.value, ExactAuthError)
    assert raised.value.message == message
    assert raised.value.status == response.status_code
    assert not raised.value.retryable


async def test_a_used_code_fails_the_exchange_as_a_revoked_grant(
    client: ExactOAuthClient, token_route: respx.Route
) -> None:
    token_route.return_value = oauth_error(
        400, "invalid_grant", "Invalid or already used authorization code"
    )

    with pytest.raises(ExactGrantRevokedError, match="already used"):
        await client.exchange_code(CLIENT_ID, CLIENT_SECRET, REDIRECT_URL, CODE)


@pytest.mark.parametrize("description", ["Access token not expired.", "Access Token not expired"])
async def test_too_early_is_its_own_error(
    client: ExactOAuthClient, token_route: respx.Route, description: str
) -> None:
    token_route.return_value = oauth_error(401, "invalid_request", description)

    with pytest.raises(ExactRefreshTooEarlyError) as raised:
        await client.refresh(CLIENT_ID, CLIENT_SECRET, "r-1")

    assert not isinstance(raised.value, ExactGrantRevokedError)
    assert isinstance(raised.value, ExactAuthError)
    assert raised.value.message == description
    assert raised.value.status == 401


async def test_429_is_throttled_until_the_minutely_reset(
    client: ExactOAuthClient, token_route: respx.Route
) -> None:
    reset = dt.datetime(2026, 11, 30, 12, 1, tzinfo=dt.UTC)
    token_route.return_value = httpx.Response(
        429,
        text="Too many requests",
        headers={"X-RateLimit-Minutely-Reset": str(int(reset.timestamp() * 1000))},
    )

    with pytest.raises(ExactThrottledError) as raised:
        await client.refresh(CLIENT_ID, CLIENT_SECRET, "r-1")

    assert raised.value.retry_at == reset
    assert raised.value.retryable


async def test_429_with_retry_after_seconds(
    client: ExactOAuthClient, token_route: respx.Route
) -> None:
    token_route.return_value = httpx.Response(429, headers={"Retry-After": "30"})
    before = dt.datetime.now(dt.UTC)

    with pytest.raises(ExactThrottledError) as raised:
        await client.refresh(CLIENT_ID, CLIENT_SECRET, "r-1")

    assert raised.value.retry_at is not None
    assert dt.timedelta(seconds=29) < raised.value.retry_at - before < dt.timedelta(seconds=31)


@pytest.mark.parametrize("status", [500, 502, 503, 408])
async def test_server_errors_are_unavailable(
    client: ExactOAuthClient, token_route: respx.Route, status: int
) -> None:
    token_route.return_value = httpx.Response(status, text="<html>Service Unavailable</html>")

    with pytest.raises(ExactUnavailableError) as raised:
        await client.refresh(CLIENT_ID, CLIENT_SECRET, "r-1")

    assert raised.value.status == status
    assert raised.value.retryable


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.ConnectTimeout("slow"), httpx.ConnectError("refused")],
)
async def test_timeouts_and_dropped_connections_are_unavailable(
    client: ExactOAuthClient, token_route: respx.Route, failure: Exception
) -> None:
    token_route.side_effect = failure

    with pytest.raises(ExactUnavailableError, match="token endpoint"):
        await client.refresh(CLIENT_ID, CLIENT_SECRET, "r-1")


async def test_a_401_login_page_is_an_auth_error_but_not_a_revoked_grant(
    client: ExactOAuthClient, token_route: respx.Route
) -> None:
    token_route.return_value = httpx.Response(401, text="<html><body>Log in</body></html>")

    with pytest.raises(ExactAuthError) as raised:
        await client.refresh(CLIENT_ID, CLIENT_SECRET, "r-1")

    assert type(raised.value) is ExactAuthError
    assert raised.value.message == "Exact's token endpoint answered HTTP 401"


async def test_another_oauth_error_is_an_auth_error_with_its_description(
    client: ExactOAuthClient, token_route: respx.Route
) -> None:
    token_route.return_value = oauth_error(
        400, "unsupported_grant_type", "Unsupported grant type password"
    )

    with pytest.raises(ExactAuthError) as raised:
        await client.refresh(CLIENT_ID, CLIENT_SECRET, "r-1")

    assert type(raised.value) is ExactAuthError
    assert raised.value.message == "Unsupported grant type password"


@pytest.mark.parametrize(
    "body",
    [
        {"access_token": "a", "token_type": "bearer", "expires_in": "600"},
        {**token_body(), "token_type": "mac"},
        {**token_body(), "expires_in": "ten minutes"},
        {**token_body(), "expires_in": "0"},
        {**token_body(), "access_token": ""},
        ["not", "an", "object"],
    ],
    ids=["no-refresh-token", "mac", "unreadable-expiry", "zero-expiry", "empty-token", "list"],
)
async def test_an_unusable_success_is_unavailable_not_a_pair(
    client: ExactOAuthClient, token_route: respx.Route, body: object
) -> None:
    token_route.return_value = httpx.Response(200, json=body)

    with pytest.raises(ExactUnavailableError):
        await client.refresh(CLIENT_ID, CLIENT_SECRET, "r-1")


async def test_a_success_that_is_not_json_is_unavailable(
    client: ExactOAuthClient, token_route: respx.Route
) -> None:
    token_route.return_value = httpx.Response(200, text="<html>maintenance</html>")

    with pytest.raises(ExactUnavailableError):
        await client.refresh(CLIENT_ID, CLIENT_SECRET, "r-1")


async def test_tokens_codes_and_the_secret_are_never_logged_nor_in_messages(
    client: ExactOAuthClient, token_route: respx.Route, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token_route.side_effect = [
        httpx.Response(200, json=token_body("access-SECRET-1", "refresh-SECRET-1")),
        oauth_error(401, "unauthorized_client", OLD_TOKEN),
    ]

    await client.exchange_code(CLIENT_ID, CLIENT_SECRET, REDIRECT_URL, "code-SECRET")
    with pytest.raises(ExactError) as raised:
        await client.refresh(CLIENT_ID, CLIENT_SECRET, "refresh-SECRET-1")

    assert "Exact issued a token pair" in caplog.text
    assert "Old refresh token used." in caplog.text
    for secret in ("SECRET", CLIENT_SECRET):
        assert secret not in caplog.text
        assert secret not in str(raised.value)
        assert secret not in repr(raised.value)
