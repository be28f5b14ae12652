"""The Decimal scalar: strings out, strings (or integers) in, typed errors for the rest."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from graphql import GraphQLError, parse_value

from interfaces.graphql.scalars import (
    InvalidDecimal,
    parse_decimal,
    parse_decimal_literal,
    serialize_decimal,
)
from tests.graphql import seed
from tests.graphql.api import Api


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("7.50"), "7.50"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.00"), "0.00"),
        (Decimal("-12.3400"), "-12.3400"),
        (3, "3"),
    ],
)
def test_decimals_are_serialized_as_plain_strings(value: Decimal | int, text: str) -> None:
    assert serialize_decimal(value) == text


@pytest.mark.parametrize("value", [7.5, True, Decimal("NaN"), Decimal("Infinity"), "7.5"])
def test_only_finite_decimals_are_serialized(value: Any) -> None:
    with pytest.raises(TypeError):
        serialize_decimal(value)


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [("7.5", Decimal("7.5")), (" 24 ", Decimal(24)), ("-0.01", Decimal("-0.01")), (8, Decimal(8))],
)
def test_plain_decimal_input_is_parsed(raw: str | int, parsed: Decimal) -> None:
    value = parse_decimal(raw)
    assert value == parsed
    assert not isinstance(value, InvalidDecimal)


@pytest.mark.parametrize(
    "raw", ["", "abc", "1e3", "1_000", "NaN", "Infinity", "1,5", "0x10", "9" * 21]
)
def test_other_text_becomes_an_invalid_decimal_for_a_typed_error(raw: str) -> None:
    value = parse_decimal(raw)
    assert isinstance(value, InvalidDecimal)
    assert value.raw == raw
    assert value.is_nan()


@pytest.mark.parametrize("raw", [7.5, True, None, [1], {"a": 1}])
def test_json_floats_and_other_types_are_refused(raw: object) -> None:
    with pytest.raises(GraphQLError, match="sent as strings"):
        parse_decimal(raw)


def test_literals_are_read_from_their_text() -> None:
    assert parse_decimal_literal(parse_value("0.1")) == Decimal("0.1")
    assert parse_decimal_literal(parse_value('"2.50"')) == Decimal("2.50")
    assert isinstance(parse_decimal_literal(parse_value("1e2")), InvalidDecimal)
    with pytest.raises(GraphQLError):
        parse_decimal_literal(parse_value("true"))


async def test_every_amount_in_a_response_is_a_string(api: Api) -> None:
    await seed.office(api)
    (order,) = await seed.generate(api)
    amounts = [order["subtotal"], order["vatTotal"], order["total"]]
    for line in order["lines"]:
        amounts += [line["quantity"], line["unitPrice"], line["amount"], line["vatRate"]]
        amounts += [b[k] for b in line["bookings"] for k in ("hours", "rate", "amount")]
        amounts += [s[k] for s in line["supplies"] for k in ("quantity", "unitPrice", "amount")]
    amounts += [v[k] for v in order["vat"] for k in ("rate", "base", "amount")]
    assert all(isinstance(amount, str) for amount in amounts), amounts
    assert order["lines"][1]["unitPrice"] == "12.50"
