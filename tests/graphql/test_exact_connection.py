"""The Exact connection through GraphQL and the OAuth callback: typed errors, status, no
secret ever shown, and the state single-use, expiring and bound to the admin who started."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from dependency_injector import providers
from starlette.applications import Starlette

from application.exact_connection import STATE_LIFETIME, ConnectionStatus
from application.ports import PageRequest
from application.service import Hourbill
from domain.audit import AuditOutcome
from hourbill.container import Container
from tests.fakes import FakeExactConnector, FakeOAuthStates, FakeStore, FixedClock
from tests.graphql.api import Api

CONFIGURE = """mutation($input: ConfigureExactConnectionInput!) {
  configureExactConnection(input: $input) {
    connection { status country clientId redirectUrl }
    errors { field code message }
  }
}"""
START = "mutation { startExactConnection { authorizeUrl expiresAt errors { code message } } }"
STATUS = "{ exactConnection { status country userName reason } }"
SECRET = "top-secret-value"


@pytest.fixture
def connector(container: Container) -> FakeExactConnector:
    fake = FakeExactConnector()
    container.exact_connector.override(providers.Object(fake))
    container.exact_states.override(providers.Object(FakeOAuthStates()))
    return fake


def app_input(**changes: str) -> dict[str, str]:
    return {
        "country": "nl",
        "clientId": "5b7e1c3a-2f4d-4e8b-9a6c-0d1e2f3a4b5c",
        "clientSecret": SECRET,
        "redirectUrl": "https://hourbill.example/exact/callback",
        **changes,
    }


async def test_configure_answers_the_connection_without_its_secret(
    connector: FakeExactConnector, api: Api
) -> None:
    body = await api.execute(CONFIGURE, input=app_input(country="be"))

    payload = body["data"]["configureExactConnection"]
    assert payload["errors"] == []
    assert payload["connection"]["status"] == "NOT_CONNECTED"
    assert payload["connection"]["country"] == "be"
    assert SECRET not in str(body)
    assert connector.configured[0].client_secret == SECRET


async def test_configure_names_each_bad_field(connector: FakeExactConnector, api: Api) -> None:
    payload = await api.mutate(CONFIGURE, **app_input(country="xx", redirectUrl="ftp://x"))

    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("country", "INVALID"),
        ("redirectUrl", "INVALID"),
    }
    assert payload["connection"] is None
    assert connector.configured == []


async def test_start_returns_an_authorize_url_with_a_state(
    connector: FakeExactConnector, api: Api
) -> None:
    data = await api.data(START)

    started = data["startExactConnection"]
    assert started["errors"] == []
    assert started["authorizeUrl"].startswith("https://exact.example/api/oauth2/auth?state=")
    assert started["expiresAt"] is not None


async def test_start_without_an_app_is_a_typed_error(
    connector: FakeExactConnector, api: Api
) -> None:
    connector.state = type(connector.state)(type(connector.state.status).NOT_CONFIGURED)

    data = await api.data(START)

    assert data["startExactConnection"]["authorizeUrl"] is None
    assert [e["code"] for e in data["startExactConnection"]["errors"]] == ["REQUIRED"]


async def test_the_schema_has_no_field_that_could_show_a_secret(api: Api) -> None:
    data = await api.data('{ __type(name: "ExactConnection") { fields { name } } }')

    names = {field["name"] for field in data["__type"]["fields"]}
    assert not {name for name in names if "secret" in name.lower() or "token" in name.lower()}
    assert "accessExpiresAt" in names


# -- the callback: the state is single-use, expires, and is bound to the admin who started --


class MovableClock(FixedClock):
    def __init__(self) -> None:
        super().__init__()
        self.moment = super().now()

    def now(self) -> dt.datetime:
        return self.moment


@pytest.fixture
def clock(container: Container) -> MovableClock:
    movable = MovableClock()
    container.clock.override(providers.Object(movable))
    return movable


@pytest.fixture
async def browser(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """The administrator's browser coming back from Exact: no API key."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hourbill.test") as client:
        yield client


async def started_state(api: Api) -> str:
    url: str = (await api.data(START))["startExactConnection"]["authorizeUrl"]
    [state] = parse_qs(urlsplit(url).query)["state"]
    return state


async def callback(browser: httpx.AsyncClient, **params: str) -> httpx.Response:
    return await browser.get("/exact/callback", params=params)


def callbacks(store: FakeStore) -> list[tuple[str, AuditOutcome, tuple[str, ...]]]:
    entries = sorted(
        (e for e in store.audit_log.values() if e.action == "exact.callback"), key=lambda e: e.at
    )
    return [(e.actor_name, e.outcome, e.error_codes) for e in entries]


async def test_the_callback_connects_once_and_is_audited_as_the_admin_who_started(
    clock: MovableClock,
    connector: FakeExactConnector,
    api: Api,
    browser: httpx.AsyncClient,
    store: FakeStore,
) -> None:
    state = await started_state(api)

    first = await callback(browser, code="code-1", state=state)
    replayed = await callback(browser, code="code-2", state=state)

    assert first.status_code == 200
    assert "Exact Online is connected" in first.text
    assert replayed.status_code == 400
    assert "Unknown, used or expired state" in replayed.text
    assert connector.codes == ["code-1"]
    assert callbacks(store) == [
        ("tests admin", AuditOutcome.SUCCEEDED, ()),
        ("Exact callback", AuditOutcome.REJECTED, ("INVALID",)),
    ]
    [entry, _] = [e for e in store.audit_log.values() if e.action == "exact.callback"]
    assert entry.correlation_id == first.headers["X-Request-Id"]
    assert "code-1" not in entry.arguments
    assert state not in entry.arguments


async def test_an_expired_state_is_refused(
    clock: MovableClock, connector: FakeExactConnector, api: Api, browser: httpx.AsyncClient
) -> None:
    state = await started_state(api)
    clock.moment += STATE_LIFETIME

    response = await callback(browser, code="code", state=state)

    assert response.status_code == 400
    assert "Unknown, used or expired state" in response.text
    assert connector.codes == []


async def test_a_state_of_an_admin_revoked_before_the_callback_is_refused_and_used_up(
    clock: MovableClock,
    connector: FakeExactConnector,
    api: Api,
    browser: httpx.AsyncClient,
    hourbill: Hourbill,
    store: FakeStore,
) -> None:
    state = await started_state(api)
    await hourbill.revoke_api_key.execute("tests admin")

    refused = await callback(browser, code="code", state=state)
    again = await callback(browser, code="code", state=state)

    assert refused.status_code == 400
    assert "revoked" in refused.text
    assert again.status_code == 400
    assert connector.codes == []
    assert connector.state.status is ConnectionStatus.NOT_CONNECTED
    assert callbacks(store) == [
        ("tests admin", AuditOutcome.REJECTED, ("FORBIDDEN",)),
        ("Exact callback", AuditOutcome.REJECTED, ("INVALID",)),
    ]


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"code": "code", "state": "made-up"}, "Unknown, used or expired state"),
        ({"code": "code"}, "The state is missing"),
        ({"state": "whatever"}, "Exact sent no authorization code"),
    ],
    ids=["unknown state", "missing state", "missing code"],
)
async def test_an_unknown_or_missing_state_is_refused(
    clock: MovableClock,
    connector: FakeExactConnector,
    browser: httpx.AsyncClient,
    store: FakeStore,
    params: dict[str, str],
    shown: str,
) -> None:
    response = await callback(browser, **params)

    assert response.status_code == 400
    assert shown in response.text
    assert connector.codes == []
    [(actor, outcome, _)] = callbacks(store)
    assert (actor, outcome) == ("Exact callback", AuditOutcome.REJECTED)


async def test_a_started_state_is_bound_to_the_key_that_asked(
    connector: FakeExactConnector, api: Api, hourbill: Hourbill
) -> None:
    states = hourbill.start_exact_connection.states
    assert isinstance(states, FakeOAuthStates)

    await started_state(api)

    [(_, created_by, _)] = states.saved.values()
    page = await hourbill.api_keys.page(PageRequest(first=10))
    assert created_by == str(page.items[0].id)
