"""The real server: uvicorn on a loopback port, in a thread, on a migrated SQLite file."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from hourbill.container import Container, build_container
from hourbill.runtime import ContainerRuntime
from hourbill.settings import Settings
from infrastructure.secrets import SecretBox
from tests.support.db import in_thread, sqlite_url_for

STARTUP_SECONDS = 15


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    ws_url: str
    container: Container


def loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def wait_until_healthy(base_url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


@contextmanager
def running_server(database: Path) -> Iterator[RunningServer]:
    """Migrate, then serve the app the `hourbill serve` command builds, until the block ends."""
    sock = loopback_socket()
    port = sock.getsockname()[1]
    settings = Settings(
        database_url=sqlite_url_for(database),
        graphiql=False,
        port=port,
        secret_key=SecretBox.generate_key(),
    )
    runtime = ContainerRuntime(build_container(settings))
    in_thread(runtime.migrate)
    config = uvicorn.Config(
        runtime.asgi_app(), log_level="warning", ws="websockets-sansio", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}")
        yield RunningServer(
            base_url=f"http://127.0.0.1:{port}",
            ws_url=f"ws://127.0.0.1:{port}/graphql",
            container=runtime.container,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        sock.close()
