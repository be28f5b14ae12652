"""Rate limits over loopback: the six headers, minutely and daily 429s, per app and division."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest

from infrastructure.exact.sandbox.server import RunningSandbox
from tests.exact.sandbox.support import (
    DEMO_DIVISION,
    RATE_LIMIT_HEADERS,
    REDIRECT_URI,
    SECOND_DIVISION,
    authorised,
    control,
    next_midnight_ms,
    next_minute_ms,
)

ACCOUNTS = f"{DEMO_DIVISION}/crm/Accounts"
SELECT = {"$select": "ID"}
MINUTELY = {
    "X-RateLimit-Minutely-Limit",
    "X-RateLimit-Minutely-Remaining",
    "X-RateLimit-Minutely-Reset",
}
DAILY = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}


def rate_headers(response: httpx.Response) -> dict[str, str]:
    wanted = {name.lower() for name in RATE_LIMIT_HEADERS}
    return {name: value for name, value in response.headers.items() if name.lower() in wanted}


def names(response: httpx.Response) -> set[str]:
    return {name.lower() for name in rate_headers(response)}


def lowered(headers: set[str]) -> set[str]:
    return {name.lower() for name in headers}


@pytest.fixture
def at_start_of_a_minute(exact_sandbox: RunningSandbox) -> dt.datetime:
    """Put the clock at 08:18:01 UTC so a burst of calls stays inside one minute."""
    moment = dt.datetime(2023, 5, 12, 8, 18, 1, tzinfo=dt.UTC)
    exact_sandbox.sandbox.clock.set(moment)
    return moment


def test_every_api_response_carries_the_six_headers_with_exacts_values(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    # PQ#609's response: Date 12 May 2023 08:18:25 GMT.
    exact_sandbox.sandbox.clock.set(dt.datetime(2023, 5, 12, 8, 18, 25, tzinfo=dt.UTC))

    first = api.get(ACCOUNTS, params=SELECT)
    second = api.get(ACCOUNTS, params=SELECT)

    assert rate_headers(first) == {
        "x-ratelimit-minutely-limit": "60",
        "x-ratelimit-minutely-remaining": "59",
        "x-ratelimit-minutely-reset": "1683879540000",  # 08:19:00Z
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        "x-ratelimit-reset": "1683936000000",  # 2023-05-13T00:00:00Z
    }
    assert second.headers["X-RateLimit-Minutely-Remaining"] == "58"
    assert second.headers["X-RateLimit-Remaining"] == "4998"


def test_error_responses_carry_the_headers_too(
    exact_sandbox: RunningSandbox, api: httpx.Client, at_start_of_a_minute: dt.datetime
) -> None:
    not_found = api.get(f"{ACCOUNTS}(guid'{uuid.UUID(int=1)}')")
    bad_filter = api.get(ACCOUNTS, params={"$filter": "ID eq guid'x'"})
    invalid = api.post(f"{DEMO_DIVISION}/salesinvoice/SalesInvoices", json={})
    me = api.get("current/Me")

    assert [r.status_code for r in (not_found, bad_filter, invalid, me)] == [404, 400, 500, 200]
    for response in (not_found, bad_filter, invalid, me):
        assert names(response) == lowered(set(RATE_LIMIT_HEADERS))
    assert me.headers["X-RateLimit-Minutely-Remaining"] == "56"


def test_the_61st_call_in_a_minute_is_an_empty_429_with_only_the_minutely_headers(
    exact_sandbox: RunningSandbox, api: httpx.Client, at_start_of_a_minute: dt.datetime
) -> None:
    answers = [api.get(ACCOUNTS, params=SELECT) for _ in range(60)]

    refused = api.get(ACCOUNTS, params=SELECT)

    assert {response.status_code for response in answers} == {200}
    assert answers[-1].headers["X-RateLimit-Minutely-Remaining"] == "0"
    assert refused.status_code == 429
    assert refused.content == b""
    assert rate_headers(refused) == {
        "x-ratelimit-minutely-limit": "60",
        "x-ratelimit-minutely-remaining": "0",
        "x-ratelimit-minutely-reset": str(next_minute_ms(at_start_of_a_minute)),
    }


def test_calls_work_again_once_the_clock_passes_the_minutely_reset(
    exact_sandbox: RunningSandbox, api: httpx.Client, at_start_of_a_minute: dt.datetime
) -> None:
    exact_sandbox.sandbox.set_limits(minutely=3)
    for _ in range(3):
        api.get(ACCOUNTS, params=SELECT)
    refused = api.get(ACCOUNTS, params=SELECT)
    reset_ms = int(refused.headers["X-RateLimit-Minutely-Reset"])
    now_ms = exact_sandbox.sandbox.clock.now().timestamp() * 1000

    exact_sandbox.sandbox.clock.advance((reset_ms - now_ms) / 1000 + 0.5)
    again = api.get(ACCOUNTS, params=SELECT)

    assert refused.status_code == 429
    assert again.status_code == 200
    assert again.headers["X-RateLimit-Minutely-Remaining"] == "2"
    assert int(again.headers["X-RateLimit-Minutely-Reset"]) == reset_ms + 60_000
    # Refused calls are not counted against the day.
    assert again.headers["X-RateLimit-Remaining"] == "4996"


def test_the_daily_limit_answers_an_empty_429_with_only_the_daily_headers(
    exact_sandbox: RunningSandbox, api: httpx.Client, at_start_of_a_minute: dt.datetime
) -> None:
    assert control(exact_sandbox, "PUT", "limits", json={"daily": 3}).status_code == 200
    answers = [api.get(ACCOUNTS, params=SELECT) for _ in range(3)]

    refused = api.get(ACCOUNTS, params=SELECT)

    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["2", "1", "0"]
    assert refused.status_code == 429
    assert refused.content == b""
    assert rate_headers(refused) == {
        "x-ratelimit-limit": "3",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(next_midnight_ms(at_start_of_a_minute)),
    }


def test_the_daily_count_resets_at_midnight_utc_not_local_midnight(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    # 23:30 UTC is already the next day in Amsterdam: the count still follows UTC.
    exact_sandbox.sandbox.clock.set(dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC))
    exact_sandbox.sandbox.set_limits(daily=1)
    assert api.get(ACCOUNTS, params=SELECT).status_code == 200
    refused = api.get(ACCOUNTS, params=SELECT)
    exact_sandbox.sandbox.clock.advance(29 * 60)
    still_refused = api.get(ACCOUNTS, params=SELECT)

    exact_sandbox.sandbox.clock.advance(61)  # 00:00:01 UTC
    allowed = api.get(ACCOUNTS, params=SELECT)

    assert refused.headers["X-RateLimit-Reset"] == "1773187200000"  # 2026-03-11T00:00Z
    assert still_refused.status_code == 429
    assert allowed.status_code == 200
    assert allowed.headers["X-RateLimit-Reset"] == "1773273600000"


def test_limits_count_per_division(
    exact_sandbox: RunningSandbox, api: httpx.Client, at_start_of_a_minute: dt.datetime
) -> None:
    exact_sandbox.sandbox.set_limits(minutely=2)
    for _ in range(2):
        api.get(ACCOUNTS, params=SELECT)

    refused = api.get(ACCOUNTS, params=SELECT)
    other_division = api.get(f"{SECOND_DIVISION}/crm/Accounts", params=SELECT)

    assert refused.status_code == 429
    assert other_division.status_code == 200
    assert other_division.headers["X-RateLimit-Minutely-Remaining"] == "1"


def test_limits_count_per_app(
    exact_sandbox: RunningSandbox, api: httpx.Client, at_start_of_a_minute: dt.datetime
) -> None:
    registered = control(
        exact_sandbox,
        "POST",
        "clients",
        json={
            "client_secret": "other-secret",
            "redirect_uris": [REDIRECT_URI],
            "webhook_secret": "other-webhook-secret",
            "name": "Other app",
        },
    )
    other_app = registered.json()["client_id"]
    token = control(exact_sandbox, "POST", "tokens", json={"client_id": other_app}).json()
    exact_sandbox.sandbox.set_limits(minutely=2)
    for _ in range(2):
        api.get(ACCOUNTS, params=SELECT)

    refused = api.get(ACCOUNTS, params=SELECT)
    with authorised(exact_sandbox, token["access_token"]) as other:
        allowed = other.get(ACCOUNTS, params=SELECT)

    assert refused.status_code == 429
    assert allowed.status_code == 200
    assert allowed.headers["X-RateLimit-Minutely-Remaining"] == "1"


def test_limits_are_configurable_over_the_control_api(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    changed = control(exact_sandbox, "PUT", "limits", json={"minutely": 100, "daily": 9000})

    response = api.get(ACCOUNTS, params=SELECT)

    assert changed.json() == {"minutely": 100, "daily": 9000}
    assert control(exact_sandbox, "GET", "limits").json() == {"minutely": 100, "daily": 9000}
    assert response.headers["X-RateLimit-Minutely-Limit"] == "100"
    assert response.headers["X-RateLimit-Minutely-Remaining"] == "99"
    assert response.headers["X-RateLimit-Limit"] == "9000"


def test_a_reset_restores_the_configured_limits(exact_sandbox: RunningSandbox) -> None:
    exact_sandbox.sandbox.set_limits(minutely=1, daily=2)

    control(exact_sandbox, "POST", "reset", json={})

    assert control(exact_sandbox, "GET", "limits").json() == {"minutely": 60, "daily": 5000}


def test_oauth_calls_do_not_count(exact_sandbox: RunningSandbox, api: httpx.Client) -> None:
    for _ in range(3):
        httpx.get(
            f"{exact_sandbox.url}/api/oauth2/auth",
            params={
                "client_id": str(exact_sandbox.client_id),
                "redirect_uri": REDIRECT_URI,
                "response_type": "code",
            },
        )

    response = api.get(ACCOUNTS, params=SELECT)

    assert response.headers["X-RateLimit-Minutely-Remaining"] == "59"
