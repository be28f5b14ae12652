from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from domain.errors import ErrorCode
from domain.orders import BookingRef, Order, OrderLine, OrderStatus, SupplyRef
from domain.vat import VatLine
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory
from tests.unit.helpers import raises_problems

D = Decimal


def positions(order: Order) -> list[int]:
    return [line.position for line in order.lines]


# -- lines ------------------------------------------------------------------


def test_line_amount_applies_the_discount_before_rounding_once() -> None:
    line = OrderLineFactory(quantity=D("3"), unit_price=D("33.3333"), discount_percent=D("10"))

    # 3 × 33.3333 = 99.9999; less 10% = 89.99991 → 90.00
    assert line.amount == D("90.00")


def test_line_amount_of_a_credit_line_is_negative() -> None:
    line = OrderLineFactory(quantity=D("-2"), unit_price=D("47.50"))

    assert line.amount == D("-95.00")


def test_line_source_amount_is_the_rounded_exact_value_of_its_bookings_and_supplies() -> None:
    line = OrderLineFactory(
        bookings=[BookingRef(uuid.uuid4(), D("1.25"), D("33.3333"))],
        supplies=[SupplyRef(uuid.uuid4(), D("0.5"), D("0.0101"))],
    )

    # 41.666625 + 0.00505 = 41.671675 → 41.67
    assert line.source_amount == D("41.67")
    assert line.booking_ids == {line.bookings[0].booking_id}
    assert line.supply_ids == {line.supplies[0].supply_id}


def test_line_of_quantity_zero_is_out_of_range() -> None:
    with raises_problems((ErrorCode.OUT_OF_RANGE, "quantity")) as info:
        OrderLineFactory(quantity=D("0"))

    assert str(info.value) == "quantity must not be 0"


def test_line_discount_lies_between_0_and_100_percent() -> None:
    assert OrderLineFactory(discount_percent=D("100")).amount == D("0.00")
    with raises_problems((ErrorCode.OUT_OF_RANGE, "discountPercent")):
        OrderLineFactory(discount_percent=D("100.01"))
    with raises_problems((ErrorCode.OUT_OF_RANGE, "discountPercent")):
        OrderLineFactory(discount_percent=D("-1"))


def test_line_validation_reports_all_problems_at_once() -> None:
    with raises_problems(
        (ErrorCode.REQUIRED, "description"),
        (ErrorCode.REQUIRED, "vatCode"),
        (ErrorCode.TOO_PRECISE, "quantity"),
        (ErrorCode.TOO_PRECISE, "unitPrice"),
        (ErrorCode.TOO_PRECISE, "discountPercent"),
    ):
        OrderLine(
            description=" ",
            quantity=D("1.00001"),
            unit_price=D("0.00001"),
            vat_code="",
            vat_rate=D("21"),
            discount_percent=D("0.001"),
        )


# -- header -----------------------------------------------------------------


def test_order_header_validation_reports_all_problems_at_once() -> None:
    with raises_problems(
        (ErrorCode.OUT_OF_RANGE, "orderDate"),
        (ErrorCode.INVALID, "periodEnd"),
        (ErrorCode.OUT_OF_RANGE, "reference"),
    ):
        OrderFactory(
            order_date=dt.date(1999, 1, 1),
            period_start=dt.date(2026, 3, 31),
            period_end=dt.date(2026, 3, 1),
            reference="x" * 256,
        )


def test_order_reference_of_255_characters_is_accepted() -> None:
    assert len(OrderFactory(reference="x" * 255).reference or "") == 255


# -- totals -----------------------------------------------------------------


def test_order_totals_sum_line_amounts_and_round_vat_once_per_rate() -> None:
    order = OrderFactory()
    order.add_line(OrderLineFactory(quantity=D("7.5"), unit_price=D("95")))  # 712.50
    order.add_line(OrderLineFactory(quantity=D("1"), unit_price=D("0.07")))  # 0.07
    order.add_line(
        OrderLineFactory(quantity=D("3"), unit_price=D("12.45"), vat_code="9", vat_rate=D("9"))
    )  # 37.35

    totals = order.totals()

    assert totals.subtotal == D("749.92")
    assert totals.vat == (
        VatLine("21", D("21"), D("712.57"), D("149.64")),  # 149.6397
        VatLine("9", D("9"), D("37.35"), D("3.36")),  # 3.3615
    )
    assert totals.vat_total == D("153.00")
    assert totals.total == D("902.92")


def test_totals_of_an_order_without_lines_are_zero() -> None:
    totals = OrderFactory().totals()

    assert (totals.subtotal, totals.vat, totals.vat_total, totals.total) == (0, (), 0, 0)


def test_order_provenance_is_the_union_of_its_lines() -> None:
    b1, b2, s1 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    order = OrderFactory()
    order.add_line(OrderLineFactory(bookings=[BookingRef(b1, D("1"), D("90"))]))
    order.add_line(
        OrderLineFactory(
            bookings=[BookingRef(b2, D("2"), D("90"))], supplies=[SupplyRef(s1, D("1"), D("5"))]
        )
    )

    assert (order.booking_ids, order.supply_ids) == ({b1, b2}, {s1})


# -- editing and locking ----------------------------------------------------


def test_added_lines_are_numbered_from_one() -> None:
    order = OrderFactory()

    for _ in range(3):
        order.add_line(OrderLineFactory())

    assert positions(order) == [1, 2, 3]


def test_remove_line_renumbers_the_remaining_lines() -> None:
    order = OrderFactory(line_count=4)
    first, second, third, fourth = order.lines

    removed = order.remove_line(second.id)

    assert removed is second
    assert order.lines == [first, third, fourth]
    assert positions(order) == [1, 2, 3]


def test_removing_an_unknown_line_is_not_found_on_line_id() -> None:
    order = OrderFactory(line_count=1)

    with raises_problems((ErrorCode.NOT_FOUND, "lineId")):
        order.remove_line(uuid.uuid4())
    assert len(order.lines) == 1


def test_a_draft_order_is_editable() -> None:
    order = OrderFactory()

    order.ensure_editable()

    assert order.editable


def test_an_invoiced_order_is_locked() -> None:
    order = OrderFactory(status=OrderStatus.INVOICED, number=17, line_count=1)

    assert not order.editable
    with raises_problems((ErrorCode.LOCKED, "id")) as info:
        order.ensure_editable()
    assert str(info.value) == "order 17 is invoiced and can no longer be changed"


def test_lock_error_names_the_field_the_order_was_given_in() -> None:
    order = OrderFactory(status=OrderStatus.INVOICED)

    with raises_problems((ErrorCode.LOCKED, "orderId")):
        order.ensure_editable("orderId")


def test_lines_of_an_invoiced_order_can_be_neither_added_nor_removed() -> None:
    order = OrderFactory(status=OrderStatus.INVOICED, line_count=2)
    before = list(order.lines)

    with raises_problems((ErrorCode.LOCKED, "id")):
        order.add_line(OrderLineFactory())
    with raises_problems((ErrorCode.LOCKED, "id")):
        order.remove_line(before[0].id)

    assert order.lines == before


# -- merging ----------------------------------------------------------------


def test_absorb_moves_all_lines_onto_the_target_and_renumbers() -> None:
    customer = CustomerFactory()
    target = OrderFactory(customer=customer, line_count=2)
    other = OrderFactory(customer=customer, line_count=1)
    third = OrderFactory(customer=customer, line_count=2)
    expected = [*target.lines, *other.lines, *third.lines]

    target.absorb([other, third])

    assert target.lines == expected
    assert positions(target) == [1, 2, 3, 4, 5]
    assert (other.lines, third.lines) == ([], [])


def test_absorb_widens_the_period_to_cover_all_orders() -> None:
    customer = CustomerFactory()
    target = OrderFactory(
        customer=customer, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )
    earlier = OrderFactory(
        customer=customer, period_start=dt.date(2026, 2, 1), period_end=dt.date(2026, 2, 28)
    )
    later = OrderFactory(customer=customer, period_start=None, period_end=dt.date(2026, 4, 30))

    target.absorb([earlier, later])

    assert (target.period_start, target.period_end) == (dt.date(2026, 2, 1), dt.date(2026, 4, 30))


def test_absorb_takes_the_period_of_the_others_when_the_target_has_none() -> None:
    customer = CustomerFactory()
    target = OrderFactory(customer=customer, period_start=None, period_end=None)
    other = OrderFactory(customer=customer)

    target.absorb([other])

    assert (target.period_start, target.period_end) == (other.period_start, other.period_end)


def test_absorb_keeps_a_shared_project_and_clears_a_differing_one() -> None:
    customer = CustomerFactory()
    project, other_project = uuid.uuid4(), uuid.uuid4()
    same = OrderFactory(customer=customer, project_id=project)
    target = OrderFactory(customer=customer, project_id=project)
    target.absorb([same])
    assert target.project_id == project

    target.absorb([OrderFactory(customer=customer, project_id=other_project)])
    assert target.project_id is None


def test_absorb_refuses_orders_of_another_customer_and_changes_nothing() -> None:
    target = OrderFactory(line_count=1)
    foreign = OrderFactory(line_count=2, period_start=dt.date(2025, 1, 1))
    target_lines, foreign_lines = list(target.lines), list(foreign.lines)

    with raises_problems((ErrorCode.CUSTOMER_MISMATCH, "orderIds")):
        target.absorb([foreign])

    assert (target.lines, foreign.lines) == (target_lines, foreign_lines)
    assert target.period_start == dt.date(2026, 3, 1)


@pytest.mark.parametrize("locked", ["target", "other"])
def test_absorb_refuses_invoiced_orders(locked: str) -> None:
    customer = CustomerFactory()
    target = OrderFactory(customer=customer, line_count=1, number=5)
    other = OrderFactory(customer=customer, line_count=1, number=6)
    (target if locked == "target" else other).status = OrderStatus.INVOICED

    with raises_problems((ErrorCode.LOCKED, "orderIds")) as info:
        target.absorb([other])

    assert str(info.value) == f"order {5 if locked == 'target' else 6} is no longer a draft"
    assert (len(target.lines), len(other.lines)) == (1, 1)


def test_absorb_refuses_to_merge_an_order_into_itself() -> None:
    order = OrderFactory(line_count=2)
    lines = list(order.lines)

    with raises_problems((ErrorCode.DUPLICATE, "orderIds")):
        order.absorb([order])

    assert order.lines == lines


def test_absorb_reports_lock_mismatch_and_self_merge_together() -> None:
    target = OrderFactory(status=OrderStatus.INVOICED)

    with raises_problems(
        (ErrorCode.LOCKED, "orderIds"),
        (ErrorCode.LOCKED, "orderIds"),
        (ErrorCode.CUSTOMER_MISMATCH, "orderIds"),
        (ErrorCode.DUPLICATE, "orderIds"),
    ):
        target.absorb([OrderFactory(), target])
