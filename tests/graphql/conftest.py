"""The API under test: `create_app` on the facade from the real container, with fakes for
the unit of work, the clock and Exact."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from dependency_injector import providers
from starlette.applications import Starlette

from application.service import Hourbill
from hourbill.container import Container, build_container
from infrastructure.exact.fake import FakeExactGateway
from interfaces.http.app import create_app
from tests.fakes import FakeStore, FakeUnitOfWorkFactory, FixedClock
from tests.graphql.api import Api
from tests.support.keys import bearer, make_key


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def exact_gateway() -> FakeExactGateway:
    """Exact in memory: the sandbox's demo administration (division 123456)."""
    return FakeExactGateway()


@pytest.fixture
def container(store: FakeStore, exact_gateway: FakeExactGateway) -> Iterator[Container]:
    container = build_container()
    container.uow.override(providers.Object(FakeUnitOfWorkFactory(store)))
    container.exact_gateway.override(providers.Object(exact_gateway))
    container.clock.override(providers.Object(FixedClock()))
    yield container
    container.reset_override()


@pytest.fixture
def hourbill(container: Container) -> Hourbill:
    return container.hourbill()


@pytest.fixture
async def admin_key(hourbill: Hourbill) -> str:
    """The tests' API calls act as an admin unless a test says otherwise."""
    return await make_key(hourbill)


@pytest.fixture
def app(hourbill: Hourbill) -> Starlette:
    return create_app(hourbill)


@pytest.fixture
async def client(app: Starlette, admin_key: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hourbill.test", headers=bearer(admin_key)
    ) as client:
        yield client


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)
