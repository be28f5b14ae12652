"""What the fuzzer sends for Hourbill's scalars: mostly sensible, often hostile.

Schemathesis knows GraphQL's own scalars; `Decimal`, `Date`, `DateTime` and
`JSON` are ours, and `ID` would otherwise be random text that never names a
row. Each strategy mixes values a client would send with the ones a careless or
hostile client sends: malformed and impossible dates, huge and exotic numbers,
odd strings, ids of the wrong type or of nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

ID_TYPES = [
    "Customer",
    "Employee",
    "Project",
    "Task",
    "RateRule",
    "Booking",
    "Supply",
    "Order",
    "OrderLine",
    "Invoice",
    "InvoiceRun",
    "ApiKey",
    "LineMapping",
    "Nope",
]
ODD_TEXT = [
    "",
    " ",
    "abc",
    "\u0000",
    "🦆",
    "٣",
    "1e3",
    "NaN",
    "-Infinity",
    "null",
    "'; DROP TABLE customers; --",
    "x" * 300,
]
MALFORMED_DATES = [
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "26-3-1",
    "01-03-2026",
    "2026/03/01",
    "2026-03-01T10:00:00",
    "0000-01-01",
    "+12026-01-01",
    "٢٠٢٦-٠٣-٠١",
]
HUGE_DECIMALS = [
    "99999999999999999999",
    "99999999999999999999.9999999999999999999999999999",
    "-99999999999999999999",
    "0.0000000000000000000000000001",
    "1" + "0" * 40,
    "1e999",
    "-0",
    " 7.5 ",
    "7,50",
]


def global_ids() -> st.SearchStrategy[str]:
    """Well-formed global ids of any type, naming nothing."""
    return st.builds(
        lambda kind, ident: base64.b64encode(f"{kind}:{ident}".encode()).decode("ascii"),
        st.sampled_from(ID_TYPES),
        st.uuids(),
    )


def ids(known: Sequence[str]) -> st.SearchStrategy[object]:
    return st.one_of(
        st.sampled_from(known).map(nodes.String),
        global_ids().map(nodes.String),
        st.sampled_from(ODD_TEXT).map(nodes.String),
        st.text(max_size=40).map(nodes.String),
        st.integers(min_value=-(2**31), max_value=2**31 - 1).map(nodes.Int),
    )


def dates() -> st.SearchStrategy[object]:
    return st.one_of(
        st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)).map(str).map(nodes.String),
        st.dates().map(str).map(nodes.String),
        st.sampled_from(MALFORMED_DATES + ODD_TEXT).map(nodes.String),
    )


def date_times() -> st.SearchStrategy[object]:
    aware = st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=14))]))
    return st.one_of(
        aware.map(dt.datetime.isoformat).map(nodes.String),
        st.datetimes().map(dt.datetime.isoformat).map(nodes.String),
        st.sampled_from(MALFORMED_DATES + ODD_TEXT).map(nodes.String),
    )


def decimals() -> st.SearchStrategy[object]:
    sensible = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False)
    return st.one_of(
        sensible.map(str).map(nodes.String),
        st.decimals(allow_nan=False, allow_infinity=False).map(str).map(nodes.String),
        st.sampled_from(HUGE_DECIMALS + ODD_TEXT).map(nodes.String),
        st.integers(min_value=-(2**31), max_value=2**31 - 1).map(nodes.Int),
    )


def register(known_ids: Sequence[str]) -> None:
    """Tell schemathesis (process-wide) how to generate our scalars; `known_ids` exist."""
    schemathesis.graphql.scalar("ID", ids(known_ids))
    schemathesis.graphql.scalar("Date", dates())
    schemathesis.graphql.scalar("DateTime", date_times())
    schemathesis.graphql.scalar("Decimal", decimals())
    schemathesis.graphql.scalar("JSON", st.sampled_from(ODD_TEXT).map(nodes.String))
