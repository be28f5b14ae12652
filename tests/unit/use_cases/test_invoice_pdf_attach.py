"""Attaching the invoice PDF in Exact: one document with one file per invoice, whatever happens."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.documents import PrintDocuments
from application.exact import (
    ExactThrottledError,
    ExactUnavailableError,
    ExactValidationError,
)
from application.invoice_documents import AttachInvoicePdfs, AttachOutcome, pdf_subject
from application.invoicing import DeleteInvoiceRequest
from application.invoicing_ports import OutboxItem, OutboxKind
from application.outbox import PushOutcome, RetryPolicy
from domain.events import InvoiceEvent, InvoiceEventKind
from domain.invoices import Invoice, InvoiceState
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.worker import OutboxHandlers
from tests.fakes import FakeDocumentRenderer
from tests.unit.helpers import run
from tests.unit.use_cases.invoicing_support import T0, Invoicing, build, order_for

ATTACHED, FAILED, POSTPONED, SKIPPED = (
    AttachOutcome.ATTACHED,
    AttachOutcome.FAILED,
    AttachOutcome.POSTPONED,
    AttachOutcome.SKIPPED,
)
FIRST_ATTEMPT = ["create_document", "create_attachment", "link_document"]


class Crash(BaseException):
    """The worker process dies in the middle of a call."""


@dataclass
class World:
    app: Invoicing
    attach: AttachInvoicePdfs
    renderer: FakeDocumentRenderer
    worker: OutboxHandlers

    async def round(self, limit: int = 10) -> list[Any]:
        """One worker round over both kinds of work."""
        return list(await self.worker.handle(await self.app.claim(limit)))

    async def sent(self, count: int = 1) -> list[Invoice]:
        """Invoices pushed to Exact (their ATTACH_PDF items queued, not handled)."""
        orders = [order_for(self.app.store, self.app.acme) for _ in range(count)]
        run = await self.app.invoice(*orders)
        results = await self.app.push.handle(await self.app.claim())
        assert [r.outcome for r in results] == [PushOutcome.SENT] * count
        return [self.app.store.invoices[i.id] for i in run.invoices]

    def invoice(self, invoice: Invoice) -> Invoice:
        return self.app.store.invoices[invoice.id]

    def documents(self, invoice: Invoice) -> list[dict[str, Any]]:
        exact_id = self.invoice(invoice).exact_invoice_id
        rows = self.app.exact.administration.rows(DEMO_DIVISION, schema.DOCUMENTS)
        return [dict(r) for r in rows if r["FinancialTransactionEntryID"] == exact_id]

    def files(self, document_id: object) -> list[dict[str, Any]]:
        rows = self.app.exact.administration.rows(DEMO_DIVISION, schema.DOCUMENT_ATTACHMENTS)
        return [dict(r) for r in rows if r["Document"] == document_id]

    def linked(self, invoice: Invoice) -> object:
        exact_id = self.invoice(invoice).exact_invoice_id
        return self.app.exact.administration.get(DEMO_DIVISION, schema.INVOICES, exact_id)[
            "Document"
        ]

    def history(self, invoice: Invoice) -> list[str]:
        entries = [e for e in self.app.store.invoice_history if e.invoice_id == invoice.id]
        return [e.message for e in sorted(entries, key=lambda e: e.at)]

    def events(self) -> list[InvoiceEventKind]:
        return [e.kind for e in self.app.events.published if isinstance(e, InvoiceEvent)]

    def outbox(self) -> list[tuple[uuid.UUID, OutboxKind]]:
        return [(r.invoice_id, r.kind) for r in self.app.store.outbox.values()]

    def assert_attached_once(self, invoice: Invoice) -> None:
        [document] = self.documents(invoice)
        [file] = self.files(document["ID"])
        assert self.linked(invoice) == document["ID"]
        assert self.invoice(invoice).exact_document_id == document["ID"]
        assert base64.b64decode(file["Attachment"]).startswith(b"%PDF")


def world(policy: RetryPolicy | None = None, *, attach_pdf: bool = True) -> World:
    app = build(policy or RetryPolicy(first_delay=dt.timedelta(seconds=10), max_attempts=4))
    app.store.settings.attach_pdf = attach_pdf
    renderer = FakeDocumentRenderer()
    attach = AttachInvoicePdfs(
        app.uow,
        app.exact,
        PrintDocuments(app.uow, renderer),
        app.events,
        app.clock,
        app.push.policy,
    )
    worker = OutboxHandlers({OutboxKind.PUSH: app.push, OutboxKind.ATTACH_PDF: attach})
    return World(app, attach, renderer, worker)


@pytest.fixture
def w() -> World:
    return world()


def outcomes(results: list[Any]) -> list[Any]:
    return [r.outcome for r in results]


# --- queueing ----------------------------------------------------------------------------


async def test_a_sent_invoice_queues_its_pdf_in_the_same_transaction(w: World) -> None:
    [invoice] = await w.sent()

    assert w.outbox() == [(invoice.id, OutboxKind.ATTACH_PDF)]
    assert w.invoice(invoice).state is InvoiceState.SENT
    assert await w.app.queries.pending([invoice.id]) == set(), "no push is waiting"
    assert w.app.exact.attach_calls == [], "pushing stays one call"


async def test_without_the_setting_nothing_is_queued() -> None:
    w = world(attach_pdf=False)

    [invoice] = await w.sent()

    assert w.outbox() == []
    assert await w.round() == []
    assert w.app.exact.count("attach_document") == 0
    assert w.invoice(invoice).exact_document_id is None


# --- attaching ---------------------------------------------------------------------------


async def test_the_pdf_is_attached_and_linked_in_three_calls(w: World) -> None:
    [invoice] = await w.sent()
    w.app.events.published.clear()

    assert outcomes(await w.round()) == [ATTACHED]

    [document] = w.documents(invoice)
    [file] = w.files(document["ID"])
    attached = w.invoice(invoice)
    assert document["Subject"] == pdf_subject(attached) == f"Invoice {attached.reference}"
    assert file["FileName"] == f"invoice-{attached.order_number}.pdf"
    assert base64.b64decode(file["Attachment"]) == w.renderer.render(w.renderer.batches[0])
    assert [type(d).__name__ for d in w.renderer.batches[0]] == [
        "InvoiceDocument",
        "SpecificationReport",
    ]
    assert w.linked(invoice) == document["ID"] == attached.exact_document_id
    assert attached.pdf_attached_at == T0
    assert attached.state is InvoiceState.SENT
    assert w.history(invoice)[-1] == (
        f"PDF attached in Exact: {file['FileName']} (document {document['ID']})"
    )
    assert w.events() == [InvoiceEventKind.PDF_ATTACHED]
    assert w.outbox() == []
    assert w.app.exact.attach_calls == FIRST_ATTEMPT


@pytest.mark.parametrize("call", FIRST_ATTEMPT)
async def test_a_lost_response_is_retried_without_a_second_document_or_file(
    w: World, call: str
) -> None:
    [invoice] = await w.sent()
    w.app.exact.fail_next(call, ExactUnavailableError("timeout"), after_commit=True)

    assert outcomes(await w.round()) == [POSTPONED]
    assert w.invoice(invoice).exact_document_id is None
    assert await w.round() == [], "not due yet"
    w.app.clock.advance(dt.timedelta(seconds=10))
    w.app.exact.attach_calls.clear()
    assert outcomes(await w.round()) == [ATTACHED]

    w.assert_attached_once(invoice)
    file_sent = call != "create_document"
    assert w.app.exact.attach_calls == [
        "find_documents",
        "find_attachments",
        *([] if file_sent else ["create_attachment"]),
        "link_document",
    ]


async def test_a_crash_after_the_document_was_made_finds_it_when_claimed_again(w: World) -> None:
    [invoice] = await w.sent()
    w.app.exact.fail_next("create_document", Crash(), after_commit=True)  # type: ignore[arg-type]

    with pytest.raises(Crash):
        await w.round()
    assert await w.round() == [], "still leased"
    w.app.clock.advance(dt.timedelta(minutes=5))
    assert outcomes(await w.round()) == [ATTACHED]

    w.assert_attached_once(invoice)


async def test_throttling_waits_until_exact_accepts_calls_again(w: World) -> None:
    [invoice] = await w.sent()
    later = T0 + dt.timedelta(minutes=1)
    w.app.exact.fail_next("create_document", ExactThrottledError("slow down", retry_at=later))
    history = w.history(invoice)

    assert outcomes(await w.round()) == [POSTPONED]

    [row] = w.app.store.outbox.values()
    assert (row.kind, row.available_at, row.last_error) == (
        OutboxKind.ATTACH_PDF,
        later,
        "slow down",
    )
    assert w.history(invoice) == history, "waiting is not news"
    assert w.documents(invoice) == []
    w.app.clock.current = later
    assert outcomes(await w.round()) == [ATTACHED]


async def test_a_refusal_is_recorded_and_the_invoice_stays_sent(w: World) -> None:
    [invoice] = await w.sent()
    w.app.exact.fail_next("create_attachment", ExactValidationError("Bestand te groot"))
    w.app.events.published.clear()

    assert outcomes(await w.round()) == [FAILED]

    refused = w.invoice(invoice)
    assert refused.state is InvoiceState.SENT
    assert (refused.exact_document_id, refused.pdf_attached_at) == (None, None)
    assert (refused.error_code, refused.error_message) == (None, None)
    assert w.history(invoice)[-1] == "PDF not attached in Exact: Bestand te groot"
    assert w.events() == [InvoiceEventKind.PDF_NOT_ATTACHED]
    [event] = w.app.events.published
    assert isinstance(event, InvoiceEvent)
    assert (event.state, event.message) == ("SENT", "PDF not attached in Exact: Bestand te groot")
    assert w.outbox() == []


async def test_transient_failures_back_off_then_give_up(w: World) -> None:
    [invoice] = await w.sent()
    for _ in range(4):
        w.app.exact.fail_next("create_document", ExactUnavailableError("503"))
    delays = []
    for _ in range(3):
        assert outcomes(await w.round()) == [POSTPONED]
        [row] = w.app.store.outbox.values()
        delays.append(row.available_at - w.app.clock.now())
        w.app.clock.current = row.available_at

    assert outcomes(await w.round()) == [FAILED]
    assert delays == [dt.timedelta(seconds=s) for s in (10, 20, 40)]
    assert w.history(invoice)[-1] == "PDF not attached in Exact: gave up after 4 attempts: 503"
    assert w.invoice(invoice).state is InvoiceState.SENT
    assert w.outbox() == []


async def test_an_invoice_processed_in_exact_meanwhile_cannot_be_linked(w: World) -> None:
    [invoice] = await w.sent()
    assert invoice.exact_invoice_id is not None
    w.app.exact.process_invoice(DEMO_DIVISION, invoice.exact_invoice_id)

    assert outcomes(await w.round()) == [FAILED]

    assert "PDF not attached in Exact" in w.history(invoice)[-1]
    assert w.invoice(invoice).state is InvoiceState.SENT


async def test_a_rendering_that_breaks_is_tried_again(w: World) -> None:
    [invoice] = await w.sent()
    broken = w.renderer.render
    w.renderer.render = lambda documents: 1 / 0  # type: ignore[assignment,method-assign]

    assert outcomes(await w.round()) == [POSTPONED]
    assert w.app.exact.count("attach_document") == 0
    w.renderer.render = broken  # type: ignore[method-assign]
    w.app.clock.advance(dt.timedelta(seconds=10))
    assert outcomes(await w.round()) == [ATTACHED]
    w.assert_attached_once(invoice)


# --- nothing to attach to ------------------------------------------------------------


async def test_a_deleted_invoice_is_skipped(w: World) -> None:
    [invoice] = await w.sent()
    await w.app.delete.execute(DeleteInvoiceRequest(invoice.id, release_sources=True))

    assert outcomes(await w.round()) == [SKIPPED]

    assert w.app.exact.count("attach_document") == 0
    assert w.outbox() == []


async def test_an_attached_invoice_is_not_attached_again(w: World) -> None:
    [invoice] = await w.sent()
    await w.round()
    async with w.app.uow() as uow:
        await uow.outbox.enqueue(invoice.id, OutboxKind.ATTACH_PDF, w.app.clock.now())
        await uow.commit()

    assert outcomes(await w.round()) == [SKIPPED]
    assert w.app.exact.count("attach_document") == 1


async def test_an_item_for_an_unknown_invoice_is_dropped(w: World) -> None:
    item = OutboxItem(uuid.uuid4(), uuid.uuid4(), OutboxKind.ATTACH_PDF, 1, T0)

    [result] = await w.attach.handle([item])

    assert (result.outcome, result.message) == (SKIPPED, "the invoice was deleted")


# --- one worker, several kinds -----------------------------------------------------------


class Recording:
    def __init__(self, fail: bool = False) -> None:
        self.got: list[list[OutboxItem]] = []
        self.fail = fail

    async def handle(self, items: list[OutboxItem]) -> list[str]:
        self.got.append(items)
        if self.fail:
            raise RuntimeError("handler broke")
        return [f"{i.kind}" for i in items]


def item(kind: OutboxKind) -> OutboxItem:
    return OutboxItem(uuid.uuid4(), uuid.uuid4(), kind, 1, T0)


async def test_the_dispatcher_hands_each_kind_its_share_of_a_batch() -> None:
    push, attach = Recording(), Recording()
    batch = [item(OutboxKind.ATTACH_PDF), item(OutboxKind.PUSH), item(OutboxKind.ATTACH_PDF)]

    results = await OutboxHandlers({OutboxKind.PUSH: push, OutboxKind.ATTACH_PDF: attach}).handle(
        batch
    )

    assert push.got == [[batch[1]]]
    assert attach.got == [[batch[0], batch[2]]]
    assert results == ["PUSH", "ATTACH_PDF", "ATTACH_PDF"]


async def test_a_failing_kind_does_not_keep_the_others_from_running() -> None:
    push, attach = Recording(fail=True), Recording()

    with pytest.raises(RuntimeError, match="handler broke"):
        await OutboxHandlers({OutboxKind.PUSH: push, OutboxKind.ATTACH_PDF: attach}).handle(
            [item(OutboxKind.PUSH), item(OutboxKind.ATTACH_PDF)]
        )

    assert len(attach.got) == 1


async def test_a_kind_without_a_handler_is_left_to_its_lease() -> None:
    push = Recording()

    results = await OutboxHandlers({OutboxKind.PUSH: push}).handle([item(OutboxKind.ATTACH_PDF)])

    assert (results, push.got) == ([], [])


# --- the property ------------------------------------------------------------------------

CALLS = ["find_documents", "create_document", "find_attachments", "create_attachment"]
FAULTS = st.tuples(
    st.sampled_from([*CALLS, "link_document"]),
    st.sampled_from(["down", "lost", "throttled", "crash-before", "crash-after"]),
)


def fault(kind: str) -> tuple[BaseException, bool]:
    """The error and whether the call took effect first."""
    errors: dict[str, tuple[BaseException, bool]] = {
        "down": (ExactUnavailableError("503"), False),
        "lost": (ExactUnavailableError("timeout"), True),
        "throttled": (ExactThrottledError("429"), False),
        "crash-before": (Crash(), False),
        "crash-after": (Crash(), True),
    }
    return errors[kind]


async def attach_until_settled(w: World) -> None:
    for _ in range(60):
        if not w.app.store.outbox:
            return
        w.app.clock.advance(dt.timedelta(hours=1))
        with contextlib.suppress(Crash):
            await w.round(limit=2)
    raise AssertionError("the outbox never settled")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices=st.integers(1, 3), script=st.lists(FAULTS, max_size=12))
def test_any_faults_leave_one_document_with_one_file_per_invoice(
    invoices: int, script: list[tuple[str, str]]
) -> None:
    w = world(RetryPolicy(first_delay=dt.timedelta(seconds=1), max_attempts=20))

    async def scenario() -> list[Invoice]:
        sent = await w.sent(invoices)
        for call, kind in script:
            error, after = fault(kind)
            w.app.exact.fail_next(call, error, after_commit=after)  # type: ignore[arg-type]
        await attach_until_settled(w)
        return sent

    for invoice in run(scenario()):
        w.assert_attached_once(invoice)
        assert w.invoice(invoice).pdf_attached_at is not None
    documents = w.app.exact.administration.rows(DEMO_DIVISION, schema.DOCUMENTS)
    assert len(documents) == invoices
