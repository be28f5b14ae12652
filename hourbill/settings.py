"""Runtime configuration, read from HOURBILL_* environment variables (and a .env file)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")
EMBEDDED_SANDBOX_PATH = "/exact-sandbox"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOURBILL_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_DATA_DIR / 'hourbill.sqlite3'}"
    host: str = "127.0.0.1"
    port: int = 8000
    graphiql: bool = True
    timezone: str = "Europe/Amsterdam"
    database_echo: bool = False
    exact_base_url: str | None = None
    """Exact Online (e.g. https://start.exactonline.nl) or any Exact-compatible server.

    None (the default) serves the Exact Online sandbox inside this server at
    `/exact-sandbox`, seeded with a demo administration: no credentials needed.
    """

    @property
    def exact_sandbox_embedded(self) -> bool:
        return self.exact_base_url is None

    def exact_url(self, host: str | None = None, port: int | None = None) -> str:
        """Where the adapter finds Exact: the configured URL or the embedded sandbox."""
        if self.exact_base_url is not None:
            return self.exact_base_url
        return f"http://{host or self.host}:{port or self.port}{EMBEDDED_SANDBOX_PATH}"
