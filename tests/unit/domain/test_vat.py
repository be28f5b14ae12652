from __future__ import annotations

from decimal import Decimal

from domain.errors import ErrorCode
from domain.vat import VatCode, VatLine, vat_breakdown
from tests.unit.helpers import raises_problems

D = Decimal


def test_vat_is_rounded_once_per_rate_not_per_line() -> None:
    # 5 × 0.07 at 21%: per line 0.0147 → 0.01 each (0.05); per rate 0.0735 → 0.07.
    # 2 × 0.03 at 9%: per line 0.0027 → 0.00 each (0.00); per rate 0.0054 → 0.01.
    lines = [("9", D("9"), D("0.03"))] * 2 + [("21", D("21"), D("0.07"))] * 5

    assert vat_breakdown(lines) == [
        VatLine("21", D("21"), D("0.35"), D("0.07")),
        VatLine("9", D("9"), D("0.06"), D("0.01")),
    ]


def test_vat_breakdown_groups_by_code_and_rate() -> None:
    lines = [
        ("21", D("21"), D("100.00")),
        ("21", D("21"), D("-40.00")),
        ("0", D("0"), D("12.50")),
        ("21", D("19"), D("10.00")),  # a line priced before the rate changed
    ]

    assert vat_breakdown(lines) == [
        VatLine("0", D("0"), D("12.50"), D("0.00")),
        VatLine("21", D("19"), D("10.00"), D("1.90")),
        VatLine("21", D("21"), D("60.00"), D("12.60")),
    ]


def test_vat_breakdown_of_nothing_is_empty() -> None:
    assert vat_breakdown([]) == []


def test_vat_code_percentage_is_between_0_and_100_with_two_decimals() -> None:
    assert VatCode("21", "BTW hoog", D("21")).percentage == 21
    with raises_problems((ErrorCode.OUT_OF_RANGE, "percentage")):
        VatCode("X", "te hoog", D("100.01"))
    with raises_problems((ErrorCode.TOO_PRECISE, "percentage")):
        VatCode("X", "te precies", D("8.125"))
