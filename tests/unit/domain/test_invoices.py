"""The invoice state machine, its reference, and the prices a line is sent to Exact with."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ErrorCode, HourbillError
from domain.invoices import (
    YOUR_REF_MAX,
    Amounts,
    Invoice,
    InvoiceRun,
    InvoiceState,
    exact_line_price,
    invoice_reference,
)
from domain.money import round_money
from domain.orders import Order, OrderLine, OrderStatus

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)
EXACT = Amounts(Decimal("100.00"), Decimal("21.00"), Decimal("121.00"))


def order(*lines: OrderLine) -> Order:
    made = Order(uuid.uuid4(), dt.date(2026, 4, 1), number=42)
    for line in lines:
        made.add_line(line)
    return made


def line(quantity: str = "1", price: str = "100", discount: str = "0") -> OrderLine:
    return OrderLine(
        "Work",
        Decimal(quantity),
        Decimal(price),
        "21",
        Decimal(21),
        discount_percent=Decimal(discount),
    )


def queued() -> Invoice:
    return Invoice.of_order(order(line()), NOW)


def sent() -> Invoice:
    invoice = queued()
    invoice.attempt(NOW, 123456, "70")
    invoice.sent(
        division=123456,
        journal="70",
        exact_invoice_id=uuid.uuid4(),
        exact_order_number=9,
        exact_amounts=EXACT,
        now=NOW,
    )
    return invoice


def test_an_invoice_of_an_order_locks_it_and_snapshots_its_totals() -> None:
    source = order(line("2", "50"), line("1", "10"))
    invoice = Invoice.of_order(source, NOW)
    assert source.status is OrderStatus.INVOICED
    with pytest.raises(HourbillError) as locked:
        source.add_line(line())
    assert locked.value.problems[0].code is ErrorCode.LOCKED
    assert (invoice.subtotal, invoice.vat_total, invoice.total) == (
        Decimal("110"),
        Decimal("23.10"),
        Decimal("133.10"),
    )
    assert invoice.state is InvoiceState.QUEUED
    assert invoice.order_number == 42
    assert invoice.number is None
    assert invoice.reference == f"HB-42-{invoice.id.hex[:8]}"


def test_an_empty_or_invoiced_order_is_refused() -> None:
    with pytest.raises(HourbillError) as empty:
        Invoice.of_order(order(), NOW)
    assert empty.value.problems[0].code is ErrorCode.EMPTY_ORDER
    source = order(line())
    Invoice.of_order(source, NOW)
    with pytest.raises(HourbillError) as twice:
        Invoice.of_order(source, NOW)
    assert twice.value.problems[0].code is ErrorCode.LOCKED


def test_references_fit_yourref() -> None:
    assert len(invoice_reference(10**12, uuid.uuid4())) <= YOUR_REF_MAX


def test_attempts_pin_the_administration_and_signal_a_lookup() -> None:
    invoice = queued()
    invoice.attempt(NOW, 1, "70")
    assert not invoice.may_exist_in_exact
    invoice.attempt(NOW, 2, "71")
    assert invoice.may_exist_in_exact
    assert (invoice.division, invoice.journal, invoice.attempts) == (1, "70", 2)


def test_sent_keeps_exacts_numbers_and_flags_other_amounts() -> None:
    invoice = sent()
    assert invoice.state is InvoiceState.SENT
    assert invoice.number == 9
    assert invoice.amount_mismatch is False
    invoice.processed(26700001, NOW)
    assert invoice.number == 26700001
    other = queued()
    other.attempt(NOW, 1, "70")
    other.sent(
        division=1,
        journal="70",
        exact_invoice_id=uuid.uuid4(),
        exact_order_number=10,
        exact_amounts=Amounts(Decimal("100.00"), Decimal("20.99"), Decimal("120.99")),
        now=NOW,
    )
    assert other.amount_mismatch is True


def test_postponed_stays_queued_failed_can_be_retried() -> None:
    invoice = queued()
    invoice.attempt(NOW, 1, "70")
    invoice.postpone("EXACT_UNAVAILABLE", "503", NOW)
    assert (invoice.state, invoice.error_message) == (InvoiceState.QUEUED, "503")
    invoice.failed("EXACT_REJECTED", "Journal 99 does not exist", NOW)
    assert invoice.state is InvoiceState.FAILED
    invoice.retry(NOW)
    assert invoice.state is InvoiceState.QUEUED
    assert invoice.error_code is None
    assert invoice.division is None, "after a refusal the next push may go elsewhere"


def test_after_giving_up_a_retry_stays_with_the_same_administration() -> None:
    invoice = queued()
    invoice.attempt(NOW, 1, "70")
    invoice.failed("EXACT_UNAVAILABLE", "gave up", NOW)
    invoice.retry(NOW)
    assert (invoice.division, invoice.journal) == (1, "70")


@pytest.mark.parametrize(
    ("invoice", "allowed"),
    [
        (queued, False),
        (sent, True),
    ],
)
def test_only_sent_failed_or_processed_invoices_can_be_deleted(invoice, allowed) -> None:  # type: ignore[no-untyped-def]
    target = invoice()
    if allowed:
        target.delete(NOW)
        assert target.state is InvoiceState.DELETED
        assert target.number == 9, "a tombstone keeps its numbers"
        target.release_order()
        assert target.order_id is None
    else:
        with pytest.raises(HourbillError):
            target.delete(NOW)


def test_a_deleted_invoice_is_never_sent_again() -> None:
    invoice = sent()
    invoice.delete(NOW)
    for action in (lambda: invoice.attempt(NOW), lambda: invoice.retry(NOW)):
        with pytest.raises(HourbillError) as refused:
            action()
        assert refused.value.problems[0].code is ErrorCode.INVALID_STATE


def test_a_pdf_attached_in_exact_is_recorded_without_a_change_of_state() -> None:
    invoice, document = sent(), uuid.uuid4()
    later = NOW + dt.timedelta(minutes=1)

    invoice.pdf_attached(document, later)

    assert (invoice.exact_document_id, invoice.pdf_attached_at) == (document, later)
    assert (invoice.state, invoice.updated_at) == (InvoiceState.SENT, later)


def test_the_same_document_again_changes_nothing() -> None:
    invoice, document = sent(), uuid.uuid4()
    invoice.pdf_attached(document, NOW)

    invoice.pdf_attached(document, NOW + dt.timedelta(hours=1))

    assert (invoice.pdf_attached_at, invoice.updated_at) == (NOW, NOW)


def test_a_processed_invoice_can_get_its_pdf() -> None:
    invoice = sent()
    invoice.processed(26700001, NOW)

    invoice.pdf_attached(uuid.uuid4(), NOW)

    assert invoice.state is InvoiceState.PROCESSED
    assert invoice.pdf_attached_at == NOW


def test_only_an_invoice_in_exact_can_have_a_pdf_there() -> None:
    deleted = sent()
    deleted.delete(NOW)
    for invoice in (queued(), deleted):
        with pytest.raises(HourbillError) as refused:
            invoice.pdf_attached(uuid.uuid4(), NOW)
        assert refused.value.problems[0].code is ErrorCode.INVALID_STATE
        assert invoice.exact_document_id is None


def test_a_run_needs_a_usable_key() -> None:
    for key in ("", "   ", "x" * 256, "café"):
        with pytest.raises(HourbillError) as bad:
            InvoiceRun(key, NOW)
        assert bad.value.problems[0].field == "idempotencyKey"


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "sent_quantity", "sent_price"),
    [
        ("3", "33.3333", "0", "3", "33.3333"),
        ("7", "19.99", "12.5", "7", "17.4912"),
        ("1.5", "10", "10", "1.5", "9.0000"),
        ("-2", "15.5", "0", "-2", "15.5000"),
    ],
)
def test_exact_line_price(
    quantity: str, price: str, discount: str, sent_quantity: str, sent_price: str
) -> None:
    sent_line = exact_line_price(line(quantity, price, discount))
    assert (sent_line.quantity, sent_line.net_price) == (
        Decimal(sent_quantity),
        Decimal(sent_price),
    )
    assert sent_line.note == ""


@given(
    quantity=st.decimals("-1000", "1000", places=4).filter(lambda q: q != 0),
    price=st.decimals("0", "100000", places=4),
    discount=st.decimals("0", "100", places=2),
)
def test_exact_computes_our_line_amount(
    quantity: Decimal, price: Decimal, discount: Decimal
) -> None:
    """Whatever the discount: quantity × net price, rounded as Exact rounds, is our amount."""
    order_line = line(str(quantity), str(price), str(discount))
    sent_line = exact_line_price(order_line)
    assert round_money(sent_line.quantity * sent_line.net_price) == order_line.amount
    assert -sent_line.net_price.as_tuple().exponent <= 4  # type: ignore[operator]
