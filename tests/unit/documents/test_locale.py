"""Amounts, numbers and dates as Dutch and English readers expect them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.customers import Language
from domain.locale import (
    LABELS,
    format_date,
    format_hours,
    format_line_quantity,
    format_long_date,
    format_money,
    format_percent,
    format_period,
    format_quantity,
    format_rate,
    format_unit,
    text,
)

NL, EN = Language.NL, Language.EN


@pytest.mark.parametrize(
    ("amount", "dutch", "english"),
    [
        ("0", "€ 0,00", "€0.00"),
        ("1234.56", "€ 1.234,56", "€1,234.56"),
        ("1234567.8", "€ 1.234.567,80", "€1,234,567.80"),
        ("0.005", "€ 0,01", "€0.01"),  # half away from zero, like everywhere in Hourbill
        ("-0.005", "-€ 0,01", "-€0.01"),
        ("-12.5", "-€ 12,50", "-€12.50"),
        ("-0.004", "€ 0,00", "€0.00"),  # no minus sign on a zero
    ],
)
def test_money_has_two_decimals_and_the_languages_separators(
    amount: str, dutch: str, english: str
) -> None:
    assert (format_money(Decimal(amount), NL), format_money(Decimal(amount), EN)) == (
        dutch,
        english,
    )


@pytest.mark.parametrize(
    ("value", "dutch", "english"),
    [
        ("3", "3", "3"),
        ("7.5", "7,50", "7.50"),
        ("12.125", "12,125", "12.125"),
        ("1500.0001", "1.500,0001", "1,500.0001"),
        ("-2.50", "-2,50", "-2.50"),
    ],
)
def test_quantities_keep_their_decimals_with_at_least_two(
    value: str, dutch: str, english: str
) -> None:
    assert format_quantity(Decimal(value), NL) == dutch
    assert format_quantity(Decimal(value), EN) == english


def test_rates_show_more_than_two_decimals_only_when_they_have_them() -> None:
    assert format_rate(Decimal("95.0000"), NL) == "€ 95,00"
    assert format_rate(Decimal("12.3456"), NL) == "€ 12,3456"
    assert format_rate(Decimal("12.345"), EN) == "€12.345"


def test_percentages_drop_trailing_zeros() -> None:
    assert format_percent(Decimal("21.00"), NL) == "21%"
    assert format_percent(Decimal("10.50"), NL) == "10,5%"
    assert format_percent(Decimal("12.25"), EN) == "12.25%"


def test_dates_short_and_long() -> None:
    day = dt.date(2026, 3, 5)
    assert format_date(day, NL) == "05-03-2026"
    assert format_date(day, EN) == "5 Mar 2026"
    assert format_long_date(day, NL) == "5 maart 2026"
    assert format_long_date(day, EN) == "5 March 2026"


def test_a_period_is_one_date_when_it_is_one_day() -> None:
    start, end = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    assert format_period(start, end, NL) == "01-03-2026 – 31-03-2026"
    assert format_period(start, start, EN) == "1 Mar 2026"
    assert format_period(None, end, EN) == "31 Mar 2026"
    assert format_period(None, None, NL) == ""


def test_both_languages_know_every_label_and_fill_placeholders() -> None:
    assert LABELS[NL].keys() == LABELS[EN].keys()
    assert text(NL, "page", page="2", pages="5") == "Pagina 2 van 5"
    assert text(EN, "vat_over", rate="21%", base="€100.00") == "VAT 21% on €100.00"


def test_units_as_stored_are_printed_in_the_customers_language() -> None:
    assert format_unit("hour", NL) == "uur"
    assert format_unit("pc", NL) == "stuk"
    assert format_unit("uur", EN) == "hour"
    assert format_unit("m", NL) == "m"  # unknown units print as stored
    assert format_unit("hour", EN) == "hour"


def test_hours_always_show_two_decimals_so_columns_line_up() -> None:
    assert format_hours(Decimal(66), NL) == "66,00"
    assert format_hours(Decimal("0.5"), EN) == "0.50"
    assert format_line_quantity(Decimal(66), "uur", NL) == "66,00"
    assert format_line_quantity(Decimal(66), "hour", EN) == "66.00"
    assert format_line_quantity(Decimal(10), "pc", NL) == "10"
