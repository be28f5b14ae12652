"""The real server: uvicorn on a loopback port, on a migrated database.

`running_server` runs it in a thread of the test process, with a container of
its own (its own event loop, database pool and event listener), so a test can
look inside; `spawned_servers` runs `hourbill serve` in separate OS processes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from hourbill.container import Container, build_container
from hourbill.runtime import ContainerRuntime
from hourbill.settings import Settings
from infrastructure.secrets import SecretBox
from tests.support.db import in_thread
from tests.support.keys import bearer, make_key_in

STARTUP_SECONDS = 15


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    ws_url: str
    container: Container
    admin_key: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.admin_key)


def loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def wait_until_healthy(
    base_url: str,
    seconds: float = STARTUP_SECONDS,
    alive: Callable[[], bool] = lambda: True,
) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            if time.monotonic() > deadline or not alive():
                raise
        time.sleep(0.05)


@contextmanager
def running_server(
    database_url: str, *, migrate: bool = True, overrides: dict[str, Any] | None = None
) -> Iterator[RunningServer]:
    """Migrate, then serve the app the `hourbill serve` command builds, until the block ends.

    `overrides` replace the defaults (as the HOURBILL_* variables would).
    """
    sock = loopback_socket()
    port = sock.getsockname()[1]
    settings = Settings(
        **{
            "database_url": database_url,
            "graphiql": False,
            "port": port,
            "secret_key": SecretBox.generate_key(),
            **(overrides or {}),
        }
    )
    runtime = ContainerRuntime(build_container(settings))
    if migrate:
        in_thread(runtime.migrate)
    admin_key = make_key_in(database_url, name=f"e2e admin {port}")
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
            admin_key=admin_key,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        sock.close()


@dataclass(frozen=True)
class SpawnedServer:
    base_url: str
    ws_url: str
    pid: int
    admin_key: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.admin_key)


def free_port() -> int:
    with closing(loopback_socket()) as sock:
        return int(sock.getsockname()[1])


SPAWN_SECONDS = 90
"""A fresh interpreter imports everything first: slow on a busy machine."""


@contextmanager
def spawned_servers(
    database_url: str, workdir: Path, count: int, environment: dict[str, str] | None = None
) -> Iterator[list[SpawnedServer]]:
    """`hourbill serve` in processes of their own, started together, on a migrated database.

    `environment` adds HOURBILL_* variables (e.g. the Exact app and a shared secret key).
    """
    key = make_key_in(database_url, name=f"e2e spawned {free_port()}")
    with ExitStack() as stack:
        processes = [
            stack.enter_context(_spawned(database_url, workdir, key, environment))
            for _ in range(count)
        ]
        for server, process in processes:
            wait_until_healthy(server.base_url, SPAWN_SECONDS, lambda p=process: p.poll() is None)
        yield [server for server, _ in processes]


@contextmanager
def _spawned(
    database_url: str, workdir: Path, key: str, extra: dict[str, str] | None = None
) -> Iterator[tuple[SpawnedServer, subprocess.Popen[bytes]]]:
    port = free_port()
    environment = {
        **os.environ,
        "HOURBILL_DATABASE_URL": database_url,
        "HOURBILL_GRAPHIQL": "false",
        "HOURBILL_SECRET_KEY": SecretBox.generate_key(),
        **(extra or {}),
    }
    command = [sys.executable, "-m", "hourbill.main", "serve", "--port", str(port), "--no-migrate"]
    with (workdir / f"server-{port}.log").open("wb") as log:
        process = subprocess.Popen(
            command, cwd=workdir, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            ws_url = f"ws://127.0.0.1:{port}/graphql"
            yield SpawnedServer(base_url, ws_url, process.pid, key), process
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STARTUP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
