"""The Decimal scalar: money, hours and quantities travel as strings, never as floats.

A string that is no plain decimal number ("abc", "1e3", "1_0") is not refused by
GraphQL: it arrives as an `InvalidDecimal` (a NaN that remembers the text), so the
mutation can answer with a typed INVALID error on its field (ADR 0008).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import strawberry
from graphql import FloatValueNode, GraphQLError, IntValueNode, StringValueNode, ValueNode
from strawberry.types.scalar import ScalarDefinition

PLAIN_DECIMAL = re.compile(r"[+-]?\d{1,20}(\.\d{1,28})?")


class InvalidDecimal(Decimal):
    """Input text that is not a decimal number; a NaN, so no arithmetic can use it."""

    raw: str

    def __new__(cls, raw: str) -> InvalidDecimal:
        self = super().__new__(cls, "NaN")
        self.raw = raw
        return self


def serialize_decimal(value: object) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"{value!r} is not a finite Decimal")


def decimal_from_text(text: str) -> Decimal:
    stripped = text.strip()
    if not PLAIN_DECIMAL.fullmatch(stripped):
        return InvalidDecimal(text)
    return Decimal(stripped)


def parse_decimal(value: object) -> Decimal:
    if isinstance(value, str):
        return decimal_from_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise GraphQLError('Decimal values are sent as strings, e.g. "7.5"')


def parse_decimal_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> Decimal:
    if isinstance(node, (StringValueNode, IntValueNode, FloatValueNode)):
        return decimal_from_text(node.value)
    raise GraphQLError('Decimal values are sent as strings, e.g. "7.5"')


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description=(
        'An exact decimal number as a string, e.g. "7.50". Amounts, hours, rates and '
        "quantities are never floats."
    ),
    serialize=serialize_decimal,
    parse_value=parse_decimal,
    parse_literal=parse_decimal_literal,
)

SCALARS: dict[object, ScalarDefinition] = {Decimal: DecimalScalar}
