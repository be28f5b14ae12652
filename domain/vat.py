"""VAT codes and the per-rate breakdown of an amount."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from domain.money import ZERO, checked_decimal, vat_amount


@dataclass(eq=False)
class VatCode:
    code: str
    description: str
    percentage: Decimal

    def __post_init__(self) -> None:
        self.percentage = checked_decimal(
            self.percentage, "percentage", places=2, minimum=ZERO, maximum=Decimal(100)
        )


@dataclass(frozen=True)
class VatLine:
    """VAT for one rate: the base it is computed on and the rounded amount."""

    vat_code: str
    rate: Decimal
    base: Decimal
    amount: Decimal


def vat_breakdown(lines: Iterable[tuple[str, Decimal, Decimal]]) -> list[VatLine]:
    """Group (vat_code, rate, net amount) by code and rate; VAT is rounded once per rate."""
    bases: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: ZERO)
    for code, rate, amount in lines:
        bases[(code, rate)] += amount
    return [
        VatLine(code, rate, base, vat_amount(base, rate))
        for (code, rate), base in sorted(bases.items())
    ]
