"""A small GraphQL client for the tests: POST an operation, get `data` or the whole body."""

from __future__ import annotations

from typing import Any

import httpx

Json = dict[str, Any]


class Api:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def execute(self, query: str, **variables: Any) -> Json:
        """The whole response body; the HTTP status must be 200."""
        response = await self.client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: Json = response.json()
        return body

    async def data(self, query: str, **variables: Any) -> Json:
        """`data` of an operation that must have no top-level errors."""
        body = await self.execute(query, **variables)
        assert "errors" not in body, body["errors"]
        data: Json = body["data"]
        return data

    async def mutate(self, query: str, **input: Any) -> Json:
        """The payload of a one-mutation document, called with `$input`."""
        data = await self.data(query, input=input)
        (payload,) = data.values()
        assert isinstance(payload, dict)
        return payload

    async def ok(self, query: str, **input: Any) -> Json:
        """The payload of a mutation that must succeed."""
        payload = await self.mutate(query, **input)
        assert payload["errors"] == [], payload["errors"]
        return payload

    async def errors(self, query: str, **input: Any) -> list[Json]:
        """The typed errors of a mutation that must fail."""
        payload = await self.mutate(query, **input)
        assert payload["errors"], payload
        errors: list[Json] = payload["errors"]
        return errors


def codes(errors: list[Json]) -> set[tuple[str | None, str]]:
    """(field, code) of each typed error, to compare as a set."""
    return {(e["field"], e["code"]) for e in errors}
