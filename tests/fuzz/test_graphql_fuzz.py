"""GraphQL fuzzing of the running server with schemathesis (issue 7).

The server runs on a seeded SQLite database (conftest.py); schemathesis reads
its schema by introspection. Every query and mutation gets a fixed number of
generated calls, derandomized so that a run is the same every time: documents
valid and invalid against the schema, with hostile scalars (scalars.py). As an
admin, no call may end in a 5xx or a masked or uncoded error; as a viewer,
every mutation is refused and changes no data (snapshot.py). Found so far: see
tests/graphql/test_refusals.py and the division test in test_administration.py.
"""

from __future__ import annotations

import os

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.specs.graphql.schemas import GraphQLSchema

from tests.fuzz.conftest import FuzzServer
from tests.fuzz.snapshot import differences, snapshot
from tests.fuzz.verdict import judge, refusal_problems
from tests.graphql.operations import root_fields

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("HOURBILL_FUZZ_EXAMPLES", "12"))
"""Generated calls per operation and key: fast enough for CI; set the variable to dig deeper."""

fuzzed = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

QUERIES = [f"Query.{field.name}" for field in root_fields("query")]
MUTATIONS = [f"Mutation.{field.name}" for field in root_fields("mutation")]


def cases(schema: GraphQLSchema, label: str) -> st.SearchStrategy[Case]:
    operation = schema.find_operation_by_label(label)
    assert operation is not None, f"the running server has no {label}"
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )


def described(case: Case, problems: list[str]) -> str:
    return f"{case.operation.label}\n{case.body}\n" + "\n".join(problems)


def test_every_query_and_mutation_the_server_publishes_is_fuzzed(
    graphql_schema: GraphQLSchema,
) -> None:
    published = {result.ok().label for result in graphql_schema.get_all_operations()}

    assert published == set(QUERIES + MUTATIONS)


@pytest.mark.parametrize("label", QUERIES + MUTATIONS)
def test_no_call_ends_in_a_server_error_or_a_masked_one(
    label: str, graphql_schema: GraphQLSchema, fuzz_server: FuzzServer, session: requests.Session
) -> None:
    @fuzzed
    @given(case=cases(graphql_schema, label))
    def call(case: Case) -> None:
        response = case.call(session=session, headers=fuzz_server.admin, timeout=30)

        problems = judge(response.status_code, response.text)

        assert not problems, described(case, problems)

    call()


@pytest.mark.parametrize("label", MUTATIONS)
def test_a_viewer_changes_nothing(
    label: str, graphql_schema: GraphQLSchema, fuzz_server: FuzzServer, session: requests.Session
) -> None:
    @fuzzed
    @given(case=cases(graphql_schema, label))
    def call(case: Case) -> None:
        before = snapshot(fuzz_server.database)

        response = case.call(session=session, headers=fuzz_server.viewer, timeout=30)

        problems = refusal_problems(response.status_code, response.text)
        problems += differences(before, snapshot(fuzz_server.database))
        assert not problems, described(case, problems)

    call()
