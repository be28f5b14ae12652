"""Operations refused before they run: every such error has a code, nothing runs.

Found by fuzzing the running server (tests/fuzz): a malformed Date, a syntax
error or an unknown field came back without `extensions.code`, and a
subscription sent over HTTP failed unexpectedly (a masked error).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from interfaces.graphql.schema import MAX_DEPTH
from tests.fakes import FakeStore
from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api

Json = dict[str, Any]


def refused(body: Json) -> str:
    """The code of the one error of an operation that did not run."""
    assert body.get("data") is None, body
    (error,) = body["errors"]
    code: str = error["extensions"]["code"]
    return code


async def test_a_syntax_error_is_parse_failed(api: Api) -> None:
    assert refused(await api.execute("{ customers( }")) == "GRAPHQL_PARSE_FAILED"


@pytest.mark.parametrize(
    "query",
    [
        "{ customers { nonsense } }",
        '{ bookings(periodStart: "2026-02-30") { totalCount } }',
        '{ auditLog(filter: {since: "1e3"}) { totalCount } }',
        "{ customers(first: 99999999999) { totalCount } }",
        "{ projects { " + "tasks { project { " * MAX_DEPTH + "id" + " } }" * MAX_DEPTH + " } }",
    ],
    ids=["unknown field", "impossible date", "malformed date time", "huge int", "too deep"],
)
async def test_a_document_graphql_refuses_is_validation_failed(api: Api, query: str) -> None:
    assert refused(await api.execute(query)) == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize("date", ["2 november", "", "2026-03-01T10:00:00", "+12026-01-01"])
async def test_a_malformed_date_is_validation_failed_and_records_nothing(
    api: Api, store: FakeStore, date: str
) -> None:
    office = await seed.office(api)
    before = set(store.bookings)
    input = {"employeeId": office.employee, "customerId": office.customer, "hours": "1"}

    body = await api.execute(doc.RECORD_BOOKING, input={**input, "date": date})

    assert refused(body) == "GRAPHQL_VALIDATION_FAILED"
    assert set(store.bookings) == before


async def test_a_malformed_date_literal_is_validation_failed(api: Api) -> None:
    body = await api.execute(
        'mutation { recordBooking(input: {employeeId: "x", customerId: "y", date: "NaN",'
        ' hours: "1"}) { errors { code } } }'
    )

    assert refused(body) == "GRAPHQL_VALIDATION_FAILED"


async def test_client_errors_of_the_execution_keep_their_own_code(api: Api) -> None:
    assert refused(await api.execute("{ customers(first: -1) { totalCount } }")) == "OUT_OF_RANGE"


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_subscription_over_http_is_refused(client: httpx.AsyncClient, method: str) -> None:
    query = "subscription { orderEvents { kind } }"

    if method == "GET":
        response = await client.get("/graphql", params={"query": query})
    else:
        response = await client.post("/graphql", json={"query": query})

    assert response.status_code == 400
    assert response.text == f"subscriptions are not allowed when using {method}"


@pytest.mark.parametrize(
    "query",
    [
        'mutation { createEmployee(input: {code: "E", name: "x\\u0000y"}) { errors { code } } }',
        '{ customers(search: "a\\u0000") { totalCount } }',
        '{ auditLog(filter: {action: "\\u0000"}) { totalCount } }',
    ],
    ids=["mutation", "search", "filter"],
)
async def test_a_nul_in_a_string_is_validation_failed(
    api: Api, store: FakeStore, query: str
) -> None:
    body = await api.execute(query)

    assert refused(body) == "GRAPHQL_VALIDATION_FAILED"
    assert "NUL" in body["errors"][0]["message"]
    assert store.employees == {}


async def test_a_nul_in_a_variable_is_validation_failed_and_nothing_runs(
    api: Api, store: FakeStore
) -> None:
    body = await api.execute(doc.CREATE_EMPLOYEE, input={"code": "E", "name": "x\x00y"})

    assert refused(body) == "GRAPHQL_VALIDATION_FAILED"
    assert store.employees == {}
    assert await api.data("{ auditLog { totalCount } }") == {"auditLog": {"totalCount": 0}}


async def test_an_operation_the_access_check_cannot_single_out_is_refused_not_run(
    api: Api, store: FakeStore
) -> None:
    """Two named operations and an operationName that names neither: nothing runs."""
    document = (
        'mutation A { createEmployee(input: {code: "X", name: "X"}) { errors { code } } } '
        "query B { vatCodes { code } }"
    )
    response = await api.client.post("/graphql", json={"query": document, "operationName": "C"})

    assert response.status_code == 400
    assert "C" in response.text
    assert store.employees == {}
