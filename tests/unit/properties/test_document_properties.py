"""Properties of the printed documents, built through the print use case on the fakes.

g. a specification lists every booking and supply of its order exactly once, at the
   hours, rates and prices they were billed at;
h. on paper everything adds up: the rows of a line plus its discount/adjustment row
   make the line's amount, the lines make the grand total, and so do the project
   subtotals; the grand total, VAT and total equal the order's own;
i. a concept invoice shows the order's lines, VAT per rate and totals unchanged.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from application.documents import PrintDocuments
from domain.documents import Document, InvoiceDocument, SpecificationReport
from domain.generation import Granularity, Grouping
from domain.money import ZERO, round_money
from domain.orders import Order
from tests.unit.helpers import run
from tests.unit.properties.strategies import COMBINATIONS, PROPERTY_SETTINGS, Ledger, ledgers
from tests.unit.properties.test_order_lifecycle_properties import App, sources

discounts = st.lists(st.sampled_from([Decimal(0), Decimal("2.5"), Decimal(10), Decimal(100)]))


class KeepingRenderer:
    """A renderer that keeps the documents it was given and returns a marker."""

    def __init__(self) -> None:
        self.documents: list[Document] = []

    def render(self, documents: Sequence[Document]) -> bytes:
        self.documents = list(documents)
        return b"%PDF-kept"


def generated(
    ledger: Ledger, grouping: Grouping, granularity: Granularity, cuts: list[Decimal]
) -> App:
    """An app whose store holds the generated orders, some lines discounted."""
    app = App(ledger.store())
    app.generate_if_any(ledger, grouping, granularity)
    lines = [line for order in app.store.orders.values() for line in order.lines]
    for line, cut in zip(lines, cuts, strict=False):
        line.discount_percent = cut
    return app


def specifications(app: App) -> tuple[list[Order], list[SpecificationReport]]:
    renderer = KeepingRenderer()
    orders = sorted(app.store.orders.values(), key=lambda o: o.number or 0)
    if orders:
        pdf = run(PrintDocuments(app.uow, renderer).specifications([o.id for o in orders]))
        assert pdf.content == b"%PDF-kept"
        assert pdf.order_numbers == tuple(o.number for o in orders)
    reports = [d for d in renderer.documents if isinstance(d, SpecificationReport)]
    assert len(reports) == len(renderer.documents) == len(orders)
    return orders, reports


@PROPERTY_SETTINGS
@given(ledgers(), st.sampled_from(COMBINATIONS), discounts)
def test_a_specification_shows_every_source_once_at_its_billed_price(
    ledger: Ledger, combination: tuple[Grouping, Granularity], cuts: list[Decimal]
) -> None:
    app = generated(ledger, *combination, cuts)
    orders, reports = specifications(app)

    for order, report in zip(orders, reports, strict=True):
        assert report.header.order_number == order.number
        printed: Counter[uuid.UUID] = Counter()
        for line, spec in zip(order.lines, report.lines, strict=True):
            assert sorted((b.hours, b.rate) for b in spec.bookings) == sorted(
                (r.hours, r.rate) for r in line.bookings
            )
            assert sorted((s.quantity, s.unit_price) for s in spec.supplies) == sorted(
                (r.quantity, r.unit_price) for r in line.supplies
            )
            booked = [app.store.bookings[r.booking_id] for r in line.bookings]
            assert sorted((b.date, b.employee) for b in spec.bookings) == sorted(
                (b.date, app.store.employees[b.employee_id].name) for b in booked
            )
            printed.update(line.booking_ids | line.supply_ids)
        assert printed == sources(order)


@PROPERTY_SETTINGS
@given(ledgers(), st.sampled_from(COMBINATIONS), discounts)
def test_everything_on_a_specification_adds_up_to_the_order(
    ledger: Ledger, combination: tuple[Grouping, Granularity], cuts: list[Decimal]
) -> None:
    app = generated(ledger, *combination, cuts)
    orders, reports = specifications(app)

    for order, report in zip(orders, reports, strict=True):
        totals = order.totals()
        for line, spec in zip(order.lines, report.lines, strict=True):
            rows = sum((b.amount for b in spec.bookings), ZERO) + sum(
                (s.amount for s in spec.supplies), ZERO
            )
            assert rows + spec.adjustment == spec.amount == line.amount
            if line.discount_percent == ZERO:
                # Without a discount only the rounding of single rows can differ.
                assert abs(spec.adjustment) <= Decimal("0.005") * (
                    len(spec.bookings) + len(spec.supplies)
                )
        assert sum((ln.amount for ln in report.lines), ZERO) == report.subtotal
        assert sum((p.amount for p in report.projects), ZERO) == report.subtotal
        assert sum((p.hours for p in report.projects), ZERO) == report.hours
        assert report.hours == sum((r.hours for ln in order.lines for r in ln.bookings), ZERO)
        assert (report.subtotal, report.vat_total, report.total) == (
            totals.subtotal,
            totals.vat_total,
            totals.total,
        )


@PROPERTY_SETTINGS
@given(ledgers(), st.sampled_from(COMBINATIONS), discounts)
def test_a_concept_invoice_shows_the_orders_lines_and_totals(
    ledger: Ledger, combination: tuple[Grouping, Granularity], cuts: list[Decimal]
) -> None:
    app = generated(ledger, *combination, cuts)
    orders = sorted(app.store.orders.values(), key=lambda o: o.number or 0)
    renderer = KeepingRenderer()
    if orders:
        run(PrintDocuments(app.uow, renderer).concept_invoices([o.id for o in orders]))
    invoices = [d for d in renderer.documents if isinstance(d, InvoiceDocument)]

    assert len(invoices) == len(orders)
    for order, document in zip(orders, invoices, strict=True):
        totals = order.totals()
        assert document.is_concept
        assert [
            (ln.description, ln.quantity, ln.unit_price, ln.amount) for ln in document.lines
        ] == [(ln.description, ln.quantity, ln.unit_price, ln.amount) for ln in order.lines]
        assert document.vat == totals.vat
        assert sum((v.amount for v in document.vat), ZERO) == document.vat_total
        assert document.subtotal + document.vat_total == document.total == totals.total
        assert all(round_money(v.base * v.rate / 100) == v.amount for v in document.vat)
