"""Hardening of the API: schema per configuration, correlation ids, request size, page caps."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from application.exact import ExactDivision
from application.ports import MAX_PAGE_SIZE
from application.service import Hourbill
from infrastructure.exact.fake import FakeExactGateway
from interfaces.graphql.schema import build_schema
from interfaces.http.app import create_app
from tests.fakes import FakeStore
from tests.graphql.api import Api
from tests.support.asgi_ws import AsgiWebSocket, websocket
from tests.support.keys import bearer

Json = dict[str, Any]
NEW_ID = re.compile(r"[0-9a-f]{32}")
DEVELOPMENT = build_schema()
PRODUCTION = build_schema(introspection=False, suggestions=False)
DIVISIONS = "{ exactAdministration { divisions { options { code } } } }"
SECRET = "postgres://admin:hunter2@db"


# -- introspection and suggestions ------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["{ __schema { queryType { name } } }", '{ __type(name: "Order") { name } }'],
)
async def test_introspection_is_refused_when_off(query: str) -> None:
    allowed = await DEVELOPMENT.execute(query)
    refused = await PRODUCTION.execute(query)

    assert allowed.errors is None
    assert refused.data is None
    assert refused.errors
    assert "introspection has been disabled" in refused.errors[0].message


async def test_typename_still_answers_without_introspection() -> None:
    result = await PRODUCTION.execute("{ __typename }")

    assert result.errors is None
    assert result.data == {"__typename": "Query"}


MISSPELLED = [
    pytest.param(
        "{ customers { edgs { cursor } } }",
        {},
        "Cannot query field 'edgs' on type 'CustomerConnection'.",
        id="field",
    ),
    pytest.param(
        "{ customers(frist: 3) { totalCount } }",
        {},
        "Unknown argument 'frist' on field 'Query.customers'.",
        id="argument",
    ),
    pytest.param(
        "{ orders(status: DRAFTT) { totalCount } }",
        {},
        "Value 'DRAFTT' does not exist in 'OrderStatus' enum.",
        id="enum value",
    ),
    pytest.param(
        "query($status: OrderStatus) { orders(status: $status) { totalCount } }",
        {"status": "DRAFTT"},
        "Variable '$status' has invalid value: "
        "Value 'DRAFTT' does not exist in 'OrderStatus' enum.",
        id="enum value in a variable",
    ),
    pytest.param(
        "query($s: Strnig) { customers(search: $s) { totalCount } }",
        {},
        "Unknown type 'Strnig'.",
        id="type",
    ),
]


@pytest.mark.parametrize(("query", "variables", "problem"), MISSPELLED)
async def test_development_suggests_what_was_meant(
    query: str, variables: Json, problem: str
) -> None:
    result = await DEVELOPMENT.execute(query, variable_values=variables)

    assert result.errors
    message = result.errors[0].message
    assert message.startswith(problem.removesuffix("."))
    assert "Did you mean" in message


@pytest.mark.parametrize(("query", "variables", "problem"), MISSPELLED)
async def test_production_says_what_is_wrong_and_suggests_nothing(
    query: str, variables: Json, problem: str
) -> None:
    result = await PRODUCTION.execute(query, variable_values=variables)

    assert result.errors
    assert [e.message for e in result.errors] == [problem]


# -- correlation ids ------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["support-42", "A.b_C-9", "x" * 64])
async def test_a_sane_request_id_is_echoed(client: httpx.AsyncClient, given: str) -> None:
    response = await client.get("/healthz", headers={"X-Request-Id": given})

    assert response.headers["X-Request-Id"] == given


@pytest.mark.parametrize("given", ["", "x" * 65, "two words", "ünïcode", "a/b", "<script>"])
async def test_an_insane_request_id_is_replaced(client: httpx.AsyncClient, given: str) -> None:
    response = await client.get("/healthz", headers={b"X-Request-Id": given.encode()})

    assert NEW_ID.fullmatch(response.headers["X-Request-Id"])


async def test_every_request_gets_an_id_of_its_own(client: httpx.AsyncClient) -> None:
    first = await client.post("/graphql", json={"query": "{ __typename }"})
    second = await client.post("/graphql", json={"query": "{ __typename }"})

    assert NEW_ID.fullmatch(first.headers["X-Request-Id"])
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


async def test_refused_requests_carry_an_id_too(app: Any) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hourbill.test"
    ) as anonymous:
        response = await anonymous.post("/graphql", json={"query": "{ __typename }"})

    assert response.status_code == 401
    assert NEW_ID.fullmatch(response.headers["X-Request-Id"])


async def test_the_audit_log_names_the_correlation_id_of_each_mutation(
    client: httpx.AsyncClient, store: FakeStore
) -> None:
    mutation = 'mutation { createEmployee(input: {code: "A", name: "A"}) { errors { code } } }'

    await client.post("/graphql", json={"query": mutation}, headers={"X-Request-Id": "audit-1"})
    await client.post("/graphql", json={"query": mutation})

    ids = [e.correlation_id for e in store.audit_log.values() if e.action == "createEmployee"]
    assert len(ids) == 2
    assert "audit-1" in ids
    (other,) = [i for i in ids if i != "audit-1"]
    assert other is not None
    assert NEW_ID.fullmatch(other)


class ExactOnFire(FakeExactGateway):
    """Exact in memory, except that reading the divisions hits a bug."""

    async def divisions(self) -> list[ExactDivision]:
        raise RuntimeError(f"could not reach {SECRET}")


class TestUnexpectedErrors:
    @pytest.fixture
    def exact_gateway(self) -> FakeExactGateway:
        return ExactOnFire()

    async def test_a_masked_error_names_the_id_the_log_line_has(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        response = await client.post(
            "/graphql", json={"query": DIVISIONS}, headers={"X-Request-Id": "ticket-1234"}
        )

        (error,) = response.json()["errors"]
        assert error["message"] == "Unexpected error."
        assert error["extensions"] == {"code": "INTERNAL", "correlationId": "ticket-1234"}
        assert response.headers["X-Request-Id"] == "ticket-1234"
        assert "hunter2" not in response.text
        (record,) = unexpected(caplog)
        assert "ticket-1234" in record.getMessage()
        assert record.exc_info is not None
        assert "Traceback" in caplog.text
        assert "in divisions" in caplog.text
        assert SECRET in caplog.text

    async def test_without_a_request_id_the_error_and_the_header_share_a_new_one(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        response = await client.post("/graphql", json={"query": DIVISIONS})

        ident = response.headers["X-Request-Id"]
        assert NEW_ID.fullmatch(ident)
        assert response.json()["errors"][0]["extensions"]["correlationId"] == ident
        assert ident in unexpected(caplog)[0].getMessage()

    async def test_each_websocket_operation_gets_an_id_of_its_own(
        self, app: Any, admin_key: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        headers = {"X-Request-Id": "socket-7"}
        async with websocket(app, "/graphql", "graphql-transport-ws", headers) as socket:
            await socket.send_json({"type": "connection_init", "payload": bearer(admin_key)})
            assert (await socket.receive_json())["type"] == "connection_ack"
            errors = [await _operation(socket, str(n), DIVISIONS) for n in (1, 2)]

        assert socket.headers["x-request-id"] == "socket-7"
        idents = [e["extensions"]["correlationId"] for e in errors]
        assert [e["message"] for e in errors] == ["Unexpected error."] * 2
        assert all(NEW_ID.fullmatch(i) for i in idents)
        assert len(set(idents)) == 2
        logged = [r.getMessage() for r in unexpected(caplog)]
        assert all(any(i in line for line in logged) for i in idents)


async def _operation(socket: AsgiWebSocket, operation_id: str, query: str) -> Json:
    await socket.send_json({"id": operation_id, "type": "subscribe", "payload": {"query": query}})
    message = await socket.receive_json()
    assert message["type"] == "next", message
    assert await socket.receive_json() == {"id": operation_id, "type": "complete"}
    (error,) = message["payload"]["errors"]
    assert isinstance(error, dict)
    return error


def unexpected(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "hourbill.errors"]


# -- request size and query limits ------------------------------------------------------------

LIMIT = 2_000


@pytest.fixture
async def small(hourbill: Hourbill, admin_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """The API with POST bodies of at most LIMIT bytes."""
    app = create_app(hourbill, max_request_bytes=LIMIT)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://hourbill.test",
        headers=bearer(admin_key),
    ) as client:
        yield client


def create_employee(padding: int = 0) -> bytes:
    query = 'mutation { createEmployee(input: {code: "BIG", name: "Big"}) { errors { code } } }'
    return json.dumps({"query": query + " " * padding}).encode()


async def chunks(body: bytes, size: int = 500) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_a_body_at_the_limit_is_answered(small: httpx.AsyncClient, store: FakeStore) -> None:
    body = create_employee()
    body = create_employee(LIMIT - len(body))
    assert len(body) == LIMIT

    response = await small.post("/graphql", content=body, headers=JSON)

    assert response.status_code == 200, response.text
    assert len(store.employees) == 1


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_larger_body_is_refused_before_it_is_parsed(
    small: httpx.AsyncClient, store: FakeStore, chunked: bool
) -> None:
    body = create_employee(LIMIT)
    content: bytes | AsyncIterator[bytes] = chunks(body) if chunked else body

    response = await small.post("/graphql", content=content, headers=JSON)

    assert response.status_code == 413
    assert ("content-length" in response.request.headers) is not chunked
    assert response.json() == {
        "errors": [
            {
                "message": f"The request body may hold at most {LIMIT} bytes.",
                "extensions": {"code": "REQUEST_TOO_LARGE", "maxBytes": LIMIT},
            }
        ]
    }
    assert store.employees == {}


async def test_the_default_limit_is_one_mebibyte(client: httpx.AsyncClient) -> None:
    body = create_employee(1024 * 1024)

    response = await client.post("/graphql", content=body, headers=JSON)

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["maxBytes"] == 1024 * 1024


# -- page sizes ------------------------------------------------------------------------------

FIELDS = """{ __schema { queryType { fields {
  name args { name } type { ofType { fields { name } } }
} } } }"""


async def connection_fields(api: Api) -> list[str]:
    """Every query field that returns a Relay connection (edges and pageInfo)."""
    fields = (await api.data(FIELDS))["__schema"]["queryType"]["fields"]
    found = []
    for field in fields:
        returned = {f["name"] for f in (field["type"]["ofType"] or {}).get("fields") or []}
        if {"edges", "pageInfo"} <= returned:
            assert "first" in {a["name"] for a in field["args"]}, field["name"]
            found.append(field["name"])
    return found


async def test_every_connection_field_is_paged(api: Api) -> None:
    assert set(await connection_fields(api)) >= {
        "customers",
        "bookings",
        "supplies",
        "orders",
        "rateRules",
        "customerReconciliation",
        "invoices",
    }


@pytest.mark.parametrize(
    ("first", "problem"),
    [
        (-1, {"code": "OUT_OF_RANGE", "field": "first"}),
        # beyond GraphQL's Int: refused when the document is validated
        (2**31, {"code": "GRAPHQL_VALIDATION_FAILED"}),
    ],
    ids=["negative", "beyond Int"],
)
async def test_a_bad_first_is_a_client_error_on_every_connection(
    api: Api, first: int, problem: Json
) -> None:
    for name in await connection_fields(api):
        body = await api.execute(f"{{ {name}(first: {first}) {{ pageInfo {{ hasNextPage }} }} }}")

        (error,) = body["errors"]
        assert error["message"] != "Unexpected error.", name
        assert error.get("extensions") == problem, (name, error)
        assert body["data"] is None


async def test_first_above_the_cap_is_cut_to_it_on_every_connection(api: Api) -> None:
    for name in await connection_fields(api):
        query = f"{{ {name}(first: {MAX_PAGE_SIZE + 1}) {{ edges {{ cursor }} }} }}"
        body = await api.execute(query)

        assert "errors" not in body or all(
            e["message"] != "Unexpected error." for e in body["errors"]
        ), (name, body)
