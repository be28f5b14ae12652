"""A gateway on a respx-mocked Exact, and tokens that record what Exact refused."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import respx

from application.exact import ExactAuthError
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from tests.exact.adapter.builders import BASE


class RotatingTokens:
    """Hands out `tokens[0]`; each rejection moves on to the next one, if any."""

    def __init__(self, *tokens: str) -> None:
        self.tokens = list(tokens)
        self.rejected_tokens: list[str] = []

    async def access_token(self) -> str:
        return self.tokens[0]

    async def rejected(self, token: str) -> str:
        self.rejected_tokens.append(token)
        if len(self.tokens) == 1:
            raise ExactAuthError("no fresh token", status=401)
        self.tokens.pop(0)
        return self.tokens[0]


@pytest.fixture
def exact() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def tokens() -> RotatingTokens:
    return RotatingTokens("token-1", "token-2")


@pytest.fixture
async def http(exact: respx.MockRouter, tokens: RotatingTokens) -> AsyncIterator[ExactHttp]:
    async with ExactHttp(tokens, base_url=BASE) as transport:
        yield transport


@pytest.fixture
def gateway(http: ExactHttp) -> ExactOnlineGateway:
    return ExactOnlineGateway(http)
