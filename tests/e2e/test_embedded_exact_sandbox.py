"""`hourbill serve` on the embedded default serves the Exact sandbox it talks to."""

from __future__ import annotations

import httpx
import pytest

from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from infrastructure.exact.sandbox.seed import DEMO_DIVISION, SECOND_DIVISION
from infrastructure.exact.tokens import StaticAccessTokens
from tests.e2e.server import RunningServer

pytestmark = pytest.mark.e2e


async def test_the_server_hosts_a_seeded_sandbox_at_the_url_its_adapter_uses(
    server: RunningServer,
) -> None:
    container = server.container
    http = container.exact_http()
    assert http.base_url == f"{server.base_url}/exact-sandbox"

    tokens = StaticAccessTokens(container.exact_sandbox().mint_tokens()["access_token"])
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


START = """mutation { startExactConnection { authorizeUrl expiresAt errors { code message } } }"""
STATUS = """{ exactConnection { status userName userEmail currentDivision baseUrl reason } }"""


async def test_the_oauth_dance_connects_the_embedded_sandbox_with_no_credentials(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    before = (await http.post("/graphql", json={"query": STATUS})).json()["data"]
    started = (await http.post("/graphql", json={"query": START})).json()["data"]
    authorize_url = started["startExactConnection"]["authorizeUrl"]

    approval = await http.get(authorize_url)  # Exact: the user approves, the browser returns
    callback = approval.headers["location"]
    connected = await http.get(callback)
    replayed = await http.get(callback)
    after = (await http.post("/graphql", json={"query": STATUS})).json()["data"]

    assert before["exactConnection"]["status"] == "NOT_CONNECTED"
    assert authorize_url.startswith(f"{server.base_url}/exact-sandbox/api/oauth2/auth?")
    assert approval.status_code == 302
    assert callback.startswith(f"{server.base_url}/exact/callback?code=")
    assert connected.status_code == 200
    assert "Exact Online is connected" in connected.text
    assert replayed.status_code == 400
    assert "expired state" in replayed.text
    assert after["exactConnection"] == {
        "status": "CONNECTED",
        "userName": "Sandra Sandbox",
        "userEmail": "sandra@sandbox.example",
        "currentDivision": DEMO_DIVISION,
        "baseUrl": f"{server.base_url}/exact-sandbox",
        "reason": None,
    }
