"""Hour bookings and supplies: the billable facts that orders are made of."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from domain.errors import ErrorCode, HourbillError, Problems
from domain.money import checked_decimal

MAX_HOURS_PER_BOOKING = Decimal("24")
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


def checked_date(value: dt.date, field_name: str) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise HourbillError.single(
            ErrorCode.OUT_OF_RANGE,
            f"{field_name} must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()}",
            field_name,
        )
    return value


def _collect(problems: Problems, check: Callable[[], object]) -> None:
    """Run a zero-argument check, turning its error into collected problems."""
    try:
        check()
    except HourbillError as error:
        problems.extend(error)


@dataclass(eq=False)
class HourBooking:
    """Hours an employee worked for a customer, optionally on a project task.

    A booking that sits on an order line is locked: it can be neither changed
    nor deleted until the line or its order is deleted.
    """

    employee_id: uuid.UUID
    customer_id: uuid.UUID
    date: dt.date
    hours: Decimal
    description: str = ""
    project_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    billable: bool = True
    rate: Decimal | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        problems = Problems()

        def hours() -> None:
            self.hours = checked_decimal(
                self.hours, "hours", places=2, maximum=MAX_HOURS_PER_BOOKING, strictly_positive=True
            )

        def rate() -> None:
            if self.rate is not None:
                self.rate = checked_decimal(self.rate, "rate", places=4, minimum=Decimal(0))

        _collect(problems, hours)
        _collect(problems, rate)
        _collect(problems, lambda: checked_date(self.date, "date"))
        if self.task_id is not None and self.project_id is None:
            problems.add(ErrorCode.REQUIRED, "a task needs its project", "projectId")
        problems.raise_if_any()


@dataclass(eq=False)
class Supply:
    """Material sold on a customer's task: quantity × unit price, with its own VAT code."""

    customer_id: uuid.UUID
    date: dt.date
    item_code: str
    quantity: Decimal
    unit_price: Decimal
    vat_code: str
    description: str = ""
    unit: str = "pc"
    project_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        problems = Problems()

        def quantity() -> None:
            self.quantity = checked_decimal(
                self.quantity, "quantity", places=4, strictly_positive=True
            )

        def price() -> None:
            self.unit_price = checked_decimal(
                self.unit_price, "unitPrice", places=4, minimum=Decimal(0)
            )

        _collect(problems, quantity)
        _collect(problems, price)
        _collect(problems, lambda: checked_date(self.date, "date"))
        if not self.item_code.strip():
            problems.add(ErrorCode.REQUIRED, "itemCode is required", "itemCode")
        if not self.vat_code.strip():
            problems.add(ErrorCode.REQUIRED, "vatCode is required", "vatCode")
        if self.task_id is not None and self.project_id is None:
            problems.add(ErrorCode.REQUIRED, "a task needs its project", "projectId")
        problems.raise_if_any()
