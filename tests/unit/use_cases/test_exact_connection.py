"""Connecting Exact Online: validation, the single-use expiring state, the hand-over."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from application.exact_connection import (
    STATE_LIFETIME,
    CompleteExactConnection,
    ConfigureExactConnection,
    ConnectionStatus,
    ExactConnectionConfig,
    StartExactConnection,
    hash_state,
)
from domain.errors import ErrorCode, HourbillError
from tests.fakes import FakeExactConnector as FakeConnector
from tests.fakes import FakeOAuthStates as FakeStates

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


class MovableClock:
    def __init__(self) -> None:
        self.moment = NOW

    def now(self) -> dt.datetime:
        return self.moment

    def today(self) -> dt.date:
        return self.moment.date()


def config(**changes: str | None) -> ExactConnectionConfig:
    values: dict[str, str | None] = {
        "country": "nl",
        "client_id": "5b7e1c3a-2f4d-4e8b-9a6c-0d1e2f3a4b5c",
        "client_secret": "s3cret",
        "redirect_url": "https://hourbill.example/exact/callback",
        "base_url": None,
    }
    values.update(changes)
    return ExactConnectionConfig(**values)  # type: ignore[arg-type]


async def start(connector: FakeConnector, states: FakeStates, clock: MovableClock) -> str:
    started = await StartExactConnection(connector, states, clock).execute("admin")
    assert started.expires_at == NOW + STATE_LIFETIME
    return parse_qs(urlsplit(started.authorize_url).query)["state"][0]


async def test_configure_stores_a_valid_app() -> None:
    connector = FakeConnector(ConnectionStatus.NOT_CONFIGURED)

    status = await ConfigureExactConnection(connector).execute(config(country="be"))

    assert status.status is ConnectionStatus.NOT_CONNECTED
    assert connector.configured == [config(country="be")]


async def test_configure_reports_every_problem_and_stores_nothing() -> None:
    connector = FakeConnector(ConnectionStatus.NOT_CONFIGURED)
    bad = config(country="xx", client_id=" ", redirect_url="ftp://x", base_url="exact")

    with pytest.raises(HourbillError) as raised:
        await ConfigureExactConnection(connector).execute(bad)

    problems = {(p.field, p.code) for p in raised.value.problems}
    assert problems == {
        ("country", ErrorCode.INVALID),
        ("clientId", ErrorCode.REQUIRED),
        ("redirectUrl", ErrorCode.INVALID),
        ("baseUrl", ErrorCode.INVALID),
    }
    assert connector.configured == []


async def test_start_needs_a_configured_app() -> None:
    states = FakeStates()

    with pytest.raises(HourbillError) as raised:
        await StartExactConnection(
            FakeConnector(ConnectionStatus.NOT_CONFIGURED), states, MovableClock()
        ).execute()

    assert raised.value.problems[0].code is ErrorCode.REQUIRED
    assert states.saved == {}


async def test_start_keeps_only_a_hash_of_a_fresh_state() -> None:
    connector, states, clock = FakeConnector(), FakeStates(), MovableClock()

    first = await start(connector, states, clock)
    second = await start(connector, states, clock)

    assert first != second
    assert len(first) >= 40
    assert set(states.saved) == {hash_state(first), hash_state(second)}
    assert states.saved[hash_state(first)][1] == "admin"


async def test_complete_hands_the_code_over_once() -> None:
    connector, states, clock = FakeConnector(), FakeStates(), MovableClock()
    state = await start(connector, states, clock)
    complete = CompleteExactConnection(connector, states, clock)

    status = await complete.execute("code!1", state)
    with pytest.raises(HourbillError) as replayed:
        await complete.execute("code!2", state)

    assert status.status is ConnectionStatus.CONNECTED
    assert connector.codes == ["code!1"]
    assert replayed.value.problems[0].field == "state"
    assert replayed.value.problems[0].code is ErrorCode.INVALID


async def test_an_expired_or_unknown_state_is_refused_without_calling_exact() -> None:
    connector, states, clock = FakeConnector(), FakeStates(), MovableClock()
    state = await start(connector, states, clock)
    clock.moment += STATE_LIFETIME
    complete = CompleteExactConnection(connector, states, clock)

    for attempt in (state, "made-up"):
        with pytest.raises(HourbillError):
            await complete.execute("code", attempt)

    assert connector.codes == []


async def test_a_missing_code_or_state_is_reported_per_field() -> None:
    with pytest.raises(HourbillError) as raised:
        await CompleteExactConnection(FakeConnector(), FakeStates(), MovableClock()).execute("", "")

    assert {p.field for p in raised.value.problems} == {"code", "state"}
