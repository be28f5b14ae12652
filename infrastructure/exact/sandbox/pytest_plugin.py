"""pytest fixtures for a local Exact Online, for this project and any other.

Enable with ``pytest_plugins = ["infrastructure.exact.sandbox.pytest_plugin"]``
in a conftest.py. One sandbox server runs per test session; `exact_sandbox`
resets it (demo administration, no faults, fresh counters) before each test.

    def test_invoices_arrive(exact_sandbox):
        token = exact_sandbox.access_token()
        ...  # point your Exact client at exact_sandbox.url
        assert exact_sandbox.sandbox.invoices(123456)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infrastructure.exact.sandbox.sandbox import Sandbox, SandboxConfig
from infrastructure.exact.sandbox.server import RunningSandbox, running_sandbox


@pytest.fixture(scope="session")
def exact_sandbox_server() -> Iterator[RunningSandbox]:
    """The session's sandbox server; prefer `exact_sandbox`, which resets it."""
    with running_sandbox(Sandbox(SandboxConfig(webhook_validation_delay=0.0))) as running:
        yield running


@pytest.fixture
def exact_sandbox(exact_sandbox_server: RunningSandbox) -> RunningSandbox:
    """A freshly reset sandbox with the demo administration and the demo app."""
    exact_sandbox_server.sandbox.reset(demo=True)
    return exact_sandbox_server
