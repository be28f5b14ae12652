"""OData v2 as Exact speaks it: literals, filters, entity keys and query strings.

`$filter` compares one field with one constant; strings are quoted with single
quotes doubled inside, guids are ``guid'…'``, dates always carry a time part.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from urllib.parse import quote

# Characters left as they are in a query value: OData's own punctuation, all of
# them legal in a query component (RFC 3986). `&`, `=`, `+`, `#`, `%` and space
# are percent-encoded, so a space travels as %20, never as a form-style `+`.
_QUERY_SAFE = "$'(),:/*@!"


def string(value: str) -> str:
    """``O'Brien`` to ``'O''Brien'``."""
    return "'" + value.replace("'", "''") + "'"


def guid(value: uuid.UUID) -> str:
    return f"guid'{value}'"


def datetime(value: dt.datetime | dt.date) -> str:
    """Exact's local wall-clock time; a date is its midnight."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if value.tzinfo is not None:
        raise ValueError("Exact dates are local wall-clock times: pass a naive datetime")
    return f"datetime'{value:%Y-%m-%dT%H:%M:%S}'"


def eq(field: str, literal: str) -> str:
    return f"{field} eq {literal}"


def all_of(conditions: Iterable[str]) -> str:
    return " and ".join(conditions)


def any_of(conditions: Iterable[str]) -> str:
    return " or ".join(conditions)


def keyed(entity: str, key: uuid.UUID) -> str:
    """``SalesInvoices(guid'…')``: the path of one entity."""
    return f"{entity}({guid(key)})"


def query_string(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{quote(name, safe='$')}={quote(value, safe=_QUERY_SAFE)}"
        for name, value in params.items()
    )
