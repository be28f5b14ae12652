"""OData literals and query strings as Exact expects them."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from infrastructure.exact import odata


@pytest.mark.parametrize(
    ("value", "literal"),
    [("Acme", "'Acme'"), ("O'Brien", "'O''Brien'"), ("''", "''''''"), ("", "''")],
)
def test_strings_double_their_single_quotes(value: str, literal: str) -> None:
    assert odata.string(value) == literal


def test_guids_and_keys() -> None:
    key = uuid.UUID("C00EE12C-0000-4000-8000-00000000ABCD")
    assert odata.guid(key) == "guid'c00ee12c-0000-4000-8000-00000000abcd'"
    assert odata.keyed("SalesInvoices", key) == (
        "SalesInvoices(guid'c00ee12c-0000-4000-8000-00000000abcd')"
    )


def test_dates_always_carry_a_time() -> None:
    assert odata.datetime(dt.date(2026, 1, 1)) == "datetime'2026-01-01T00:00:00'"
    assert odata.datetime(dt.datetime.combine(dt.date(2026, 6, 25), dt.time(16, 30, 59, 999))) == (
        "datetime'2026-06-25T16:30:59'"
    )


def test_aware_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="wall-clock"):
        odata.datetime(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


def test_conditions_combine() -> None:
    assert odata.all_of(["A eq 1", "B eq 2"]) == "A eq 1 and B eq 2"
    assert odata.any_of(["A eq 1", "A eq 2"]) == "A eq 1 or A eq 2"


def test_query_strings_percent_encode_spaces_and_separators_but_keep_odata_punctuation() -> None:
    query = odata.query_string(
        {"$filter": "Name eq 'A&B=C+D #1 50%'", "$select": "ID,Code", "$expand": "Lines"}
    )

    assert query == (
        "$filter=Name%20eq%20'A%26B%3DC%2BD%20%231%2050%25'&$select=ID,Code&$expand=Lines"
    )
