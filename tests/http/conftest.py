"""The app through ASGI on the real container, with fakes for the unit of work, the clock,
Exact and the PDF renderer (which records what it was asked to print)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from dependency_injector import providers

from hourbill.container import Container, build_container
from infrastructure.exact.fake import FakeExactGateway
from interfaces.http.app import create_app
from tests.fakes import FakeDocumentRenderer, FakeStore, FakeUnitOfWorkFactory, FixedClock
from tests.graphql.api import Api
from tests.support.keys import bearer, make_key


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def renderer() -> FakeDocumentRenderer:
    return FakeDocumentRenderer()


@pytest.fixture
def exact_gateway() -> FakeExactGateway:
    return FakeExactGateway()


@pytest.fixture
def container(
    store: FakeStore, renderer: FakeDocumentRenderer, exact_gateway: FakeExactGateway
) -> Iterator[Container]:
    container = build_container()
    container.uow.override(providers.Object(FakeUnitOfWorkFactory(store)))
    container.exact_gateway.override(providers.Object(exact_gateway))
    container.clock.override(providers.Object(FixedClock()))
    container.document_renderer.override(providers.Object(renderer))
    yield container
    container.reset_override()


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    hourbill = container.hourbill()
    transport = httpx.ASGITransport(app=create_app(hourbill))
    headers = bearer(await make_key(hourbill))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hourbill.test", headers=headers
    ) as client:
        yield client


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)
