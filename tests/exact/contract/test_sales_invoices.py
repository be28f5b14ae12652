"""salesinvoice/SalesInvoices and PrintedSalesInvoices through the port."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest

from application.exact import (
    ExactAuthError,
    ExactNotFoundError,
    ExactSalesInvoiceLine,
    ExactValidationError,
    InvoiceStatus,
    SalesInvoiceDraft,
)
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.seed import SECOND_DIVISION
from tests.exact.contract.conftest import DIVISION, Exact, Gateway


def three_lines(exact: Exact) -> SalesInvoiceDraft:
    """21 % of 10.50 is 2.205: 2.21 per line (half up), where the total's 4.41 would not be."""
    return exact.draft(
        "HB-2026-0001",
        [
            exact.line("UREN", "1", "10.50", description="Consultancy maart"),
            exact.line("SUPPORT", "1", "10.50", description="Support maart", vat_code="2"),
            exact.line("BOEKEN", "3", "12.35", description="Handboeken"),
        ],
    )


async def test_a_new_invoice_is_open_with_an_order_number_and_computed_amounts(
    gateway: Gateway, exact: Exact
) -> None:
    invoice = await gateway.create_sales_invoice(DIVISION, three_lines(exact))

    assert invoice.status is InvoiceStatus.OPEN
    assert not invoice.processed
    assert invoice.invoice_number is None
    assert invoice.order_number == 1
    assert invoice.your_ref == "HB-2026-0001"
    assert (invoice.journal, invoice.ordered_by) == ("70", exact.account_id("ACME"))
    assert (invoice.amount_excl_vat, invoice.vat_amount, invoice.amount_incl_vat) == (
        Decimal("58.05"),
        Decimal("7.75"),
        Decimal("65.80"),
    )
    assert invoice.lines == ()  # a POST answers with the lines deferred
    [row] = exact.invoices()
    assert (row["InvoiceID"], row["Status"], row["Type"]) == (invoice.invoice_id, 20, 8020)


async def test_order_numbers_are_consecutive(gateway: Gateway, exact: Exact) -> None:
    first = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1"))
    second = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-2", customer="DELTA"))

    assert (first.order_number, second.order_number) == (1, 2)
    assert second.ordered_by == exact.account_id("DELTA")


async def test_a_posted_order_number_is_kept_and_a_duplicate_rejected(
    gateway: Gateway, exact: Exact
) -> None:
    invoice = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1", order_number=5000))

    assert invoice.order_number == 5000
    with pytest.raises(ExactValidationError) as raised:
        await gateway.create_sales_invoice(DIVISION, exact.draft("HB-2", order_number=5000))
    assert raised.value.message == "OrderNumber already exists: 5000"
    assert [row["YourRef"] for row in exact.invoices()] == ["HB-1"]


async def test_a_rejected_invoice_with_a_posted_order_number_does_not_claim_it(
    gateway: Gateway, exact: Exact
) -> None:
    spoiled = _unknown_item(exact, replace(three_lines(exact), order_number=5000))

    with pytest.raises(ExactValidationError):
        await gateway.create_sales_invoice(DIVISION, spoiled)

    default = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1"))
    posted = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-2", order_number=5000))
    assert (default.order_number, posted.order_number) == (1, 5000)


def _unknown_customer(exact: Exact, draft: SalesInvoiceDraft) -> SalesInvoiceDraft:
    return replace(draft, ordered_by=uuid.uuid4())


def _unknown_item(exact: Exact, draft: SalesInvoiceDraft) -> SalesInvoiceDraft:
    return replace(draft, lines=[*draft.lines, replace(draft.lines[0], item_id=uuid.uuid4())])


def _unknown_vat_code(exact: Exact, draft: SalesInvoiceDraft) -> SalesInvoiceDraft:
    return replace(draft, lines=[*draft.lines, replace(draft.lines[0], vat_code="9")])


def _unknown_journal(exact: Exact, draft: SalesInvoiceDraft) -> SalesInvoiceDraft:
    return replace(draft, journal="99")


def _bank_journal(exact: Exact, draft: SalesInvoiceDraft) -> SalesInvoiceDraft:
    return replace(draft, journal="20")


def _no_lines(exact: Exact, draft: SalesInvoiceDraft) -> SalesInvoiceDraft:
    return replace(draft, lines=[])


def _unknown_payment_condition(exact: Exact, draft: SalesInvoiceDraft) -> SalesInvoiceDraft:
    return replace(draft, payment_condition="99")


def _unknown_gl_account(exact: Exact, draft: SalesInvoiceDraft) -> SalesInvoiceDraft:
    return replace(draft, lines=[*draft.lines, replace(draft.lines[0], gl_account_id=uuid.uuid4())])


def _customer_of_another_division(exact: Exact, draft: SalesInvoiceDraft) -> SalesInvoiceDraft:
    return draft  # ACME exists in the demo division only


@pytest.mark.parametrize(
    ("spoil", "message", "division"),
    [
        (_unknown_customer, "Invalid reference: Ordered by", DIVISION),
        (_unknown_item, "Invalid reference: Item", DIVISION),
        (_unknown_vat_code, "Invalid reference: VAT code", DIVISION),
        (_unknown_journal, "Invalid journal: 99", DIVISION),
        (_bank_journal, "Invalid journal: 20", DIVISION),
        (_no_lines, "A sales invoice needs at least one line", DIVISION),
        (_unknown_payment_condition, "Invalid reference: Payment condition", DIVISION),
        (_unknown_gl_account, "Invalid reference: G/L account", DIVISION),
        (_customer_of_another_division, "Invalid reference: Ordered by", SECOND_DIVISION),
    ],
)
async def test_a_rejected_invoice_leaves_nothing_behind(
    gateway: Gateway,
    exact: Exact,
    spoil: Callable[[Exact, SalesInvoiceDraft], SalesInvoiceDraft],
    message: str,
    division: int,
) -> None:
    draft = spoil(exact, three_lines(exact))

    with pytest.raises(ExactValidationError) as raised:
        await gateway.create_sales_invoice(division, draft)

    assert raised.value.message == message
    assert exact.invoices(division) == []
    assert exact.invoice_lines(division) == []
    assert await gateway.sales_invoices_by_reference(division, [draft.your_ref]) == {}
    after = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-next"))
    assert after.order_number == 1  # a rejected invoice takes no number


async def test_lookup_by_reference_finds_created_invoices_and_skips_unknown_ones(
    gateway: Gateway, exact: Exact
) -> None:
    first = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1"))
    second = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-2"))

    found = await gateway.sales_invoices_by_reference(DIVISION, ["HB-2", "HB-404", "HB-1"])

    assert list(found) == ["HB-2", "HB-1"]
    assert found == {"HB-2": second, "HB-1": first}
    assert await gateway.sales_invoices_by_reference(DIVISION, []) == {}


async def test_a_payment_condition_and_a_gl_account_may_be_given(
    gateway: Gateway, exact: Exact
) -> None:
    line = replace(exact.line("UREN", "7.5", "95"), gl_account_id=exact.gl_account_id("8100"))
    draft = replace(exact.draft("HB-1", [line]), payment_condition="14")

    created = await gateway.create_sales_invoice(DIVISION, draft)
    invoice = await gateway.sales_invoice(DIVISION, created.invoice_id)

    assert invoice is not None
    assert (invoice.amount_excl_vat, invoice.vat_amount) == (Decimal("712.50"), Decimal("149.63"))
    assert invoice.lines[0].gl_account_id == exact.gl_account_id("8100")
    assert exact.row(schema.INVOICES, created.invoice_id)["PaymentCondition"] == "14"


async def test_references_with_quotes_and_other_url_characters(
    gateway: Gateway, exact: Exact
) -> None:
    refs = ["HB-'t Hof-1", "HB & Co + 100% #2", "HB/2026?3", "Café-4"]
    created = {ref: await gateway.create_sales_invoice(DIVISION, exact.draft(ref)) for ref in refs}

    assert await gateway.sales_invoices_by_reference(DIVISION, refs) == created


async def test_lookup_by_reference_across_batches(gateway: Gateway, exact: Exact) -> None:
    created = {
        ref: await gateway.create_sales_invoice(DIVISION, exact.draft(ref))
        for ref in ("HB-1", "HB-2", "HB-3")
    }
    refs = ["HB-1", *(f"HB-MISSING-{n}" for n in range(42)), "HB-2", "HB-3"]
    assert len(refs) == 45

    found = await gateway.sales_invoices_by_reference(DIVISION, refs)

    assert found == created
    assert {ref: invoice.order_number for ref, invoice in found.items()} == {
        "HB-1": 1,
        "HB-2": 2,
        "HB-3": 3,
    }


async def test_lookup_by_ids_across_batches(gateway: Gateway, exact: Exact) -> None:
    first = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1"))
    last = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-2"))
    ids = [first.invoice_id, *(uuid.uuid4() for _ in range(43)), last.invoice_id]

    found = await gateway.sales_invoices(DIVISION, ids)

    assert found == {first.invoice_id: first, last.invoice_id: last}
    assert await gateway.sales_invoices(DIVISION, []) == {}


async def test_one_invoice_with_its_lines(gateway: Gateway, exact: Exact) -> None:
    created = await gateway.create_sales_invoice(DIVISION, three_lines(exact))

    invoice = await gateway.sales_invoice(DIVISION, created.invoice_id)

    assert invoice is not None
    assert replace(invoice, lines=()) == created
    services, materials = exact.gl_account_id("8000"), exact.gl_account_id("8100")
    assert invoice.lines == (
        ExactSalesInvoiceLine(
            line_number=1,
            item_id=exact.item_id("UREN"),
            description="Consultancy maart",
            quantity=Decimal("1"),
            net_price=Decimal("10.50"),
            amount=Decimal("10.50"),
            vat_code="2",
            vat_amount=Decimal("2.21"),
            gl_account_id=services,
        ),
        ExactSalesInvoiceLine(
            line_number=2,
            item_id=exact.item_id("SUPPORT"),
            description="Support maart",
            quantity=Decimal("1"),
            net_price=Decimal("10.50"),
            amount=Decimal("10.50"),
            vat_code="2",
            vat_amount=Decimal("2.21"),
            gl_account_id=services,
        ),
        ExactSalesInvoiceLine(
            line_number=3,
            item_id=exact.item_id("BOEKEN"),
            description="Handboeken",
            quantity=Decimal("3"),
            net_price=Decimal("12.35"),
            amount=Decimal("37.05"),
            vat_code="1",
            vat_amount=Decimal("3.33"),
            gl_account_id=materials,
        ),
    )


async def test_an_unknown_invoice_is_none(gateway: Gateway) -> None:
    assert await gateway.sales_invoice(DIVISION, uuid.uuid4()) is None


async def test_processing_numbers_invoices_from_the_journal_sequence(
    gateway: Gateway, exact: Exact
) -> None:
    first = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1"))
    projects = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-2", journal="71"))
    second = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-3"))

    processed = [
        await gateway.process_sales_invoice(DIVISION, invoice.invoice_id)
        for invoice in (first, projects, second)
    ]

    assert [(done.invoice_id, done.invoice_number) for done in processed] == [
        (first.invoice_id, 26700001),
        (projects.invoice_id, 26710001),
        (second.invoice_id, 26700002),
    ]
    assert all(done.document_id is not None for done in processed)
    read = await gateway.sales_invoices(DIVISION, [first.invoice_id, second.invoice_id])
    assert {invoice.invoice_number for invoice in read.values()} == {26700001, 26700002}
    assert all(invoice.status is InvoiceStatus.PROCESSED for invoice in read.values())
    assert read[first.invoice_id].order_number == first.order_number
    [document] = [
        row for row in exact.rows(schema.DOCUMENTS) if row["ID"] == processed[0].document_id
    ]
    assert (document["SalesInvoiceNumber"], document["Type"]) == (26700001, 10)


async def test_processing_twice_is_refused(gateway: Gateway, exact: Exact) -> None:
    invoice = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1"))
    await gateway.process_sales_invoice(DIVISION, invoice.invoice_id)

    with pytest.raises(ExactValidationError) as raised:
        await gateway.process_sales_invoice(DIVISION, invoice.invoice_id)

    assert raised.value.message == "This invoice has been processed and can no longer be changed"
    again = await gateway.sales_invoice(DIVISION, invoice.invoice_id)
    assert again is not None
    assert again.invoice_number == 26700001


async def test_processing_an_unknown_invoice_is_refused(gateway: Gateway) -> None:
    with pytest.raises(ExactValidationError) as raised:
        await gateway.process_sales_invoice(DIVISION, uuid.uuid4())

    assert raised.value.message == "Invalid reference: InvoiceID"


async def test_an_invoice_processed_by_a_user_in_exact_reads_back_with_its_number(
    gateway: Gateway, exact: Exact
) -> None:
    invoice = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1", journal="71"))

    exact.process_invoice(invoice.invoice_id)

    read = await gateway.sales_invoice(DIVISION, invoice.invoice_id)
    assert read is not None
    assert (read.status, read.invoice_number) == (InvoiceStatus.PROCESSED, 26710001)
    by_reference = await gateway.sales_invoices_by_reference(DIVISION, ["HB-1"])
    assert by_reference["HB-1"].invoice_number == 26710001
    with pytest.raises(ExactValidationError):
        await gateway.process_sales_invoice(DIVISION, invoice.invoice_id)


async def test_attach_document_links_it_to_the_invoice(gateway: Gateway, exact: Exact) -> None:
    invoice = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1"))
    pdf = b"%PDF-1.7\n" + bytes(range(256))

    document_id = await gateway.attach_document(
        DIVISION, invoice.invoice_id, subject="Factuur HB-1", file_name="HB-1.pdf", content=pdf
    )

    assert isinstance(document_id, uuid.UUID)
    assert exact.row(schema.INVOICES, invoice.invoice_id)["Document"] == document_id
    document = exact.row(schema.DOCUMENTS, document_id)
    assert (document["Subject"], document["Type"], document["FinancialTransactionEntryID"]) == (
        "Factuur HB-1",
        10,
        invoice.invoice_id,
    )
    [attachment] = exact.rows(schema.DOCUMENT_ATTACHMENTS)
    assert (attachment["Document"], attachment["FileName"], attachment["FileSize"]) == (
        document_id,
        "HB-1.pdf",
        len(pdf),
    )


PDF = b"%PDF-1.7\n" + bytes(range(256))


async def attach(
    gateway: Gateway, invoice_id: uuid.UUID, *, look_first: bool, subject: str = "Factuur HB-1"
) -> uuid.UUID:
    return await gateway.attach_document(
        DIVISION,
        invoice_id,
        subject=subject,
        file_name="HB-1.pdf",
        content=PDF,
        look_first=look_first,
    )


def documents_of(exact: Exact, invoice_id: uuid.UUID) -> list[dict[str, object]]:
    return [
        row
        for row in exact.rows(schema.DOCUMENTS)
        if row["FinancialTransactionEntryID"] == invoice_id
    ]


def files_of(exact: Exact, document_id: object) -> list[str]:
    return [
        str(row["FileName"])
        for row in exact.rows(schema.DOCUMENT_ATTACHMENTS)
        if row["Document"] == document_id
    ]


async def test_attaching_again_without_looking_first_makes_a_second_document(
    gateway: Gateway, exact: Exact
) -> None:
    invoice = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1"))

    first = await attach(gateway, invoice.invoice_id, look_first=False)
    second = await attach(gateway, invoice.invoice_id, look_first=False)

    assert first != second
    assert len(documents_of(exact, invoice.invoice_id)) == 2


async def test_attaching_again_looking_first_reuses_the_document_and_its_file(
    gateway: Gateway, exact: Exact
) -> None:
    invoice = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1"))
    first = await attach(gateway, invoice.invoice_id, look_first=False)

    again = await attach(gateway, invoice.invoice_id, look_first=True)

    assert again == first
    [document] = documents_of(exact, invoice.invoice_id)
    assert files_of(exact, document["ID"]) == ["HB-1.pdf"]
    assert exact.row(schema.INVOICES, invoice.invoice_id)["Document"] == first


async def test_looking_first_adds_the_file_to_a_document_left_without_one(
    gateway: Gateway, exact: Exact
) -> None:
    invoice = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1"))
    left = exact.create(
        schema.DOCUMENTS,
        {
            "Subject": "Factuur HB-1",
            "Type": 10,
            "FinancialTransactionEntryID": str(invoice.invoice_id),
        },
    )

    document_id = await attach(gateway, invoice.invoice_id, look_first=True)

    assert document_id == left["ID"]
    assert len(documents_of(exact, invoice.invoice_id)) == 1
    assert files_of(exact, left["ID"]) == ["HB-1.pdf"]
    assert exact.row(schema.INVOICES, invoice.invoice_id)["Document"] == document_id


async def test_looking_first_passes_over_other_documents_of_the_invoice(
    gateway: Gateway, exact: Exact
) -> None:
    invoice = await gateway.create_sales_invoice(DIVISION, exact.draft("HB-1"))
    other = await attach(gateway, invoice.invoice_id, look_first=False, subject="Bijlage")

    document_id = await attach(gateway, invoice.invoice_id, look_first=True)

    assert document_id != other
    assert len(documents_of(exact, invoice.invoice_id)) == 2
    assert files_of(exact, document_id) == ["HB-1.pdf"]


async def test_attach_to_an_unknown_invoice_is_not_found(gateway: Gateway) -> None:
    with pytest.raises(ExactNotFoundError):
        await gateway.attach_document(
            DIVISION, uuid.uuid4(), subject="Factuur", file_name="x.pdf", content=b"%PDF"
        )


@pytest.mark.parametrize("operation", ["create", "read", "lookup", "process"])
async def test_invoices_in_a_division_without_access(
    gateway: Gateway, exact: Exact, operation: str
) -> None:
    calls = {
        "create": lambda: gateway.create_sales_invoice(999_999, exact.draft("HB-1")),
        "read": lambda: gateway.sales_invoice(999_999, uuid.uuid4()),
        "lookup": lambda: gateway.sales_invoices_by_reference(999_999, ["HB-1"]),
        "process": lambda: gateway.process_sales_invoice(999_999, uuid.uuid4()),
    }

    with pytest.raises(ExactAuthError) as raised:
        await calls[operation]()

    assert raised.value.status == 403
    assert raised.value.message == "Forbidden (Reason: NoDivisionAccess)"
