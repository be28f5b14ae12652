"""Fixtures of the connection tests: a turnable clock, a key, Exact's token endpoint on respx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from infrastructure.exact.connection import OAuthFactory, SqlExactConnector, StoredAccessTokens
from infrastructure.exact.oauth_client import ExactOAuthClient
from infrastructure.persistence.database import Database
from infrastructure.secrets import SecretBox
from tests.exact.connection.support import TOKEN_URL, FakeWho, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(SecretBox.generate_key())


@pytest.fixture
def exact() -> Iterator[respx.MockRouter]:
    """Exact's servers, mocked: unmatched requests fail."""
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def token_route(exact: respx.MockRouter) -> respx.Route:
    """Exact's token endpoint; give it a `return_value` or `side_effect`."""
    return exact.post(TOKEN_URL)


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def oauth_factory(http_client: httpx.AsyncClient) -> OAuthFactory:
    return lambda base_url: ExactOAuthClient(http_client, base_url)


@pytest.fixture
def who() -> FakeWho:
    return FakeWho()


@pytest.fixture
def connector(
    database: Database,
    box: SecretBox,
    oauth_factory: OAuthFactory,
    clock: ManualClock,
    who: FakeWho,
) -> SqlExactConnector:
    return SqlExactConnector(database, box, oauth_factory, clock, who=who)


@pytest.fixture
def tokens(
    database: Database, box: SecretBox, oauth_factory: OAuthFactory, clock: ManualClock
) -> StoredAccessTokens:
    return StoredAccessTokens(database, box, oauth_factory, clock)
