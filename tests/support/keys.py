"""API keys for tests: every request to the API needs one (issue 7)."""

from __future__ import annotations

from application.service import Hourbill
from domain.access import Role
from hourbill.container import build_container
from hourbill.settings import Settings
from tests.support.db import run


async def make_key(hourbill: Hourbill, role: Role = Role.ADMIN, name: str | None = None) -> str:
    name = name or f"tests {role.value.lower()}"
    made = await hourbill.create_api_key.execute(name, role, "tests")
    return made.token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_key_in(database_url: str, role: Role = Role.ADMIN, name: str | None = None) -> str:
    """A key in a migrated database, made by a container of its own (in a thread)."""

    async def make() -> str:
        container = build_container(Settings(database_url=database_url))
        try:
            return await make_key(container.hourbill(), role, name)
        finally:
            await container.database().dispose()

    return run(make())
