"""The outbox handler: exactly one Exact invoice per invoice, through failures, crashes, retries."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.exact import (
    ExactAuthError,
    ExactThrottledError,
    ExactUnavailableError,
    ExactValidationError,
)
from application.outbox import PushInvoices, PushOutcome, RetryPolicy
from domain.errors import ErrorCode
from domain.events import InvoiceEvent, InvoiceEventKind
from domain.invoices import InvoiceState
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from tests.unit.helpers import run
from tests.unit.use_cases.invoicing_support import (
    LEASE,
    T0,
    Invoicing,
    build,
    hours_line,
    order_for,
)

SENT, ADOPTED, FAILED, POSTPONED, SKIPPED = (
    PushOutcome.SENT,
    PushOutcome.ADOPTED,
    PushOutcome.FAILED,
    PushOutcome.POSTPONED,
    PushOutcome.SKIPPED,
)


@pytest.fixture
def app() -> Invoicing:
    return build(RetryPolicy(first_delay=dt.timedelta(seconds=10), max_attempts=4))


class Crash(BaseException):
    """The worker process dies: nothing after this point runs."""


class Crashing:
    """The fake Exact, but the process dies just before or just after some calls."""

    def __init__(self, exact: FakeExactGateway) -> None:
        self.exact = exact
        self.before: list[str] = []
        self.after: list[str] = []

    def __getattr__(self, name: str) -> Any:
        call = getattr(self.exact, name)

        async def crashing(*args: Any, **kwargs: Any) -> Any:
            if name in self.before:
                self.before.remove(name)
                raise Crash(name)
            result = await call(*args, **kwargs)
            if name in self.after:
                self.after.remove(name)
                raise Crash(name)
            return result

        return crashing


def crashing_push(app: Invoicing) -> tuple[PushInvoices, Crashing]:
    exact = Crashing(app.exact)
    push = PushInvoices(app.uow, exact, app.push.accounts, app.events, app.clock, app.push.policy)
    return push, exact


def outcomes(results: list[Any]) -> list[PushOutcome]:
    return [r.outcome for r in results]


def invoice_events(app: Invoicing) -> list[InvoiceEventKind]:
    return [e.kind for e in app.events.published if isinstance(e, InvoiceEvent)]


async def test_a_push_creates_the_sales_invoice_and_keeps_exacts_numbers(app: Invoicing) -> None:
    order = order_for(
        app.store,
        app.newco,
        hours_line("10", "95"),
        hours_line("7", "19.99", discount_percent=Decimal("12.5")),
        description="April",
    )
    (queued,) = (await app.invoice(order)).invoices
    app.events.published.clear()
    assert outcomes(await app.work()) == [SENT]

    invoice = app.store.invoices[queued.id]
    (row,) = app.exact_invoices(invoice.reference)
    assert invoice.state is InvoiceState.SENT
    assert invoice.exact_invoice_id == row["InvoiceID"]
    assert invoice.number == invoice.exact_order_number == row["OrderNumber"]
    assert (invoice.division, invoice.journal, invoice.attempts) == (DEMO_DIVISION, "70", 1)
    assert invoice.amount_mismatch is False
    assert invoice.exact_subtotal == invoice.subtotal == Decimal("1072.44")
    exact = await app.exact.sales_invoice(DEMO_DIVISION, row["InvoiceID"])
    assert exact is not None
    assert exact.your_ref == invoice.reference
    assert [line.amount for line in exact.lines] == [line.amount for line in order.lines]
    assert app.store.customers[app.newco.id].exact_account_id == exact.ordered_by
    assert app.store.outbox == {}
    assert invoice_events(app) == [InvoiceEventKind.SENT]
    assert app.exact.count("sales_invoices_by_reference") == 0, "a first attempt looks nothing up"


async def test_a_lost_response_is_adopted_not_sent_again(app: Invoicing) -> None:
    (queued,) = (await app.invoice(order_for(app.store, app.acme))).invoices
    app.exact.fail_next("create_sales_invoice", ExactUnavailableError("timeout"), after_commit=True)
    assert outcomes(await app.work()) == [POSTPONED]
    invoice = app.store.invoices[queued.id]
    assert invoice.state is InvoiceState.QUEUED
    assert (invoice.error_code, invoice.error_message) == ("EXACT_UNAVAILABLE", "timeout")
    (row,) = app.store.outbox.values()
    assert row.available_at == T0 + dt.timedelta(seconds=10)
    assert await app.work() == [], "not due yet"

    app.clock.advance(dt.timedelta(seconds=10))
    assert outcomes(await app.work()) == [ADOPTED]
    assert app.exact.count("create_sales_invoice") == 1
    assert len(app.exact_invoices(invoice.reference)) == 1
    invoice = app.store.invoices[queued.id]
    assert invoice.state is InvoiceState.SENT
    assert invoice.error_code is None
    assert invoice_events(app)[-2:] == [InvoiceEventKind.ATTEMPT_FAILED, InvoiceEventKind.SENT]


async def test_a_crash_between_counting_and_sending_sends_once(app: Invoicing) -> None:
    (queued,) = (await app.invoice(order_for(app.store, app.acme))).invoices
    push, exact = crashing_push(app)
    exact.before.append("create_sales_invoice")
    with pytest.raises(Crash):
        await push.handle(await app.claim())
    assert app.store.invoices[queued.id].attempts == 1, "the attempt was committed first"
    assert await app.claim() == [], "the lease keeps other workers off"

    app.clock.advance(LEASE)
    assert outcomes(await app.work()) == [SENT]
    assert app.exact.count("sales_invoices_by_reference") == 1, "looked up before re-sending"
    assert len(app.exact_invoices(queued.reference)) == 1


async def test_a_crash_after_exact_created_the_invoice_adopts_it(app: Invoicing) -> None:
    (queued,) = (await app.invoice(order_for(app.store, app.acme))).invoices
    push, exact = crashing_push(app)
    exact.after.append("create_sales_invoice")
    with pytest.raises(Crash):
        await push.handle(await app.claim())
    app.clock.advance(LEASE)
    assert outcomes(await app.work()) == [ADOPTED]
    assert len(app.exact_invoices(queued.reference)) == 1


async def test_retried_items_are_looked_up_in_one_call(app: Invoicing) -> None:
    orders = [order_for(app.store, app.acme) for _ in range(3)]
    await app.invoice(*orders)
    for _ in orders:
        app.exact.fail_next("create_sales_invoice", ExactUnavailableError("502"), after_commit=True)
    assert outcomes(await app.work()) == [POSTPONED] * 3
    app.clock.advance(dt.timedelta(minutes=1))
    assert outcomes(await app.work()) == [ADOPTED] * 3
    assert app.exact.count("sales_invoices_by_reference") == 1
    assert app.exact.count("create_sales_invoice") == 3
    assert len(app.exact_invoices()) == 3


async def test_a_lookup_that_fails_postpones_without_sending(app: Invoicing) -> None:
    await app.invoice(order_for(app.store, app.acme))
    app.exact.fail_next("create_sales_invoice", ExactUnavailableError("502"), after_commit=True)
    await app.work()
    app.exact.fail_next("sales_invoices_by_reference", ExactUnavailableError("503"))
    app.clock.advance(dt.timedelta(minutes=1))
    assert outcomes(await app.work()) == [POSTPONED]
    assert app.exact.count("create_sales_invoice") == 1


async def test_exact_refusing_the_invoice_fails_it_with_exacts_message(app: Invoicing) -> None:
    (queued,) = (await app.invoice(order_for(app.store, app.acme))).invoices
    app.exact.fail_next("create_sales_invoice", ExactValidationError("Item blocked", status=400))
    app.events.published.clear()
    assert outcomes(await app.work()) == [FAILED]
    invoice = app.store.invoices[queued.id]
    assert (invoice.state, invoice.error_code, invoice.error_message) == (
        InvoiceState.FAILED,
        "EXACT_REJECTED",
        "Item blocked",
    )
    assert app.store.outbox == {}
    assert invoice_events(app) == [InvoiceEventKind.FAILED]


async def test_a_lost_connection_fails_with_a_reconnect_message(app: Invoicing) -> None:
    (queued,) = (await app.invoice(order_for(app.store, app.acme))).invoices
    app.exact.fail_next("create_sales_invoice", ExactAuthError("401 Unauthorized", status=401))
    assert outcomes(await app.work()) == [FAILED]
    invoice = app.store.invoices[queued.id]
    assert invoice.error_code == ErrorCode.NOT_CONFIGURED.value
    assert "reconnect" in (invoice.error_message or "")


async def test_throttling_waits_until_exact_accepts_calls_again(app: Invoicing) -> None:
    await app.invoice(order_for(app.store, app.acme))
    retry_at = T0 + dt.timedelta(minutes=7)
    app.exact.fail_next("create_sales_invoice", ExactThrottledError("429", retry_at=retry_at))
    assert outcomes(await app.work()) == [POSTPONED]
    (row,) = app.store.outbox.values()
    assert row.available_at == retry_at


async def test_transient_failures_back_off_then_give_up(app: Invoicing) -> None:
    (queued,) = (await app.invoice(order_for(app.store, app.acme))).invoices
    due = []
    for _ in range(4):
        app.exact.fail_next("create_sales_invoice", ExactUnavailableError("503"))
    for _ in range(3):
        assert outcomes(await app.work()) == [POSTPONED]
        (row,) = app.store.outbox.values()
        due.append(row.available_at - app.clock.now())
        app.clock.current = row.available_at
    assert due == [dt.timedelta(seconds=s) for s in (10, 20, 40)]
    assert outcomes(await app.work()) == [FAILED]
    invoice = app.store.invoices[queued.id]
    assert invoice.error_code == "EXACT_UNAVAILABLE"
    assert (invoice.error_message or "").startswith("gave up after 4 attempts")
    assert app.exact_invoices() == []


async def test_differing_amounts_are_flagged(app: Invoicing) -> None:
    """Exact rounds VAT per line, Hourbill per rate: 3 × 0.02 at 21 % is 0.00 there, 0.01 here."""
    order = order_for(app.store, app.acme, *(hours_line("1", "0.02") for _ in range(3)))
    (queued,) = (await app.invoice(order)).invoices
    await app.work()
    invoice = app.store.invoices[queued.id]
    assert invoice.state is InvoiceState.SENT
    assert (invoice.vat_total, invoice.exact_vat_total) == (Decimal("0.01"), Decimal("0.00"))
    assert invoice.amount_mismatch is True
    assert "differ" in app.store.invoice_history[-1].message


async def test_items_no_longer_queued_are_dropped(app: Invoicing) -> None:
    (queued,) = (await app.invoice(order_for(app.store, app.acme))).invoices
    app.store.invoices[queued.id].state = InvoiceState.FAILED
    assert outcomes(await app.work()) == [SKIPPED]
    assert app.store.outbox == {}
    assert app.exact.count("create_sales_invoice") == 0


async def test_a_missing_administration_fails_the_push(app: Invoicing) -> None:
    (queued,) = (await app.invoice(order_for(app.store, app.acme))).invoices
    app.store.settings.exact_journal = None
    assert outcomes(await app.work()) == [FAILED]
    assert app.store.invoices[queued.id].error_code == "NOT_CONFIGURED"


# --- the property -------------------------------------------------------------------

FAULTS = st.sampled_from(["ok", "lost", "down", "crash-before", "crash-after", "refused"])


class Scripted:
    """The fake Exact, with a scripted fault for each create and look-up call."""

    def __init__(self, exact: FakeExactGateway, script: list[str]) -> None:
        self.exact = exact
        self.script = script

    def __getattr__(self, name: str) -> Any:
        call: Callable[..., Any] = getattr(self.exact, name)
        if name not in ("create_sales_invoice", "sales_invoices_by_reference"):
            return call

        async def scripted(*args: Any, **kwargs: Any) -> Any:
            fault = self.script.pop(0) if self.script else "ok"
            if fault == "crash-before":
                raise Crash(name)
            if fault == "down":
                raise ExactUnavailableError("503")
            if fault == "refused" and name == "create_sales_invoice":
                raise ExactValidationError("refused")
            result = await call(*args, **kwargs)
            if fault == "lost":
                raise ExactUnavailableError("timeout")
            if fault == "crash-after":
                raise Crash(name)
            return result

        return scripted


async def push_until_settled(app: Invoicing, push: PushInvoices) -> None:
    for _ in range(60):
        app.clock.advance(dt.timedelta(hours=1))
        if not app.store.outbox:
            failed = [i.id for i in app.store.invoices.values() if i.state is InvoiceState.FAILED]
            if not failed:
                return
            await app.retry.execute(failed)
        with contextlib.suppress(Crash):
            await push.handle(await app.claim(limit=2))
    raise AssertionError("the outbox never settled")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=st.integers(1, 3), script=st.lists(FAULTS, max_size=12))
def test_any_failures_and_retries_make_exactly_one_exact_invoice_per_order(
    orders: int, script: list[str]
) -> None:
    app = build(RetryPolicy(first_delay=dt.timedelta(seconds=1), max_attempts=3))
    made = [order_for(app.store, app.acme) for _ in range(orders)]
    push = PushInvoices(
        app.uow,
        Scripted(app.exact, list(script)),
        app.push.accounts,
        app.events,
        app.clock,
        app.push.policy,
    )

    async def scenario() -> None:
        await app.invoice(*made)
        await push_until_settled(app, push)

    run(scenario())
    for order in made:
        invoice = app.invoice_of(order)
        rows = app.exact_invoices(invoice.reference)
        assert len(rows) == 1
        assert invoice.state is InvoiceState.SENT
        assert invoice.exact_invoice_id == rows[0]["InvoiceID"]
    assert len(app.exact_invoices()) == orders
