"""HOURBILL_ENVIRONMENT: development by default; production starts only when configured safely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner, Result

from hourbill.container import build_container
from hourbill.runtime import ContainerRuntime
from hourbill.settings import Settings
from infrastructure.secrets import SecretBox
from interfaces.cli import make_cli

KEY = SecretBox.generate_key()
EXACT_APP = {"exact_client_id": "my-app", "exact_client_secret": "app-secret"}


def settings(tmp_path: Path, **values: Any) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'production.sqlite3'}"
    return Settings(database_url=url, secret_key_file=tmp_path / "secret.key", **values)


def invoke(configured: Settings, *args: str) -> Result:
    cli = make_cli(lambda: ContainerRuntime(build_container(configured)))
    return CliRunner().invoke(cli, list(args))


def test_development_is_the_default_and_shows_everything(tmp_path: Path) -> None:
    development = settings(tmp_path)

    assert development.environment == "development"
    assert development.graphiql_enabled
    assert development.introspection_enabled
    assert development.suggestions_enabled
    assert development.startup_problems() == []


def test_production_turns_graphiql_introspection_and_suggestions_off(tmp_path: Path) -> None:
    production = settings(tmp_path, environment="production", secret_key=KEY, **EXACT_APP)

    assert not production.graphiql_enabled
    assert not production.introspection_enabled
    assert not production.suggestions_enabled
    assert production.startup_problems() == []


def test_development_can_switch_graphiql_and_introspection_off(tmp_path: Path) -> None:
    development = settings(tmp_path, graphiql=False, introspection=False)

    assert not development.graphiql_enabled
    assert not development.introspection_enabled


def test_production_lists_every_problem_at_once(tmp_path: Path) -> None:
    production = settings(tmp_path, environment="production", graphiql=True, introspection=True)

    problems = production.startup_problems()

    assert len(problems) == 4
    for named in ("HOURBILL_SECRET_KEY", "HOURBILL_GRAPHIQL", "HOURBILL_INTROSPECTION"):
        assert any(named in problem for problem in problems), named
    assert any("embedded sandbox is for development" in problem for problem in problems)


@pytest.mark.parametrize(
    "exact",
    [EXACT_APP, {"exact_base_url": "https://exact.example.test"}],
    ids=["app", "base url"],
)
def test_an_exact_app_or_server_satisfies_production(tmp_path: Path, exact: dict[str, str]) -> None:
    production = settings(tmp_path, environment="production", secret_key=KEY, **exact)

    assert production.startup_problems() == []


def test_switching_graphiql_off_explicitly_is_fine_in_production(tmp_path: Path) -> None:
    production = settings(
        tmp_path,
        environment="production",
        secret_key=KEY,
        graphiql=False,
        introspection=False,
        **EXACT_APP,
    )

    assert production.startup_problems() == []


def test_the_environment_comes_from_hourbill_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOURBILL_ENVIRONMENT", "production")
    assert settings(tmp_path).environment == "production"

    monkeypatch.setenv("HOURBILL_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="development"):
        settings(tmp_path)


@pytest.mark.parametrize("command", [["serve"], ["worker", "--once"]])
def test_serve_and_worker_refuse_an_unsafe_production(tmp_path: Path, command: list[str]) -> None:
    unsafe = settings(tmp_path, environment="production", graphiql=True)

    result = invoke(unsafe, *command)

    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "will not start in production" in output
    assert "HOURBILL_SECRET_KEY is not set" in output
    assert "HOURBILL_GRAPHIQL is true" in output
    assert "embedded sandbox is for development" in output
    assert not (tmp_path / "production.sqlite3").exists()  # nothing was migrated or opened


def test_a_safely_configured_production_worker_runs(tmp_path: Path) -> None:
    production = settings(tmp_path, environment="production", secret_key=KEY, **EXACT_APP)
    assert invoke(production, "migrate").exit_code == 0

    result = invoke(production, "worker", "--once")

    assert result.exit_code == 0, result.output
    assert "Handled 0 outbox item(s)" in result.output
