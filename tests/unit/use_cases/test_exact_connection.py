"""Connecting Exact Online: validation, the single-use expiring state bound to the admin key
that started it, the hand-over, and the audit entry of every callback."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from application.access import ApiKeys, AuditLog, CreateApiKey, RevokeApiKey
from application.exact import ExactAuthError
from application.exact_connection import (
    STATE_LIFETIME,
    CompleteExactConnection,
    ConfigureExactConnection,
    ConnectionStatus,
    ExactConnectionConfig,
    ExactConnectionStatus,
    StartExactConnection,
    hash_state,
)
from domain.access import Role
from domain.audit import AuditOutcome
from domain.errors import ErrorCode, HourbillError, Problem
from tests.fakes import FakeExactConnector as FakeConnector
from tests.fakes import FakeOAuthStates as FakeStates
from tests.fakes import FakeStore, FakeUnitOfWorkFactory

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


class Dance:
    """The OAuth dance's collaborators: Exact's side, the states, the keys and the audit log."""

    def __init__(self) -> None:
        self.connector = FakeConnector()
        self.states = FakeStates()
        self.clock = MovableClock()
        self.store = FakeStore()
        uow = FakeUnitOfWorkFactory(self.store)
        self.keys = ApiKeys(uow)
        self.create_key = CreateApiKey(uow, self.clock)
        self.revoke_key = RevokeApiKey(uow, self.clock)
        self.complete = CompleteExactConnection(
            self.connector, self.states, self.clock, self.keys, AuditLog(uow, self.clock)
        )

    async def key(self, role: Role = Role.ADMIN, name: str = "Sandra") -> uuid.UUID:
        return (await self.create_key.execute(name, role, "tests")).key.id

    async def start(self, started_by: uuid.UUID) -> str:
        start = StartExactConnection(self.connector, self.states, self.clock)
        started = await start.execute(started_by)
        assert started.expires_at == self.clock.now() + STATE_LIFETIME
        return parse_qs(urlsplit(started.authorize_url).query)["state"][0]

    async def refused(self, code: str, state: str) -> Problem:
        with pytest.raises(HourbillError) as raised:
            await self.complete.execute(code, state, correlation_id="cb-1")
        (problem,) = raised.value.problems
        return problem

    def audited(self) -> list[tuple[str, str, AuditOutcome, tuple[str, ...]]]:
        entries = sorted(self.store.audit_log.values(), key=lambda e: e.at)
        return [(e.action, e.actor_name, e.outcome, e.error_codes) for e in entries]


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
        ).execute(uuid.uuid4())

    assert raised.value.problems[0].code is ErrorCode.REQUIRED
    assert states.saved == {}


async def test_start_keeps_only_a_hash_of_a_fresh_state_and_who_started() -> None:
    dance = Dance()
    admin = await dance.key()

    first = await dance.start(admin)
    second = await dance.start(admin)

    assert first != second
    assert len(first) >= 40
    assert set(dance.states.saved) == {hash_state(first), hash_state(second)}
    assert dance.states.saved[hash_state(first)][1] == str(admin)


async def test_complete_hands_the_code_over_once_and_audits_it_as_the_starting_key() -> None:
    dance = Dance()
    state = await dance.start(await dance.key())

    status = await dance.complete.execute("code!1", state, correlation_id="cb-1")
    replayed = await dance.refused("code!2", state)

    assert status.status is ConnectionStatus.CONNECTED
    assert dance.connector.codes == ["code!1"]
    assert (replayed.field, replayed.code) == ("state", ErrorCode.INVALID)
    assert dance.audited() == [
        ("exact.callback", "Sandra", AuditOutcome.SUCCEEDED, ()),
        ("exact.callback", "Exact callback", AuditOutcome.REJECTED, ("INVALID",)),
    ]
    (entry, _) = sorted(dance.store.audit_log.values(), key=lambda e: e.at)
    assert entry.correlation_id == "cb-1"
    assert "code!1" not in entry.arguments
    assert state not in entry.arguments


async def test_an_expired_or_unknown_state_is_refused_without_calling_exact() -> None:
    dance = Dance()
    state = await dance.start(await dance.key())
    dance.clock.moment += STATE_LIFETIME

    problems = [await dance.refused("code", attempt) for attempt in (state, "made-up")]

    assert {(p.field, p.code) for p in problems} == {("state", ErrorCode.INVALID)}
    assert dance.connector.codes == []
    assert [outcome for _, _, outcome, _ in dance.audited()] == [AuditOutcome.REJECTED] * 2


async def test_a_state_is_good_until_just_before_it_expires() -> None:
    dance = Dance()
    state = await dance.start(await dance.key())
    dance.clock.moment += STATE_LIFETIME - dt.timedelta(seconds=1)

    status = await dance.complete.execute("code", state)

    assert status.status is ConnectionStatus.CONNECTED


async def test_a_missing_code_or_state_is_reported_per_field() -> None:
    dance = Dance()

    with pytest.raises(HourbillError) as raised:
        await dance.complete.execute("", "")

    assert {p.field for p in raised.value.problems} == {"code", "state"}
    assert dance.audited() == [
        ("exact.callback", "Exact callback", AuditOutcome.REJECTED, ("REQUIRED", "REQUIRED"))
    ]


@pytest.mark.parametrize(("change", "why"), [("revoke", "revoked"), ("forget", "no longer exists")])
async def test_a_state_whose_starter_may_no_longer_finish_is_refused_and_used_up(
    change: str, why: str
) -> None:
    dance = Dance()
    admin = await dance.key()
    state = await dance.start(admin)
    if change == "revoke":
        await dance.revoke_key.execute(admin)
    else:
        del dance.store.api_keys[admin]

    refused = await dance.refused("code", state)
    replayed = await dance.refused("code", state)

    assert (refused.field, refused.code) == ("state", ErrorCode.FORBIDDEN)
    assert why in refused.message
    assert replayed.code is ErrorCode.INVALID
    assert dance.connector.codes == []
    assert dance.connector.state.status is ConnectionStatus.NOT_CONNECTED
    [(_, actor, outcome, codes), _] = dance.audited()
    assert (outcome, codes) == (AuditOutcome.REJECTED, ("FORBIDDEN",))
    assert actor == ("Sandra" if change != "forget" else f"unknown key {admin}")


async def test_a_state_started_by_a_viewer_key_is_refused() -> None:
    """A state saved for a key that never was an admin (not through GraphQL, which checks)."""
    dance = Dance()
    state = await dance.start(await dance.key(Role.VIEWER, "wall screen"))

    refused = await dance.refused("code", state)

    assert refused.code is ErrorCode.FORBIDDEN
    assert "no admin key" in refused.message
    assert dance.connector.codes == []


@pytest.mark.parametrize("created_by", [None, "admin@hourbill.example"])
async def test_a_state_without_a_starting_key_is_refused(created_by: str | None) -> None:
    """States saved before they were bound to a key: nobody may finish them."""
    dance = Dance()
    await dance.states.save(hash_state("old"), dance.clock.now() + STATE_LIFETIME, created_by)

    refused = await dance.refused("code", "old")

    assert refused.code is ErrorCode.FORBIDDEN
    assert dance.connector.codes == []


async def test_exacts_refusal_of_the_code_is_audited_as_the_starting_key() -> None:
    class Refusing(FakeConnector):
        async def complete(self, code: str) -> ExactConnectionStatus:
            raise ExactAuthError("invalid_grant: the code was used")

    dance = Dance()
    dance.connector = Refusing()
    dance.complete.connector = dance.connector
    state = await dance.start(await dance.key())

    with pytest.raises(ExactAuthError):
        await dance.complete.execute("code", state)

    assert dance.audited() == [
        ("exact.callback", "Sandra", AuditOutcome.REJECTED, ("EXACT_REJECTED",))
    ]
