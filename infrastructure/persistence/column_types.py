"""Column types that keep domain values exact on PostgreSQL and SQLite alike."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import CHAR, BigInteger, Enum, Numeric, Text, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from domain.errors import ErrorCode, Problem
from domain.invoices import RejectedOrder


class FixedDecimal(TypeDecorator[Decimal]):
    """A Decimal with a fixed number of places, never passed through a float.

    PostgreSQL stores NUMERIC(precision, scale). SQLite has no exact decimal
    type, so there the value is stored scaled to an integer: 12.34 at scale 2
    is 1234. A value with more places than the scale is refused, not rounded.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision, scale, asdecimal=True)
        self.scale = scale
        self.unit = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(self.impl_instance)

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | int | None:
        if value is None:
            return None
        exact = Decimal(value).quantize(self.unit)
        if exact != value:
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        return int(exact.scaleb(self.scale)) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(value).scaleb(-self.scale)
        return value if isinstance(value, Decimal) else Decimal(value)


class ReferenceUuid(TypeDecorator[uuid.UUID]):
    """A foreign key that recurs in many rows: each id is made once and shared.

    100,000 bookings name a few thousand customers, projects and tasks; sharing
    saves memory everywhere and, on SQLite (32 hex digits), parsing time.
    """

    impl = Uuid
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(CHAR(32))
        return dialect.type_descriptor(Uuid())

    def process_bind_param(self, value: uuid.UUID | str | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return (value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))).hex

    def process_result_value(self, value: Any, dialect: Dialect) -> uuid.UUID | None:
        return None if value is None else _shared_uuid(value)


@lru_cache(maxsize=1 << 16)
def _shared_uuid(value: str | uuid.UUID) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(hex=value)


def string_enum(enum: type[StrEnum]) -> Enum:
    """An enum stored as its value in a VARCHAR, so adding a member needs no DDL."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as epoch milliseconds (UTC): the same on every database.

    Naive datetimes are refused: a time without a zone is a bug waiting to happen.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value} has no time zone")
        return round(value.timestamp() * 1000)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)


class UuidTuple(TypeDecorator[tuple[uuid.UUID, ...]]):
    """A short, ordered tuple of ids kept in one text column (comma-separated hex)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: tuple[uuid.UUID, ...] | None, dialect: Dialect) -> Any:
        return None if value is None else ",".join(item.hex for item in value)

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[uuid.UUID, ...] | None:
        if value is None:
            return None
        return tuple(uuid.UUID(hex=item) for item in str(value).split(",") if item)


class RejectedOrders(TypeDecorator[tuple[RejectedOrder, ...]]):
    """An invoicing run's refused orders and their problems, as JSON text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: tuple[RejectedOrder, ...] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.dumps(
            [
                {
                    "order": r.order_id.hex,
                    "problems": [[p.code.value, p.message, p.field] for p in r.problems],
                }
                for r in value
            ]
        )

    def process_result_value(
        self, value: Any, dialect: Dialect
    ) -> tuple[RejectedOrder, ...] | None:
        if value is None:
            return None
        return tuple(
            RejectedOrder(
                uuid.UUID(hex=r["order"]),
                tuple(
                    Problem(ErrorCode(code), message, field)
                    for code, message, field in r["problems"]
                ),
            )
            for r in json.loads(value)
        )
