"""Forward keyset pagination with opaque cursors, the Relay way."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from application.ports import MAX_PAGE_SIZE, Page, PageRequest
from domain.errors import ErrorCode, HourbillError

T = TypeVar("T")

_PARSERS: dict[type, Callable[[str], Any]] = {
    str: str,
    int: int,
    uuid.UUID: uuid.UUID,
    dt.date: dt.date.fromisoformat,
}


def encode_cursor(key: Sequence[object]) -> str:
    text = json.dumps([v.isoformat() if isinstance(v, dt.date) else str(v) for v in key])
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(cursor: str, columns: Sequence[ColumnElement[Any]]) -> list[Any]:
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(parts, list) or len(parts) != len(columns):
            raise ValueError(cursor)
        return [_PARSERS[c.type.python_type](str(p)) for c, p in zip(columns, parts, strict=True)]
    except (ValueError, TypeError, KeyError):
        raise HourbillError.single(
            ErrorCode.INVALID, "`after` is not a cursor of this list", "after"
        ) from None


async def keyset_page(
    session: AsyncSession,
    query: Select[T],
    order: Sequence[ColumnElement[Any]],
    key: Callable[[T], Sequence[object]],
    request: PageRequest,
) -> Page[T]:
    """`first` items of `query` after the cursor, sorted by the unique key `order`."""
    limit = max(0, min(request.first, MAX_PAGE_SIZE))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    window = query.order_by(*order).limit(limit + 1)
    if request.after is not None:
        after = decode_cursor(request.after, order)
        window = window.where(
            tuple_(*order)
            > tuple_(*(literal(v, c.type) for c, v in zip(order, after, strict=True)))
        )
    items = list((await session.scalars(window)).all())
    return Page(
        edges=[(encode_cursor(key(item)), item) for item in items[:limit]],
        has_next_page=len(items) > limit,
        has_previous_page=request.after is not None,
        total_count=total or 0,
    )
