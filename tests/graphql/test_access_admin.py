"""The admin's API for keys and the audit log: make, use, revoke, list; who did what, when."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from starlette.applications import Starlette

from application.service import Hourbill
from domain.access import Role
from domain.audit import AuditOutcome
from hourbill.container import Container
from interfaces.graphql.ids import global_id, parse_global_id
from tests.fakes import FakeExactConnector, FakeOAuthStates, FakeStore
from tests.graphql.api import Api, codes
from tests.support.asgi_ws import AsgiWebSocket, websocket
from tests.support.keys import bearer, make_key

Json = dict[str, Any]
START = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)

CREATE = """mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    token
    apiKey { id name role prefix createdAt createdBy revokedAt lastUsedAt }
    errors { field code message }
  }
}"""
REVOKE = """mutation($input: RevokeApiKeyInput!) {
  revokeApiKey(input: $input) {
    apiKey { id name revokedAt }
    errors { field code message }
  }
}"""
KEYS = """query($first: Int, $after: String, $includeRevoked: Boolean) {
  apiKeys(first: $first, after: $after, includeRevoked: $includeRevoked) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { id name role prefix createdBy revokedAt lastUsedAt } }
  }
}"""
AUDIT = """query($first: Int, $after: String, $filter: AuditLogFilter) {
  auditLog(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges {
      node {
        id at finishedAt action arguments outcome errorCodes correlationId
        actor { keyId name role }
      }
    }
  }
}"""
CUSTOMERS = "{ customers { totalCount } }"
CONFIGURE = """mutation($input: ConfigureExactConnectionInput!) {
  configureExactConnection(input: $input) { errors { code } }
}"""
NODE = "query($id: ID!) { node(id: $id) { id ... on ApiKey { name role } } }"


class SteppingClock:
    """One second later at every look: entries and keys get times of their own."""

    def __init__(self) -> None:
        self.moment = START

    def now(self) -> dt.datetime:
        self.moment += dt.timedelta(seconds=1)
        return self.moment

    def today(self) -> dt.date:
        return self.moment.date()


@pytest.fixture(autouse=True)
def clock(container: Container) -> SteppingClock:
    stepping = SteppingClock()
    container.clock.override(providers.Object(stepping))
    return stepping


@pytest.fixture
def connector(container: Container) -> FakeExactConnector:
    """Exact's connection in memory (ask for it before `api`: the facade is built once)."""
    fake = FakeExactConnector()
    container.exact_connector.override(providers.Object(fake))
    container.exact_states.override(providers.Object(FakeOAuthStates()))
    return fake


@pytest.fixture
async def anyone(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client without a key of its own: each call names the key it uses."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hourbill.test") as client:
        yield client


async def call(client: httpx.AsyncClient, token: str, query: str, **variables: Any) -> Json:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def refusal(body: Json) -> str:
    """The code of an operation refused as a whole (nothing ran)."""
    assert body["data"] is None, body
    (error,) = body["errors"]
    code: str = error["extensions"]["code"]
    return code


async def key_id(api: Api, name: str) -> str:
    data = await api.data(KEYS, includeRevoked=True)
    ids = [e["node"]["id"] for e in data["apiKeys"]["edges"] if e["node"]["name"] == name]
    (found,) = ids
    assert isinstance(found, str)
    return found


def keys(store: FakeStore) -> set[tuple[uuid.UUID, str, dt.datetime | None]]:
    """The stored keys as far as making and revoking change them."""
    return {(k.id, k.name, k.revoked_at) for k in store.api_keys.values()}


async def audit(api: Api, **variables: Any) -> list[Json]:
    data = await api.data(AUDIT, first=500, **variables)
    return [e["node"] for e in data["auditLog"]["edges"]]


# -- createApiKey ------------------------------------------------------------------------------


class TestCreateApiKey:
    async def test_the_new_key_works_at_once_with_its_role(
        self, api: Api, anyone: httpx.AsyncClient
    ) -> None:
        payload = await api.ok(CREATE, name="  grid   front-end ", role="VIEWER")

        token = payload["token"]
        key = payload["apiKey"]
        assert token.startswith(f"hb_{key['prefix']}_")
        assert key["name"] == "grid front-end"
        assert key["role"] == "VIEWER"
        assert key["createdBy"] == "key:tests admin"
        assert key["revokedAt"] is None
        assert parse_global_id(key["id"])[0] == "ApiKey"
        assert "errors" not in await call(anyone, token, CUSTOMERS)
        assert refusal(await call(anyone, token, KEYS)) == "FORBIDDEN"

    async def test_the_token_is_shown_once_and_stored_nowhere(
        self, api: Api, store: FakeStore
    ) -> None:
        token = (await api.ok(CREATE, name="partner", role="BILLER"))["token"]

        listed = await api.execute(KEYS, includeRevoked=True)
        logged = await api.execute(AUDIT)
        [entry] = store.audit_log.values()
        stored = [k for k in store.api_keys.values() if k.name == "partner"]
        assert token not in json.dumps(listed) + json.dumps(logged)
        assert token not in repr(list(store.audit_log.values()))
        assert token not in repr(stored)
        assert json.loads(entry.arguments) == {"input": {"name": "partner", "role": "BILLER"}}
        assert entry.outcome is AuditOutcome.SUCCEEDED

    async def test_neither_the_secret_nor_its_hash_can_be_asked_for(self, api: Api) -> None:
        body = await api.execute("{ apiKeys { edges { node { digest } } } }")

        assert "Cannot query field 'digest'" in body["errors"][0]["message"]

    async def test_an_active_name_is_taken_until_that_key_is_revoked(self, api: Api) -> None:
        first = await api.ok(CREATE, name="worker", role="BILLER")

        taken = await api.errors(CREATE, name="worker", role="ADMIN")
        await api.ok(REVOKE, id=first["apiKey"]["id"])
        again = await api.ok(CREATE, name="worker", role="ADMIN")

        assert codes(taken) == {("name", "DUPLICATE")}
        assert again["apiKey"]["role"] == "ADMIN"

    @pytest.mark.parametrize(("name", "code"), [("   ", "REQUIRED"), ("x" * 81, "OUT_OF_RANGE")])
    async def test_a_bad_name_is_a_typed_error_and_makes_no_key(
        self, api: Api, name: str, code: str
    ) -> None:
        payload = await api.mutate(CREATE, name=name, role="VIEWER")

        assert codes(payload["errors"]) == {("name", code)}
        assert payload["token"] is None
        assert payload["apiKey"] is None
        assert (await api.data(KEYS))["apiKeys"]["totalCount"] == 1  # the tests' admin


# -- revokeApiKey ------------------------------------------------------------------------------


class TestRevokeApiKey:
    async def test_a_revoked_key_is_refused_from_the_next_request_on(
        self, api: Api, anyone: httpx.AsyncClient
    ) -> None:
        made = await api.ok(CREATE, name="laptop", role="BILLER")
        token = made["token"]
        assert "errors" not in await call(anyone, token, CUSTOMERS)

        revoked = await api.ok(REVOKE, id=made["apiKey"]["id"])
        response = await anyone.post("/graphql", json={"query": CUSTOMERS}, headers=bearer(token))

        assert revoked["apiKey"]["revokedAt"] is not None
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    async def test_an_open_websocket_is_refused_at_its_next_operation(
        self, api: Api, app: Starlette
    ) -> None:
        made = await api.ok(CREATE, name="dashboard", role="VIEWER")

        async with websocket(app, "/graphql", "graphql-transport-ws") as socket:
            await socket.send_json({"type": "connection_init", "payload": bearer(made["token"])})
            assert (await socket.receive_json())["type"] == "connection_ack"
            before = await operation(socket, "1", CUSTOMERS)
            await api.ok(REVOKE, id=made["apiKey"]["id"])
            after = await operation(socket, "2", CUSTOMERS)

        assert before == {"data": {"customers": {"totalCount": 0}}}
        assert after["data"] is None
        assert after["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    async def test_an_admin_may_revoke_its_own_key(
        self, api: Api, anyone: httpx.AsyncClient, admin_key: str, store: FakeStore
    ) -> None:
        own = await key_id(api, "tests admin")

        payload = await api.ok(REVOKE, id=own)
        after = await anyone.post("/graphql", json={"query": KEYS}, headers=bearer(admin_key))

        assert payload["apiKey"]["id"] == own
        assert after.status_code == 401
        [entry] = store.audit_log.values()
        assert (entry.action, entry.actor_name, entry.outcome) == (
            "revokeApiKey",
            "tests admin",
            AuditOutcome.SUCCEEDED,
        )

    async def test_a_revoked_unknown_or_malformed_id_is_a_typed_error(self, api: Api) -> None:
        made = await api.ok(CREATE, name="old", role="VIEWER")
        await api.ok(REVOKE, id=made["apiKey"]["id"])
        unknown = global_id("ApiKey", uuid.UUID(int=7))
        customer = global_id("Customer", uuid.UUID(int=7))

        assert codes(await api.errors(REVOKE, id=made["apiKey"]["id"])) == {("id", "INVALID_STATE")}
        assert codes(await api.errors(REVOKE, id=unknown)) == {("id", "NOT_FOUND")}
        assert codes(await api.errors(REVOKE, id="nonsense")) == {("id", "INVALID")}
        assert codes(await api.errors(REVOKE, id=customer)) == {("id", "INVALID")}


# -- apiKeys and node(id:) ---------------------------------------------------------------------


class TestApiKeys:
    async def test_keys_page_oldest_first_and_revoked_ones_only_when_asked(self, api: Api) -> None:
        for name in ("a", "b", "c"):
            await api.ok(CREATE, name=name, role="VIEWER")
        await api.ok(REVOKE, id=await key_id(api, "b"))

        first = (await api.data(KEYS, first=2, includeRevoked=True))["apiKeys"]
        rest = await api.data(
            KEYS, first=2, after=first["pageInfo"]["endCursor"], includeRevoked=True
        )
        active = (await api.data(KEYS))["apiKeys"]

        names = [e["node"]["name"] for e in first["edges"] + rest["apiKeys"]["edges"]]
        assert names == ["tests admin", "a", "b", "c"]
        assert first["pageInfo"]["hasNextPage"] is True
        assert rest["apiKeys"]["pageInfo"] == {
            "hasNextPage": False,
            "hasPreviousPage": True,
            "endCursor": rest["apiKeys"]["pageInfo"]["endCursor"],
        }
        assert first["totalCount"] == 4
        assert [e["node"]["name"] for e in active["edges"]] == ["tests admin", "a", "c"]
        assert active["totalCount"] == 3

    async def test_last_used_is_recorded_when_a_key_is_used(
        self, api: Api, anyone: httpx.AsyncClient
    ) -> None:
        made = await api.ok(CREATE, name="used", role="VIEWER")
        await call(anyone, made["token"], CUSTOMERS)

        [key] = [e["node"] for e in (await api.data(KEYS))["apiKeys"]["edges"][1:]]
        assert made["apiKey"]["lastUsedAt"] is None
        assert key["lastUsedAt"] is not None

    async def test_node_answers_keys_to_admins_only(
        self, api: Api, hourbill: Hourbill, anyone: httpx.AsyncClient
    ) -> None:
        own = await key_id(api, "tests admin")
        viewer = await make_key(hourbill, Role.VIEWER)

        found = await api.data(NODE, id=own)
        refused = await call(anyone, viewer, NODE, id=own)

        assert found["node"] == {"id": own, "name": "tests admin", "role": "ADMIN"}
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert refused["data"] == {"node": None}


# -- auditLog ----------------------------------------------------------------------------------


class TestAuditLog:
    async def test_every_mutation_leaves_one_entry_with_its_outcome(
        self, api: Api, hourbill: Hourbill, anyone: httpx.AsyncClient
    ) -> None:
        viewer = await make_key(hourbill, Role.VIEWER, "grid")
        await api.ok(CREATE, name="partner", role="BILLER")
        await api.errors(CREATE, name=" ", role="BILLER")
        forbidden = await call(anyone, viewer, CREATE, input={"name": "mine", "role": "ADMIN"})

        entries = await audit(api)

        assert refusal(forbidden) == "FORBIDDEN"
        assert [(e["action"], e["outcome"], e["errorCodes"]) for e in entries] == [
            ("createApiKey", "FORBIDDEN", ["FORBIDDEN"]),
            ("createApiKey", "REJECTED", ["REQUIRED"]),
            ("createApiKey", "SUCCEEDED", []),
        ]
        admin = await key_id(api, "tests admin")
        assert [e["actor"] for e in entries] == [
            {"keyId": await key_id(api, "grid"), "name": "grid", "role": "VIEWER"},
            {"keyId": admin, "name": "tests admin", "role": "ADMIN"},
            {"keyId": admin, "name": "tests admin", "role": "ADMIN"},
        ]
        assert entries[0]["arguments"] == {"input": {"name": "mine", "role": "ADMIN"}}
        assert all(e["at"] <= e["finishedAt"] for e in entries)
        assert all(e["correlationId"] for e in entries)
        assert all(parse_global_id(e["id"])[0] == "AuditEntry" for e in entries)

    async def test_an_unexpected_error_leaves_a_failed_entry(
        self,
        api: Api,
        hourbill: Hourbill,
        client: httpx.AsyncClient,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        async def broken(*_: object) -> None:
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(hourbill.create_api_key, "execute", broken)
        response = await client.post(
            "/graphql",
            json={"query": CREATE, "variables": {"input": {"name": "x", "role": "VIEWER"}}},
            headers={"X-Request-Id": "audit-7"},
        )

        [entry] = await audit(api)
        assert response.json()["errors"][0]["message"] == "Unexpected error."
        assert "disk on fire" not in response.text
        assert (entry["outcome"], entry["errorCodes"]) == ("FAILED", [])
        assert entry["correlationId"] == response.headers["X-Request-Id"] == "audit-7"

    async def test_queries_are_not_audited(self, api: Api, store: FakeStore) -> None:
        await api.data(CUSTOMERS)
        await api.data(KEYS)
        await api.data(AUDIT)

        assert store.audit_log == {}

    async def test_secrets_in_the_arguments_are_stored_redacted(
        self, connector: FakeExactConnector, api: Api, store: FakeStore
    ) -> None:
        secret = "top-secret-value"
        app_input = {
            "country": "nl",
            "clientId": "5b7e1c3a-2f4d-4e8b-9a6c-0d1e2f3a4b5c",
            "clientSecret": secret,
            "redirectUrl": "https://hourbill.example/exact/callback",
        }
        await api.ok(CONFIGURE, **app_input)

        [entry] = await audit(api)
        assert entry["arguments"]["input"] == {**app_input, "clientSecret": "***"}
        assert secret not in repr(list(store.audit_log.values()))

    async def test_entries_page_newest_first(self, api: Api) -> None:
        for n in range(5):
            await api.ok(CREATE, name=f"key {n}", role="VIEWER")

        pages: list[list[Json]] = []
        after = None
        while True:
            data = (await api.data(AUDIT, first=2, after=after))["auditLog"]
            pages.append([e["node"] for e in data["edges"]])
            if not data["pageInfo"]["hasNextPage"]:
                break
            after = data["pageInfo"]["endCursor"]

        names = [e["arguments"]["input"]["name"] for page in pages for e in page]
        assert [len(page) for page in pages] == [2, 2, 1]
        assert names == [f"key {n}" for n in reversed(range(5))]
        assert data["totalCount"] == 5

    async def test_entries_filter_by_actor_action_outcome_and_time(
        self, api: Api, hourbill: Hourbill, anyone: httpx.AsyncClient
    ) -> None:
        viewer = await make_key(hourbill, Role.VIEWER, "grid")
        made = await api.ok(CREATE, name="a", role="VIEWER")
        await api.errors(CREATE, name="a", role="VIEWER")
        await api.ok(REVOKE, id=made["apiKey"]["id"])
        await call(anyone, viewer, REVOKE, input={"id": made["apiKey"]["id"]})
        everything = await audit(api)
        middle = everything[2]["at"]

        async def actions(**where: Any) -> list[tuple[str, str]]:
            return [(e["action"], e["outcome"]) for e in await audit(api, filter=where)]

        assert await actions(actorKeyId=await key_id(api, "grid")) == [
            ("revokeApiKey", "FORBIDDEN")
        ]
        assert await actions(action="createApiKey") == [
            ("createApiKey", "REJECTED"),
            ("createApiKey", "SUCCEEDED"),
        ]
        assert await actions(outcome="SUCCEEDED") == [
            ("revokeApiKey", "SUCCEEDED"),
            ("createApiKey", "SUCCEEDED"),
        ]
        assert await actions(since=middle) == [
            ("revokeApiKey", "FORBIDDEN"),
            ("revokeApiKey", "SUCCEEDED"),
            ("createApiKey", "REJECTED"),
        ]
        assert await actions(until=middle) == [("createApiKey", "SUCCEEDED")]
        assert await actions(action="revokeApiKey", outcome="SUCCEEDED", since=middle) == [
            ("revokeApiKey", "SUCCEEDED")
        ]

    @pytest.mark.parametrize(
        ("variables", "field"),
        [
            ({"filter": {"since": "2026-11-30T12:00:00"}}, "since"),
            ({"filter": {"actorKeyId": "nonsense"}}, "actorKeyId"),
            ({"filter": {"actorKeyId": global_id("Customer", uuid.UUID(int=1))}}, "actorKeyId"),
            ({"after": "not a cursor"}, "after"),
        ],
    )
    async def test_bad_arguments_are_client_errors(
        self, api: Api, variables: Json, field: str
    ) -> None:
        body = await api.execute(AUDIT, **variables)

        (error,) = body["errors"]
        assert error["extensions"] == {"code": "INVALID", "field": field}

    @pytest.mark.parametrize("role", [Role.VIEWER, Role.BILLER])
    @pytest.mark.parametrize(
        ("query", "variables"),
        [
            (KEYS, {}),
            (AUDIT, {}),
            (CREATE, {"input": {"name": "x", "role": "ADMIN"}}),
            (REVOKE, {"input": {"id": global_id("ApiKey", uuid.UUID(int=1))}}),
        ],
    )
    async def test_only_admins_see_and_make_keys_and_see_the_log(
        self,
        hourbill: Hourbill,
        anyone: httpx.AsyncClient,
        store: FakeStore,
        role: Role,
        query: str,
        variables: Json,
    ) -> None:
        token = await make_key(hourbill, role)
        before = keys(store)

        body = await call(anyone, token, query, **variables)

        assert refusal(body) == "FORBIDDEN"
        assert keys(store) == before


async def operation(socket: AsgiWebSocket, operation_id: str, query: str) -> Json:
    """One query over the socket: its single result."""
    await socket.send_json({"id": operation_id, "type": "subscribe", "payload": {"query": query}})
    message = await socket.receive_json()
    assert message["type"] == "next", message
    assert await socket.receive_json() == {"id": operation_id, "type": "complete"}
    payload: Json = message["payload"]
    return payload
