"""attachInvoicePdfs on the fakes: queue the PDF (again), all or nothing, exactly once in Exact."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from application.exact import ExactUnavailableError, ExactValidationError
from application.invoice_documents import (
    MAX_QUEUED_AT_ONCE,
    PDF_QUEUED,
    AttachOutcome,
    QueuePdfAttachments,
)
from application.invoicing import DeleteInvoiceRequest
from application.invoicing_ports import OutboxKind
from application.outbox import RetryPolicy
from domain.errors import ErrorCode, HourbillError
from domain.invoices import Invoice
from tests.unit.helpers import raises_problems, snapshot
from tests.unit.use_cases.invoicing_support import order_for
from tests.unit.use_cases.test_invoice_pdf_attach import (
    FIRST_ATTEMPT,
    World,
    outcomes,
    world,
)

ATTACHED, FAILED = AttachOutcome.ATTACHED, AttachOutcome.FAILED
FIELD = "invoiceIds"
LOOKED_UP_FIRST = ["find_documents", *FIRST_ATTEMPT]
"""A re-queued item's first attempt: the look-up finds nothing, then the three calls."""


class Queue:
    def __init__(self, w: World) -> None:
        self.woken: list[int] = []
        self.use_case = QueuePdfAttachments(
            w.app.uow, w.app.clock, wakeup=lambda: self.woken.append(1)
        )

    async def __call__(self, *invoices: Invoice | uuid.UUID) -> list[Invoice]:
        ids = [i if isinstance(i, uuid.UUID) else i.id for i in invoices]
        return await self.use_case.execute(ids)


@pytest.fixture
def w() -> World:
    """Invoices are sent with their PDF queued: `attach_pdf` is on."""
    return world()


@pytest.fixture
def off() -> World:
    """Invoices are sent without their PDF: `attach_pdf` is off."""
    return world(attach_pdf=False)


def attempts(w: World) -> list[int]:
    return [r.attempts for r in w.app.store.outbox.values()]


async def test_invoices_sent_without_the_setting_get_their_pdf(off: World) -> None:
    w, queue = off, Queue(off)
    first, second = await w.sent(2)

    queued = await queue(first, second)

    assert [i.id for i in queued] == [first.id, second.id]
    assert w.outbox() == [(first.id, OutboxKind.ATTACH_PDF), (second.id, OutboxKind.ATTACH_PDF)]
    assert attempts(w) == [1, 1], "as if tried once: the first claim looks first"
    assert w.history(first)[-1] == w.history(second)[-1] == PDF_QUEUED
    assert queue.woken == [1]
    assert outcomes(await w.round()) == [ATTACHED, ATTACHED]
    w.assert_attached_once(first)
    w.assert_attached_once(second)
    assert w.app.exact.attach_calls == LOOKED_UP_FIRST * 2
    assert w.history(first)[-1].startswith("PDF attached in Exact: invoice-")


async def test_a_refused_attachment_is_queued_again_and_reuses_its_document(w: World) -> None:
    [invoice] = await w.sent()
    w.app.exact.fail_next("create_attachment", ExactValidationError("Bestand te groot"))
    assert outcomes(await w.round()) == [FAILED]
    [left_behind] = w.documents(invoice)

    await Queue(w)(invoice)
    w.app.exact.attach_calls.clear()
    assert outcomes(await w.round()) == [ATTACHED]

    w.assert_attached_once(invoice)
    assert w.invoice(invoice).exact_document_id == left_behind["ID"]
    assert w.app.exact.attach_calls == [
        "find_documents",
        "find_attachments",
        "create_attachment",
        "link_document",
    ]


@pytest.mark.parametrize("call", FIRST_ATTEMPT)
async def test_what_a_lost_response_made_before_giving_up_is_reused(call: str) -> None:
    w = world(RetryPolicy(max_attempts=1))
    [invoice] = await w.sent()
    w.app.exact.fail_next(call, ExactUnavailableError("timeout"), after_commit=True)
    assert outcomes(await w.round()) == [FAILED], "gave up after its only attempt"
    assert len(w.documents(invoice)) == 1, "yet Exact made the document"

    await Queue(w)(invoice)
    assert outcomes(await w.round()) == [ATTACHED]

    w.assert_attached_once(invoice)


async def test_asking_again_while_it_waits_changes_nothing(w: World) -> None:
    first, second = await w.sent(2)  # both queued by their push
    queue = Queue(w)
    await queue(first)
    history = [w.history(first), w.history(second)]

    again = await queue(first, second)

    assert [i.id for i in again] == [first.id, second.id]
    assert [w.history(first), w.history(second)] == history
    assert PDF_QUEUED not in history[0] + history[1]
    assert attempts(w) == [0, 0]
    assert queue.woken == [], "nothing new to do"
    assert outcomes(await w.round()) == [ATTACHED, ATTACHED]
    assert w.app.exact.count("attach_document") == 2


async def test_only_the_invoices_without_an_item_get_one(off: World) -> None:
    w, queue = off, Queue(off)
    first, second = await w.sent(2)
    await queue(first)

    await queue(first, second)

    assert sorted(attempts(w)) == [1, 1]
    assert w.history(first).count(PDF_QUEUED) == 1
    assert w.history(second).count(PDF_QUEUED) == 1
    assert queue.woken == [1, 1]


async def test_every_invoice_that_cannot_have_its_pdf_is_refused_and_nothing_changes(
    off: World,
) -> None:
    w, queue = off, Queue(off)
    good, attached, deleted = await w.sent(3)
    await queue(attached)
    await w.round()
    await w.app.delete.execute(DeleteInvoiceRequest(deleted.id))
    [queued] = (await w.app.invoice(order_for(w.app.store, w.app.acme))).invoices
    unknown = uuid.uuid4()
    before, woken = snapshot(w.app.store), list(queue.woken)

    with raises_problems(*[(code, FIELD) for code in REFUSALS]) as refused:
        await queue(good, attached, deleted, queued, unknown)

    assert snapshot(w.app.store) == before
    assert queue.woken == woken
    messages = [p.message for p in refused.value.problems]
    reference = w.invoice(attached).reference
    assert messages[0] == (
        f"the PDF of invoice {reference} is attached in Exact already "
        f"(document {w.invoice(attached).exact_document_id})"
    )
    assert messages[1].startswith(f"invoice {deleted.reference} is deleted: only a sent or")
    assert messages[2].startswith(f"invoice {queued.reference} is queued: only a sent or")
    assert messages[3] == f"invoice {unknown} does not exist"


REFUSALS = [
    ErrorCode.INVALID_STATE,
    ErrorCode.INVALID_STATE,
    ErrorCode.INVALID_STATE,
    ErrorCode.NOT_FOUND,
]


async def test_a_failed_invoice_is_not_in_exact(off: World) -> None:
    w = off
    [queued] = (await w.app.invoice(order_for(w.app.store, w.app.acme))).invoices
    w.app.exact.fail_next("create_sales_invoice", ExactValidationError("Journal blocked"))
    await w.app.work()

    with raises_problems((ErrorCode.INVALID_STATE, FIELD)):
        await Queue(w)(queued)


@pytest.mark.parametrize(
    ("count", "duplicate", "code"),
    [
        (0, False, ErrorCode.REQUIRED),
        (2, True, ErrorCode.DUPLICATE),
        (MAX_QUEUED_AT_ONCE + 1, False, ErrorCode.OUT_OF_RANGE),
    ],
)
async def test_the_ids_are_checked_first(
    off: World, count: int, duplicate: bool, code: ErrorCode
) -> None:
    ids = [uuid.uuid4() for _ in range(count)]
    if duplicate:
        ids[1] = ids[0]

    with pytest.raises(HourbillError) as refused:
        await Queue(off)(*ids)

    assert [(p.code, p.field) for p in refused.value.problems] == [(code, FIELD)]


async def test_at_most_the_limit_is_fine(off: World) -> None:
    w = off
    [invoice] = await w.sent()
    unknown = [uuid.uuid4() for _ in range(MAX_QUEUED_AT_ONCE - 1)]

    with pytest.raises(HourbillError) as refused:
        await Queue(w)(invoice, *unknown)

    assert {p.code for p in refused.value.problems} == {ErrorCode.NOT_FOUND}
    assert len(refused.value.problems) == MAX_QUEUED_AT_ONCE - 1


async def test_a_re_queued_item_counts_the_earlier_one_among_its_attempts(off: World) -> None:
    w = off
    [invoice] = await w.sent()
    await Queue(w)(invoice)
    for _ in range(3):
        w.app.exact.fail_next("find_documents", ExactUnavailableError("503"))
    for _ in range(2):
        assert outcomes(await w.round()) == [AttachOutcome.POSTPONED]
        w.app.clock.advance(dt.timedelta(hours=1))

    assert outcomes(await w.round()) == [FAILED]
    assert w.history(invoice)[-1] == "PDF not attached in Exact: gave up after 4 attempts: 503"
