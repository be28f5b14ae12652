"""Correlation ids: one per HTTP request or websocket operation, in answers and in the log.

The HTTP middleware (interfaces/http/correlation.py) sets the id of a request;
the GraphQL schema sets one per websocket operation. A masked error names the
id, and the log line with the exception's traceback carries the same one, so
support can find what went wrong from what the client saw.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Request-Id"
UNEXPECTED = "Unexpected error."
"""What a client sees of an unexpected failure."""
INTERNAL = "INTERNAL"
"""Its code."""

_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)
logger = logging.getLogger("hourbill.errors")


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def correlation_id_from(client_value: str | None) -> str:
    """The client's id when it is sane (`[A-Za-z0-9._-]{1,64}`), else a new one."""
    if client_value is not None and _SANE.fullmatch(client_value):
        return client_value
    return new_correlation_id()


def current_correlation_id() -> str | None:
    return _current.get()


@contextmanager
def correlated(correlation_id: str) -> Iterator[str]:
    """Run the block with `correlation_id` as the current id."""
    token = _current.set(correlation_id)
    try:
        yield correlation_id
    finally:
        _current.reset(token)


def log_unexpected(error: BaseException, where: str) -> None:
    """Log an unexpected failure with its traceback and the current correlation id."""
    logger.error(
        "Unexpected error in %s [correlation id %s]: %s",
        where,
        current_correlation_id() or "-",
        error,
        exc_info=error,
    )
