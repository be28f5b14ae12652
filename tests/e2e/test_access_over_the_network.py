"""Access control on the real server (SQLite): a few fields per role over HTTP, and the
websocket's `connection_init` (close code 4403) and per-operation checks.

The whole table of fields × roles runs on the fakes (tests/graphql/test_authorization.py);
this is the same promise kept by the server a client talks to.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from domain.access import Role
from hourbill.container import build_container
from hourbill.settings import Settings
from tests.e2e.server import RunningServer, spawned_servers
from tests.e2e.ws import PROTOCOL, TIMEOUT, graphql_ws
from tests.support.db import run
from tests.support.keys import bearer, make_key_in

pytestmark = pytest.mark.e2e

Json = dict[str, Any]

CUSTOMERS = "{ customers { totalCount } }"
CREATE_CUSTOMER = """mutation($code: String!) {
  createCustomer(input: {code: $code, name: "Acme"}) { errors { code } }
}"""
SETTINGS = """mutation {
  updateInvoicingSettings(input: {hoursItemCode: "UREN"}) { errors { code } }
}"""
AUDIT = """{ auditLog(first: 50) { edges { node { action outcome actor { name } } } } }"""
ORDER_EVENTS = "subscription { orderEvents { kind } }"


def database_url(server: RunningServer) -> str:
    url: str = server.container.settings().database_url
    return url


def revoke_key_in(url: str, name: str) -> None:
    async def revoke() -> None:
        container = build_container(Settings(database_url=url))
        try:
            await container.hourbill().revoke_api_key.execute(name)
        finally:
            await container.database().dispose()

    run(revoke())


async def post(http: httpx.AsyncClient, token: str | None, query: str, **variables: Any) -> Any:
    headers = bearer(token) if token else {}
    body = {"query": query, "variables": variables}
    return await http.post("/graphql", json=body, headers=headers)


def refusal(response: httpx.Response) -> str:
    body: Json = response.json()
    assert body.get("data") is None, body
    (error,) = body["errors"]
    code: str = error["extensions"]["code"]
    return code


async def test_each_role_gets_what_it_may_and_nothing_more(server: RunningServer) -> None:
    url = database_url(server)
    viewer = make_key_in(url, Role.VIEWER, "e2e viewer")
    biller = make_key_in(url, Role.BILLER, "e2e biller")
    revoked = make_key_in(url, Role.ADMIN, "e2e revoked")
    revoke_key_in(url, "e2e revoked")
    admin = server.admin_key

    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        no_key = await post(http, None, CUSTOMERS)
        revoked_key = await post(http, revoked, CREATE_CUSTOMER, code="REVOKED")
        viewer_reads = await post(http, viewer, CUSTOMERS)
        viewer_writes = await post(http, viewer, CREATE_CUSTOMER, code="VIEWER")
        biller_writes = await post(http, biller, CREATE_CUSTOMER, code="BILLER")
        biller_settings = await post(http, biller, SETTINGS)
        biller_audit = await post(http, biller, AUDIT)
        admin_settings = await post(http, admin, SETTINGS)
        customers = await post(http, admin, CUSTOMERS)
        audit = await post(http, admin, AUDIT)

    assert (no_key.status_code, revoked_key.status_code) == (401, 401)
    assert viewer_reads.json() == {"data": {"customers": {"totalCount": 0}}}
    assert refusal(viewer_writes) == "FORBIDDEN"
    assert biller_writes.json() == {"data": {"createCustomer": {"errors": []}}}
    assert refusal(biller_settings) == "FORBIDDEN"
    assert refusal(biller_audit) == "FORBIDDEN"
    assert admin_settings.json() == {"data": {"updateInvoicingSettings": {"errors": []}}}
    assert customers.json()["data"]["customers"]["totalCount"] == 1
    entries = [e["node"] for e in audit.json()["data"]["auditLog"]["edges"]]
    port = server.base_url.rsplit(":", 1)[1]
    assert [(e["action"], e["outcome"], e["actor"]["name"]) for e in entries] == [
        ("updateInvoicingSettings", "SUCCEEDED", f"e2e admin {port}"),
        ("updateInvoicingSettings", "FORBIDDEN", "e2e biller"),
        ("createCustomer", "SUCCEEDED", "e2e biller"),
        ("createCustomer", "FORBIDDEN", "e2e viewer"),
    ]


async def closed_with(server: RunningServer, init: Json | None) -> int:
    return await closed_with_at(server.ws_url, init)


async def closed_with_at(url: str, init: Json | None) -> int:
    """The close code after `connection_init` with `init` as its payload."""
    async with connect(url, subprotocols=[PROTOCOL], open_timeout=TIMEOUT) as socket:
        message: Json = {"type": "connection_init"}
        if init is not None:
            message["payload"] = init
        await socket.send(json.dumps(message))
        with pytest.raises(ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_a_websocket_without_a_valid_key_is_closed_with_4403(server: RunningServer) -> None:
    url = database_url(server)
    revoked = make_key_in(url, Role.ADMIN, "e2e revoked socket")
    revoke_key_in(url, "e2e revoked socket")
    unknown = "hb_000000000000_" + "A" * 43

    codes = {
        "no payload": await closed_with(server, None),
        "no key": await closed_with(server, {}),
        "not bearer": await closed_with(server, {"Authorization": f"Basic {server.admin_key}"}),
        "unknown key": await closed_with(server, bearer(unknown)),
        "revoked key": await closed_with(server, bearer(revoked)),
    }

    assert codes == dict.fromkeys(codes, 4403)


async def test_a_key_revoked_on_an_open_websocket_starts_nothing_more(
    server: RunningServer,
) -> None:
    url = database_url(server)
    viewer = make_key_in(url, Role.VIEWER, "e2e dashboard")

    async with graphql_ws(server.ws_url, viewer) as ws:
        await ws.subscribe("before", CUSTOMERS)
        before = await ws.receive()
        assert await ws.receive() == {"id": "before", "type": "complete"}
        revoke_key_in(url, "e2e dashboard")
        await ws.subscribe("after", ORDER_EVENTS)
        after = await ws.receive()
        assert await ws.receive() == {"id": "after", "type": "complete"}

    assert before["payload"] == {"data": {"customers": {"totalCount": 0}}}
    assert after["payload"]["data"] is None
    assert after["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert server.container.events().subscriber_count == 0


async def test_hourbill_serve_logs_requests_but_never_a_key(
    sqlite_url: str, tmp_path: Path
) -> None:
    """`hourbill serve` logs every request (uvicorn's access log, at info) with its path and
    status, never the Authorization header or connection_init's key."""
    viewer = make_key_in(sqlite_url, Role.VIEWER, "e2e logged viewer")
    revoked = make_key_in(sqlite_url, Role.ADMIN, "e2e logged revoked")
    revoke_key_in(sqlite_url, "e2e logged revoked")
    unknown = "hb_000000000000_" + "A" * 43

    with spawned_servers(sqlite_url, tmp_path, 1) as [served]:
        async with httpx.AsyncClient(base_url=served.base_url, timeout=10) as http:
            for token in (served.admin_key, viewer, revoked, unknown):
                await post(http, token, CUSTOMERS)
                await post(http, token, CREATE_CUSTOMER, code="LOGGED")
                await http.get("/documents/orders/x/specification.pdf", headers=bearer(token))
            async with graphql_ws(served.ws_url, viewer) as ws:
                await ws.subscribe("1", CUSTOMERS)
                assert (await ws.receive())["type"] == "next"
            assert await closed_with_at(served.ws_url, bearer(revoked)) == 4403
    logged = server_log(tmp_path)

    assert '"POST /graphql HTTP/1.1" 200' in logged
    assert '"POST /graphql HTTP/1.1" 401' in logged
    assert '/documents/orders/x/specification.pdf HTTP/1.1" 403' in logged
    for token in (served.admin_key, viewer, revoked, unknown):
        assert token not in logged
        assert token.rsplit("_", 1)[1][:16] not in logged


def server_log(workdir: Path) -> str:
    [log_file] = workdir.glob("server-*.log")
    return log_file.read_text()
