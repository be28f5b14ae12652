"""Double billing, as the database reports it, becomes HourbillError(CONFLICT)."""

from __future__ import annotations

import re

from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import IntegrityError

from domain.errors import ErrorCode, HourbillError

BILLED_TWICE = re.compile(
    r"(pk|uq)_order_line_(bookings|supplies)"
    r"|UNIQUE constraint failed: order_line_(bookings|supplies)\."
)


def billed_twice() -> HourbillError:
    return HourbillError.single(
        ErrorCode.CONFLICT,
        "bookings or supplies were billed concurrently; preview again",
        "periodStart",
    )


def is_billed_twice(error: BaseException) -> bool:
    """The unique keys of the provenance tables are what bill every source only once."""
    return BILLED_TWICE.search(str(error)) is not None


def _as_conflict(context: ExceptionContext) -> BaseException | None:
    if isinstance(context.sqlalchemy_exception, IntegrityError) and is_billed_twice(
        context.original_exception
    ):
        return billed_twice()
    return None


def report_billed_twice_as_conflict(engine: Engine) -> None:
    """On every statement of the engine: at flush, at a bulk insert and at commit."""
    if not event.contains(engine, "handle_error", _as_conflict):
        event.listen(engine, "handle_error", _as_conflict, retval=True)
