"""The sandbox's OData v2 engine: $filter, $select, $orderby, $top, $skip, $inlinecount, paging."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infrastructure.exact.sandbox.odata import (
    Edm,
    ODataError,
    ODataQuery,
    QueryResult,
    format_literal,
    next_link,
    parse_filter,
    parse_orderby,
    parse_select,
    project,
    sort_rows,
)

INVOICE = "Exact.Web.Api.Models.SalesInvoice"
ACCOUNT = "Exact.Web.Api.Models.Account"
BASE = "https://sandbox.test/api/v1/1/salesinvoice/SalesInvoices"

INVOICE_FIELDS: Mapping[str, Edm] = {
    "InvoiceID": Edm.GUID,
    "InvoiceNumber": Edm.INT32,
    "Description": Edm.STRING,
    "Currency": Edm.STRING,
    "AmountDC": Edm.DOUBLE,
    "InvoiceDate": Edm.DATETIME,
    "Status": Edm.INT16,
    "Timestamp": Edm.INT64,
    "IsPaid": Edm.BOOLEAN,
    "Journal": Edm.BYTE,
}
ACCOUNT_FIELDS: Mapping[str, Edm] = {"ID": Edm.GUID, "Code": Edm.STRING, "Name": Edm.STRING}


def guid(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


def invoice(n: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "InvoiceID": guid(n),
        "InvoiceNumber": n,
        "Description": f"Invoice {n}",
        "Currency": "EUR",
        "AmountDC": Decimal(n * 10) + Decimal("0.5"),
        "InvoiceDate": dt.datetime(2026, 1, n),  # noqa: DTZ001 - local wall-clock time
        "Status": 20,
        "Timestamp": 1000 + n,
        "IsPaid": n % 2 == 0,
        "Journal": 70,
    }
    row.update(values)
    return row


INVOICES = [
    invoice(1, Description="Consultancy", Currency="USD"),
    invoice(2, Description="consultancy January", AmountDC=None),
    invoice(3, Description="It's done", Status=50),
    invoice(4, Description=None, IsPaid=None),
    invoice(5, Description="Hosting"),
]

ACCOUNTS = [
    {"ID": guid(101), "Code": "25".rjust(18), "Name": "Acme"},
    {"ID": guid(102), "Code": "250".rjust(18), "Name": "Beta"},
    {"ID": guid(103), "Code": "1068".rjust(18), "Name": "Gamma"},
]


def numbers(text: str) -> list[int]:
    """InvoiceNumbers of INVOICES matching a $filter."""
    test = parse_filter(text, INVOICE_FIELDS, INVOICE)
    return [row["InvoiceNumber"] for row in INVOICES if test(row)]


def error(text: str, fields: Mapping[str, Edm] = INVOICE_FIELDS, entity: str = INVOICE) -> str:
    with pytest.raises(ODataError) as caught:
        parse_filter(text, fields, entity)
    assert str(caught.value) == caught.value.message
    return caught.value.message


# --- $filter: comparisons -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("InvoiceNumber eq 3", [3]),
        ("InvoiceNumber ne 3", [1, 2, 4, 5]),
        ("InvoiceNumber gt 3", [4, 5]),
        ("InvoiceNumber ge 3", [3, 4, 5]),
        ("InvoiceNumber lt 3", [1, 2]),
        ("InvoiceNumber le 3", [1, 2, 3]),
        ("3 lt InvoiceNumber", [4, 5]),
        ("3 ge InvoiceNumber", [1, 2, 3]),
        ("InvoiceNumber gt -1", [1, 2, 3, 4, 5]),
    ],
)
def test_every_comparison_operator(text: str, expected: list[int]) -> None:
    assert numbers(text) == expected


def test_string_comparison_is_exact_and_case_sensitive() -> None:
    assert numbers("Description eq 'Consultancy'") == [1]
    assert numbers("Description eq 'consultancy'") == []
    assert numbers("Description gt 'Hosting'") == [2, 3]  # 'c' and 'I' sort after 'H'
    assert numbers("Description lt 'Hosting'") == [1]


def test_a_doubled_quote_escapes_a_quote() -> None:
    assert numbers("Description eq 'It''s done'") == [3]


def test_null_equals_only_null_and_never_orders() -> None:
    assert numbers("Description eq null") == [4]
    assert numbers("Description ne null") == [1, 2, 3, 5]
    assert numbers("Description ne 'Hosting'") == [1, 2, 3, 4]
    assert numbers("AmountDC lt 1000") == [1, 3, 4, 5]
    assert numbers("AmountDC gt null") == []
    assert numbers("IsPaid eq false") == [1, 3, 5]
    assert numbers("IsPaid ne true") == [1, 3, 4, 5]


# --- $filter: literals --------------------------------------------------------------------


def test_guid_literal_in_either_case() -> None:
    assert numbers(f"InvoiceID eq guid'{guid(2)}'") == [2]
    assert numbers(f"InvoiceID ne guid'{guid(2)}'") == [1, 3, 4, 5]
    upper = str(guid(0xABCDEF)).upper()
    rows = [invoice(1, InvoiceID=guid(0xABCDEF)), invoice(2)]
    test = parse_filter(f"InvoiceID eq guid'{upper}'", INVOICE_FIELDS, INVOICE)
    assert [r["InvoiceNumber"] for r in rows if test(r)] == [1]


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("datetime'2026-01-03T00:00:00'", [3, 4, 5]),
        ("datetime'2026-01-03T00:00'", [3, 4, 5]),
        ("datetime'2026-01-02T23:59:59.9999999'", [3, 4, 5]),
        ("datetime'2026-01-03T00:00:00.001'", [4, 5]),
    ],
)
def test_datetime_literals(literal: str, expected: list[int]) -> None:
    assert numbers(f"InvoiceDate ge {literal}") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Timestamp eq 1003L", [3]),
        ("Timestamp eq 1003l", [3]),
        ("Timestamp gt 1003", [4, 5]),
        ("Status eq 50", [3]),
        ("Status eq 50L", [3]),
        ("Journal eq 70", [1, 2, 3, 4, 5]),
        ("AmountDC eq 30.5", [3]),
        ("AmountDC eq 30.5M", [3]),
        ("AmountDC eq 30.5m", [3]),
        ("AmountDC eq 30.5d", [3]),
        ("AmountDC eq 3.05E1", [3]),
        ("AmountDC gt 30", [3, 4, 5]),
        ("AmountDC le 30L", [1]),
        ("InvoiceNumber lt 2.5M", [1, 2]),
        ("IsPaid eq true", [2]),
        ("IsPaid eq 1", [2]),
        ("IsPaid eq 0", [1, 3, 5]),
        ("IsPaid", [2]),
        ("true", [1, 2, 3, 4, 5]),
    ],
)
def test_numeric_and_boolean_literals(text: str, expected: list[int]) -> None:
    assert numbers(text) == expected


def test_int64_literal_beyond_int32_without_suffix() -> None:
    rows = [invoice(1, Timestamp=2**40), invoice(2)]
    test = parse_filter(f"Timestamp eq {2**40}", INVOICE_FIELDS, INVOICE)
    assert [r["InvoiceNumber"] for r in rows if test(r)] == [1]


def test_malformed_guid_is_reported_with_its_position() -> None:
    fields = {"ID": Edm.GUID}
    assert (
        error("ID eq guid'dsadsds'", fields)
        == "Unrecognized 'Edm.Guid' literal 'guid'dsadsds'' in '6'."
    )


def test_datetime_needs_a_time_part() -> None:
    assert (
        error("InvoiceDate ge datetime'2026-01-01'")
        == "Unrecognized 'Edm.DateTime' literal 'datetime'2026-01-01'' in '15'."
    )
    assert "Unrecognized 'Edm.DateTime'" in error("InvoiceDate ge datetime'2026-02-30T00:00'")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "InvoiceID eq 'abc'",
            "Operator 'eq' incompatible with operand types 'Edm.Guid' and 'Edm.String' "
            "at position 10.",
        ),
        (
            "Description eq 5",
            "Operator 'eq' incompatible with operand types 'Edm.String' and 'Edm.Int32' "
            "at position 12.",
        ),
        (
            "InvoiceNumber gt '5'",
            "Operator 'gt' incompatible with operand types 'Edm.Int32' and 'Edm.String' "
            "at position 14.",
        ),
        (
            "IsPaid eq 2",
            "Operator 'eq' incompatible with operand types 'Edm.Boolean' and 'Edm.Int32' "
            "at position 7.",
        ),
        (
            "InvoiceDate eq '2026-01-01T00:00:00'",
            "Operator 'eq' incompatible with operand types 'Edm.DateTime' and 'Edm.String' "
            "at position 12.",
        ),
        (
            f"Description eq guid'{guid(1)}'",
            "Operator 'eq' incompatible with operand types 'Edm.String' and 'Edm.Guid' "
            "at position 12.",
        ),
        (
            "Timestamp gt true",
            "Operator 'gt' incompatible with operand types 'Edm.Int64' and 'Edm.Boolean' "
            "at position 10.",
        ),
    ],
)
def test_a_literal_of_the_wrong_type_is_refused(text: str, message: str) -> None:
    assert error(text) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Timestamp eq 1.5L", "Unrecognized 'Edm.Int64' literal '1.5L' in '13'."),
        ("InvoiceDate eq time'PT1H'", "Unrecognized literal 'time'PT1H'' at position 15."),
    ],
)
def test_unrecognized_literals(text: str, message: str) -> None:
    assert error(text) == message


# --- $filter: logic and precedence --------------------------------------------------------


def test_and_binds_tighter_than_or() -> None:
    # 1 or (2 and USD): only 1; (1 or 2) and USD would also be only 1, so vary the data:
    assert numbers("InvoiceNumber eq 3 or InvoiceNumber eq 1 and Currency eq 'EUR'") == [3]
    assert numbers("(InvoiceNumber eq 3 or InvoiceNumber eq 1) and Currency eq 'EUR'") == [3]
    assert numbers("Currency eq 'EUR' and InvoiceNumber eq 3 or InvoiceNumber eq 1") == [1, 3]
    assert numbers("Currency eq 'EUR' and (InvoiceNumber eq 3 or InvoiceNumber eq 1)") == [3]
    assert numbers("InvoiceNumber eq 1 or Currency eq 'USD' and InvoiceNumber eq 2") == [1]
    assert numbers("(InvoiceNumber eq 1 or Currency eq 'EUR') and InvoiceNumber le 2") == [1, 2]


def test_not_and_nested_parentheses() -> None:
    assert numbers("not (InvoiceNumber le 3)") == [4, 5]
    assert numbers("not ((InvoiceNumber le 3) or IsPaid eq true)") == [4, 5]
    assert numbers("not ((InvoiceNumber le 3) or IsPaid ne false)") == [5]
    assert numbers("not not (InvoiceNumber eq 2)") == [2]
    assert numbers("not IsPaid") == [1, 3, 4, 5]
    assert numbers("not startswith(Description, 'Cons')") == [2, 3, 4, 5]
    assert numbers("((((InvoiceNumber eq 2))))") == [2]
    assert numbers("(InvoiceNumber) eq 2") == [2]


def test_not_binds_tighter_than_a_comparison_as_in_wcf() -> None:
    assert numbers("not IsPaid eq true") == [1, 3, 4, 5]  # (not IsPaid) eq true
    assert (
        error("not InvoiceNumber eq 3")
        == "Expression of type 'Edm.Boolean' expected at position 4."
    )


# --- $filter: functions -------------------------------------------------------------------


def account_names(text: str) -> list[str]:
    test = parse_filter(text, ACCOUNT_FIELDS, ACCOUNT)
    return [row["Name"] for row in ACCOUNTS if test(row)]


def test_trim_finds_an_account_by_its_padded_code() -> None:
    assert account_names("Code eq '25'") == []
    assert account_names("trim(Code) eq '25'") == ["Acme"]
    assert account_names(f"Code eq '{'25'.rjust(18)}'") == ["Acme"]
    assert account_names("'1068' eq trim(Code)") == ["Gamma"]
    assert account_names("startswith(trim(Code), '25')") == ["Acme", "Beta"]
    assert account_names("length(trim(Code)) ge 3") == ["Beta", "Gamma"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tolower(Description) eq 'consultancy'", [1]),
        ("toupper(Description) eq 'HOSTING'", [5]),
        ("substringof('sult', Description)", [1, 2]),
        ("substringof('sult', Description) eq true", [1, 2]),
        ("substringof('sult', Description) eq false", [3, 4, 5]),
        ("substringof('SULT', Description)", []),
        ("substringof('sult', tolower(Description)) ne true", [3, 4, 5]),
        ("startswith(Description, 'Cons')", [1]),
        ("startswith(tolower(Description), 'cons')", [1, 2]),
        ("endswith(Description,'done')", [3]),
        ("endswith(Description, 'done') eq false", [1, 2, 4, 5]),
        ("startswith(Description, 'Cons') or endswith(Description, 'ing')", [1, 5]),
        ("tolower(Description) eq tolower('HOSTING')", [5]),
        ("year(InvoiceDate) eq 2026 and day(InvoiceDate) lt 3", [1, 2]),
        ("month(InvoiceDate) eq 2", []),
        ("length(Description) eq 7", [5]),
    ],
)
def test_string_and_date_functions(text: str, expected: list[int]) -> None:
    assert numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "trim(InvoiceNumber) eq '1'",
            "No applicable function found for 'trim' at position 0 with the specified arguments.",
        ),
        (
            "startswith(Description)",
            "No applicable function found for 'startswith' at position 0 "
            "with the specified arguments.",
        ),
        (
            "substringof(1, Description)",
            "No applicable function found for 'substringof' at position 0 "
            "with the specified arguments.",
        ),
        ("concat(Description, 'x') eq 'ax'", "Unknown function 'concat' at position 0."),
        ("TRIM(Description) eq 'x'", "Unknown function 'TRIM' at position 0."),
    ],
)
def test_bad_function_calls(text: str, message: str) -> None:
    assert error(text) == message


# --- $filter: what Exact refuses ----------------------------------------------------------


def test_unknown_property() -> None:
    assert (
        error("Foo eq 1") == "Could not find a property named 'Foo' on type "
        "'Exact.Web.Api.Models.SalesInvoice'."
    )
    assert "named 'invoicenumber'" in error("invoicenumber eq 1")  # names are case-sensitive


@pytest.mark.parametrize(
    "text",
    [
        "InvoiceNumber eq Status",
        "Description eq Currency",
        "trim(Description) eq trim(Currency)",
        "startswith(Description, Currency)",
        "IsPaid eq startswith(Description, 'x')",
    ],
)
def test_a_property_is_never_compared_with_another_property(text: str) -> None:
    message = error(text)
    assert message.startswith("A $filter compares a property with a constant: comparing ")
    assert message.endswith("is not supported.")


def test_two_constants_are_not_compared() -> None:
    assert error("1 eq 1") == (
        "A $filter compares a property with a constant: '1' and '1' at position 2 "
        "are both constants."
    )


def test_navigation_paths_are_refused() -> None:
    assert error("Lines/Amount gt 5") == (
        "Navigation paths such as 'Lines/Amount' at position 0 are not supported in $filter."
    )
    assert "'SalesInvoiceLines/Item/Code'" in error(
        "InvoiceNumber eq 1 and SalesInvoiceLines/Item/Code eq 'x'"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "InvoiceNumber EQ 1",
            "Unknown operator 'EQ' at position 14 in 'InvoiceNumber EQ 1': "
            "OData operators are lowercase.",
        ),
        (
            "IsPaid And IsPaid",
            "Unknown operator 'And' at position 7 in 'IsPaid And IsPaid': "
            "OData operators are lowercase.",
        ),
        (
            "NOT IsPaid",
            "Unknown operator 'NOT' at position 0 in 'NOT IsPaid': OData operators are lowercase.",
        ),
        ("Description eq 'x", "There is an unterminated string literal at position 15 in "),
        ("InvoiceNumber eq 1 %", "Syntax error: character '%' is not valid at position 19 in "),
        ("(InvoiceNumber eq 1", "Expression expected at position 19 in '(InvoiceNumber eq 1'."),
        ("InvoiceNumber eq 1)", "Syntax error at position 18 in 'InvoiceNumber eq 1)'."),
        ("InvoiceNumber eq", "Expression expected at position 16 in 'InvoiceNumber eq'."),
        ("", "Expression expected at position 0 in ''."),
        ("InvoiceNumber eq eq 1", "Expression expected at position 17 in "),
        ("InvoiceNumber eq 1 InvoiceNumber", "Syntax error at position 19 in "),
        ("InvoiceNumber eq 1abc", "Syntax error: character '1' is not valid at position 17 in "),
        ("InvoiceNumber add 1 eq 2", "Syntax error at position 14 in "),
        ("Description", "Expression of type 'Edm.Boolean' expected at position 0."),
        ("IsPaid and Description", "Expression of type 'Edm.Boolean' expected at position 11."),
        ("Description eq 'a' or 5", "Expression of type 'Edm.Boolean' expected at position 22."),
    ],
)
def test_syntax_errors(text: str, message: str) -> None:
    assert error(text).startswith(message)


# --- $select and $orderby -----------------------------------------------------------------


def test_select_is_whitespace_tolerant_and_keeps_its_order() -> None:
    select = parse_select(" Description ,InvoiceID,  Description", INVOICE_FIELDS, INVOICE)
    assert select == ["Description", "InvoiceID"]
    assert project(INVOICES[0], select) == {"Description": "Consultancy", "InvoiceID": guid(1)}
    assert list(project(INVOICES[0], select)) == ["Description", "InvoiceID"]


def test_select_star_or_nothing_means_everything() -> None:
    assert parse_select("*", INVOICE_FIELDS, INVOICE) is None
    assert parse_select("InvoiceID,*", INVOICE_FIELDS, INVOICE) is None
    assert parse_select("", INVOICE_FIELDS, INVOICE) is None
    assert project(INVOICES[0], None) == INVOICES[0]
    assert project(INVOICES[0], None) is not INVOICES[0]


def test_select_refuses_unknown_properties_and_paths_but_takes_declared_navigation() -> None:
    with pytest.raises(ODataError, match="Could not find a property named 'Foo' on type"):
        parse_select("InvoiceID,Foo", INVOICE_FIELDS, INVOICE)
    with pytest.raises(ODataError, match="not a property name"):
        parse_select("InvoiceID,,Description", INVOICE_FIELDS, INVOICE)
    with pytest.raises(ODataError, match="Navigation paths such as 'Lines/Amount'"):
        parse_select("Lines/Amount", INVOICE_FIELDS, INVOICE, navigation={"Lines"})
    assert parse_select(
        "InvoiceID,SalesInvoiceLines", INVOICE_FIELDS, INVOICE, navigation={"SalesInvoiceLines"}
    ) == ["InvoiceID", "SalesInvoiceLines"]


def test_orderby_defaults_to_ascending() -> None:
    assert parse_orderby("Currency, AmountDC desc,InvoiceNumber  asc", INVOICE_FIELDS, INVOICE) == [
        ("Currency", False),
        ("AmountDC", True),
        ("InvoiceNumber", False),
    ]
    assert parse_orderby("  ", INVOICE_FIELDS, INVOICE) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Foo", "Could not find a property named 'Foo'"),
        ("Currency DESC", "'DESC' is neither 'asc' nor 'desc'"),
        ("Currency asc desc", "Syntax error in $orderby"),
        ("Currency,", "Syntax error in $orderby"),
        ("trim(Currency)", "is not a property name"),
        ("Lines/Amount", "Navigation paths such as 'Lines/Amount' are not supported in $orderby."),
    ],
)
def test_bad_orderby(text: str, message: str) -> None:
    with pytest.raises(ODataError, match=re.escape(message)):
        parse_orderby(text, INVOICE_FIELDS, INVOICE)


def test_sort_places_none_first_ascending_and_last_descending() -> None:
    rows = [
        {"N": 1, "A": Decimal(2)},
        {"N": 2, "A": None},
        {"N": 3, "A": Decimal(1)},
        {"N": 4, "A": None},
    ]
    assert [r["N"] for r in sort_rows(rows, [("A", False), ("N", False)])] == [2, 4, 3, 1]
    assert [r["N"] for r in sort_rows(rows, [("A", True), ("N", False)])] == [1, 3, 2, 4]
    assert [r["N"] for r in sort_rows(rows, [("A", True), ("N", True)])] == [1, 3, 4, 2]


# --- ODataQuery ---------------------------------------------------------------------------


def query(params: Mapping[str, str], page_size: int = 60) -> ODataQuery:
    return ODataQuery.parse(
        params, fields=INVOICE_FIELDS, entity_type=INVOICE, key="InvoiceID", page_size=page_size
    )


def run(params: Mapping[str, str], rows: Sequence[Mapping[str, Any]] = INVOICES) -> QueryResult:
    return query(params).execute(rows)


def test_query_applies_filter_orderby_skip_top_select_and_inlinecount() -> None:
    result = run(
        {
            "$filter": "InvoiceNumber ne 3",
            "$orderby": "IsPaid desc,AmountDC",
            "$skip": "1",
            "$top": "2",
            "$select": "InvoiceNumber,IsPaid",
            "$inlinecount": "allpages",
            "$expand": "SalesInvoiceLines",
            "api_key": "ignored",
        }
    )
    # IsPaid desc: True (2), then False (1, 5), then None (4); skip 1, top 2.
    assert result.rows == [
        {"InvoiceNumber": 1, "IsPaid": False},
        {"InvoiceNumber": 5, "IsPaid": False},
    ]
    assert result.count == 4
    assert result.next_skiptoken is None
    assert result.remaining_top is None


def test_without_options_rows_come_in_key_order_and_without_a_count() -> None:
    rows = [invoice(n, InvoiceID=guid(10 - n)) for n in range(1, 6)]
    result = run({}, rows)
    assert [r["InvoiceNumber"] for r in result.rows] == [5, 4, 3, 2, 1]
    assert result.count is None
    assert run({"$inlinecount": "none"}, rows).count is None


def test_empty_options_are_ignored() -> None:
    result = run({"$filter": "", "$orderby": "", "$top": "", "$skip": "", "$select": ""})
    assert [r["InvoiceNumber"] for r in result.rows] == [1, 2, 3, 4, 5]


def test_top_zero_and_skip_past_the_end_give_no_rows() -> None:
    assert run({"$top": "0", "$inlinecount": "allpages"}).rows == []
    assert run({"$top": "0", "$inlinecount": "allpages"}).count == 5
    assert run({"$skip": "9"}).rows == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"$top": "-1"}, "Invalid value '-1' for $top query option found."),
        ({"$top": "ten"}, "Invalid value 'ten' for $top query option found."),
        ({"$skip": "1.5"}, "Invalid value '1.5' for $skip query option found."),
        ({"$inlinecount": "all"}, "Invalid value 'all' for $inlinecount query option found."),
        (
            {"$format": "json"},
            "The query parameter '$format' begins with a system-reserved '$' character "
            "but is not recognized.",
        ),
        ({"$Filter": "InvoiceNumber eq 1"}, "The query parameter '$Filter' begins with"),
        ({"$filter": "Foo eq 1"}, "Could not find a property named 'Foo'"),
        ({"$select": "Foo"}, "Could not find a property named 'Foo'"),
        ({"$orderby": "Foo"}, "Could not find a property named 'Foo'"),
    ],
)
def test_bad_query_options(params: Mapping[str, str], message: str) -> None:
    with pytest.raises(ODataError) as caught:
        query(params)
    assert caught.value.message.startswith(message)


def test_the_key_must_be_a_field() -> None:
    with pytest.raises(ValueError, match="key"):
        ODataQuery.parse({}, fields=INVOICE_FIELDS, entity_type=INVOICE, key="ID", page_size=60)


# --- Paging -------------------------------------------------------------------------------


def many_invoices(count: int = 150) -> list[dict[str, Any]]:
    """Keys in scrambled order; Currency repeats (a non-unique order field)."""
    return [
        invoice(
            1,
            InvoiceID=guid((n * 7919) % 1000 + 1),
            InvoiceNumber=n,
            Currency=("EUR", "USD", "GBP", None)[n % 4],
            Timestamp=5000 - n,
        )
        for n in range(count)
    ]


def follow(
    params: Mapping[str, str],
    rows: Sequence[Mapping[str, Any]],
    page_size: int,
    *,
    key: str = "InvoiceID",
    fields: Mapping[str, Edm] = INVOICE_FIELDS,
) -> list[QueryResult]:
    """Every page, following `__next` through a real URL round trip."""
    pages: list[QueryResult] = []
    current: Mapping[str, str] = params
    while True:
        engine = ODataQuery.parse(
            current, fields=fields, entity_type=INVOICE, key=key, page_size=page_size
        )
        pages.append(engine.execute(rows))
        link = pages[-1].next_link(BASE, current)
        if link is None:
            return pages
        assert link.startswith(BASE + "?")
        current = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
        assert len(pages) < 1000


def paged_numbers(pages: list[QueryResult]) -> list[list[int]]:
    return [[row["InvoiceNumber"] for row in page.rows] for page in pages]


def flat_numbers(pages: list[QueryResult]) -> list[int]:
    return [row["InvoiceNumber"] for page in pages for row in page.rows]


def test_150_rows_in_pages_of_60_in_key_order() -> None:
    rows = many_invoices()
    pages = follow({"$select": "InvoiceNumber,InvoiceID", "$inlinecount": "allpages"}, rows, 60)

    expected = [r["InvoiceNumber"] for r in sorted(rows, key=lambda r: r["InvoiceID"])]
    assert [len(p.rows) for p in pages] == [60, 60, 30]
    assert flat_numbers(pages) == expected
    assert [p.count for p in pages] == [150, 150, 150]
    last_of_first = pages[0].rows[-1]["InvoiceID"]
    assert pages[0].next_skiptoken == f"guid'{last_of_first}'"
    assert pages[2].next_skiptoken is None


def test_150_rows_ordered_by_a_non_unique_field() -> None:
    rows = many_invoices()
    pages = follow({"$orderby": "Currency desc", "$select": "InvoiceNumber"}, rows, 60)

    currency_rank = {"USD": 0, "GBP": 1, "EUR": 2, None: 3}
    expected = sorted(rows, key=lambda r: (currency_rank[r["Currency"]], r["InvoiceID"]))
    assert [len(p.rows) for p in pages] == [60, 60, 30]
    assert flat_numbers(pages) == [r["InvoiceNumber"] for r in expected]
    boundary = expected[59]
    assert pages[0].next_skiptoken == f"'{boundary['Currency']}',guid'{boundary['InvoiceID']}'"


def test_top_100_spans_two_pages_of_60() -> None:
    rows = many_invoices()
    pages = follow({"$orderby": "Timestamp", "$top": "100", "$skip": "5"}, rows, 60)

    # Timestamp ascending is InvoiceNumber descending: 149, 148, ...; skip 5, take 100.
    assert paged_numbers(pages) == [list(range(144, 84, -1)), list(range(84, 44, -1))]
    assert pages[0].remaining_top == 40
    assert pages[0].next_skiptoken == f"4915L,guid'{guid((85 * 7919) % 1000 + 1)}'"
    assert pages[1].next_skiptoken is None


def test_top_as_a_multiple_of_the_page_size_ends_without_an_empty_page() -> None:
    pages = follow({"$top": "120"}, many_invoices(), 60)
    assert [len(p.rows) for p in pages] == [60, 60]


def test_the_next_link_keeps_the_query_and_drops_skip() -> None:
    params = {
        "$filter": "Currency eq 'EUR' or Currency eq 'USD'",
        "$select": "InvoiceNumber,Currency",
        "$orderby": "Currency",
        "$skip": "3",
        "$top": "70",
        "$inlinecount": "allpages",
        "$expand": "SalesInvoiceLines",
    }
    first = query(params).execute(many_invoices())
    assert len(first.rows) == 60
    link = first.next_link(BASE, params)
    assert link is not None
    query_string = urlsplit(link).query
    assert dict(parse_qsl(query_string)) == {
        "$filter": "Currency eq 'EUR' or Currency eq 'USD'",
        "$select": "InvoiceNumber,Currency",
        "$orderby": "Currency",
        "$top": "10",
        "$inlinecount": "allpages",
        "$expand": "SalesInvoiceLines",
        "$skiptoken": first.next_skiptoken,
    }
    assert "$skiptoken='USD',guid'" in query_string  # readable, as Exact's own links
    assert "$filter=Currency%20eq%20'EUR'%20or" in query_string


@pytest.mark.parametrize(
    "skiptoken",
    [
        "'a b&c=d+e#f%g',guid'00000000-0000-0000-0000-000000000001'",
        "'Zoë ''quoted''',387L",
        "datetime'2026-01-01T10:30:00',1.5M,true,null",
    ],
)
def test_next_link_round_trips_through_urllib(skiptoken: str) -> None:
    params = {"$filter": "Description eq 'a&b=c+d'", "$top": "9", "$skip": "2", "x": "1/2"}
    link = next_link(BASE, params, skiptoken, 4)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == BASE
    assert parse_qsl(parts.query, keep_blank_values=True) == [
        ("$filter", "Description eq 'a&b=c+d'"),
        ("$top", "4"),
        ("x", "1/2"),
        ("$skiptoken", skiptoken),
    ]
    without_top = next_link(BASE, params, skiptoken, None)
    assert dict(parse_qsl(urlsplit(without_top).query)) == {
        "$filter": "Description eq 'a&b=c+d'",
        "x": "1/2",
        "$skiptoken": skiptoken,
    }


def test_skiptoken_formats_follow_the_key_type() -> None:
    assert format_literal(Edm.GUID, guid(1)) == "guid'00000000-0000-0000-0000-000000000001'"
    assert format_literal(Edm.INT64, 387) == "387L"
    assert format_literal(Edm.INT32, 2014) == "2014"
    assert format_literal(Edm.STRING, "GMD") == "'GMD'"
    assert format_literal(Edm.STRING, "it's") == "'it''s'"
    assert format_literal(Edm.BOOLEAN, False) == "false"
    assert format_literal(Edm.DOUBLE, Decimal("1E+2")) == "100M"
    assert format_literal(Edm.DATETIME, dt.datetime(2026, 1, 2, 3, 4)) == (  # noqa: DTZ001
        "datetime'2026-01-02T03:04:00'"
    )
    assert format_literal(Edm.STRING, None) == "null"


def test_exact_style_composite_skiptoken_with_int_and_string_keys() -> None:
    fields = {"Code": Edm.STRING, "Period": Edm.INT16, "Year": Edm.INT32}
    rows = [
        {"Code": code, "Period": period, "Year": year}
        for code in ("10", "9")
        for period in (6, 7)
        for year in (2014, 2015)
    ]
    engine = ODataQuery.parse(
        {"$orderby": "Code,Period"}, fields=fields, entity_type="T", key="Year", page_size=3
    )
    first = engine.execute(rows)
    assert first.next_skiptoken == "'10',7,2014"
    second = ODataQuery.parse(
        {"$orderby": "Code,Period", "$skiptoken": "'10',6,2014"},
        fields=fields,
        entity_type="T",
        key="Year",
        page_size=3,
    ).execute(rows)
    assert [(r["Code"], r["Period"], r["Year"]) for r in second.rows] == [
        ("10", 6, 2015),
        ("10", 7, 2014),
        ("10", 7, 2015),
    ]
    by_code = ODataQuery.parse(
        {}, fields={"Code": Edm.STRING}, entity_type="T", key="Code", page_size=1
    ).execute([{"Code": "GMD"}, {"Code": "ZZZ"}])
    assert by_code.next_skiptoken == "'GMD'"


def test_int64_key_skiptoken() -> None:
    fields = {"Timestamp": Edm.INT64, "ID": Edm.GUID}
    rows = [{"Timestamp": t, "ID": guid(t)} for t in (385, 387, 390)]
    params = {"$filter": "Timestamp gt 1", "$select": "ID"}
    pages = follow(params, rows, 2, key="Timestamp", fields=fields)
    assert pages[0].next_skiptoken == "387L"
    assert [[r["ID"] for r in p.rows] for p in pages] == [[guid(385), guid(387)], [guid(390)]]


def test_a_skiptoken_continues_strictly_after_a_row_that_is_gone() -> None:
    rows = [invoice(n) for n in (1, 2, 4, 5)]  # guid(3) was deleted meanwhile
    result = run({"$skiptoken": f"guid'{guid(3)}'", "$skip": "1"}, rows)
    assert [r["InvoiceNumber"] for r in result.rows] == [4, 5]  # $skip is not applied again


@pytest.mark.parametrize(
    ("params", "skiptoken"),
    [
        ({}, "guid'nonsense'"),
        ({}, "'abc'"),
        ({}, "5"),
        ({}, f"guid'{guid(1)}',guid'{guid(2)}'"),
        ({}, f"guid'{guid(1)}',"),
        ({"$orderby": "Currency"}, f"guid'{guid(1)}'"),
        ({"$orderby": "Currency"}, f"'EUR' guid'{guid(1)}'"),
        ({"$orderby": "Currency"}, f"'EUR',,guid'{guid(1)}'"),
        ({"$orderby": "InvoiceNumber"}, f"'1',guid'{guid(1)}'"),
        ({"$orderby": "InvoiceNumber"}, f"Foo,guid'{guid(1)}'"),
        ({}, "'unterminated"),
    ],
)
def test_a_malformed_skiptoken_is_refused(params: dict[str, str], skiptoken: str) -> None:
    with pytest.raises(ODataError, match=r"The \$skiptoken '.*' is not valid for this query\."):
        query({**params, "$skiptoken": skiptoken})


# --- Property: paging never changes the result ---------------------------------------------

PROPERTY_FIELDS: Mapping[str, Edm] = {
    "ID": Edm.INT32,
    "Name": Edm.STRING,
    "Amount": Edm.DOUBLE,
    "Paid": Edm.BOOLEAN,
}

FILTERS = [
    ("", lambda r: True),
    ("Name eq 'b'", lambda r: r["Name"] == "b"),
    ("Name ne 'b'", lambda r: r["Name"] != "b"),
    ("Amount ge 2 or Name eq null", lambda r: (r["Amount"] or -1) >= 2 or r["Name"] is None),
    ("not Paid and ID gt 10", lambda r: r["Paid"] is not True and r["ID"] > 10),
    ("startswith(Name, 'a')", lambda r: (r["Name"] or "").startswith("a")),
]
ORDERS: list[tuple[str, list[tuple[str, bool]]]] = [
    ("", []),
    ("Name", [("Name", False)]),
    ("Name desc", [("Name", True)]),
    ("Amount desc, Name", [("Amount", True), ("Name", False)]),
    ("Paid, Amount, ID desc", [("Paid", False), ("Amount", False), ("ID", True)]),
    ("ID desc", [("ID", True)]),
]

property_rows = st.lists(
    st.fixed_dictionaries(
        {
            "ID": st.integers(-50, 50),
            "Name": st.sampled_from(["a", "ab", "b", "B", "it's", None]),
            "Amount": st.sampled_from([Decimal("1.5"), Decimal(2), Decimal("-3"), None]),
            "Paid": st.sampled_from([True, False, None]),
        }
    ),
    max_size=40,
    unique_by=lambda r: r["ID"],
)


def reference(rows: list[dict[str, Any]], keep: Any, order: list[tuple[str, bool]]) -> list[int]:
    """Filter, then stable sorts from the last criterion to the first: the key, then $orderby."""
    result = sorted((r for r in rows if keep(r)), key=lambda r: r["ID"])
    for name, descending in reversed(order):
        result.sort(key=lambda r, n=name: (r[n] is not None, r[n]), reverse=descending)
    return [r["ID"] for r in result]


@settings(max_examples=300, deadline=None)
@given(
    rows=property_rows,
    filter_index=st.integers(0, len(FILTERS) - 1),
    order_index=st.integers(0, len(ORDERS) - 1),
    page_size=st.integers(1, 9),
    top=st.none() | st.integers(0, 45),
    skip=st.integers(0, 6),
)
def test_paging_returns_exactly_the_unpaged_result(
    rows: list[dict[str, Any]],
    filter_index: int,
    order_index: int,
    page_size: int,
    top: int | None,
    skip: int,
) -> None:
    filter_text, keep = FILTERS[filter_index]
    orderby, order = ORDERS[order_index]
    params = {"$filter": filter_text, "$orderby": orderby, "$skip": str(skip)}
    params |= {"$inlinecount": "allpages"} | ({} if top is None else {"$top": str(top)})

    unpaged = follow(params, rows, 10_000, key="ID", fields=PROPERTY_FIELDS)
    paged = follow(params, rows, page_size, key="ID", fields=PROPERTY_FIELDS)

    expected = reference(rows, keep, order)[skip:]
    expected = expected if top is None else expected[:top]
    assert len(unpaged) == 1
    assert [r["ID"] for r in unpaged[0].rows] == expected
    assert [r["ID"] for page in paged for r in page.rows] == expected
    assert all(len(page.rows) == page_size for page in paged[:-1])
    assert {page.count for page in paged} == {sum(1 for r in rows if keep(r))}
