from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from domain.bookings import HourBooking, Supply
from domain.errors import ErrorCode
from tests.factories import HourBookingFactory, SupplyFactory, TaskFactory
from tests.unit.helpers import raises_problems


@pytest.mark.parametrize("hours", ["0.01", "7.5", "7.25", "24", "24.00"])
def test_bookings_of_a_hundredth_to_24_hours_are_accepted(hours: str) -> None:
    assert HourBookingFactory(hours=Decimal(hours)).hours == Decimal(hours)


@pytest.mark.parametrize("hours", ["0", "0.00", "-1", "-0.01"])
def test_booking_of_zero_or_negative_hours_is_out_of_range(hours: str) -> None:
    with raises_problems((ErrorCode.OUT_OF_RANGE, "hours")) as info:
        HourBookingFactory(hours=Decimal(hours))

    assert str(info.value) == "hours must be more than 0"


@pytest.mark.parametrize("hours", ["24.01", "25", "48"])
def test_booking_of_more_than_24_hours_is_out_of_range(hours: str) -> None:
    with raises_problems((ErrorCode.OUT_OF_RANGE, "hours")) as info:
        HourBookingFactory(hours=Decimal(hours))

    assert str(info.value) == "hours must be at most 24"


def test_booking_hours_with_three_decimals_are_too_precise() -> None:
    with raises_problems((ErrorCode.TOO_PRECISE, "hours")):
        HourBookingFactory(hours=Decimal("1.125"))


def test_booking_hours_given_as_text_are_parsed() -> None:
    booking = HourBookingFactory(hours="3.75")

    assert booking.hours == Decimal("3.75")


@pytest.mark.parametrize("day", [dt.date(1999, 12, 31), dt.date(2101, 1, 1)])
def test_booking_dates_outside_2000_to_2100_are_out_of_range(day: dt.date) -> None:
    with raises_problems((ErrorCode.OUT_OF_RANGE, "date")) as info:
        HourBookingFactory(date=day)

    assert str(info.value) == "date must lie between 2000-01-01 and 2100-12-31"


@pytest.mark.parametrize("day", [dt.date(2000, 1, 1), dt.date(2100, 12, 31)])
def test_booking_dates_on_the_edges_of_the_range_are_accepted(day: dt.date) -> None:
    assert HourBookingFactory(date=day).date == day


def test_booking_on_a_task_without_its_project_is_refused_on_project_id() -> None:
    with raises_problems((ErrorCode.REQUIRED, "projectId")) as info:
        HourBookingFactory(task_id=uuid.uuid4(), project_id=None)

    assert str(info.value) == "a task needs its project"


def test_booking_on_a_task_with_its_project_is_accepted() -> None:
    task = TaskFactory()

    booking = HourBookingFactory(task=task)

    assert (booking.project_id, booking.task_id) == (task.project_id, task.id)


def test_booking_rate_may_have_four_decimals_and_be_zero() -> None:
    assert HourBookingFactory(rate=Decimal("0")).rate == 0
    assert HourBookingFactory(rate=Decimal("87.1234")).rate == Decimal("87.1234")


def test_booking_rate_is_checked_for_precision_and_sign() -> None:
    with raises_problems((ErrorCode.TOO_PRECISE, "rate")):
        HourBookingFactory(rate=Decimal("87.12345"))
    with raises_problems((ErrorCode.OUT_OF_RANGE, "rate")):
        HourBookingFactory(rate=Decimal("-1"))


def test_booking_validation_reports_all_problems_at_once_in_field_order() -> None:
    with raises_problems(
        (ErrorCode.TOO_PRECISE, "hours"),
        (ErrorCode.OUT_OF_RANGE, "rate"),
        (ErrorCode.OUT_OF_RANGE, "date"),
        (ErrorCode.REQUIRED, "projectId"),
    ):
        HourBooking(
            employee_id=uuid.uuid4(),
            customer_id=uuid.uuid4(),
            date=dt.date(1990, 1, 1),
            hours=Decimal("1.001"),
            task_id=uuid.uuid4(),
            rate=Decimal("-5"),
        )


def test_a_booking_revalidates_after_a_change() -> None:
    booking = HourBookingFactory()
    booking.hours = Decimal("30")

    with raises_problems((ErrorCode.OUT_OF_RANGE, "hours")):
        booking.validate()


def test_supply_accepts_four_decimal_quantities_and_prices() -> None:
    supply = SupplyFactory(quantity=Decimal("2.5001"), unit_price=Decimal("0.0125"))

    assert (supply.quantity, supply.unit_price) == (Decimal("2.5001"), Decimal("0.0125"))


@pytest.mark.parametrize("quantity", ["0", "-3"])
def test_supply_quantity_must_be_more_than_zero(quantity: str) -> None:
    with raises_problems((ErrorCode.OUT_OF_RANGE, "quantity")):
        SupplyFactory(quantity=Decimal(quantity))


def test_supply_quantity_of_five_decimals_is_too_precise() -> None:
    with raises_problems((ErrorCode.TOO_PRECISE, "quantity")):
        SupplyFactory(quantity=Decimal("1.00001"))


def test_supply_unit_price_may_be_zero_but_not_negative() -> None:
    assert SupplyFactory(unit_price=Decimal("0")).unit_price == 0
    with raises_problems((ErrorCode.OUT_OF_RANGE, "unitPrice")):
        SupplyFactory(unit_price=Decimal("-0.01"))


def test_supply_of_an_absurd_quantity_is_refused_before_it_breaks_totals() -> None:
    with raises_problems((ErrorCode.OUT_OF_RANGE, "quantity")):
        SupplyFactory(quantity=Decimal("1E+27"))


def test_supply_validation_reports_all_problems_at_once() -> None:
    with raises_problems(
        (ErrorCode.OUT_OF_RANGE, "quantity"),
        (ErrorCode.TOO_PRECISE, "unitPrice"),
        (ErrorCode.OUT_OF_RANGE, "date"),
        (ErrorCode.REQUIRED, "itemCode"),
        (ErrorCode.REQUIRED, "vatCode"),
        (ErrorCode.REQUIRED, "projectId"),
    ):
        Supply(
            customer_id=uuid.uuid4(),
            date=dt.date(2101, 1, 1),
            item_code=" ",
            quantity=Decimal("0"),
            unit_price=Decimal("1.23456"),
            vat_code="",
            task_id=uuid.uuid4(),
        )
