"""Runtime configuration, read from HOURBILL_* environment variables (and a .env file)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOURBILL_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_DATA_DIR / 'hourbill.sqlite3'}"
    host: str = "127.0.0.1"
    port: int = 8000
    graphiql: bool = True
    timezone: str = "Europe/Amsterdam"
    database_echo: bool = False
