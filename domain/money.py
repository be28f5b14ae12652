"""Money and quantities: Decimal only, rounded explicitly and in one place."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from domain.errors import ErrorCode, HourbillError

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
# Any input beyond a billion is a typo; below it, quantity × price stays exact
# within Decimal's 28 digits and the rounding to cents cannot overflow.
LARGEST_INPUT = Decimal("1000000000")
DECIMAL_DIGITS = 28  # numbers of this many integer digits ("1e999") are no input at all


def round_money(amount: Decimal) -> Decimal:
    """Commercial rounding to cents: half away from zero, as on Dutch invoices."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def as_cents(amount: Decimal) -> Decimal:
    """Written with two decimals (1149.5 and 1149.5000 -> 1149.50) when that loses nothing."""
    cents = amount.quantize(CENT)
    return cents if cents == amount else amount


def decimals_of(value: Decimal) -> int:
    """Decimal places without trailing zeros; exact (normalize() would round to 28 digits)."""
    _, digits, exponent = value.as_tuple()
    significant = "".join(map(str, digits)).rstrip("0")
    if not isinstance(exponent, int) or not significant:
        return 0
    return max(0, -(exponent + len(digits) - len(significant)))


def checked_decimal(
    value: Decimal | int | str,
    field: str,
    *,
    places: int,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    strictly_positive: bool = False,
) -> Decimal:
    """Parse and validate a decimal input; never rounds silently."""
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise HourbillError.single(ErrorCode.INVALID, f"{field} is not a number", field) from None
    if not number.is_finite():
        raise HourbillError.single(ErrorCode.INVALID, f"{field} must be a finite number", field)
    if number.adjusted() >= DECIMAL_DIGITS:
        raise HourbillError.single(ErrorCode.INVALID, f"{field} is too large a number", field)
    if decimals_of(number) > places:
        raise HourbillError.single(
            ErrorCode.TOO_PRECISE, f"{field} allows at most {places} decimals", field
        )
    if strictly_positive and number <= ZERO:
        raise HourbillError.single(ErrorCode.OUT_OF_RANGE, f"{field} must be more than 0", field)
    if minimum is not None and number < minimum:
        raise HourbillError.single(
            ErrorCode.OUT_OF_RANGE, f"{field} must be at least {minimum}", field
        )
    if maximum is not None and number > maximum:
        raise HourbillError.single(
            ErrorCode.OUT_OF_RANGE, f"{field} must be at most {maximum}", field
        )
    if abs(number) > LARGEST_INPUT:
        raise HourbillError.single(
            ErrorCode.OUT_OF_RANGE, f"{field} must lie within ±{LARGEST_INPUT}", field
        )
    return number


def line_amount(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """Net line amount in cents: quantity × price less the discount, rounded once."""
    gross = quantity * unit_price
    return round_money(gross * (HUNDRED - discount_percent) / HUNDRED)


def vat_amount(base: Decimal, rate_percent: Decimal) -> Decimal:
    return round_money(base * rate_percent / HUNDRED)
