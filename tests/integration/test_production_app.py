"""The app the runtime builds from its settings: production hides the schema and caps bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal

import httpx
import pytest

from hourbill.container import build_container
from hourbill.runtime import ContainerRuntime
from hourbill.settings import Settings
from infrastructure.secrets import SecretBox
from tests.support.keys import bearer, make_key

LIMIT = 4096
MISSPELLED = "{ customers { edgs { cursor } } }"


@pytest.fixture(params=["development", "production"])
def environment(request: pytest.FixtureRequest) -> Literal["development", "production"]:
    chosen: Literal["development", "production"] = request.param
    return chosen


@pytest.fixture
async def client(
    environment: Literal["development", "production"], sqlite_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=sqlite_url,
        environment=environment,
        secret_key=SecretBox.generate_key(),
        exact_client_id="my-app",
        exact_client_secret="app-secret",
        max_request_bytes=LIMIT,
        worker=False,
    )
    container = build_container(settings)
    runtime = ContainerRuntime(container)
    app = runtime.asgi_app()
    key = await make_key(container.hourbill())
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hourbill.test", headers=bearer(key)
        ) as client:
            yield client
    finally:
        await runtime.aclose()


async def test_graphiql_introspection_and_suggestions_follow_the_environment(
    client: httpx.AsyncClient, environment: str
) -> None:
    development = environment == "development"

    graphiql = await client.get("/graphql", headers={"accept": "text/html"})
    schema = await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    misspelled = await client.post("/graphql", json={"query": MISSPELLED})

    assert (graphiql.status_code == 200) is development
    assert ("errors" not in schema.json()) is development
    assert ("Did you mean 'edges'?" in misspelled.text) is development
    assert "Cannot query field 'edgs'" in misspelled.text


async def test_bodies_above_the_configured_size_are_refused(client: httpx.AsyncClient) -> None:
    query = "{ __typename }" + " " * LIMIT

    response = await client.post("/graphql", json={"query": query})

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["maxBytes"] == LIMIT
