"""Exact's OAuth2 server over loopback: codes, token pairs, refresh rules, lifetimes."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx

from infrastructure.exact.sandbox.faults import FaultKind
from infrastructure.exact.sandbox.server import RunningSandbox
from tests.exact.sandbox.support import (
    REDIRECT_URI,
    authorization_code,
    bearer,
    exchange,
    refresh,
    sign_in,
    token_request,
)


def me_status(running: RunningSandbox, access_token: str) -> int:
    return httpx.get(f"{running.api_url}/current/Me", headers=bearer(access_token)).status_code


def test_authorize_redirects_to_the_redirect_uri_with_an_encoded_code_and_the_state(
    exact_sandbox: RunningSandbox,
) -> None:
    response = httpx.get(
        f"{exact_sandbox.url}/api/oauth2/auth",
        params={
            "client_id": str(exact_sandbox.client_id),
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "state": "csrf-42",
            "force_login": "0",
        },
    )

    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(f"{REDIRECT_URI}?")
    raw_query = urlsplit(location).query
    assert "%21" in raw_query  # the code's "!" arrives URL-encoded: decode before use
    assert "!" not in raw_query
    query = parse_qs(raw_query)
    assert query["state"] == ["csrf-42"]
    [code] = query["code"]
    assert "!" in code


def test_authorize_with_an_unknown_client_names_the_identifier(
    exact_sandbox: RunningSandbox,
) -> None:
    stranger = uuid.UUID("00000000-0000-4000-8000-000000000001")
    response = httpx.get(
        f"{exact_sandbox.url}/api/oauth2/auth",
        params={"client_id": str(stranger), "redirect_uri": REDIRECT_URI, "response_type": "code"},
    )

    assert response.status_code == 400
    assert response.text == f"Client with identifier '{stranger}' not found"


def test_the_token_endpoint_with_an_unknown_client_names_the_identifier(
    exact_sandbox: RunningSandbox,
) -> None:
    stranger = "00000000-0000-4000-8000-000000000002"
    response = token_request(
        exact_sandbox, client_id=stranger, grant_type="refresh_token", refresh_token="x"
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_client",
        "error_description": f"Client with identifier '{stranger}' not found",
    }


def test_a_code_is_exchanged_for_a_bearer_pair_with_expires_in_as_a_string(
    exact_sandbox: RunningSandbox,
) -> None:
    response = exchange(exact_sandbox, authorization_code(exact_sandbox))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["expires_in"] == "600"
    assert body["token_type"] == "Bearer"
    assert body["access_token"] != body["refresh_token"]
    assert me_status(exact_sandbox, body["access_token"]) == 200


def test_a_code_works_once(exact_sandbox: RunningSandbox) -> None:
    code = authorization_code(exact_sandbox)
    assert exchange(exact_sandbox, code).status_code == 200

    again = exchange(exact_sandbox, code)

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_a_code_expires_after_three_minutes(exact_sandbox: RunningSandbox) -> None:
    fresh, stale = authorization_code(exact_sandbox), authorization_code(exact_sandbox)
    exact_sandbox.sandbox.clock.advance(170)
    assert exchange(exact_sandbox, fresh).status_code == 200

    exact_sandbox.sandbox.clock.advance(11)  # 181 s after it was issued
    response = exchange(exact_sandbox, stale)

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The authorization code has expired",
    }


def test_a_code_for_another_redirect_uri_is_refused(exact_sandbox: RunningSandbox) -> None:
    response = token_request(
        exact_sandbox,
        grant_type="authorization_code",
        code=authorization_code(exact_sandbox),
        redirect_uri="http://127.0.0.1:8765/elsewhere",
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_refresh_before_570_seconds_is_refused_and_changes_nothing(
    exact_sandbox: RunningSandbox,
) -> None:
    pair = sign_in(exact_sandbox)
    exact_sandbox.sandbox.clock.advance(560)

    early = refresh(exact_sandbox, pair["refresh_token"])

    assert early.status_code == 401
    # The error code is not documented; the sandbox says invalid_request.
    assert early.json() == {
        "error": "invalid_request",
        "error_description": "Access token not expired.",
    }
    assert me_status(exact_sandbox, pair["access_token"]) == 200
    exact_sandbox.sandbox.clock.advance(15)
    assert refresh(exact_sandbox, pair["refresh_token"]).status_code == 200


def test_a_refresh_after_570_seconds_rotates_the_pair_and_kills_the_old_refresh_token(
    exact_sandbox: RunningSandbox,
) -> None:
    pair = sign_in(exact_sandbox)
    exact_sandbox.sandbox.clock.advance(575)

    response = refresh(exact_sandbox, pair["refresh_token"])

    assert response.status_code == 200
    new = response.json()
    assert new["expires_in"] == "600"
    assert new["access_token"] != pair["access_token"]
    assert new["refresh_token"] != pair["refresh_token"]
    assert me_status(exact_sandbox, new["access_token"]) == 200
    reused = refresh(exact_sandbox, pair["refresh_token"])
    assert reused.status_code == 401
    assert reused.json() == {
        "error": "unauthorized_client",
        "error_description": "Old refresh token used.",
    }


def test_the_superseded_access_token_lives_to_its_own_600_seconds(
    exact_sandbox: RunningSandbox,
) -> None:
    # Unconfirmed by the sources: the sandbox lets the old access token live out its
    # 600 s after a refresh (it does not revoke it).
    pair = sign_in(exact_sandbox)
    exact_sandbox.sandbox.clock.advance(580)
    assert refresh(exact_sandbox, pair["refresh_token"]).status_code == 200
    assert me_status(exact_sandbox, pair["access_token"]) == 200

    exact_sandbox.sandbox.clock.advance(21)

    assert me_status(exact_sandbox, pair["access_token"]) == 401


def test_a_refresh_token_unused_for_30_days_expires(exact_sandbox: RunningSandbox) -> None:
    pair = sign_in(exact_sandbox)
    exact_sandbox.sandbox.clock.advance(30 * 86_400 + 60)

    response = refresh(exact_sandbox, pair["refresh_token"])

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    stamp = r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M"
    assert re.fullmatch(
        f"The refresh token expired at {stamp} and it is now {stamp}", body["error_description"]
    )


def test_a_refresh_token_used_within_30_days_keeps_the_chain_alive(
    exact_sandbox: RunningSandbox,
) -> None:
    pair = sign_in(exact_sandbox)
    exact_sandbox.sandbox.clock.advance(29 * 86_400)
    response = refresh(exact_sandbox, pair["refresh_token"])
    assert response.status_code == 200

    exact_sandbox.sandbox.clock.advance(29 * 86_400)

    assert refresh(exact_sandbox, response.json()["refresh_token"]).status_code == 200


def test_an_access_token_dies_after_600_seconds_with_an_empty_401(
    exact_sandbox: RunningSandbox,
) -> None:
    pair = sign_in(exact_sandbox)
    exact_sandbox.sandbox.clock.advance(595)
    assert me_status(exact_sandbox, pair["access_token"]) == 200

    exact_sandbox.sandbox.clock.advance(6)
    response = httpx.get(
        f"{exact_sandbox.api_url}/current/Me", headers=bearer(pair["access_token"])
    )

    assert response.status_code == 401
    assert response.content == b""


def test_an_unknown_bearer_token_gets_an_empty_401(exact_sandbox: RunningSandbox) -> None:
    response = httpx.get(f"{exact_sandbox.api_url}/current/Me", headers=bearer("AAEAAnonsense"))

    assert response.status_code == 401
    assert response.content == b""


def test_a_wrong_client_secret_is_refused(exact_sandbox: RunningSandbox) -> None:
    response = token_request(
        exact_sandbox,
        client_secret="not-the-secret",
        grant_type="authorization_code",
        code=authorization_code(exact_sandbox),
        redirect_uri=REDIRECT_URI,
    )

    # Exact's exact answer is unconfirmed; the sandbox gives 400 invalid_client.
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "Invalid client credentials",
    }


def test_a_throttled_token_endpoint_answers_an_empty_429_then_recovers(
    exact_sandbox: RunningSandbox,
) -> None:
    pair = sign_in(exact_sandbox)
    exact_sandbox.sandbox.clock.advance(580)
    exact_sandbox.sandbox.faults.add(FaultKind.THROTTLE, path="oauth2/token", times=1)

    throttled = refresh(exact_sandbox, pair["refresh_token"])

    assert throttled.status_code == 429
    assert throttled.content == b""
    # The refused call changed nothing: the same refresh token still works.
    assert refresh(exact_sandbox, pair["refresh_token"]).status_code == 200


def test_an_unknown_grant_type_is_refused(exact_sandbox: RunningSandbox) -> None:
    response = token_request(exact_sandbox, grant_type="password")

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_an_unknown_refresh_token_is_an_invalid_grant(exact_sandbox: RunningSandbox) -> None:
    response = refresh(exact_sandbox, "Gcp7!IAAAAnever-issued")

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "Token is not allowed, because of invalid or empty chainId",
    }
