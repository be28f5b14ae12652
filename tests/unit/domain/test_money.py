from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import ErrorCode
from domain.money import (
    as_cents,
    checked_decimal,
    decimals_of,
    line_amount,
    round_money,
    vat_amount,
)
from tests.unit.helpers import raises_problems


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0.005", "0.01"),
        ("0.004999", "0.00"),
        ("2.675", "2.68"),
        ("2.665", "2.67"),
        ("-0.005", "-0.01"),
        ("-2.675", "-2.68"),
        ("10", "10.00"),
        ("123.4549", "123.45"),
    ],
)
def test_round_money_rounds_half_away_from_zero_to_cents(amount: str, rounded: str) -> None:
    result = round_money(Decimal(amount))

    assert result == Decimal(rounded)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "places"),
    [("1", 0), ("1.50", 1), ("0.00", 0), ("1E+3", 0), ("1.2345", 4), ("-0.125", 3)],
)
def test_decimals_of_ignores_trailing_zeros(value: str, places: int) -> None:
    assert decimals_of(Decimal(value)) == places


def test_decimals_of_counts_digits_beyond_the_context_precision() -> None:
    thirty_decimals = Decimal("1." + "0" * 29 + "1")

    assert decimals_of(thirty_decimals) == 30


@pytest.mark.parametrize("value", [Decimal("7.25"), "7.25", "7.250"])
def test_checked_decimal_accepts_decimals_and_strings(value: Decimal | str) -> None:
    assert checked_decimal(value, "hours", places=2) == Decimal("7.25")


def test_checked_decimal_accepts_integers() -> None:
    assert checked_decimal(8, "hours", places=2) == Decimal(8)


def test_checked_decimal_never_rounds_silently() -> None:
    with raises_problems((ErrorCode.TOO_PRECISE, "unitPrice")) as info:
        checked_decimal("3.14159", "unitPrice", places=4)

    assert str(info.value) == "unitPrice allows at most 4 decimals"


def test_checked_decimal_rejects_digits_hidden_beyond_28_significant_digits() -> None:
    with raises_problems((ErrorCode.TOO_PRECISE, "hours")):
        checked_decimal("1." + "0" * 29 + "1", "hours", places=2)


@pytest.mark.parametrize("value", ["abc", "", "1,5", "12 uur"])
def test_checked_decimal_reports_text_that_is_no_number_as_invalid(value: str) -> None:
    with raises_problems((ErrorCode.INVALID, "quantity")) as info:
        checked_decimal(value, "quantity", places=4)

    assert str(info.value) == "quantity is not a number"


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_checked_decimal_rejects_non_finite_numbers_as_invalid(value: str) -> None:
    with raises_problems((ErrorCode.INVALID, "rate")) as info:
        checked_decimal(Decimal(value), "rate", places=4)

    assert str(info.value) == "rate must be a finite number"


@pytest.mark.parametrize("value", ["1e999", "-1E+28", "1E+28"])
def test_checked_decimal_reports_numbers_beyond_decimal_precision_as_invalid(value: str) -> None:
    """ADR 0008: "1e999" is no number Hourbill can compute with, whatever the field's range."""
    with raises_problems((ErrorCode.INVALID, "hours")) as info:
        checked_decimal(value, "hours", places=2, maximum=Decimal(24))

    assert str(info.value) == "hours is too large a number"


@pytest.mark.parametrize("value", ["0", "-0.01"])
def test_checked_decimal_strictly_positive_rejects_zero_and_below(value: str) -> None:
    with raises_problems((ErrorCode.OUT_OF_RANGE, "hours")) as info:
        checked_decimal(value, "hours", places=2, strictly_positive=True)

    assert str(info.value) == "hours must be more than 0"


def test_checked_decimal_enforces_minimum_and_maximum_inclusively() -> None:
    bounds = {"minimum": Decimal(0), "maximum": Decimal(100)}

    assert checked_decimal("0", "percentage", places=2, **bounds) == 0
    assert checked_decimal("100", "percentage", places=2, **bounds) == 100
    with raises_problems((ErrorCode.OUT_OF_RANGE, "percentage")) as low:
        checked_decimal("-0.01", "percentage", places=2, **bounds)
    with raises_problems((ErrorCode.OUT_OF_RANGE, "percentage")) as high:
        checked_decimal("100.01", "percentage", places=2, **bounds)

    assert str(low.value) == "percentage must be at least 0"
    assert str(high.value) == "percentage must be at most 100"


def test_checked_decimal_checks_precision_before_range() -> None:
    with raises_problems((ErrorCode.TOO_PRECISE, "hours")):
        checked_decimal("30.125", "hours", places=2, maximum=Decimal(24))


@pytest.mark.parametrize("value", ["1E+9", "-1E+9", "999999999.9999"])
def test_checked_decimal_accepts_magnitudes_up_to_a_billion(value: str) -> None:
    assert checked_decimal(value, "quantity", places=4) == Decimal(value)


@pytest.mark.parametrize("value", ["1000000000.01", "-1000000000.01", "9.9E+27"])
def test_checked_decimal_rejects_magnitudes_beyond_a_billion(value: str) -> None:
    with raises_problems((ErrorCode.OUT_OF_RANGE, "quantity")):
        checked_decimal(value, "quantity", places=4)


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "amount"),
    [
        ("8", "95.00", "0", "760.00"),
        ("1.5", "33.33", "0", "50.00"),  # 49.995 rounds up
        ("3", "0.3333", "0", "1.00"),  # 0.9999
        ("10", "100", "12.5", "875.00"),
        ("1", "9.99", "50", "5.00"),  # 4.995 rounds up once, after the discount
        ("2", "10", "100", "0.00"),
        ("-2", "47.50", "0", "-95.00"),
        ("-1", "0.005", "0", "-0.01"),
    ],
)
def test_line_amount_is_quantity_times_price_less_discount_rounded_once(
    quantity: str, price: str, discount: str, amount: str
) -> None:
    assert line_amount(Decimal(quantity), Decimal(price), Decimal(discount)) == Decimal(amount)


@pytest.mark.parametrize(
    ("base", "rate", "vat"),
    [("100.00", "21", "21.00"), ("0.10", "21", "0.02"), ("19.05", "9", "1.71"), ("5", "0", "0.00")],
)
def test_vat_amount_is_the_rate_of_the_base_rounded_half_up(base: str, rate: str, vat: str) -> None:
    assert vat_amount(Decimal(base), Decimal(rate)) == Decimal(vat)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("1149.5", "1149.50"), ("1149.5000", "1149.50"), ("7", "7.00"), ("0.125", "0.125")],
)
def test_amounts_are_written_with_cents_unless_that_would_round(stored: str, shown: str) -> None:
    assert str(as_cents(Decimal(stored))) == shown
