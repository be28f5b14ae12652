"""One running server for the whole fuzz run, seeded through its API, and its schema.

The server runs without the outbox worker and invoice polling, so that nothing
but the calls of the fuzzer changes its data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.graphql.schemas import GraphQLSchema

from domain.access import Role
from tests.e2e.server import RunningServer, running_server
from tests.fuzz import scalars
from tests.fuzz.seed import seed
from tests.support.db import sqlite_url_for
from tests.support.keys import bearer, make_key_in

CONFIG = {
    # Generated examples only, a fixed number of them (the tests' `settings`); schemathesis's
    # coverage phase would add an unbounded number of its own per operation.
    "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}},
    "generation": {"mode": "all"},
}


@dataclass(frozen=True)
class FuzzServer:
    server: RunningServer
    database: Path
    viewer_key: str
    known_ids: list[str]

    @property
    def graphql_url(self) -> str:
        return f"{self.server.base_url}/graphql"

    @property
    def admin(self) -> dict[str, str]:
        return self.server.headers

    @property
    def viewer(self) -> dict[str, str]:
        return bearer(self.viewer_key)


@pytest.fixture(scope="package")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    database = tmp_path_factory.mktemp("fuzz") / "hourbill.sqlite3"
    url = sqlite_url_for(database)
    overrides = {"worker": False, "sync_interval_seconds": 0}
    with running_server(url, overrides=overrides) as server:
        with httpx.Client(base_url=server.base_url, headers=server.headers, timeout=30) as http:
            known_ids = seed(http)
        viewer_key = make_key_in(url, Role.VIEWER, name="fuzz viewer")
        yield FuzzServer(server, database, viewer_key, known_ids)


@pytest.fixture(scope="package")
def graphql_schema(fuzz_server: FuzzServer) -> GraphQLSchema:
    """The schema as the running server introspects it (development mode answers introspection)."""
    scalars.register(fuzz_server.known_ids)
    return schemathesis.graphql.from_url(
        fuzz_server.graphql_url,
        headers=fuzz_server.admin,
        timeout=30,
        config=SchemathesisConfig.from_dict(CONFIG),
    )


@pytest.fixture(scope="package")
def session() -> Iterator[requests.Session]:
    """One connection pool for every generated call."""
    with requests.Session() as http:
        yield http
