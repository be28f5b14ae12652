"""Fixtures of the sandbox's HTTP tests: an authorised client on the demo app."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from infrastructure.exact.sandbox.server import RunningSandbox
from tests.exact.sandbox.support import authorised


@pytest.fixture
def api(exact_sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    """A client on ``/api/v1/`` with a fresh token of the demo app (reset sandbox)."""
    with authorised(exact_sandbox) as client:
        yield client
