"""`hourbill keys create|list|revoke` and the development key of the embedded default."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner, Result

from application.access import AuditFilter
from application.ports import PageRequest
from domain.access import Principal, Role
from domain.audit import AuditEntry, AuditOutcome
from hourbill.container import build_container
from hourbill.runtime import ContainerRuntime
from hourbill.settings import Settings
from infrastructure.secrets import SecretBox
from interfaces.cli import make_cli


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'keys.sqlite3'}")


def invoke(
    settings: Settings, *args: str, runtime: type[ContainerRuntime] = ContainerRuntime
) -> Result:
    cli = make_cli(lambda: runtime(build_container(settings)))
    return CliRunner().invoke(cli, list(args))


def ok(settings: Settings, *args: str) -> Result:
    result = invoke(settings, *args)
    assert result.exit_code == 0, result.output
    return result


async def _who(settings: Settings, token: str) -> Principal | None:
    container = build_container(settings)
    try:
        return await container.hourbill().authenticate.execute(token)
    finally:
        await container.database().dispose()


def who(settings: Settings, token: str) -> Principal | None:
    return asyncio.run(_who(settings, token))


async def _audit(settings: Settings) -> list[AuditEntry]:
    container = build_container(settings)
    try:
        page = await container.hourbill().audit_log.page(AuditFilter(), PageRequest(first=50))
        return page.items
    finally:
        await container.database().dispose()


def test_create_prints_the_key_once_on_stdout_and_it_authenticates(settings: Settings) -> None:
    result = ok(settings, "keys", "create", "--name", "billing front-end", "--role", "biller")

    token = result.stdout.strip()
    assert token.startswith("hb_")
    assert "shown this once" in result.stderr
    principal = who(settings, token)
    assert principal is not None
    assert (principal.name, principal.role) == ("billing front-end", Role.BILLER)


def test_list_shows_keys_but_never_their_secret(settings: Settings) -> None:
    token = ok(settings, "keys", "create", "--name", "reports", "--role", "VIEWER").stdout.strip()

    listing = ok(settings, "keys", "list").stdout

    assert "reports" in listing
    assert "viewer" in listing
    assert token.split("_")[1] in listing, "the public prefix, to recognise the key"
    assert token.split("_", 2)[2] not in listing


def test_revoke_by_name_stops_the_key_and_list_all_still_shows_it(settings: Settings) -> None:
    token = ok(settings, "keys", "create", "--name", "laptop").stdout.strip()

    ok(settings, "keys", "revoke", "laptop")

    assert who(settings, token) is None
    assert "laptop" not in ok(settings, "keys", "list").stdout
    assert "laptop" in ok(settings, "keys", "list", "--all").stdout


def test_a_second_active_key_of_the_same_name_is_refused(settings: Settings) -> None:
    ok(settings, "keys", "create", "--name", "ci")

    again = invoke(settings, "keys", "create", "--name", "ci")

    assert again.exit_code == 1
    assert "already" in again.stderr or "exists" in again.stderr


def test_revoke_by_prefix(settings: Settings) -> None:
    token = ok(settings, "keys", "create", "--name", "old").stdout.strip()

    ok(settings, "keys", "revoke", token.split("_")[1])

    assert who(settings, token) is None


def test_revoking_an_unknown_key_fails_cleanly(settings: Settings) -> None:
    result = invoke(settings, "keys", "revoke", "nobody")

    assert result.exit_code == 1
    assert "does not exist" in result.stderr


def test_an_unknown_role_is_refused(settings: Settings) -> None:
    result = invoke(settings, "keys", "create", "--name", "x", "--role", "owner")

    assert result.exit_code != 0


def test_the_cli_audits_what_it_does_with_keys(settings: Settings) -> None:
    ok(settings, "keys", "create", "--name", "ops", "--role", "admin")
    ok(settings, "keys", "revoke", "ops")

    entries = asyncio.run(_audit(settings))

    assert [(e.action, e.actor_name, e.outcome) for e in entries] == [
        ("cli.keys.revoke", "cli", AuditOutcome.SUCCEEDED),
        ("cli.keys.create", "cli", AuditOutcome.SUCCEEDED),
    ]
    assert all("hb_" not in e.arguments for e in entries)


class ServeNothing(ContainerRuntime):
    """`serve` without listening: what the command prints before uvicorn starts."""

    def serve(self, host: str | None, port: int | None) -> None:
        return None


def test_the_first_start_of_the_embedded_default_prints_an_admin_key(settings: Settings) -> None:
    first = invoke(settings, "serve", runtime=ServeNothing)
    second = invoke(settings, "serve", runtime=ServeNothing)

    assert first.exit_code == 0, first.output
    token = next(word for word in first.stderr.split() if word.startswith("hb_"))
    principal = who(settings, token)
    assert principal is not None
    assert (principal.name, principal.role) == ("development", Role.ADMIN)
    assert "hb_" not in second.stderr, "made once, shown once"


def test_a_configured_exact_app_gets_no_development_key(settings: Settings) -> None:
    configured = settings.model_copy(
        update={
            "exact_client_id": "00000000-0000-0000-0000-000000000001",
            "secret_key": SecretBox.generate_key(),
        }
    )
    ok(configured, "migrate")

    assert ContainerRuntime(build_container(configured)).development_key() is None


class ServeChecksWhatStaysOpen(ContainerRuntime):
    """What `serve` is handed after its set-up steps (demo data, the development key)."""

    seen: ClassVar[list[bool]] = []

    def serve(self, host: str | None, port: int | None) -> None:
        self.seen.append(self.container.exact_client().is_closed)


def test_set_up_before_serving_leaves_the_exact_client_open(settings: Settings) -> None:
    ServeChecksWhatStaysOpen.seen = []

    result = invoke(settings, "serve", "--demo-data", runtime=ServeChecksWhatStaysOpen)

    assert result.exit_code == 0, result.output
    assert ServeChecksWhatStaysOpen.seen == [False], "serve's Exact calls need an open client"
