"""The print use case: which documents it builds, for whom, in what language, and its errors."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal

import pytest

from application.documents import PrintDocuments
from domain.bookings import HourBooking
from domain.customers import Customer, Language
from domain.documents import MAX_BATCH, Document, DocumentKind, InvoiceDocument
from domain.documents import SpecificationReport as Spec
from domain.errors import ErrorCode
from domain.invoices import Invoice
from domain.orders import BookingRef, LineKind, Order, OrderLine
from domain.settings import CompanyDetails
from domain.work import Employee, Project, Task
from tests.fakes import FakeStore, FakeUnitOfWorkFactory
from tests.unit.helpers import raises_problems

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


class KeepingRenderer:
    def __init__(self) -> None:
        self.calls: list[list[Document]] = []

    def render(self, documents: Sequence[Document]) -> bytes:
        self.calls.append(list(documents))
        return b"%PDF-" + str(len(documents)).encode()


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    store.settings.set_company(
        CompanyDetails("Bouwbureau Veldkamp B.V.", "Oudegracht 12", "3511 AP", "Utrecht"), 14
    )
    return store


@pytest.fixture
def renderer() -> KeepingRenderer:
    return KeepingRenderer()


@pytest.fixture
def printer(store: FakeStore, renderer: KeepingRenderer) -> PrintDocuments:
    return PrintDocuments(FakeUnitOfWorkFactory(store), renderer)


def customer(store: FakeStore, language: Language = Language.NL, code: str = "ACME") -> Customer:
    found = Customer(code, f"{code} B.V.", language=language, city="Gouda", postcode="2801 AA")
    store.customers[found.id] = found
    return found


def order(store: FakeStore, owner: Customer, *lines: OrderLine) -> Order:
    store.last_number += 1
    made = Order(owner.id, dt.date(2026, 4, 1), "Uren maart", "PO-77", number=store.last_number)
    for line in lines or (OrderLine("Advies", Decimal(8), Decimal(95), "21", Decimal(21)),):
        made.add_line(line)
    store.orders[made.id] = made
    return made


def booked_order(store: FakeStore, owner: Customer) -> tuple[Order, HourBooking]:
    anna = Employee("E1", "Anna de Vries")
    project = Project(owner.id, "P1", "Nieuwbouw")
    task = Task(project.id, "T1", "Ontwerp")
    booking = HourBooking(
        anna.id, owner.id, dt.date(2026, 3, 3), Decimal("7.5"), "Schetsontwerp", project.id, task.id
    )
    store.employees[anna.id], store.projects[project.id], store.tasks[task.id] = anna, project, task
    store.bookings[booking.id] = booking
    line = OrderLine(
        "Ontwerp",
        Decimal("7.5"),
        Decimal(95),
        "21",
        Decimal(21),
        kind=LineKind.HOURS,
        project_id=project.id,
        task_id=task.id,
        bookings=[BookingRef(booking.id, Decimal("7.5"), Decimal(95))],
    )
    return order(store, owner, line), booking


async def test_concept_invoices_come_in_the_order_asked_in_one_pdf(
    store: FakeStore, printer: PrintDocuments, renderer: KeepingRenderer
) -> None:
    acme, globex = customer(store), customer(store, Language.EN, "GLOBEX")
    first, second = order(store, acme), order(store, globex)

    pdf = await printer.concept_invoices([second.id, first.id])

    (documents,) = renderer.calls
    assert pdf.content == b"%PDF-2"
    assert pdf.file_name == "concept-invoices-2.pdf"
    assert pdf.order_numbers == (second.number, first.number)
    assert [d.header.order_number for d in documents] == [second.number, first.number]
    assert [d.header.language for d in documents] == [Language.EN, Language.NL]
    assert all(isinstance(d, InvoiceDocument) and d.is_concept for d in documents)
    assert documents[0].header.company.name == "Bouwbureau Veldkamp B.V."
    assert documents[0].header.customer.lines == ("2801 AA Gouda",)


async def test_the_language_can_be_overridden_and_payment_terms_give_the_due_date(
    store: FakeStore, printer: PrintDocuments, renderer: KeepingRenderer
) -> None:
    made = order(store, customer(store))

    pdf = await printer.concept_invoices([made.id], Language.EN)

    (document,) = renderer.calls[0]
    assert isinstance(document, InvoiceDocument)
    assert pdf.file_name == f"concept-invoice-{made.number}.pdf"
    assert document.header.language is Language.EN
    assert document.due_date == dt.date(2026, 4, 15)
    assert document.header.reference == "PO-77"
    assert document.header.payment_reference == str(made.number)


async def test_a_specification_names_employee_project_and_task_of_every_booking(
    store: FakeStore, printer: PrintDocuments, renderer: KeepingRenderer
) -> None:
    made, booking = booked_order(store, customer(store))

    await printer.specifications([made.id])

    (report,) = renderer.calls[0]
    assert isinstance(report, Spec)
    (row,) = report.lines[0].bookings
    assert (row.date, row.employee, row.project, row.task, row.description) == (
        booking.date,
        "Anna de Vries",
        "Nieuwbouw",
        "Ontwerp",
        "Schetsontwerp",
    )
    assert (row.hours, row.rate, row.amount) == (Decimal("7.5"), Decimal(95), Decimal("712.50"))
    assert [(p.project, p.hours, p.amount) for p in report.projects] == [
        ("Nieuwbouw", Decimal("7.5"), Decimal("712.50"))
    ]


async def test_an_invoice_pdf_is_the_unmarked_invoice_and_its_specification_with_its_numbers(
    store: FakeStore, printer: PrintDocuments, renderer: KeepingRenderer
) -> None:
    made, _ = booked_order(store, customer(store))
    invoice = Invoice.of_order(made, NOW)
    invoice.exact_order_number, invoice.exact_invoice_number = 19, 26000042
    store.invoices[invoice.id] = invoice

    pdf = await printer.invoice_pdf(invoice.id)

    kinds = [d.kind if isinstance(d, InvoiceDocument) else "SPEC" for d in renderer.calls[0]]
    assert kinds == [DocumentKind.INVOICE, "SPEC"]
    header = renderer.calls[0][0].header
    assert (header.invoice_reference, header.exact_order_number, header.invoice_number) == (
        invoice.reference,
        19,
        26000042,
    )
    assert header.payment_reference == "26000042"
    assert pdf.file_name == f"invoice-{made.number}.pdf"


async def test_an_invoice_specification_is_its_orders(
    store: FakeStore, printer: PrintDocuments, renderer: KeepingRenderer
) -> None:
    made, _ = booked_order(store, customer(store))
    invoice = Invoice.of_order(made, NOW)
    store.invoices[invoice.id] = invoice

    await printer.invoice_specification(invoice.id, Language.EN)

    (report,) = renderer.calls[0]
    assert isinstance(report, Spec)
    assert report.header.invoice_reference == invoice.reference
    assert report.header.language is Language.EN


async def test_a_released_invoice_has_nothing_to_specify(
    store: FakeStore, printer: PrintDocuments, renderer: KeepingRenderer
) -> None:
    invoice = Invoice.of_order(order(store, customer(store)), NOW)
    invoice.sent(
        division=1,
        journal="70",
        exact_invoice_id=uuid.uuid4(),
        exact_order_number=1,
        exact_amounts=invoice.amounts,
        now=NOW,
    )
    invoice.delete(NOW)
    invoice.release_order()
    store.invoices[invoice.id] = invoice

    with raises_problems((ErrorCode.INVALID_STATE, "invoiceId")):
        await printer.invoice_specification(invoice.id)
    with raises_problems((ErrorCode.NOT_FOUND, "invoiceId")):
        await printer.invoice_pdf(uuid.uuid4())
    assert renderer.calls == []


async def test_bad_selections_are_refused_before_rendering(
    store: FakeStore, printer: PrintDocuments, renderer: KeepingRenderer
) -> None:
    made = order(store, customer(store))

    with raises_problems((ErrorCode.REQUIRED, "orderIds")):
        await printer.concept_invoices([])
    with raises_problems((ErrorCode.DUPLICATE, "orderIds")):
        await printer.specifications([made.id, made.id])
    with raises_problems((ErrorCode.OUT_OF_RANGE, "orderIds")):
        await printer.concept_invoices([uuid.uuid4() for _ in range(MAX_BATCH + 1)])
    missing = uuid.uuid4()
    with raises_problems((ErrorCode.NOT_FOUND, "orderIds")) as refused:
        await printer.concept_invoices([made.id, missing])
    assert str(missing) in str(refused.value)
    assert renderer.calls == []


async def test_check_refuses_what_printing_would_without_rendering(
    store: FakeStore, printer: PrintDocuments, renderer: KeepingRenderer
) -> None:
    made = order(store, customer(store))

    assert await printer.check([made.id]) == [made.id]
    with raises_problems((ErrorCode.NOT_FOUND, "orderIds")):
        await printer.check([made.id, uuid.uuid4()])
    with raises_problems((ErrorCode.DUPLICATE, "orderIds")):
        await printer.check([made.id, made.id])
    assert renderer.calls == []
