"""One "process" of the two-process refresh test: load the stored connection, fire calls.

    python -m tests.exact.connection.worker DATABASE_URL SANDBOX_URL KEY OFFSET_SECONDS \
        READY_FILE GO_FILE CALLS

Touches READY_FILE once everything is imported and built, waits for GO_FILE,
then makes CALLS concurrent gateway calls and prints one JSON line: how many
succeeded, the errors, whether this process refreshed at Exact, and whether
it adopted a pair the other process stored while it waited for the lock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import sys
import time
from pathlib import Path

import httpx

from infrastructure.exact.connection import StoredAccessTokens
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from infrastructure.exact.oauth_client import ExactOAuthClient
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.persistence.database import Database
from infrastructure.secrets import SecretBox


class OffsetClock:
    """The sandbox's clock, seen from another process: real time plus a fixed offset."""

    def __init__(self, offset_seconds: float) -> None:
        self.offset = dt.timedelta(seconds=offset_seconds)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def today(self) -> dt.date:
        return self.now().date()


class Adoptions(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "adopted" in record.getMessage():
            self.count += 1


def _barrier(ready: Path, go: Path) -> None:
    """Say we are ready, then wait for the word: both processes start together."""
    ready.touch()
    while not go.exists():
        time.sleep(0.001)


async def main(
    database_url: str,
    sandbox_url: str,
    key: str,
    offset_seconds: float,
    ready: Path,
    go: Path,
    calls: int,
) -> dict[str, object]:
    adoptions = Adoptions()
    logger = logging.getLogger("infrastructure.exact.connection")
    logger.addHandler(adoptions)
    logger.setLevel(logging.INFO)
    database = Database(database_url)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            tokens = StoredAccessTokens(
                database,
                SecretBox(key),
                lambda base_url: ExactOAuthClient(http, base_url),
                OffsetClock(offset_seconds),
            )
            gateway = ExactOnlineGateway(ExactHttp(tokens, base_url=sandbox_url, client=http))
            async with database.engine.connect():
                pass  # the pool is warm: the race starts at the first token
            await asyncio.to_thread(_barrier, ready, go)
            results = await asyncio.gather(
                *(gateway.journals(DEMO_DIVISION) for _ in range(calls)), return_exceptions=True
            )
    finally:
        await database.dispose()
    errors = [repr(result) for result in results if isinstance(result, BaseException)]
    return {
        "ok": sum(1 for result in results if isinstance(result, list) and result),
        "errors": errors,
        "refreshed": tokens.refreshes,
        "adopted": adoptions.count,
    }


if __name__ == "__main__":
    url, sandbox, secret_key, offset, ready_file, go_file, count = sys.argv[1:8]
    outcome = asyncio.run(
        main(url, sandbox, secret_key, float(offset), Path(ready_file), Path(go_file), int(count))
    )
    print(json.dumps(outcome))
