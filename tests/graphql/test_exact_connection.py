"""The Exact connection through GraphQL: typed errors, status, and no secret ever shown."""

from __future__ import annotations

import pytest
from dependency_injector import providers

from hourbill.container import Container
from tests.fakes import FakeExactConnector, FakeOAuthStates
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
