"""Text with a NUL character never reaches PostgreSQL, which cannot store it (found by fuzzing).

Before, a name, a search or an audit filter with "\\u0000" failed in the database
and came back as a masked error; now GraphQL refuses it before anything runs.
"""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.server import running_server

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def test_text_with_a_nul_is_refused_before_it_reaches_the_database(postgres_url: str) -> None:
    queries = [
        'mutation { createEmployee(input: {code: "E", name: "x\\u0000y"}) { errors { code } } }',
        '{ customers(search: "a\\u0000") { totalCount } }',
        '{ auditLog(filter: {action: "a\\u0000"}) { totalCount } }',
    ]
    with running_server(postgres_url, migrate=False) as server:
        for query in queries:
            response = httpx.post(
                f"{server.base_url}/graphql", json={"query": query}, headers=server.headers
            )

            (error,) = response.json()["errors"]
            assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}, query
        employees = httpx.post(
            f"{server.base_url}/graphql",
            json={"query": "{ employees { code } }"},
            headers=server.headers,
        )
        assert employees.json() == {"data": {"employees": []}}
