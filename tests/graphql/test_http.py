"""The Starlette app around the schema: routes, GraphiQL, GET queries, masking, limits."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from application.queries import Queries
from application.service import Hourbill
from application.use_cases.work import CreateEmployee, CreateEmployeeRequest
from domain.vat import VatCode
from domain.work import Employee
from interfaces.graphql.schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from interfaces.http.app import create_app
from tests.fakes import FakeStore
from tests.graphql import seed
from tests.graphql.api import Api
from tests.support.keys import bearer


def client_for(app: object, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://hourbill.test",
        headers=bearer(key),
    )


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_graphiql_is_served_to_browsers_when_enabled(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_graphiql_can_be_switched_off(hourbill: Hourbill, admin_key: str) -> None:
    async with client_for(create_app(hourbill, graphiql=False), admin_key) as client:
        response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404


async def test_queries_work_over_get(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ vatCodes { code } }"})
    assert response.status_code == 200
    assert {v["code"] for v in response.json()["data"]["vatCodes"]} == {"0", "9", "21"}


async def test_mutations_are_refused_over_get(client: httpx.AsyncClient) -> None:
    query = 'mutation { createEmployee(input: {code: "A", name: "A"}) { errors { code } } }'
    response = await client.get("/graphql", params={"query": query})
    assert response.status_code == 400
    assert "mutations are not allowed" in response.text.lower()


async def test_unexpected_errors_are_masked_and_logged(
    hourbill: Hourbill, admin_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(Queries):
        async def vat_codes(self) -> list[VatCode]:
            raise RuntimeError("secret connection string postgres://admin:hunter2@db")

    broken = replace(hourbill, queries=Broken(hourbill.queries.uow))
    async with client_for(create_app(broken), admin_key) as client:
        body = await Api(client).execute("{ vatCodes { code } }")
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["Unexpected error."]
    assert "hunter2" not in str(body)
    assert "hunter2" in caplog.text


async def test_an_unexpected_error_in_a_mutation_is_masked_too(
    hourbill: Hourbill, admin_key: str
) -> None:
    class Broken(CreateEmployee):
        async def execute(self, request: CreateEmployeeRequest) -> Employee:
            raise KeyError("internal detail")

    broken = replace(hourbill, create_employee=Broken(hourbill.create_employee.uow))
    query = 'mutation { createEmployee(input: {code: "A", name: "A"}) { errors { code } } }'
    async with client_for(create_app(broken), admin_key) as client:
        body = await Api(client).execute(query)
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["Unexpected error."]


async def test_client_errors_are_not_logged(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    await api.execute("{ customers(first: -1) { totalCount } }")
    assert caplog.text == ""


async def test_client_errors_are_not_masked(api: Api) -> None:
    body = await api.execute("{ customers(first: -1) { totalCount } }")
    (error,) = body["errors"]
    assert error["message"] == "first must not be negative"
    assert error["extensions"] == {"code": "OUT_OF_RANGE", "field": "first"}


async def test_validation_errors_are_shown(api: Api) -> None:
    body = await api.execute("{ customers { nonsense } }")
    assert "Cannot query field 'nonsense'" in body["errors"][0]["message"]


def too_deep() -> str:
    selection = "id"
    for _ in range(MAX_DEPTH // 2 + 1):
        selection = f"tasks {{ project {{ {selection} }} }}"
    return (
        'mutation { createProject(input: {customerId: "$CUSTOMER", code: "DEEP", name: "Deep"})'
        f" {{ project {{ {selection} }} }} }}"
    )


def too_many_aliases() -> str:
    aliases = " ".join(
        f'e{i}: createEmployee(input: {{code: "E{i}", name: "E"}}) {{ errors {{ code }} }}'
        for i in range(MAX_ALIASES + 1)
    )
    return f"mutation {{ {aliases} }}"


def too_many_tokens() -> str:
    typenames = " __typename" * MAX_TOKENS
    return f'mutation {{ createEmployee(input: {{code: "T", name: "T"}}) {{ {typenames} }} }}'


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        (too_deep(), f"exceeds maximum operation depth of {MAX_DEPTH}"),
        (too_many_aliases(), f"aliases found. Allowed: {MAX_ALIASES}"),
        (too_many_tokens(), f"more than {MAX_TOKENS} tokens"),
    ],
    ids=["depth", "aliases", "tokens"],
)
async def test_an_oversized_operation_is_refused_and_runs_nothing(
    client: httpx.AsyncClient, api: Api, store: FakeStore, query: str, problem: str
) -> None:
    customer = await seed.customer(api)

    response = await client.post("/graphql", json={"query": query.replace("$CUSTOMER", customer)})

    assert response.status_code == 200
    body = response.json()
    assert body.get("data") is None
    (error,) = body["errors"]
    assert problem in error["message"]
    assert store.employees == {}
    assert store.projects == {}


@pytest.mark.parametrize("path", ["/", "/nothing"])
async def test_unknown_paths_are_404(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404


async def test_shutdown_hooks_run_when_the_app_stops(hourbill: Hourbill) -> None:
    stopped: list[str] = []

    async def hook() -> None:
        stopped.append("database closed")

    app = create_app(hourbill, on_shutdown=[hook])
    async with app.router.lifespan_context(app):
        assert stopped == []
    assert stopped == ["database closed"]
