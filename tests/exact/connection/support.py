"""Shared pieces of the connection tests: a clock to turn, token bodies, a stored pair."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from sqlalchemy import delete, insert, select

from application.exact import ExactUser
from application.exact_connection import ExactConnectionConfig
from infrastructure.persistence.database import Database
from infrastructure.persistence.tables import exact_connections
from infrastructure.secrets import SecretBox

BASE = "https://start.exactonline.nl"
TOKEN_URL = f"{BASE}/api/oauth2/token"
CLIENT_ID = "0b0c5d3e-1111-4222-8333-944455556666"
CLIENT_SECRET = "client-secret-do-not-leak"
REDIRECT_URL = "https://hourbill.example/exact/callback"
CONFIG = ExactConnectionConfig("nl", CLIENT_ID, CLIENT_SECRET, REDIRECT_URL)
START = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
USER = ExactUser(
    user_id=uuid.UUID("7e57a000-0000-4000-8000-000000000001"),
    full_name="Anna de Vries",
    email="anna@example.nl",
    current_division=123456,
    language="NL",
)


class ManualClock:
    """A clock that moves only when told."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.moment = start

    def now(self) -> dt.datetime:
        return self.moment

    def today(self) -> dt.date:
        return self.moment.date()

    def advance(self, seconds: float) -> None:
        self.moment += dt.timedelta(seconds=seconds)


class FakeWho:
    """`WhoAmI` that records the tokens it was given."""

    def __init__(self, user: ExactUser = USER, error: Exception | None = None) -> None:
        self.user = user
        self.error = error
        self.calls: list[tuple[str, str]] = []

    async def __call__(self, access_token: str, base_url: str) -> ExactUser:
        self.calls.append((access_token, base_url))
        if self.error is not None:
            raise self.error
        return self.user


def token_body(
    access: str = "access-2",
    refresh: str = "refresh-2",
    *,
    expires_in: Any = "600",
    token_type: str = "bearer",
) -> dict[str, Any]:
    return {
        "access_token": access,
        "token_type": token_type,
        "expires_in": expires_in,
        "refresh_token": refresh,
    }


def token_response(access: str = "access-2", refresh: str = "refresh-2") -> httpx.Response:
    return httpx.Response(200, json=token_body(access, refresh))


def oauth_error(status: int, error: str, description: str) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "error_description": description})


async def store_pair(
    database: Database,
    box: SecretBox,
    clock: ManualClock,
    access: str = "access-1",
    refresh: str = "refresh-1",
    *,
    expires_in: int = 600,
    config: ExactConnectionConfig = CONFIG,
) -> None:
    """A CONNECTED row whose pair was issued at the clock's now (as `complete` leaves it)."""
    now = round(clock.now().timestamp() * 1000)
    async with database.engine.begin() as connection:
        await connection.execute(delete(exact_connections))
        await connection.execute(
            insert(exact_connections).values(
                id=1,
                status="CONNECTED",
                country=config.country,
                base_url=config.base_url,
                client_id=config.client_id,
                client_secret=box.encrypt(config.client_secret),
                redirect_url=config.redirect_url,
                access_token=box.encrypt(access),
                refresh_token=box.encrypt(refresh),
                access_issued_ms=now,
                access_expires_ms=now + expires_in * 1000,
                updated_ms=now,
            )
        )


async def stored_row(database: Database) -> dict[str, Any]:
    async with database.engine.connect() as connection:
        row = (await connection.execute(select(exact_connections))).one()
    return dict(row._mapping)


async def stored_pair(database: Database, box: SecretBox) -> tuple[str, str]:
    row = await stored_row(database)
    return box.decrypt(row["access_token"]), box.decrypt(row["refresh_token"])
