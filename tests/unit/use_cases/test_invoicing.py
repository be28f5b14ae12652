"""createInvoices, retryInvoices, deleteInvoice and the invoices tab, on the fakes."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from application.exact import ExactUnavailableError
from application.invoicing import CreateInvoicesRequest, DeleteInvoiceRequest, NothingInvoiced
from application.invoicing_ports import InvoiceFilter, OutboxKind
from application.ports import PageRequest
from domain.customers import Customer
from domain.errors import ErrorCode, HourbillError
from domain.events import InvoiceEvent, InvoiceRunProgressEvent
from domain.exact_mapping import LineMapping, MappingScope
from domain.idempotency import IdempotencyKey
from domain.invoices import InvoiceState
from domain.orders import Order, OrderStatus
from tests.unit.helpers import put
from tests.unit.use_cases.invoicing_support import (
    Invoicing,
    booked_line,
    build,
    hours_line,
    order_for,
)


@pytest.fixture
def app() -> Invoicing:
    return build()


def kinds(app: Invoicing) -> list[str]:
    return [
        f"{type(e).__name__}:{getattr(e, 'kind', '')}"
        for e in app.events.published
        if isinstance(e, InvoiceEvent | InvoiceRunProgressEvent)
    ]


async def test_accepted_orders_become_queued_invoices_in_one_transaction(app: Invoicing) -> None:
    first, second = order_for(app.store, app.acme), order_for(app.store, app.newco)
    result = await app.invoice(first, second, key="run-1")
    assert [i.order_id for i in result.invoices] == [first.id, second.id]
    assert result.rejected == ()
    assert not result.replayed
    for order in (first, second):
        stored = app.store.orders[order.id]
        assert stored.status is OrderStatus.INVOICED
        invoice = app.invoice_of(order)
        assert invoice.state is InvoiceState.QUEUED
        assert invoice.total == stored.totals().total
        assert invoice.run_id == result.run.id
    assert sorted(r.invoice_id for r in app.store.outbox.values()) == sorted(
        i.id for i in result.invoices
    )
    assert {r.kind for r in app.store.outbox.values()} == {OutboxKind.PUSH}
    assert [e.state for e in app.store.invoice_history] == [InvoiceState.QUEUED] * 2
    assert (result.progress.total, result.progress.remaining) == (2, 2)
    assert app.exact.count("create_sales_invoice") == 0, "the worker sends, not the mutation"
    assert (app.exact.count("items"), app.exact.count("vat_codes")) == (1, 1)
    assert app.woken == [1]
    assert kinds(app) == [
        "InvoiceEvent:CREATED",
        "InvoiceEvent:CREATED",
        "InvoiceRunProgressEvent:",
    ]


async def test_a_failure_while_queueing_keeps_nothing(
    app: Invoicing, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = order_for(app.store, app.acme), order_for(app.store, app.acme)
    calls: list[uuid.UUID] = []

    async def enqueue_once(self: object, invoice_id: uuid.UUID, *args: object) -> None:
        calls.append(invoice_id)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr("tests.fakes.FakeOutbox.enqueue", enqueue_once)
    with pytest.raises(RuntimeError):
        await app.invoice(first, second)
    assert app.store.invoices == {}
    assert app.store.invoice_runs == {}
    assert app.store.invoice_history == []
    assert app.store.outbox == {}
    assert {o.status for o in app.store.orders.values()} == {OrderStatus.DRAFT}


async def test_an_invoiced_order_can_no_longer_be_edited(app: Invoicing) -> None:
    order = order_for(app.store, app.acme)
    await app.invoice(order)
    async with app.uow() as uow:
        stored = await uow.orders.get(order.id)
        assert stored is not None
        with pytest.raises(HourbillError) as locked:
            stored.add_line(hours_line())
    assert locked.value.problems[0].code is ErrorCode.LOCKED


async def test_the_same_key_again_answers_with_the_first_result(app: Invoicing) -> None:
    order, refused = order_for(app.store, app.acme), order_for(app.store, app.acme)
    refused.lines.clear()
    first = await app.invoice(order, refused, key="once")
    calls, commits = len(app.exact.calls), app.store.commits
    again = await app.invoice(refused, order, key="once")
    assert again.replayed
    assert again.run.id == first.run.id
    assert [i.id for i in again.invoices] == [i.id for i in first.invoices]
    assert again.rejected == first.rejected
    assert [r.order_id for r in again.rejected] == [refused.id]
    assert (len(app.exact.calls), app.store.commits) == (calls, commits)
    assert len(app.store.invoices) == 1


async def test_a_key_used_for_other_orders_is_refused(app: Invoicing) -> None:
    await app.invoice(order_for(app.store, app.acme), key="k")
    with pytest.raises(HourbillError) as reused:
        await app.invoice(order_for(app.store, app.acme), key="k")
    assert [(p.code, p.field) for p in reused.value.problems] == [
        (ErrorCode.IDEMPOTENCY_KEY_REUSED, "idempotencyKey")
    ]


async def test_concurrent_calls_with_one_key_make_one_run(app: Invoicing) -> None:
    orders = [order_for(app.store, app.acme) for _ in range(3)]
    results = await asyncio.gather(*(app.invoice(*orders, key="same") for _ in range(3)))
    assert len(app.store.invoice_runs) == 1
    assert len(app.store.invoices) == 3
    assert {r.run.id for r in results} == set(app.store.invoice_runs)
    assert sum(not r.replayed for r in results) == 1
    assert {frozenset(i.id for i in r.invoices) for r in results} == {frozenset(app.store.invoices)}


async def test_concurrent_runs_over_one_order_invoice_it_once(app: Invoicing) -> None:
    shared, own = order_for(app.store, app.acme), order_for(app.store, app.acme)
    first, second = await asyncio.gather(app.invoice(shared, key="a"), app.invoice(shared, own))
    assert len([i for i in app.store.invoices.values() if i.order_id == shared.id]) == 1
    loser = first if not first.invoices or first.invoices[0].order_id != shared.id else second
    winner = second if loser is first else first
    assert [i.order_id for i in winner.invoices] == [shared.id]
    if loser.invoices:  # the second run saw the order invoiced during its pre-flight
        assert [i.order_id for i in loser.invoices] == [own.id]
        assert [(r.order_id, r.problems[0].code) for r in loser.rejected] == [
            (shared.id, ErrorCode.INVALID_STATE)
        ]


async def test_preflight_refuses_each_bad_order_with_its_reason(app: Invoicing) -> None:
    good = order_for(app.store, app.acme)
    empty = order_for(app.store, app.acme)
    empty.lines.clear()
    nine_percent = order_for(app.store, app.acme, hours_line(vat="9"))
    unknown_item = order_for(app.store, app.acme, hours_line(item_code="GADGET"))
    app.store.line_mappings[uuid.uuid4()] = LineMapping(
        MappingScope.ITEM, "GADGET", exact_item_code="NOPE"
    )
    lost = put(app.store, Customer("LOST", "Lost B.V.", exact_account_id=uuid.uuid4()))
    unlinkable = order_for(app.store, lost)
    invoiced = order_for(app.store, app.acme)
    await app.invoice(invoiced)
    missing = uuid.uuid4()
    ids = [good.id, empty.id, nine_percent.id, unknown_item.id, unlinkable.id, invoiced.id, missing]
    result = await app.create.execute(CreateInvoicesRequest(ids), IdempotencyKey("mixed"))

    assert [i.order_id for i in result.invoices] == [good.id]
    reasons = {r.order_id: [p.code for p in r.problems] for r in result.rejected}
    assert reasons == {
        empty.id: [ErrorCode.EMPTY_ORDER],
        nine_percent.id: [ErrorCode.VAT_MISMATCH],
        unknown_item.id: [ErrorCode.UNKNOWN_IN_EXACT],
        unlinkable.id: [ErrorCode.CUSTOMER_NOT_LINKABLE],
        invoiced.id: [ErrorCode.INVALID_STATE],
        missing: [ErrorCode.NOT_FOUND],
    }
    for rejected in result.rejected:
        for problem in rejected.problems:
            assert str(rejected.order_id) in problem.message
            assert problem.field == "orderIds"
    for order in (empty, nine_percent, unknown_item, unlinkable):
        assert app.store.orders[order.id].status is OrderStatus.DRAFT
    assert app.exact.count("create_sales_invoice") == 0
    assert app.exact.count("items") == 2, "one per run, however many orders"


async def test_a_vat_mapping_makes_other_rates_invoiceable(app: Invoicing) -> None:
    app.store.line_mappings[uuid.uuid4()] = LineMapping(MappingScope.VAT, "9", exact_vat_code="1")
    order = order_for(app.store, app.acme, hours_line(vat="9"), hours_line(vat="21"))
    result = await app.invoice(order)
    assert len(result.invoices) == 1


async def test_when_every_order_fails_nothing_is_kept_and_the_key_stays_free(
    app: Invoicing,
) -> None:
    bad = order_for(app.store, app.acme, hours_line(vat="9"))
    with pytest.raises(NothingInvoiced) as refused:
        await app.invoice(bad, key="retry-me")
    assert [r.order_id for r in refused.value.rejected] == [bad.id]
    assert [p.code for p in refused.value.problems] == [ErrorCode.VAT_MISMATCH]
    assert app.store.invoice_runs == {}
    assert app.store.invoices == {}
    app.store.orders[bad.id].lines[0].vat_code = "21"
    app.store.orders[bad.id].lines[0].vat_rate = app.store.vat_codes["21"].percentage
    assert len((await app.invoice(bad, key="retry-me")).invoices) == 1


@pytest.mark.parametrize("missing", ["exact_division", "exact_journal"])
async def test_an_unconfigured_administration_stops_the_run(app: Invoicing, missing: str) -> None:
    setattr(app.store.settings, missing, None)
    order = order_for(app.store, app.acme)
    with pytest.raises(HourbillError) as refused:
        await app.invoice(order)
    assert [p.code for p in refused.value.problems] == [ErrorCode.NOT_CONFIGURED]
    assert app.store.invoices == {}
    assert app.exact.calls == []


async def test_exact_unreachable_during_preflight_changes_nothing(app: Invoicing) -> None:
    app.exact.fail_next("vat_codes", ExactUnavailableError("503 Service Unavailable"))
    order = order_for(app.store, app.acme)
    with pytest.raises(HourbillError) as refused:
        await app.invoice(order)
    assert [p.code for p in refused.value.problems] == [ErrorCode.EXACT_UNAVAILABLE]
    assert app.store.invoices == {}
    assert app.store.outbox == {}
    assert app.store.orders[order.id].status is OrderStatus.DRAFT


@pytest.mark.parametrize(
    ("ids", "code"),
    [([], ErrorCode.REQUIRED), ("twice", ErrorCode.DUPLICATE)],
)
async def test_bad_order_lists(app: Invoicing, ids: object, code: ErrorCode) -> None:
    order = order_for(app.store, app.acme)
    order_ids = [order.id, order.id] if ids == "twice" else []
    with pytest.raises(HourbillError) as refused:
        await app.create.execute(CreateInvoicesRequest(order_ids), IdempotencyKey("k"))
    assert [(p.code, p.field) for p in refused.value.problems] == [(code, "orderIds")]


# --- retry --------------------------------------------------------------------------


async def failed_invoice(app: Invoicing, order: Order | None = None) -> uuid.UUID:
    order = order or order_for(app.store, app.acme)
    app.store.settings.exact_journal = "99"  # no such journal: Exact refuses
    await app.invoice(order)
    await app.work()
    app.store.settings.exact_journal = "70"
    invoice = app.invoice_of(order)
    assert invoice.state is InvoiceState.FAILED
    return invoice.id


async def test_retry_queues_failed_invoices_again(app: Invoicing) -> None:
    invoice_id = await failed_invoice(app)
    app.events.published.clear()
    (retried,) = await app.retry.execute([invoice_id])
    assert retried.state is InvoiceState.QUEUED
    assert retried.error_code is None
    assert [r.invoice_id for r in app.store.outbox.values()] == [invoice_id]
    assert kinds(app) == ["InvoiceEvent:RETRIED", "InvoiceRunProgressEvent:"]
    await app.work()
    assert app.store.invoices[invoice_id].state is InvoiceState.SENT
    assert len(app.exact_invoices()) == 1


async def test_retry_is_all_or_nothing(app: Invoicing) -> None:
    failed = await failed_invoice(app)
    queued = (await app.invoice(order_for(app.store, app.acme))).invoices[0].id
    with pytest.raises(HourbillError) as refused:
        await app.retry.execute([failed, queued, uuid.uuid4()])
    assert [p.code for p in refused.value.problems] == [ErrorCode.NOT_FOUND]
    with pytest.raises(HourbillError) as refused:
        await app.retry.execute([failed, queued])
    assert [(p.code, p.field) for p in refused.value.problems] == [(ErrorCode.INVALID_STATE, "ids")]
    assert app.store.invoices[failed].state is InvoiceState.FAILED


# --- delete -------------------------------------------------------------------------


async def sent_invoice(app: Invoicing, order: Order) -> uuid.UUID:
    (invoice,) = (await app.invoice(order)).invoices
    await app.work()
    assert app.store.invoices[invoice.id].state is InvoiceState.SENT
    return invoice.id


async def test_delete_keeps_a_tombstone_and_the_bookings_billed(app: Invoicing) -> None:
    booking = uuid.uuid4()
    order = order_for(app.store, app.acme, booked_line(booking))
    invoice_id = await sent_invoice(app, order)
    number = app.store.invoices[invoice_id].number
    deleted = await app.delete.execute(DeleteInvoiceRequest(invoice_id))
    assert deleted.state is InvoiceState.DELETED
    assert deleted.number == number
    assert deleted.order_number == order.number
    assert app.store.orders[order.id].status is OrderStatus.INVOICED
    assert booking in app.store.billed_bookings()
    assert len(app.exact_invoices()) == 1, "Exact is not touched"
    assert app.store.invoice_history[-1].state is InvoiceState.DELETED
    page = await app.queries.page(InvoiceFilter(), PageRequest())
    assert page.items == []
    tombstones = await app.queries.page(
        InvoiceFilter(states=frozenset({InvoiceState.DELETED})), PageRequest()
    )
    assert [i.id for i in tombstones.items] == [invoice_id]


async def test_delete_with_release_frees_the_bookings(app: Invoicing) -> None:
    booking = uuid.uuid4()
    order = order_for(app.store, app.acme, booked_line(booking))
    invoice_id = await sent_invoice(app, order)
    deleted = await app.delete.execute(DeleteInvoiceRequest(invoice_id, release_sources=True))
    assert deleted.order_id is None
    assert order.id not in app.store.orders
    assert booking not in app.store.billed_bookings()
    assert app.store.invoices[invoice_id].order_number == order.number
    assert len(app.exact_invoices()) == 1


async def test_a_failed_invoice_can_be_deleted_a_queued_one_not(app: Invoicing) -> None:
    failed = await failed_invoice(app)
    await app.delete.execute(DeleteInvoiceRequest(failed))
    queued = (await app.invoice(order_for(app.store, app.acme))).invoices[0].id
    with pytest.raises(HourbillError) as refused:
        await app.delete.execute(DeleteInvoiceRequest(queued))
    assert [p.code for p in refused.value.problems] == [ErrorCode.INVALID_STATE]
    with pytest.raises(HourbillError) as unknown:
        await app.delete.execute(DeleteInvoiceRequest(uuid.uuid4()))
    assert [p.code for p in unknown.value.problems] == [ErrorCode.NOT_FOUND]


# --- queries ------------------------------------------------------------------------


async def test_the_invoices_tab_filters_and_history(app: Invoicing) -> None:
    app.store.last_number = 90_000  # apart from Exact's order numbers: `number` matches both
    first, second = order_for(app.store, app.acme), order_for(app.store, app.newco)
    run = await app.invoice(first, second)
    await app.work(limit=1)
    sent = next(i for i in app.store.invoices.values() if i.state is InvoiceState.SENT)
    states = InvoiceFilter(states=frozenset({InvoiceState.QUEUED}))
    assert len((await app.queries.page(states, PageRequest())).items) == 1
    by_number = await app.queries.page(InvoiceFilter(number=sent.number), PageRequest())
    assert [i.id for i in by_number.items] == [sent.id]
    by_customer = await app.queries.page(InvoiceFilter(customer_id=app.newco.id), PageRequest())
    assert [i.order_id for i in by_customer.items] == [second.id]
    history = await app.queries.history([sent.id])
    assert [e.state for e in history[sent.id]] == [InvoiceState.QUEUED, InvoiceState.SENT]
    view = await app.queries.run(run.run.id)
    assert (view.progress.done, view.progress.remaining) == (1, 1)
    assert await app.queries.pending([i.id for i in run.invoices]) == {
        i.id for i in run.invoices if i.id != sent.id
    }
    assert set(await app.queries.by_orders([first.id, second.id])) == {first.id, second.id}
