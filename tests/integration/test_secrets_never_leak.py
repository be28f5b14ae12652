"""The Exact client secret, Exact's tokens and API keys never leak (issue 7).

The real container on SQLite connects an Exact app with a distinctive client secret to
the sandbox over loopback (the OAuth dance through GraphQL and `/exact/callback`), then
reads the connection, calls Exact, lets a token rotate, fails calls and breaks one on
purpose. None of the secrets may show up in a GraphQL response, a log record (captured at
DEBUG), the audit log, or anywhere in the database file but as ciphertext.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from application.access import AuditFilter
from application.ports import PageRequest
from hourbill.container import Container, build_container
from hourbill.settings import Settings
from infrastructure.exact.sandbox.faults import FaultKind
from infrastructure.exact.sandbox.oauth import ClientApp
from infrastructure.exact.sandbox.server import RunningSandbox
from infrastructure.persistence.tables import exact_connections
from infrastructure.secrets import SecretBox
from interfaces.http.app import create_app
from tests.support.keys import bearer, make_key

CLIENT_SECRET = "canary-client-secret-Zq81vKx3"
CALLBACK = "http://hourbill.test/exact/callback"

CONFIGURE = """mutation($input: ConfigureExactConnectionInput!) {
  configureExactConnection(input: $input) {
    connection { status country baseUrl clientId redirectUrl }
    errors { field code message }
  }
}"""
START = "mutation { startExactConnection { authorizeUrl expiresAt errors { code message } } }"
CONNECTION = """{ exactConnection {
  status country baseUrl clientId redirectUrl userName userEmail currentDivision
  accessExpiresAt refreshedAt refreshCount reason
} }"""
DIVISIONS = """{ exactAdministration {
  divisions { options { code description } selected errors { field code message } }
} }"""
AUDIT = """{ auditLog(first: 500) { edges { node {
  id at finishedAt action arguments outcome errorCodes correlationId actor { keyId name role }
} } } }"""
KEYS = "{ apiKeys(includeRevoked: true) { edges { node { id name prefix createdBy } } } }"
REFRESH = """mutation { refreshExactAccounts(input: {}) { errors { field code message } } }"""


@dataclass
class Hourbill:
    """The app under test, what it answered, and the secrets it must keep."""

    container: Container
    client: httpx.AsyncClient
    box: SecretBox
    database_file: Path
    answers: list[str] = field(default_factory=list)

    async def call(self, query: str, **variables: Any) -> Any:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables})
        self.answers.append(response.text)
        return response.json()

    async def stored(self) -> dict[str, Any]:
        database = self.container.database()
        async with database.engine.connect() as connection:
            row = (await connection.execute(select(exact_connections))).one()
        return dict(row._mapping)

    async def tokens(self) -> list[str]:
        row = await self.stored()
        return [self.box.decrypt(row["access_token"]), self.box.decrypt(row["refresh_token"])]


@pytest.fixture
async def hourbill(
    sqlite_url: str, exact_sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Hourbill]:
    caplog.set_level(logging.DEBUG)
    key = SecretBox.generate_key()
    settings = Settings(
        database_url=sqlite_url, secret_key=SecretStr(key), exact_base_url=exact_sandbox.url
    )
    container = build_container(settings)
    facade = container.hourbill()
    admin = await make_key(facade)
    transport = httpx.ASGITransport(app=create_app(facade))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hourbill.test", headers=bearer(admin)
    ) as client:
        yield Hourbill(
            container,
            client,
            SecretBox(key),
            Path(urlsplit(sqlite_url.replace("sqlite+aiosqlite", "file")).path),
        )
    await container.exact_client().aclose()
    await container.database().dispose()


async def connect(hourbill: Hourbill, sandbox: RunningSandbox) -> None:
    """Register an app with our secret in the sandbox, configure it, and do the dance."""
    app = ClientApp(uuid.uuid4(), CLIENT_SECRET, [CALLBACK], "canary-webhook-secret")
    sandbox.register_client(app)
    configured = await hourbill.call(
        CONFIGURE,
        input={
            "country": "nl",
            "clientId": str(app.client_id),
            "clientSecret": CLIENT_SECRET,
            "redirectUrl": CALLBACK,
            "baseUrl": sandbox.url,
        },
    )
    assert configured["data"]["configureExactConnection"]["errors"] == []
    started = await hourbill.call(START)
    authorize = started["data"]["startExactConnection"]["authorizeUrl"]
    async with httpx.AsyncClient() as browser:
        approval = await browser.get(authorize)
    assert approval.status_code == 302, approval.text
    query = parse_qs(urlsplit(approval.headers["location"]).query)
    back = await hourbill.client.get(
        "/exact/callback", params={"code": query["code"][0], "state": query["state"][0]}
    )
    assert back.status_code == 200, back.text


def fragments(secret: str) -> list[str]:
    """The secret, and long enough pieces of it that a truncated copy is caught too."""
    return [secret, secret[:16], secret[-16:]]


def leaked(text: str, secrets: list[str]) -> list[str]:
    return [s for secret in secrets for s in fragments(secret) if s in text]


async def audit_text(hourbill: Hourbill) -> str:
    page = await hourbill.container.hourbill().audit_log.page(AuditFilter(), PageRequest(first=500))
    assert page.items, "the calls above are audited"
    return "\n".join(repr(entry) for entry in page.items)


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    records = caplog.records
    assert records, "logging is captured"
    return caplog.text + "\n".join(f"{r.getMessage()} {r.args!r}" for r in records)


def database_bytes(path: Path) -> bytes:
    found = [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    return b"".join(p.read_bytes() for p in found)


async def test_the_client_secret_and_tokens_are_stored_as_ciphertext_only(
    hourbill: Hourbill, exact_sandbox: RunningSandbox
) -> None:
    await connect(hourbill, exact_sandbox)

    row = await hourbill.stored()
    tokens = await hourbill.tokens()

    assert hourbill.box.decrypt(row["client_secret"]) == CLIENT_SECRET
    assert all(len(token) > 30 for token in tokens)
    stored_text = json.dumps(row, default=str)
    assert leaked(stored_text, [CLIENT_SECRET, *tokens]) == []
    await hourbill.container.database().dispose()  # everything written to the file
    raw = database_bytes(hourbill.database_file)
    assert row["client_secret"].encode() in raw  # the file is what we think it is
    assert leaked(raw.decode("latin-1"), [CLIENT_SECRET, *tokens]) == []


async def test_no_answer_log_or_audit_entry_shows_a_secret_or_token(
    hourbill: Hourbill, exact_sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    await connect(hourbill, exact_sandbox)
    secrets = [CLIENT_SECRET, *await hourbill.tokens()]

    connection = await hourbill.call(CONNECTION)
    divisions = await hourbill.call(DIVISIONS)
    exact_sandbox.sandbox.oauth.expire_access_tokens()  # the next call refreshes: new pair
    await hourbill.call(DIVISIONS)
    secrets += await hourbill.tokens()
    exact_sandbox.sandbox.faults.add(FaultKind.ERROR, status=500, times=None)
    failed_in_exact = await hourbill.call(REFRESH)
    exact_sandbox.sandbox.faults.clear()
    refused = await hourbill.call(
        CONFIGURE,
        input={
            "country": "xx",
            "clientId": "app",
            "clientSecret": CLIENT_SECRET,
            "redirectUrl": "ftp://nowhere",
        },
    )
    await hourbill.call(AUDIT)
    await hourbill.call(KEYS)

    assert connection["data"]["exactConnection"]["status"] == "CONNECTED"
    assert divisions["data"]["exactAdministration"]["divisions"]["options"], divisions
    assert failed_in_exact["data"]["refreshExactAccounts"]["errors"]
    assert refused["data"]["configureExactConnection"]["errors"]
    assert len(set(secrets)) == 5, "a second pair after the refresh"
    assert leaked("\n".join(hourbill.answers), secrets) == []
    assert leaked(log_text(caplog), secrets) == []
    assert leaked(await audit_text(hourbill), secrets) == []


async def test_a_server_that_cannot_decrypt_says_so_without_a_secret_or_ciphertext(
    hourbill: Hourbill, exact_sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """Its encryption key changed: the stored secrets cannot be read, and the error says so
    without naming them or their ciphertext."""
    await connect(hourbill, exact_sandbox)
    secrets = [CLIENT_SECRET, *await hourbill.tokens()]
    row = await hourbill.stored()
    ciphertexts = [row["client_secret"], row["access_token"], row["refresh_token"]]
    caplog.clear()  # storing them logged their ciphertext (aiosqlite, at DEBUG): that may be
    settings = hourbill.container.settings()
    other_key = SecretStr(SecretBox.generate_key())
    other = build_container(settings.model_copy(update={"secret_key": other_key}))
    facade = other.hourbill()
    admin = await make_key(facade, name="second server")
    transport = httpx.ASGITransport(app=create_app(facade))
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hourbill.test", headers=bearer(admin)
        ) as client:
            divisions = await client.post("/graphql", json={"query": DIVISIONS})
            status = await client.post("/graphql", json={"query": CONNECTION})
    finally:
        await other.exact_client().aclose()
        await other.database().dispose()

    [error] = divisions.json()["data"]["exactAdministration"]["divisions"]["errors"]
    assert "cannot be decrypted" in error["message"]
    answers = divisions.text + status.text
    assert leaked(answers, secrets + ciphertexts) == []
    assert leaked(log_text(caplog), secrets + ciphertexts) == []


async def test_an_unexpected_error_in_a_call_to_exact_is_logged_without_the_token(
    hourbill: Hourbill, exact_sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure nobody planned for, raised while the request holds the access token."""
    await connect(hourbill, exact_sandbox)
    secrets = [CLIENT_SECRET, *await hourbill.tokens()]

    async def explode(request: httpx.Request) -> None:
        if "/api/v1/" in request.url.path:
            raise RuntimeError(f"the connection pool fell over on {request.method}")

    hourbill.container.exact_client().event_hooks["request"].append(explode)
    answer = await hourbill.call(DIVISIONS)

    (error,) = answer["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"]["code"] == "INTERNAL"
    logged = [r for r in caplog.records if r.exc_info is not None]
    assert logged, "the failure is logged with its traceback"
    assert "the connection pool fell over" in caplog.text
    assert leaked("\n".join(hourbill.answers), secrets) == []
    assert leaked(log_text(caplog), secrets) == []


async def test_api_keys_appear_in_no_log_record_or_answer(
    hourbill: Hourbill, caplog: pytest.LogCaptureFixture
) -> None:
    facade = hourbill.container.hourbill()
    admin = hourbill.client.headers["Authorization"].removeprefix("Bearer ")
    revoked = await make_key(facade, name="revoked")
    await facade.revoke_api_key.execute("revoked")
    unknown = "hb_000000000000_" + "A" * 43
    made = await hourbill.call(
        'mutation { createApiKey(input: {name: "partner", role: BILLER}) { token } }'
    )
    partner = made["data"]["createApiKey"]["token"]

    for token in (admin, partner, revoked, unknown, "hb_malformed"):
        await hourbill.client.post(
            "/graphql", json={"query": "{ vatCodes { code } }"}, headers=bearer(token)
        )
        await hourbill.client.get("/documents/orders/x/specification.pdf", headers=bearer(token))
    await hourbill.call(KEYS)
    await hourbill.call(AUDIT)

    logged = log_text(caplog)
    assert "refused POST /graphql: an unknown or revoked API key" in logged
    assert leaked(logged, [admin, partner, revoked, unknown]) == []
    assert leaked(await audit_text(hourbill), [admin, partner, revoked]) == []
    assert leaked("\n".join(hourbill.answers[1:]), [admin, partner, revoked]) == []
