"""Reading mutation inputs: global ids and decimals, with a typed problem per bad field.

Inputs carry global ids as plain `ID`s and decimals as lenient `Decimal`s so that
a malformed value becomes a typed error on its field instead of a failed request.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal

from domain.errors import ErrorCode, Problems
from interfaces.graphql.ids import MalformedId, parse_global_id
from interfaces.graphql.scalars import InvalidDecimal

PLACEHOLDER = uuid.UUID(int=0)


class InputReader:
    """Collects the problems of one input; `check()` raises them all at once."""

    def __init__(self) -> None:
        self._problems = Problems()

    def id(self, value: str, type_name: str, field: str) -> uuid.UUID:
        try:
            found_type, ident = parse_global_id(value)
        except MalformedId:
            self._problems.add(ErrorCode.INVALID, f"{field} is not a valid {type_name} id", field)
            return PLACEHOLDER
        if found_type != type_name:
            self._problems.add(
                ErrorCode.INVALID, f"{field} must be a {type_name} id, not a {found_type} id", field
            )
            return PLACEHOLDER
        return ident

    def optional_id(self, value: str | None, type_name: str, field: str) -> uuid.UUID | None:
        return None if value is None else self.id(value, type_name, field)

    def ids(self, values: Iterable[str], type_name: str, field: str) -> list[uuid.UUID]:
        return [self.id(value, type_name, field) for value in values]

    def decimal(self, value: Decimal, field: str) -> Decimal:
        if isinstance(value, InvalidDecimal):
            self._problems.add(
                ErrorCode.INVALID, f"{field}: {value.raw!r} is not a decimal number", field
            )
        return value

    def optional_decimal(self, value: Decimal | None, field: str) -> Decimal | None:
        return None if value is None else self.decimal(value, field)

    def check(self) -> None:
        """Raise the collected problems as one HourbillError; call before using the values."""
        self._problems.raise_if_any()


def read_id(value: str, type_name: str, field: str) -> uuid.UUID:
    """One global id, or a HourbillError(INVALID) on `field`."""
    reader = InputReader()
    ident = reader.id(value, type_name, field)
    reader.check()
    return ident
