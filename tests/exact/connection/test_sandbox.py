"""The connection against the sandbox over loopback: the OAuth dance, refresh single-flight
in one process and across two OS processes, rotation, "Old refresh token used.", and
what the database holds (ciphertext only). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import update

from application.access import ApiKeys, AuditFilter, AuditLog, CreateApiKey, RevokeApiKey
from application.exact import ExactAuthError
from application.exact_connection import (
    CompleteExactConnection,
    ConfigureExactConnection,
    ConnectionStatus,
    ExactConnectionConfig,
    ExactConnectionStatus,
    StartExactConnection,
)
from application.ports import PageRequest
from domain.access import Role
from domain.audit import AuditOutcome
from domain.errors import HourbillError
from infrastructure.exact.connection import (
    SqlExactConnector,
    SqlOAuthStates,
    StoredAccessTokens,
    current_user_over,
)
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from infrastructure.exact.oauth_client import ExactOAuthClient
from infrastructure.exact.sandbox.faults import FaultKind
from infrastructure.exact.sandbox.sandbox import Sandbox
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.exact.sandbox.server import RunningSandbox
from infrastructure.persistence.database import Database
from infrastructure.persistence.tables import exact_connections
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from infrastructure.secrets import SecretBox
from tests.exact.connection.support import stored_row

REPO = Path(__file__).resolve().parents[3]
REDIRECT_URL = "http://127.0.0.1:8765/exact/callback"
PAST_EARLIEST_REFRESH = 571
WORKER_SECONDS = 60


class SandboxTime:
    """Our clock reads the sandbox's: advancing the sandbox advances both."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def now(self) -> dt.datetime:
        return self.sandbox.clock.now()

    def today(self) -> dt.date:
        return self.sandbox.clock.today()


@dataclass
class Hourbill:
    """The connection's adapters, wired as the composition root would."""

    sandbox: RunningSandbox
    database: Database
    box: SecretBox
    key: str
    http: httpx.AsyncClient
    clock: SandboxTime
    connector: SqlExactConnector
    states: SqlOAuthStates
    tokens: StoredAccessTokens
    uow: SqlAlchemyUnitOfWorkFactory
    admins: int = 0

    @property
    def config(self) -> ExactConnectionConfig:
        return ExactConnectionConfig(
            "nl",
            str(self.sandbox.client_id),
            self.sandbox.client_secret,
            REDIRECT_URL,
            base_url=self.sandbox.url,
        )

    def new_tokens(self) -> StoredAccessTokens:
        return StoredAccessTokens(self.database, self.box, self.oauth, self.clock)

    def oauth(self, base_url: str) -> ExactOAuthClient:
        return ExactOAuthClient(self.http, base_url)

    def gateway(self, tokens: StoredAccessTokens | None = None) -> ExactOnlineGateway:
        transport = ExactHttp(tokens or self.tokens, base_url=self.sandbox.url, client=self.http)
        return ExactOnlineGateway(transport)

    async def connect(self) -> ExactConnectionStatus:
        """Configure the demo app, start, follow the authorize URL, complete with the code."""
        await ConfigureExactConnection(self.connector).execute(self.config)
        code, state = await self.approve()
        return await self.completion().execute(code, state)

    async def approve(self) -> tuple[str, str]:
        """Start as a new admin key ("admin 1", ...), approve in the sandbox: code and state."""
        self.admins += 1
        create = CreateApiKey(self.uow, self.clock)
        admin = await create.execute(f"admin {self.admins}", Role.ADMIN, "tests")
        start = StartExactConnection(self.connector, self.states, self.clock)
        started = await start.execute(admin.key.id)
        response = await self.http.get(started.authorize_url)
        assert response.status_code == 302, response.text
        location = urlsplit(response.headers["location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URL
        query = parse_qs(location.query)
        [code], [state] = query["code"], query["state"]
        return code, state

    def completion(self) -> CompleteExactConnection:
        keys, audit = ApiKeys(self.uow), AuditLog(self.uow, self.clock)
        return CompleteExactConnection(self.connector, self.states, self.clock, keys, audit)

    @property
    def refreshes(self) -> int:
        return self.sandbox.sandbox.oauth.refreshes

    def advance(self, seconds: float) -> None:
        self.sandbox.sandbox.advance(seconds)

    def slow_token_endpoint(self, seconds: float = 0.3) -> None:
        """Widen the race: every refresh takes this long, so the callers really overlap."""
        self.sandbox.sandbox.faults.add(
            FaultKind.LATENCY, path="oauth2/token", seconds=seconds, times=None
        )


@pytest.fixture
async def hourbill(exact_sandbox: RunningSandbox, database: Database) -> AsyncIterator[Hourbill]:
    key = SecretBox.generate_key()
    box = SecretBox(key)
    clock = SandboxTime(exact_sandbox.sandbox)
    async with httpx.AsyncClient(timeout=30) as http:

        def oauth(base_url: str) -> ExactOAuthClient:
            return ExactOAuthClient(http, base_url)

        tokens = StoredAccessTokens(database, box, oauth, clock)
        connector = SqlExactConnector(
            database, box, oauth, clock, who=current_user_over(http), on_change=tokens.forget
        )
        yield Hourbill(
            exact_sandbox,
            database,
            box,
            key,
            http,
            clock,
            connector,
            SqlOAuthStates(database, clock),
            tokens,
            SqlAlchemyUnitOfWorkFactory(database),
        )


async def test_the_oauth_dance_connects_the_sandbox_user_and_division(hourbill: Hourbill) -> None:
    status = await hourbill.connect()

    assert status.status is ConnectionStatus.CONNECTED
    assert status.user_name == "Sandra Sandbox"
    assert status.user_email
    assert status.current_division == DEMO_DIVISION
    assert status.base_url == hourbill.sandbox.url
    assert status.refresh_count == 0
    assert status.access_expires_at is not None
    lifetime = status.access_expires_at - hourbill.clock.now()
    assert dt.timedelta(seconds=595) < lifetime <= dt.timedelta(seconds=600)
    assert (await hourbill.gateway().current_user()).full_name == "Sandra Sandbox"
    assert hourbill.refreshes == 0


async def test_a_state_works_once(hourbill: Hourbill) -> None:
    await ConfigureExactConnection(hourbill.connector).execute(hourbill.config)
    code, state = await hourbill.approve()
    complete = hourbill.completion()
    await complete.execute(code, state)

    with pytest.raises(HourbillError, match="Unknown, used or expired state"):
        await complete.execute(code, state)


async def test_a_state_started_by_a_key_revoked_before_the_callback_is_refused(
    hourbill: Hourbill,
) -> None:
    await ConfigureExactConnection(hourbill.connector).execute(hourbill.config)
    code, state = await hourbill.approve()
    await RevokeApiKey(hourbill.uow, hourbill.clock).execute("admin 1")

    with pytest.raises(HourbillError, match="which is revoked"):
        await hourbill.completion().execute(code, state)

    assert (await hourbill.connector.status()).status is ConnectionStatus.NOT_CONNECTED
    page = await AuditLog(hourbill.uow, hourbill.clock).page(AuditFilter(), PageRequest(first=5))
    [entry] = page.items
    assert (entry.action, entry.actor_name, entry.outcome, entry.error_codes) == (
        "exact.callback",
        "admin 1",
        AuditOutcome.REJECTED,
        ("FORBIDDEN",),
    )


async def test_twenty_concurrent_calls_at_expiry_cause_one_refresh_and_rotation_is_kept(
    hourbill: Hourbill,
) -> None:
    await hourbill.connect()
    gateway = hourbill.gateway()
    await gateway.journals(DEMO_DIVISION)
    hourbill.slow_token_endpoint()
    hourbill.advance(PAST_EARLIEST_REFRESH)

    results = await asyncio.gather(*(gateway.journals(DEMO_DIVISION) for _ in range(20)))

    assert hourbill.refreshes == 1
    assert all(journals and journals == results[0] for journals in results)
    assert (await hourbill.connector.status()).refresh_count == 1

    hourbill.advance(PAST_EARLIEST_REFRESH)  # the second cycle uses the rotated refresh token
    results = await asyncio.gather(*(gateway.journals(DEMO_DIVISION) for _ in range(20)))

    assert hourbill.refreshes == 2
    assert len(results) == 20
    status = await hourbill.connector.status()
    assert status.status is ConnectionStatus.CONNECTED
    assert status.refresh_count == 2
    assert status.refreshed_at is not None
    calls = hourbill.sandbox.sandbox.api_calls()
    assert len(calls) == 1 + 1 + 20 + 20  # current/Me, the warm-up, two rounds: no 401 retries
    assert all(entry.status == 200 for entry in calls)


async def test_two_processes_at_expiry_cause_one_refresh(
    hourbill: Hourbill, database_url: str, tmp_path: Path
) -> None:
    await hourbill.connect()
    hourbill.slow_token_endpoint()
    hourbill.advance(PAST_EARLIEST_REFRESH)
    offset = (hourbill.clock.now() - dt.datetime.now(dt.UTC)).total_seconds()
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(2)]
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.exact.connection.worker",
            database_url,
            hourbill.sandbox.url,
            hourbill.key,
            str(offset),
            str(ready_file),
            str(go),
            "10",
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for ready_file in ready
    ]
    async with asyncio.timeout(WORKER_SECONDS):
        while not all(path.exists() for path in ready):
            if any(worker.returncode is not None for worker in workers):
                break
            await asyncio.sleep(0.01)
        go.touch()
        outputs = [await worker.communicate() for worker in workers]

    outcomes: list[dict[str, Any]] = []
    for worker, (stdout, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr.decode()
        outcomes.append(json.loads(stdout.decode().strip().splitlines()[-1]))
    assert [outcome["errors"] for outcome in outcomes] == [[], []]
    assert [outcome["ok"] for outcome in outcomes] == [10, 10]
    assert hourbill.refreshes == 1
    assert sorted(outcome["refreshed"] for outcome in outcomes) == [0, 1]

    hourbill.advance(PAST_EARLIEST_REFRESH)  # later, this process refreshes the rotated pair
    assert await hourbill.gateway(hourbill.new_tokens()).journals(DEMO_DIVISION)
    assert hourbill.refreshes == 2
    assert (await hourbill.connector.status()).refresh_count == 2


async def test_a_stale_pair_meets_old_refresh_token_used_and_needs_a_reconnect(
    hourbill: Hourbill,
) -> None:
    await hourbill.connect()
    stale = await stored_row(hourbill.database)
    hourbill.advance(PAST_EARLIEST_REFRESH)
    await hourbill.gateway().journals(DEMO_DIVISION)
    assert hourbill.refreshes == 1
    async with hourbill.database.engine.begin() as connection:  # a backup restored, say
        await connection.execute(
            update(exact_connections).values(
                {
                    name: stale[name]
                    for name in (
                        "access_token",
                        "refresh_token",
                        "access_issued_ms",
                        "access_expires_ms",
                    )
                }
            )
        )
    tokens = hourbill.new_tokens()

    with pytest.raises(ExactAuthError, match=r"Old refresh token used\."):
        await hourbill.gateway(tokens).journals(DEMO_DIVISION)

    status = await hourbill.connector.status()
    assert status.status is ConnectionStatus.RECONNECT_NEEDED
    assert status.reason == "Old refresh token used."
    calls = len(hourbill.sandbox.sandbox.requests)
    with pytest.raises(ExactAuthError, match="reconnect"):
        await hourbill.gateway(tokens).journals(DEMO_DIVISION)
    assert len(hourbill.sandbox.sandbox.requests) == calls  # Exact not asked again

    assert (await hourbill.connect()).status is ConnectionStatus.CONNECTED  # reconnecting heals


async def test_the_database_holds_no_plaintext_token_or_client_secret(hourbill: Hourbill) -> None:
    await hourbill.connect()
    hourbill.advance(PAST_EARLIEST_REFRESH)
    await hourbill.gateway().journals(DEMO_DIVISION)

    row = await stored_row(hourbill.database)
    access = hourbill.box.decrypt(row["access_token"])
    refresh = hourbill.box.decrypt(row["refresh_token"])
    me = await hourbill.http.get(
        f"{hourbill.sandbox.api_url}/current/Me",
        params={"$select": "FullName"},
        headers={"Authorization": f"Bearer {access}", "Accept": "application/json"},
    )
    assert me.status_code == 200  # the decrypted token is the live one
    text = " ".join(str(value) for value in row.values())
    for secret in (access, refresh, hourbill.sandbox.client_secret, access[5:25], refresh[10:30]):
        assert secret not in text
