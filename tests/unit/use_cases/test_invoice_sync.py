"""Syncing invoice numbers back from Exact, webhooks, polling, and processing in Exact."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from decimal import Decimal

import pytest

from application.exact import (
    ExactSalesInvoice,
    ExactThrottledError,
    ExactUnavailableError,
    ExactValidationError,
)
from application.invoice_sync import (
    SALES_INVOICES_TOPIC,
    HandleExactWebhook,
    InvoiceNumberPolling,
    ManageExactWebhooks,
    ProcessInvoice,
    SyncInvoiceNumbers,
    WebhookRejected,
)
from domain.errors import ErrorCode
from domain.events import InvoiceEvent, InvoiceEventKind
from domain.invoices import Amounts, Invoice, InvoiceState
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.seed import DEMO_DIVISION, SECOND_DIVISION
from infrastructure.exact.sandbox.webhooks import signed_body
from infrastructure.exact.webhook_verifier import HmacWebhookVerifier
from tests.fakes import FakeStore, FakeUnitOfWorkFactory, FixedClock
from tests.support.sent_invoices import exact_invoice, sent_invoice
from tests.unit.helpers import CommitWatchingPublisher, raises_problems

SECRET = "test-webhook-secret"
CALLBACK = "http://127.0.0.1:8000/exact/webhooks"
FIRST_NUMBER = 26700001
"""The demo journal 70 numbers processed invoices from here."""
HOLDING_FIRST_NUMBER = 26900001
"""Journal 70 of the second demo division."""


@pytest.fixture
def exact() -> FakeExactGateway:
    return FakeExactGateway()


@pytest.fixture
def sync(
    uow: FakeUnitOfWorkFactory,
    exact: FakeExactGateway,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> SyncInvoiceNumbers:
    return SyncInvoiceNumbers(uow, exact, clock, events)


def pushed(
    store: FakeStore, exact: FakeExactGateway, count: int = 1, *, division: int = DEMO_DIVISION
) -> list[Invoice]:
    """`count` invoices in Exact (open) and SENT in Hourbill."""
    made = []
    for _ in range(count):
        row = exact_invoice(exact.administration, division=division)
        invoice = sent_invoice(row, order_number=len(store.invoices) + 1, division=division)
        store.invoices[invoice.id] = invoice
        made.append(invoice)
    return made


def process_in_exact(exact: FakeExactGateway, invoice: Invoice) -> int:
    """A user prints the invoice in Exact's web UI; its new number."""
    assert invoice.division is not None
    assert invoice.exact_invoice_id is not None
    printed = exact.process_invoice(invoice.division, invoice.exact_invoice_id)
    assert printed.invoice_number is not None
    return printed.invoice_number


def history(store: FakeStore, invoice: Invoice) -> list[str]:
    return [entry.message for entry in store.invoice_history if entry.invoice_id == invoice.id]


def invoice_events(events: CommitWatchingPublisher) -> list[InvoiceEvent]:
    return [event for event in events.published if isinstance(event, InvoiceEvent)]


# --- the sync ------------------------------------------------------------------------------


async def test_processed_invoices_get_their_final_number_the_rest_stay_open(
    store: FakeStore,
    exact: FakeExactGateway,
    sync: SyncInvoiceNumbers,
    events: CommitWatchingPublisher,
) -> None:
    first, second, third = pushed(store, exact, 3)
    number = process_in_exact(exact, second)

    summary = await sync.execute()

    numbered = store.invoices[second.id]
    assert (summary.checked, summary.numbered, summary.calls) == (3, 1, 1)
    assert summary.missing == ()
    assert summary.problems == ()
    assert [invoice.id for invoice in summary.updated] == [second.id]
    assert numbered.state is InvoiceState.PROCESSED
    assert numbered.exact_invoice_number == number == FIRST_NUMBER
    assert numbered.number == number
    assert numbered.processed_at == FixedClock(dt.date(2026, 4, 2)).now()
    assert history(store, numbered) == [f"Processed in Exact: invoice number {number}"]
    assert {store.invoices[i.id].state for i in (first, third)} == {InvoiceState.SENT}
    assert [(e.kind, e.invoice_id, e.number, e.state) for e in invoice_events(events)] == [
        (InvoiceEventKind.PROCESSED, second.id, number, "PROCESSED")
    ]
    assert events.commits_at_publish == [store.commits] == [1]
    assert exact.calls == ["sales_invoices"]


async def test_500_open_invoices_are_synced_in_13_reads_one_transaction_each(
    store: FakeStore, exact: FakeExactGateway, sync: SyncInvoiceNumbers
) -> None:
    invoices = pushed(store, exact, 500)
    for invoice in invoices[::5]:
        process_in_exact(exact, invoice)

    summary = await sync.execute()

    # Each read asks for at most 40 ids: one HTTP call with the Exact adapter.
    assert exact.count("sales_invoices") == summary.calls == 13 <= 15
    assert store.commits == 13
    assert (summary.checked, summary.numbered) == (500, 100)
    processed = [i for i in store.invoices.values() if i.state is InvoiceState.PROCESSED]
    assert sorted(i.exact_invoice_number or 0 for i in processed) == list(
        range(FIRST_NUMBER, FIRST_NUMBER + 100)
    )


async def test_nothing_open_costs_no_call(
    store: FakeStore, exact: FakeExactGateway, sync: SyncInvoiceNumbers
) -> None:
    summary = await sync.execute()

    assert (summary.checked, summary.calls) == (0, 0)
    assert exact.calls == []
    assert store.commits == 0


async def test_invoices_are_read_per_division(
    store: FakeStore, exact: FakeExactGateway, sync: SyncInvoiceNumbers
) -> None:
    [home] = pushed(store, exact)
    [holding] = pushed(store, exact, division=SECOND_DIVISION)
    process_in_exact(exact, holding)

    summary = await sync.execute()

    assert exact.count("sales_invoices") == 2
    assert (summary.checked, summary.numbered) == (2, 1)
    assert store.invoices[holding.id].exact_invoice_number == HOLDING_FIRST_NUMBER
    assert store.invoices[home.id].state is InvoiceState.SENT


async def test_selected_invoices_only_and_the_ones_not_waiting_for_a_number_are_reported(
    store: FakeStore, exact: FakeExactGateway, sync: SyncInvoiceNumbers
) -> None:
    chosen, other, done = pushed(store, exact, 3)
    for invoice in (chosen, other, done):
        process_in_exact(exact, invoice)
    done.processed(1234, done.created_at)
    unknown = uuid.uuid4()

    summary = await sync.execute([chosen.id, done.id, unknown, chosen.id])

    assert (summary.checked, summary.numbered) == (1, 1)
    assert store.invoices[chosen.id].state is InvoiceState.PROCESSED
    assert store.invoices[other.id].state is InvoiceState.SENT
    assert store.invoices[done.id].exact_invoice_number == 1234
    assert [(p.code, p.field) for p in summary.problems] == [
        (ErrorCode.NOT_FOUND, "invoiceIds"),
        (ErrorCode.INVALID_STATE, "invoiceIds"),
    ]
    assert done.reference in summary.problems[1].message


async def test_amounts_changed_in_exact_are_taken_over_and_flagged(
    store: FakeStore, exact: FakeExactGateway, sync: SyncInvoiceNumbers
) -> None:
    row = exact_invoice(exact.administration)  # 760.00 + 159.60 = 919.60 in Exact now
    ours = Amounts(Decimal("700.00"), Decimal("147.00"), Decimal("847.00"))
    invoice = sent_invoice(row, order_number=1, ours=ours, sent_amounts=ours)
    store.invoices[invoice.id] = invoice
    assert not invoice.amount_mismatch

    summary = await sync.execute()
    again = await sync.execute()

    synced = store.invoices[invoice.id]
    assert synced.state is InvoiceState.SENT
    assert (synced.exact_subtotal, synced.exact_vat_total, synced.exact_total) == (
        Decimal("760.00"),
        Decimal("159.60"),
        Decimal("919.60"),
    )
    assert synced.amount_mismatch
    assert [i.id for i in summary.updated] == [invoice.id]
    assert again.updated == ()
    assert history(store, synced) == [
        "Exact's amounts changed: 760.00 + VAT 159.60 = 919.60 (differs from Hourbill's)"
    ]


async def test_an_invoice_deleted_in_exact_is_reported_and_flagged_once(
    store: FakeStore,
    exact: FakeExactGateway,
    sync: SyncInvoiceNumbers,
    events: CommitWatchingPublisher,
) -> None:
    gone, kept = pushed(store, exact, 2)
    assert gone.exact_invoice_id is not None
    exact.administration.delete(DEMO_DIVISION, schema.INVOICES, gone.exact_invoice_id)

    first = await sync.execute()
    second = await sync.execute()

    flagged = store.invoices[gone.id]
    assert first.missing == second.missing == (gone.id,)
    assert [i.id for i in first.updated] == [gone.id]
    assert second.updated == ()
    assert flagged.state is InvoiceState.SENT
    assert flagged.error_code == ErrorCode.UNKNOWN_IN_EXACT.value
    assert "deleted in Exact" in (flagged.error_message or "")
    assert history(store, flagged) == [flagged.error_message]
    assert store.invoices[kept.id].error_code is None
    assert events.published == []


async def test_exact_failing_midway_keeps_the_batches_already_done(
    store: FakeStore, exact: FakeExactGateway, sync: SyncInvoiceNumbers
) -> None:
    invoices = pushed(store, exact, 100)
    for invoice in invoices:
        process_in_exact(exact, invoice)
    exact.fail_next("sales_invoices", ExactUnavailableError("read timed out"))
    failed = await sync.execute()
    assert (failed.checked, failed.numbered, store.commits) == (0, 0, 0)
    assert codes_of(failed) == [(ErrorCode.EXACT_UNAVAILABLE, None)]

    original = exact.sales_invoices
    reads = 0

    async def second_read_throttled(
        division: int, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, ExactSalesInvoice]:
        nonlocal reads
        reads += 1
        if reads == 2:
            raise ExactThrottledError("Too Many Requests", retry_at=None)
        return await original(division, ids)

    exact.sales_invoices = second_read_throttled  # type: ignore[method-assign]
    partial = await sync.execute()

    assert (partial.checked, partial.numbered, reads) == (40, 40, 2)
    assert codes_of(partial) == [(ErrorCode.EXACT_UNAVAILABLE, None)]
    assert "rate limit" in partial.problems[0].message
    assert sum(i.state is InvoiceState.PROCESSED for i in store.invoices.values()) == 40


def codes_of(summary: object) -> list[tuple[ErrorCode, str | None]]:
    return [(p.code, p.field) for p in summary.problems]  # type: ignore[attr-defined]


async def test_a_change_made_while_exact_was_read_wins(
    store: FakeStore,
    exact: FakeExactGateway,
    uow: FakeUnitOfWorkFactory,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> None:
    deleted, numbered = pushed(store, exact, 2)
    for invoice in (deleted, numbered):
        process_in_exact(exact, invoice)

    class DeletesDuringTheRead(FakeExactGateway):
        async def sales_invoices(
            self, division: int, ids: Sequence[uuid.UUID]
        ) -> dict[uuid.UUID, ExactSalesInvoice]:
            found = await exact.sales_invoices(division, ids)
            store.invoices[deleted.id].delete(clock.now())
            return found

    summary = await SyncInvoiceNumbers(
        uow, DeletesDuringTheRead(exact.administration), clock, events
    ).execute()

    assert store.invoices[deleted.id].state is InvoiceState.DELETED
    assert store.invoices[numbered.id].state is InvoiceState.PROCESSED
    assert summary.numbered == 1


# --- webhooks ----------------------------------------------------------------------------------


def notification(
    invoice: Invoice, action: str = "Update", topic: str = SALES_INVOICES_TOPIC
) -> bytes:
    content = {
        "Topic": topic,
        "ClientId": str(uuid.uuid4()),
        "Division": invoice.division,
        "Action": action,
        "Key": str(invoice.exact_invoice_id),
        "ExactOnlineEndpoint": "https://start.exactonline.nl/api/v1/…",
        "EventCreatedOn": "2026-11-30T12:00:00.000",
    }
    return signed_body(content, SECRET).encode()


@pytest.fixture
def webhooks(sync: SyncInvoiceNumbers) -> HandleExactWebhook:
    return HandleExactWebhook(sync, HmacWebhookVerifier(SECRET))


async def test_a_webhook_refreshes_that_one_invoice_in_one_call(
    store: FakeStore, exact: FakeExactGateway, webhooks: HandleExactWebhook
) -> None:
    target, other = pushed(store, exact, 2)
    number = process_in_exact(exact, target)
    process_in_exact(exact, other)

    accepted = webhooks.accept(notification(target))
    await webhooks.idle()

    assert (accepted.topic, accepted.action, accepted.key) == (
        "SalesInvoices",
        "Update",
        target.exact_invoice_id,
    )
    assert store.invoices[target.id].exact_invoice_number == number
    assert store.invoices[other.id].state is InvoiceState.SENT
    assert exact.calls == ["sales_invoices"]
    assert webhooks.refreshed.numbered == 1


async def test_a_burst_of_webhooks_is_coalesced_into_one_read(
    store: FakeStore, exact: FakeExactGateway, webhooks: HandleExactWebhook
) -> None:
    invoices = pushed(store, exact, 10)
    for invoice in invoices:
        process_in_exact(exact, invoice)

    for invoice in invoices:
        webhooks.accept(notification(invoice))
        webhooks.accept(notification(invoice))  # Exact may send one change twice
    await webhooks.idle()

    assert exact.calls == ["sales_invoices"]
    assert all(store.invoices[i.id].state is InvoiceState.PROCESSED for i in invoices)


async def test_webhooks_for_unknown_or_settled_invoices_creates_and_other_topics_cost_nothing(
    store: FakeStore, exact: FakeExactGateway, webhooks: HandleExactWebhook
) -> None:
    [known] = pushed(store, exact)
    stranger = sent_invoice(exact_invoice(exact.administration), order_number=99)
    [settled] = pushed(store, exact)
    process_in_exact(exact, settled)
    store.invoices[settled.id].processed(FIRST_NUMBER, settled.created_at)

    for body in (
        notification(stranger),
        notification(settled),
        notification(known, action="Create"),
        notification(known, topic="Accounts"),
    ):
        webhooks.accept(body)
    await webhooks.idle()

    assert exact.calls == []
    assert store.commits == 0


async def test_a_deleted_invoice_webhook_flags_it(
    store: FakeStore, exact: FakeExactGateway, webhooks: HandleExactWebhook
) -> None:
    [invoice] = pushed(store, exact)
    assert invoice.exact_invoice_id is not None
    exact.administration.delete(DEMO_DIVISION, schema.INVOICES, invoice.exact_invoice_id)

    webhooks.accept(notification(invoice, action="Delete"))
    await webhooks.idle()

    assert store.invoices[invoice.id].error_code == ErrorCode.UNKNOWN_IN_EXACT.value
    assert webhooks.refreshed.missing == (invoice.id,)


@pytest.mark.parametrize(
    "body",
    [
        b'{"Content":{"Topic":"SalesInvoices"},"HashCode":"00"}',
        b"not json at all",
        b'{"Content":{"Topic":"SalesInvoices","Division":123456}}',
    ],
)
async def test_unsigned_or_forged_calls_are_rejected_and_queue_nothing(
    store: FakeStore, exact: FakeExactGateway, webhooks: HandleExactWebhook, body: bytes
) -> None:
    [invoice] = pushed(store, exact)
    process_in_exact(exact, invoice)

    with pytest.raises(WebhookRejected):
        webhooks.accept(body)
    forged = notification(invoice).replace(b"Update", b"Delete")  # the HashCode no longer fits
    with pytest.raises(WebhookRejected):
        webhooks.accept(forged)
    await webhooks.idle()

    assert exact.calls == []


async def test_without_a_secret_every_call_is_rejected(sync: SyncInvoiceNumbers) -> None:
    webhooks = HandleExactWebhook(sync, HmacWebhookVerifier(None))
    [invoice] = pushed(FakeStore(), FakeExactGateway())

    with pytest.raises(WebhookRejected, match="HOURBILL_EXACT_WEBHOOK_SECRET"):
        webhooks.accept(notification(invoice))


async def test_a_failing_refresh_is_logged_and_the_next_webhook_still_works(
    store: FakeStore,
    exact: FakeExactGateway,
    webhooks: HandleExactWebhook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    [invoice] = pushed(store, exact)
    process_in_exact(exact, invoice)
    exact.fail_next("sales_invoices", ExactUnavailableError("Service Unavailable"))

    with caplog.at_level(logging.ERROR, logger="application.invoice_sync"):
        webhooks.accept(notification(invoice))
        await webhooks.idle()
    assert store.invoices[invoice.id].state is InvoiceState.SENT
    assert "polling retries" in caplog.text

    webhooks.accept(notification(invoice))
    await webhooks.idle()
    assert store.invoices[invoice.id].state is InvoiceState.PROCESSED


async def test_closing_stops_the_background_refresh(
    store: FakeStore, exact: FakeExactGateway, webhooks: HandleExactWebhook
) -> None:
    [invoice] = pushed(store, exact)
    webhooks.accept(notification(invoice))

    await webhooks.aclose()
    await webhooks.idle()

    assert exact.calls == []


# --- processing in Exact -------------------------------------------------------------------------


@pytest.fixture
def process(
    uow: FakeUnitOfWorkFactory,
    exact: FakeExactGateway,
    clock: FixedClock,
    events: CommitWatchingPublisher,
) -> ProcessInvoice:
    return ProcessInvoice(uow, exact, clock, events)


async def test_processing_a_sent_invoice_gives_it_exacts_final_number(
    store: FakeStore,
    exact: FakeExactGateway,
    process: ProcessInvoice,
    events: CommitWatchingPublisher,
) -> None:
    [invoice] = pushed(store, exact)

    processed = await process.execute(invoice.id)

    assert processed.state is InvoiceState.PROCESSED
    assert processed.exact_invoice_number == FIRST_NUMBER
    assert store.invoices[invoice.id].exact_invoice_number == FIRST_NUMBER
    assert exact.calls == ["process_sales_invoice"]
    row = exact.administration.get(DEMO_DIVISION, schema.INVOICES, invoice.exact_invoice_id)
    assert (row["Status"], row["InvoiceNumber"]) == (50, FIRST_NUMBER)
    assert history(store, invoice) == [f"Processed in Exact: invoice number {FIRST_NUMBER}"]
    assert [(e.kind, e.number) for e in invoice_events(events)] == [
        (InvoiceEventKind.PROCESSED, FIRST_NUMBER)
    ]
    assert events.commits_at_publish == [1]


async def test_an_invoice_already_processed_in_exact_takes_the_number_it_has(
    store: FakeStore, exact: FakeExactGateway, process: ProcessInvoice
) -> None:
    [invoice] = pushed(store, exact)
    number = process_in_exact(exact, invoice)  # a user was quicker

    processed = await process.execute(invoice.id)

    assert processed.exact_invoice_number == number
    assert exact.calls == ["process_sales_invoice", "sales_invoices"]
    assert store.invoices[invoice.id].exact_invoice_number == number


async def test_a_lost_response_is_settled_by_reading_the_invoice_back(
    store: FakeStore, exact: FakeExactGateway, process: ProcessInvoice
) -> None:
    [invoice] = pushed(store, exact)
    exact.fail_next(
        "process_sales_invoice", ExactUnavailableError("connection reset"), after_commit=True
    )

    processed = await process.execute(invoice.id)

    assert processed.exact_invoice_number == FIRST_NUMBER
    assert exact.calls == ["process_sales_invoice", "sales_invoices"]


async def test_a_refusal_by_exact_is_typed_and_changes_nothing(
    store: FakeStore, exact: FakeExactGateway, process: ProcessInvoice
) -> None:
    [invoice] = pushed(store, exact)
    exact.fail_next("process_sales_invoice", ExactValidationError("Mandatory: ReportingPeriod"))

    with raises_problems((ErrorCode.EXACT_REJECTED, "id")) as raised:
        await process.execute(invoice.id)

    assert "Mandatory: ReportingPeriod" in str(raised.value)
    assert store.invoices[invoice.id].state is InvoiceState.SENT
    assert store.commits == 0


async def test_processing_an_invoice_deleted_in_exact_says_so(
    store: FakeStore, exact: FakeExactGateway, process: ProcessInvoice
) -> None:
    [invoice] = pushed(store, exact)
    assert invoice.exact_invoice_id is not None
    exact.administration.delete(DEMO_DIVISION, schema.INVOICES, invoice.exact_invoice_id)

    with raises_problems((ErrorCode.UNKNOWN_IN_EXACT, "id")) as raised:
        await process.execute(invoice.id)

    assert store.invoices[invoice.id].state is InvoiceState.SENT
    assert "deleted in Exact" in str(raised.value)
    assert exact.calls == ["process_sales_invoice", "sales_invoices"]


async def test_throttled_or_unavailable_exact_is_exact_unavailable(
    store: FakeStore, exact: FakeExactGateway, process: ProcessInvoice
) -> None:
    [invoice] = pushed(store, exact)
    exact.fail_next("process_sales_invoice", ExactThrottledError("Too Many Requests"))

    with raises_problems((ErrorCode.EXACT_UNAVAILABLE, "id")):
        await process.execute(invoice.id)

    exact.fail_next("process_sales_invoice", ExactUnavailableError("Bad Gateway"))
    exact.fail_next("sales_invoices", ExactUnavailableError("Bad Gateway"))
    with raises_problems((ErrorCode.EXACT_UNAVAILABLE, "id")):
        await process.execute(invoice.id)
    assert store.invoices[invoice.id].state is InvoiceState.SENT


async def test_only_a_sent_invoice_can_be_processed(
    store: FakeStore, exact: FakeExactGateway, process: ProcessInvoice
) -> None:
    [invoice] = pushed(store, exact)
    store.invoices[invoice.id].delete(invoice.created_at)

    with raises_problems((ErrorCode.INVALID_STATE, "id")):
        await process.execute(invoice.id)
    with raises_problems((ErrorCode.NOT_FOUND, "id")):
        await process.execute(uuid.uuid4())
    assert exact.calls == []


async def test_processing_twice_keeps_one_number(
    store: FakeStore, exact: FakeExactGateway, process: ProcessInvoice
) -> None:
    [invoice] = pushed(store, exact)
    first, second = await asyncio.gather(
        process.execute(invoice.id), process.execute(invoice.id), return_exceptions=True
    )

    numbers = {r.exact_invoice_number for r in (first, second) if isinstance(r, Invoice)}
    assert numbers == {FIRST_NUMBER}
    assert store.invoices[invoice.id].exact_invoice_number == FIRST_NUMBER
    invoices = exact.administration.rows(DEMO_DIVISION, schema.INVOICES)
    assert [row["InvoiceNumber"] for row in invoices] == [FIRST_NUMBER]


# --- webhook subscriptions ---------------------------------------------------------------------


@pytest.fixture
def manage(uow: FakeUnitOfWorkFactory, exact: FakeExactGateway) -> ManageExactWebhooks:
    return ManageExactWebhooks(uow, exact, HmacWebhookVerifier(SECRET), lambda: CALLBACK)


async def test_subscribing_is_idempotent_and_unsubscribing_removes_it(
    store: FakeStore, exact: FakeExactGateway, manage: ManageExactWebhooks
) -> None:
    store.settings.exact_division = DEMO_DIVISION

    created = await manage.subscribe()
    kept = await manage.subscribe()
    subscriptions = await exact.webhook_subscriptions(DEMO_DIVISION)

    assert created.changed
    assert not kept.changed
    assert created.subscription_id == kept.subscription_id is not None
    assert (created.division, created.topic, created.callback_url) == (
        DEMO_DIVISION,
        "SalesInvoices",
        CALLBACK,
    )
    assert [(s.topic, s.callback_url) for s in subscriptions] == [("SalesInvoices", CALLBACK)]

    removed = await manage.unsubscribe()
    again = await manage.unsubscribe()

    assert removed.changed
    assert not again.changed
    assert removed.subscription_id is None
    assert await exact.webhook_subscriptions(DEMO_DIVISION) == []


async def test_subscribing_needs_a_division_and_a_webhook_secret(
    store: FakeStore, exact: FakeExactGateway, uow: FakeUnitOfWorkFactory
) -> None:
    manage = ManageExactWebhooks(uow, exact, HmacWebhookVerifier(SECRET), lambda: CALLBACK)
    with raises_problems((ErrorCode.NOT_CONFIGURED, None)):
        await manage.subscribe()

    store.settings.exact_division = DEMO_DIVISION
    secretless = ManageExactWebhooks(uow, exact, HmacWebhookVerifier(None), lambda: CALLBACK)
    with raises_problems((ErrorCode.NOT_CONFIGURED, None)):
        await secretless.subscribe()
    assert exact.calls == []


async def test_exact_refusing_the_callback_url_is_exact_rejected(
    store: FakeStore, exact: FakeExactGateway, uow: FakeUnitOfWorkFactory
) -> None:
    store.settings.exact_division = DEMO_DIVISION
    plain_http = ManageExactWebhooks(
        uow, exact, HmacWebhookVerifier(SECRET), lambda: "http://hourbill.example/exact/webhooks"
    )

    with raises_problems((ErrorCode.EXACT_REJECTED, None)) as raised:
        await plain_http.subscribe()

    assert "HTTPS" in str(raised.value)


# --- polling ---------------------------------------------------------------------------


async def test_polling_numbers_invoices_and_survives_failures(
    store: FakeStore, exact: FakeExactGateway, sync: SyncInvoiceNumbers
) -> None:
    [invoice] = pushed(store, exact)
    process_in_exact(exact, invoice)
    exact.fail_next("sales_invoices", ExactUnavailableError("Service Unavailable"))
    broken = FailingOnce(sync)
    polling = InvoiceNumberPolling(broken, interval=0.01)  # type: ignore[arg-type]

    await polling.start()
    try:
        async with asyncio.timeout(5):
            await broken.numbered.wait()
    finally:
        await polling.stop()

    assert polling.rounds >= 3  # a crash, an Exact failure, then the number
    assert broken.crashed


class FailingOnce:
    """A sync whose first round crashes outright (a bug, a lost database)."""

    def __init__(self, sync: SyncInvoiceNumbers) -> None:
        self.sync = sync
        self.crashed = False
        self.numbered = asyncio.Event()

    async def execute(self, invoice_ids: object = None) -> object:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("database is locked")
        summary = await self.sync.execute(None)
        if summary.numbered:
            self.numbered.set()
        return summary


async def test_polling_with_nothing_open_makes_no_calls_and_interval_0_disables_it(
    exact: FakeExactGateway, sync: SyncInvoiceNumbers
) -> None:
    ticks: list[float] = []

    async def sleep(seconds: float) -> None:
        ticks.append(seconds)
        if len(ticks) > 3:
            raise asyncio.CancelledError

    polling = InvoiceNumberPolling(sync, interval=300, sleep=sleep)
    with pytest.raises(asyncio.CancelledError):
        await polling.run()
    disabled = InvoiceNumberPolling(sync, interval=0)
    await disabled.start()
    await disabled.stop()

    assert ticks == [300, 300, 300, 300]
    assert polling.rounds == 3
    assert exact.calls == []
    assert disabled.rounds == 0
