"""Running the sandbox: on a loopback port in a background thread, or in the foreground.

`running_sandbox()` is what the pytest fixtures and benchmarks use; any test
suite can use it (or the fixtures in `infrastructure.exact.sandbox.pytest_plugin`)
to point its own Exact client at a local Exact Online.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn

from infrastructure.exact.sandbox.app import create_sandbox_app
from infrastructure.exact.sandbox.oauth import ClientApp
from infrastructure.exact.sandbox.sandbox import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_WEBHOOK_SECRET,
    Sandbox,
)

STARTUP_SECONDS = 15


@dataclass(frozen=True)
class RunningSandbox:
    """A sandbox answering at `url` (``http://127.0.0.1:<port>``)."""

    url: str
    sandbox: Sandbox
    client_id: uuid.UUID = DEMO_CLIENT_ID
    client_secret: str = DEMO_CLIENT_SECRET
    webhook_secret: str = DEMO_WEBHOOK_SECRET

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v1"

    def access_token(self) -> str:
        """A fresh access token for the demo app, without the browser dance."""
        return self.sandbox.mint_tokens(self.client_id)["access_token"]

    def register_client(self, app: ClientApp) -> ClientApp:
        return self.sandbox.register_client(app)


def _loopback_socket(port: int = 0, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            httpx.get(f"{url}/control/clock", timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@contextmanager
def running_sandbox(
    sandbox: Sandbox | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve `sandbox` (a demo one by default) with uvicorn until the block ends."""
    sandbox = sandbox or Sandbox()
    sock = _loopback_socket(port, host)
    url = f"http://{host}:{sock.getsockname()[1]}"
    sandbox.administration.base_url = url
    config = uvicorn.Config(
        create_sandbox_app(sandbox), log_level="critical", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_until_up(url)
        yield RunningSandbox(url, sandbox)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        sock.close()


def serve_sandbox(sandbox: Sandbox, *, host: str, port: int) -> None:
    """Serve in the foreground until interrupted (the `hourbill exact-sandbox` command)."""
    sandbox.administration.base_url = f"http://{host}:{port}"
    uvicorn.run(create_sandbox_app(sandbox), host=host, port=port, log_level="info")
