"""`hourbill serve` on the embedded default serves the Exact sandbox it talks to."""

from __future__ import annotations

import httpx
import pytest

from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from infrastructure.exact.sandbox.seed import DEMO_DIVISION, SECOND_DIVISION
from infrastructure.exact.sandbox.server import EmbeddedSandboxTokens
from tests.e2e.server import RunningServer

pytestmark = pytest.mark.e2e


async def test_the_server_hosts_a_seeded_sandbox_at_the_url_its_adapter_uses(
    server: RunningServer,
) -> None:
    container = server.container
    http = container.exact_http()
    assert http.base_url == f"{server.base_url}/exact-sandbox"

    tokens = EmbeddedSandboxTokens(container.exact_sandbox())
    async with ExactHttp(tokens, base_url=http.base_url) as client:
        gateway = ExactOnlineGateway(client)
        divisions = await gateway.divisions()
        journals = await gateway.journals(DEMO_DIVISION)

    assert {division.code for division in divisions} == {DEMO_DIVISION, SECOND_DIVISION}
    assert {journal.code for journal in journals if journal.type == 20} == {"70", "71"}


async def test_the_embedded_sandbox_refuses_calls_without_a_token(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/exact-sandbox/api/v1/current/Me")

    assert response.status_code == 401
    assert response.content == b""
