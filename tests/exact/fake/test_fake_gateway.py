"""What only the fake offers: call records, injected failures, Exact-side actions, seeding.

Its observable behaviour as an `ExactGateway` is defined by `tests/exact/contract/`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from application.exact import (
    AccountDraft,
    AccountFields,
    ExactAuthError,
    ExactGateway,
    ExactNotFoundError,
    ExactThrottledError,
    ExactUnavailableError,
    ExactValidationError,
    InvoiceStatus,
    SalesInvoiceDraft,
    SalesInvoiceLineDraft,
)
from infrastructure.exact.fake import OPERATIONS, FakeExactGateway, port_error
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.administration import Administration, SandboxError
from infrastructure.exact.sandbox.clock import SandboxClock
from infrastructure.exact.sandbox.seed import DEMO_DIVISION, demo_administration, seed


def acme(fake: FakeExactGateway) -> uuid.UUID:
    [key] = [
        row["ID"]
        for row in fake.administration.rows(DEMO_DIVISION, schema.ACCOUNTS)
        if row["Code"].strip() == "ACME"
    ]
    return key


def draft(fake: FakeExactGateway, your_ref: str) -> SalesInvoiceDraft:
    [uren] = [
        row["ID"]
        for row in fake.administration.rows(DEMO_DIVISION, schema.ITEMS)
        if row["Code"] == "UREN"
    ]
    return SalesInvoiceDraft(
        ordered_by=acme(fake),
        journal="70",
        your_ref=your_ref,
        invoice_date=dt.date(2026, 3, 31),
        lines=[SalesInvoiceLineDraft(uren, "Uren", Decimal(8), Decimal("95.00"))],
    )


def invoice_refs(fake: FakeExactGateway) -> list[str]:
    return [row["YourRef"] for row in fake.administration.rows(DEMO_DIVISION, schema.INVOICES)]


async def test_it_is_an_exact_gateway() -> None:
    gateway: ExactGateway = FakeExactGateway()

    assert (await gateway.current_user()).current_division == DEMO_DIVISION


async def test_calls_records_each_port_operation_in_order() -> None:
    fake = FakeExactGateway()

    await fake.sales_invoices_by_reference(DEMO_DIVISION, ["HB-1"])
    await fake.create_sales_invoice(DEMO_DIVISION, draft(fake, "HB-1"))
    await fake.sales_invoices_by_reference(DEMO_DIVISION, ["HB-1"])

    assert fake.calls == [
        "sales_invoices_by_reference",
        "create_sales_invoice",
        "sales_invoices_by_reference",
    ]
    assert fake.count("sales_invoices_by_reference") == 2
    assert fake.count("process_sales_invoice") == 0


async def test_a_failure_before_the_call_changes_nothing() -> None:
    fake = FakeExactGateway()
    fake.fail_next("create_sales_invoice", ExactUnavailableError("timeout"))

    with pytest.raises(ExactUnavailableError, match="timeout"):
        await fake.create_sales_invoice(DEMO_DIVISION, draft(fake, "HB-1"))

    assert invoice_refs(fake) == []
    created = await fake.create_sales_invoice(DEMO_DIVISION, draft(fake, "HB-1"))
    assert created.order_number == 1
    assert fake.calls == ["create_sales_invoice", "create_sales_invoice"]


async def test_a_lost_response_fails_after_the_write_was_applied() -> None:
    fake = FakeExactGateway()
    fake.fail_next(
        "create_sales_invoice", ExactUnavailableError("connection dropped"), after_commit=True
    )

    with pytest.raises(ExactUnavailableError):
        await fake.create_sales_invoice(DEMO_DIVISION, draft(fake, "HB-1"))

    assert invoice_refs(fake) == ["HB-1"]
    found = await fake.sales_invoices_by_reference(DEMO_DIVISION, ["HB-1"])
    assert found["HB-1"].status is InvoiceStatus.OPEN


async def test_failures_are_used_up_one_call_each_in_order() -> None:
    fake = FakeExactGateway()
    fake.fail_next("journals", ExactThrottledError("slow down"))
    fake.fail_next("journals", ExactUnavailableError("down"))

    with pytest.raises(ExactThrottledError):
        await fake.journals(DEMO_DIVISION)
    with pytest.raises(ExactUnavailableError):
        await fake.journals(DEMO_DIVISION)
    assert len(await fake.journals(DEMO_DIVISION)) == 4
    assert len(await fake.items(DEMO_DIVISION)) == 4


async def attach(fake: FakeExactGateway, invoice_id: uuid.UUID, *, look_first: bool) -> uuid.UUID:
    return await fake.attach_document(
        DEMO_DIVISION,
        invoice_id,
        subject="Invoice HB-1",
        file_name="HB-1.pdf",
        content=b"%PDF-1.7",
        look_first=look_first,
    )


async def test_attach_calls_records_the_adapters_http_calls() -> None:
    fake = FakeExactGateway()
    invoice = await fake.create_sales_invoice(DEMO_DIVISION, draft(fake, "HB-1"))

    await attach(fake, invoice.invoice_id, look_first=False)
    first = list(fake.attach_calls)
    fake.attach_calls.clear()
    await attach(fake, invoice.invoice_id, look_first=True)

    assert first == ["create_document", "create_attachment", "link_document"]
    assert fake.attach_calls == ["find_documents", "find_attachments", "link_document"]
    assert fake.count("attach_document") == 2


@pytest.mark.parametrize("call", ["create_document", "create_attachment", "link_document"])
async def test_one_call_inside_attach_document_can_lose_its_response(call: str) -> None:
    fake = FakeExactGateway()
    invoice = await fake.create_sales_invoice(DEMO_DIVISION, draft(fake, "HB-1"))
    fake.fail_next(call, ExactUnavailableError("timeout"), after_commit=True)

    with pytest.raises(ExactUnavailableError):
        await attach(fake, invoice.invoice_id, look_first=False)

    made = fake.attach_calls.index(call) + 1
    assert fake.attach_calls == ["create_document", "create_attachment", "link_document"][:made]
    assert len(fake.administration.rows(DEMO_DIVISION, schema.DOCUMENTS)) == 1
    document = await attach(fake, invoice.invoice_id, look_first=True)
    assert len(fake.administration.rows(DEMO_DIVISION, schema.DOCUMENTS)) == 1
    assert len(fake.administration.rows(DEMO_DIVISION, schema.DOCUMENT_ATTACHMENTS)) == 1
    linked = fake.administration.get(DEMO_DIVISION, schema.INVOICES, invoice.invoice_id)
    assert linked["Document"] == document


async def test_a_call_inside_attach_document_failing_before_it_leaves_nothing_after_it() -> None:
    fake = FakeExactGateway()
    invoice = await fake.create_sales_invoice(DEMO_DIVISION, draft(fake, "HB-1"))
    fake.fail_next("create_attachment", ExactThrottledError("slow down"))

    with pytest.raises(ExactThrottledError):
        await attach(fake, invoice.invoice_id, look_first=False)

    assert len(fake.administration.rows(DEMO_DIVISION, schema.DOCUMENTS)) == 1
    assert not fake.administration.rows(DEMO_DIVISION, schema.DOCUMENT_ATTACHMENTS)
    linked = fake.administration.get(DEMO_DIVISION, schema.INVOICES, invoice.invoice_id)
    assert linked["Document"] is None


async def test_only_port_operations_can_fail() -> None:
    fake = FakeExactGateway()

    with pytest.raises(ValueError, match="not an ExactGateway operation"):
        fake.fail_next("create_invoice", ExactUnavailableError("typo"))


async def test_a_user_processing_the_invoice_in_exact_is_no_port_call() -> None:
    fake = FakeExactGateway()
    invoice = await fake.create_sales_invoice(DEMO_DIVISION, draft(fake, "HB-1"))

    processed = fake.process_invoice(DEMO_DIVISION, invoice.invoice_id)

    assert processed.invoice_number == 26700001
    assert processed.document_id is not None
    assert fake.calls == ["create_sales_invoice"]
    with pytest.raises(ExactValidationError, match="processed"):
        fake.process_invoice(DEMO_DIVISION, invoice.invoice_id)


async def test_the_administration_can_be_given_and_inspected() -> None:
    administration = Administration(SandboxClock())
    seed(administration, demo_administration())
    first, second = FakeExactGateway(administration), FakeExactGateway(administration)

    created = await first.create_account(
        DEMO_DIVISION, AccountDraft(AccountFields(name="Gedeeld B.V."))
    )

    assert await second.account(DEMO_DIVISION, created.account_id) == created
    row = second.administration.get(DEMO_DIVISION, schema.ACCOUNTS, created.account_id)
    assert row["Name"] == "Gedeeld B.V."


async def test_the_first_sync_of_a_seeded_administration_misses_nothing() -> None:
    fake = FakeExactGateway.seeded(
        {
            "current_division": 42,
            "divisions": [
                {"code": 42, "accounts": [{"Code": "1", "Name": "Eerste klant"}]},
            ],
        }
    )

    changes = await fake.accounts_changed_since(42, 1)

    assert [(account.code, account.name) for account in changes.accounts] == [("1", "Eerste klant")]
    assert (await fake.current_user()).current_division == 42


async def test_messages_in_the_administration_language() -> None:
    fake = FakeExactGateway.seeded(demo_administration(), language="nl")
    spoiled = replace(draft(fake, "HB-1"), ordered_by=uuid.uuid4())

    with pytest.raises(ExactValidationError) as raised:
        await fake.create_sales_invoice(DEMO_DIVISION, spoiled)

    assert raised.value.status == 500
    assert raised.value.message == "Ongeldige referentie: Besteld door"


@pytest.mark.parametrize("division", [0, -1, True])
async def test_a_division_that_cannot_be_in_a_url_is_a_programming_error(division: int) -> None:
    with pytest.raises(ValueError, match="not an Exact division"):
        await FakeExactGateway().journals(division)


@pytest.mark.parametrize(
    ("error", "kind", "message"),
    [
        (SandboxError(400, "Bad body"), ExactValidationError, "Bad body"),
        (SandboxError(401, ""), ExactAuthError, "Exact answered HTTP 401 Unauthorized"),
        (
            SandboxError(403, "Forbidden", {"Reason": "NoDivisionAccess"}),
            ExactAuthError,
            "Forbidden (Reason: NoDivisionAccess)",
        ),
        (SandboxError(404, "Not found"), ExactNotFoundError, "Not found"),
        (SandboxError(405, "Method POST is not allowed"), ExactValidationError, None),
        (SandboxError(429, ""), ExactThrottledError, None),
        (SandboxError(500, "Mandatory: Journal"), ExactValidationError, "Mandatory: Journal"),
        (SandboxError(503, "Service Unavailable"), ExactUnavailableError, None),
    ],
)
def test_sandbox_errors_map_as_the_adapter_maps_statuses(
    error: SandboxError, kind: type[Exception], message: str | None
) -> None:
    mapped = port_error(error)

    assert type(mapped) is kind
    assert mapped.status == error.status
    if message is not None:
        assert mapped.message == message


def test_operations_are_exactly_the_port_methods() -> None:
    port = {name for name in dir(ExactGateway) if not name.startswith("_")}

    assert port == OPERATIONS
    assert all(callable(getattr(FakeExactGateway, name)) for name in OPERATIONS)
