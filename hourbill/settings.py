"""Runtime configuration, read from HOURBILL_* environment variables (and a .env file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from application.exact_connection import COUNTRY_HOSTS, ExactConnectionConfig

DEFAULT_DATA_DIR = Path("var")
EMBEDDED_SANDBOX_PATH = "/exact-sandbox"
CALLBACK_PATH = "/exact/callback"
WEBHOOKS_PATH = "/exact/webhooks"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOURBILL_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    """`production` refuses to start unless configured safely (`startup_problems`)."""
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_DATA_DIR / 'hourbill.sqlite3'}"
    host: str = "127.0.0.1"
    port: int = 8000
    graphiql: bool | None = None
    """Serve GraphiQL at /graphql. Unset: on in development, off in production."""
    introspection: bool | None = None
    """Answer `__schema` and `__type` queries. Unset: on in development, off in production."""
    max_request_bytes: int = 1024 * 1024
    """The largest body POST /graphql accepts (and the largest websocket message); 413 above."""
    timezone: str = "Europe/Amsterdam"
    log_level: str = "INFO"
    """Hourbill's own log lines (refused keys and webhooks, masked errors with their
    correlation id, the worker) on stderr, at this level and above."""
    database_echo: bool = False
    events_in_process: bool = False
    """Deliver subscription events only within this process, even on PostgreSQL.

    By default, on PostgreSQL, events reach subscribers of every server process
    through LISTEN/NOTIFY (docs/adr/0014); SQLite is always one process.
    """

    secret_key: SecretStr | None = None
    """Fernet key that encrypts the Exact client secret and tokens at rest.

    Unset on the embedded default: a development key is made once in
    `var/secret.key`. Generate one with `hourbill secret-key`.
    """
    secret_key_file: Path = DEFAULT_DATA_DIR / "secret.key"

    exact_country: str = "nl"
    """Which Exact instance: nl, be, de, co.uk, com, es, fr."""
    exact_client_id: str | None = None
    exact_client_secret: SecretStr | None = None
    exact_redirect_url: str | None = None
    """Default: this server's `/exact/callback`."""
    exact_base_url: str | None = None
    """Any Exact-compatible server instead of the country's host.

    With no client ID and no base URL (the default), Hourbill serves the Exact
    Online sandbox inside this server at `/exact-sandbox`, with a demo
    administration and the sandbox's demo app: no credentials needed.
    """
    exact_webhook_secret: SecretStr | None = None
    """The app's webhook secret from Exact's app center; signs every webhook call.

    On the embedded default, the sandbox's demo secret. Unset otherwise: every
    webhook call is refused (polling still brings the numbers).
    """
    exact_webhook_url: str | None = None
    """Where Exact posts events. Default: this server's `/exact/webhooks`.

    Exact wants HTTPS on the redirect URL's domain: set it behind a proxy.
    """
    sync_interval_seconds: float = 300
    """How often open invoices are checked in Exact, when webhooks were missed. 0: never.

    Polling runs where the outbox worker runs: in `hourbill serve` (HOURBILL_WORKER)
    and in `hourbill worker`.
    """
    worker: bool = True
    """Run the outbox worker (pushes queued invoices to Exact) inside `hourbill serve`.

    Off: run `hourbill worker` processes instead; any number may share the database.
    """

    worker_lease_seconds: float = 300
    """How long a worker holds a claimed outbox item before another may take it over.

    Longer than any one push can take (timeouts plus a wait for the rate
    budget): a worker that dies leaves its items to others after this long.
    """
    push_retry_seconds: float = 15
    """First back-off after a transient Exact failure; it doubles per attempt (max 30 min)."""
    idempotency_retention_hours: float = 24
    """How long an idempotency key answers retries; after that the same key creates again."""

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def graphiql_enabled(self) -> bool:
        return not self.production if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return not self.production if self.introspection is None else self.introspection

    @property
    def suggestions_enabled(self) -> bool:
        """Field suggestions ("Did you mean …?") in GraphQL errors: development only."""
        return not self.production

    def startup_problems(self) -> list[str]:
        """Why production must not start like this (all at once); none in development."""
        if not self.production:
            return []
        checks = [
            (
                self.secret_key is None,
                "HOURBILL_SECRET_KEY is not set (`hourbill secret-key` makes one)",
            ),
            (self.graphiql is True, "HOURBILL_GRAPHIQL is true; production serves no GraphiQL"),
            (
                self.introspection is True,
                "HOURBILL_INTROSPECTION is true; production answers no introspection",
            ),
            (
                self.exact_sandbox_embedded,
                "no Exact Online app is configured (HOURBILL_EXACT_CLIENT_ID and "
                "HOURBILL_EXACT_CLIENT_SECRET, or HOURBILL_EXACT_BASE_URL); "
                "the embedded sandbox is for development",
            ),
        ]
        return [problem for failed, problem in checks if failed]

    @property
    def event_delivery(self) -> str:
        """`postgres` (every process, LISTEN/NOTIFY) or `in_process`."""
        across = make_url(self.database_url).get_backend_name() == "postgresql"
        return "postgres" if across and not self.events_in_process else "in_process"

    @property
    def exact_sandbox_embedded(self) -> bool:
        return self.exact_base_url is None and self.exact_client_id is None

    def exact_url(self) -> str:
        """Where the adapter finds Exact: configured, the country's host, or the sandbox."""
        if self.exact_base_url is not None:
            return self.exact_base_url
        if self.exact_client_id is not None:
            return COUNTRY_HOSTS.get(self.exact_country, COUNTRY_HOSTS["nl"])
        return f"{self.public_url}{EMBEDDED_SANDBOX_PATH}"

    @property
    def public_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def exact_defaults(self, sandbox_client: tuple[str, str]) -> ExactConnectionConfig | None:
        """The Exact app from the environment; on the embedded default, the sandbox's demo app."""
        redirect = self.exact_redirect_url or f"{self.public_url}{CALLBACK_PATH}"
        if self.exact_sandbox_embedded:
            client_id, secret = sandbox_client
            return ExactConnectionConfig("nl", client_id, secret, redirect, self.exact_url())
        if self.exact_client_id is None or self.exact_client_secret is None:
            return None
        return ExactConnectionConfig(
            self.exact_country,
            self.exact_client_id,
            self.exact_client_secret.get_secret_value(),
            redirect,
            self.exact_base_url,
        )

    def webhook_secret(self, sandbox_secret: str) -> str | None:
        """Exact's webhook secret; on the embedded default, the sandbox's demo app's."""
        if self.exact_webhook_secret is not None:
            return self.exact_webhook_secret.get_secret_value()
        return sandbox_secret if self.exact_sandbox_embedded else None

    def webhook_url(self) -> str:
        return self.exact_webhook_url or f"{self.public_url}{WEBHOOKS_PATH}"
