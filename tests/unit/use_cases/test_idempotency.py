"""Creating use cases with an idempotency key: a retry answers with the first result."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from application import idempotency
from application.idempotency import Claim, Idempotency, fingerprint
from application.use_cases.customers import (
    CreateCustomer,
    CreateCustomerRequest,
    DeleteCustomer,
)
from application.use_cases.generation import GenerateOrders, GenerateOrdersRequest
from application.use_cases.orders import CreateOrder, CreateOrderRequest, DeleteOrders
from application.use_cases.sources import (
    RECORD_BOOKING,
    RecordBooking,
    RecordBookingRequest,
    RecordSupply,
    RecordSupplyRequest,
)
from domain.bookings import HourBooking
from domain.errors import ErrorCode
from domain.generation import GenerationPlan, Grouping
from domain.idempotency import IdempotencyKey, IdempotencyRecord
from tests.fakes import FakeStore, FakeUnitOfWorkFactory
from tests.unit.conftest import TODAY, World
from tests.unit.helpers import CommitWatchingPublisher, raises_problems, snapshot
from tests.unit.use_cases.invoicing_support import SteppingClock
from tests.unit.use_cases.test_generation import MARCH, seed_march

KEY = IdempotencyKey("partner-retry-1")
T0 = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(hours=24)
GOLDEN = "d6eb78d4c6c76899993d1eebc4ce47dc3c74fab057a641a1a38525e787026969"


@dataclass
class App:
    store: FakeStore
    uow: FakeUnitOfWorkFactory
    clock: SteppingClock
    events: CommitWatchingPublisher
    idempotency: Idempotency
    world: World

    def create_customer(self) -> CreateCustomer:
        return CreateCustomer(self.uow, self.idempotency)

    def record_booking(self) -> RecordBooking:
        return RecordBooking(self.uow, self.idempotency)

    def record_supply(self) -> RecordSupply:
        return RecordSupply(self.uow, self.idempotency)

    def create_order(self) -> CreateOrder:
        return CreateOrder(self.uow, self.events, self.clock, self.idempotency)

    def generate_orders(self) -> GenerateOrders:
        return GenerateOrders(self.uow, self.clock, self.events, self.idempotency)

    def booking(self, hours: str = "7.5") -> RecordBookingRequest:
        return RecordBookingRequest(self.world.anna.id, self.world.acme.id, TODAY, Decimal(hours))


@pytest.fixture
def app(
    store: FakeStore, uow: FakeUnitOfWorkFactory, events: CommitWatchingPublisher, world: World
) -> App:
    clock = SteppingClock(T0)
    return App(store, uow, clock, events, Idempotency(uow, clock), world)


Call = Callable[[App, IdempotencyKey | None], Awaitable[Any]]


def _ids(result: Any) -> list[uuid.UUID]:
    if isinstance(result, GenerationPlan):
        return [o.id for o in result.orders]
    return [result.id]


def _supply(app: App, price: str) -> RecordSupplyRequest:
    return RecordSupplyRequest(
        app.world.acme.id, TODAY, "CABLE", Decimal("3"), Decimal(price), "21", "Kabel"
    )


async def _generate(app: App, key: IdempotencyKey | None, request: GenerateOrdersRequest) -> Any:
    if not app.store.bookings:
        seed_march(app.store, app.world)
    return await app.generate_orders().execute(request, key)


PER_PROJECT = GenerateOrdersRequest(
    MARCH.period_start, MARCH.period_end, grouping=Grouping.PER_PROJECT
)


# Each creating use case: (the first call, the same key with another request).
CASES: dict[str, tuple[Call, Call]] = {
    "createCustomer": (
        lambda app, key: app.create_customer().execute(CreateCustomerRequest("NEW", "Nieuw"), key),
        lambda app, key: app.create_customer().execute(CreateCustomerRequest("NEW", "Ander"), key),
    ),
    "recordBooking": (
        lambda app, key: app.record_booking().execute(app.booking("7.5"), key),
        lambda app, key: app.record_booking().execute(app.booking("8"), key),
    ),
    "recordSupply": (
        lambda app, key: app.record_supply().execute(_supply(app, "2.50"), key),
        lambda app, key: app.record_supply().execute(_supply(app, "2.75"), key),
    ),
    "createOrder": (
        lambda app, key: app.create_order().execute(CreateOrderRequest(app.world.acme.id), key),
        lambda app, key: app.create_order().execute(CreateOrderRequest(app.world.globex.id), key),
    ),
    "generateOrders": (
        lambda app, key: _generate(app, key, MARCH),
        lambda app, key: _generate(app, key, PER_PROJECT),
    ),
}


@pytest.mark.parametrize("operation", CASES)
async def test_a_retry_answers_with_the_first_result_and_changes_nothing(
    app: App, operation: str
) -> None:
    first_call, _ = CASES[operation]
    first = await first_call(app, KEY)
    before, published = snapshot(app.store), len(app.events.published)

    again = await first_call(app, KEY)

    assert _ids(again) == _ids(first)
    assert snapshot(app.store) == before, "no new rows, no new key"
    assert len(app.events.published) == published, "no new events"
    (record,) = app.store.idempotency.values()
    assert (record.operation, record.result_ids) == (operation, tuple(_ids(first)))


@pytest.mark.parametrize("operation", CASES)
async def test_the_same_key_for_another_request_is_refused(app: App, operation: str) -> None:
    first_call, other_call = CASES[operation]
    await first_call(app, KEY)
    before = snapshot(app.store)

    with raises_problems((ErrorCode.IDEMPOTENCY_KEY_REUSED, "idempotencyKey")):
        await other_call(app, KEY)
    assert snapshot(app.store) == before


async def test_the_same_key_for_another_operation_is_refused(app: App) -> None:
    await app.record_booking().execute(app.booking(), KEY)
    before = snapshot(app.store)
    with raises_problems((ErrorCode.IDEMPOTENCY_KEY_REUSED, "idempotencyKey")):
        await app.create_order().execute(CreateOrderRequest(app.world.acme.id), KEY)
    assert snapshot(app.store) == before


async def test_without_a_key_every_call_creates(app: App) -> None:
    first = await app.record_booking().execute(app.booking())
    second = await app.record_booking().execute(app.booking())
    assert first.id != second.id
    assert app.store.idempotency == {}


async def test_the_keys_of_two_api_keys_never_collide(app: App) -> None:
    partner, frontend = IdempotencyKey("k", "partner-key-id"), IdempotencyKey("k", "front-end-id")
    first = await app.record_booking().execute(app.booking(), partner)
    second = await app.record_booking().execute(app.booking(), frontend)
    assert first.id != second.id
    assert set(app.store.idempotency) == {("partner-key-id", "k"), ("front-end-id", "k")}


async def test_equal_requests_are_one_request_however_they_are_written(app: App) -> None:
    first = await app.record_booking().execute(app.booking("7.5"), KEY)
    again = await app.record_booking().execute(app.booking("7.50"), KEY)
    assert again.id == first.id


async def test_a_call_that_fails_records_nothing_so_the_corrected_retry_creates(app: App) -> None:
    bad = CreateCustomerRequest("NEW", "Nieuw", vat_code="99")
    with raises_problems((ErrorCode.NOT_FOUND, "vatCode")):
        await app.create_customer().execute(bad, KEY)
    assert app.store.idempotency == {}

    created = await app.create_customer().execute(CreateCustomerRequest("NEW", "Nieuw"), KEY)
    assert app.store.customers[created.id].code == "NEW"


async def test_a_generation_that_finds_nothing_records_nothing(app: App) -> None:
    with raises_problems((ErrorCode.NOTHING_TO_GENERATE, "periodStart")):
        await app.generate_orders().execute(MARCH, KEY)
    assert app.store.idempotency == {}


async def test_when_what_the_key_created_is_gone_the_retry_says_so(app: App) -> None:
    request = CreateCustomerRequest("NEW", "Nieuw")
    customer = await app.create_customer().execute(request, KEY)
    await DeleteCustomer(app.uow).execute(customer.id)
    before = snapshot(app.store)

    with raises_problems((ErrorCode.NOT_FOUND, "idempotencyKey")):
        await app.create_customer().execute(request, KEY)
    assert snapshot(app.store) == before, "not created again"


async def test_generated_orders_are_gone_when_any_of_them_is(app: App) -> None:
    plan = await _generate(app, KEY, MARCH)
    assert len(plan.orders) == 2
    await DeleteOrders(app.uow, app.events).execute([plan.orders[0].id])
    with raises_problems((ErrorCode.NOT_FOUND, "idempotencyKey")):
        await _generate(app, KEY, MARCH)


async def test_a_generation_retry_shows_the_orders_as_they_are_now(app: App) -> None:
    plan = await _generate(app, KEY, MARCH)
    again = await _generate(app, KEY, MARCH)
    assert {o.id for o in again.orders} == {o.id for o in plan.orders}
    assert (again.booking_count, again.supply_count) == (plan.booking_count, plan.supply_count)


async def test_after_the_retention_window_the_same_key_creates_again(app: App) -> None:
    first = await app.record_booking().execute(app.booking(), KEY)
    app.clock.advance(DAY - dt.timedelta(seconds=1))
    assert (await app.record_booking().execute(app.booking(), KEY)).id == first.id

    app.clock.advance(dt.timedelta(seconds=2))
    second = await app.record_booking().execute(app.booking(), KEY)

    assert second.id != first.id
    assert app.store.idempotency[(KEY.scope, KEY.value)].result_ids == (second.id,)


def _expired(store: FakeStore, count: int, now: dt.datetime) -> None:
    for n in range(count):
        record = IdempotencyRecord(
            "old",
            f"k{n}",
            "recordBooking",
            "f",
            (uuid.uuid4(),),
            now - DAY - dt.timedelta(days=n, seconds=1),
        )
        store.idempotency[(record.scope, record.key)] = record


async def test_expired_keys_are_purged_now_and_then_by_the_calls_that_come_along(
    app: App,
) -> None:
    await app.record_booking().execute(app.booking(), IdempotencyKey("first"))
    _expired(app.store, 3, app.clock.now())

    app.clock.advance(idempotency.PURGE_EVERY - dt.timedelta(seconds=1))
    await app.record_booking().execute(app.booking(), IdempotencyKey("soon after"))
    assert len(app.store.idempotency) == 5, "not purged again so soon"

    app.clock.advance(dt.timedelta(seconds=1))
    await app.record_booking().execute(app.booking(), IdempotencyKey("later"))
    assert {key for _, key in app.store.idempotency} == {"first", "soon after", "later"}


async def test_a_full_purge_batch_is_followed_by_another_at_the_next_call(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idempotency, "PURGE_BATCH", 2)
    _expired(app.store, 5, app.clock.now())
    await app.record_booking().execute(app.booking(), IdempotencyKey("a"))
    assert len(app.store.idempotency) == 3 + 1
    await app.record_booking().execute(app.booking(), IdempotencyKey("b"))
    assert len(app.store.idempotency) == 1 + 2
    await app.record_booking().execute(app.booking(), IdempotencyKey("c"))
    assert {key for _, key in app.store.idempotency} == {"a", "b", "c"}


# -- races: another call with the key wins between this one's look-up and its commit --------


async def test_a_call_whose_claim_meets_a_winner_answers_with_the_winners_result(
    app: App,
) -> None:
    winner: list[HourBooking] = []

    async def after_a_winner(claim: Claim) -> HourBooking:
        winner.append(await app.record_booking().execute(app.booking(), KEY))
        async with app.uow() as uow:
            await claim(uow, [uuid.uuid4()])  # the key is taken now
            raise AssertionError("claimed a taken key")

    loser = await app.idempotency.once(RECORD_BOOKING, KEY, app.booking(), after_a_winner)
    assert loser.id == winner[0].id
    assert list(app.store.bookings) == [winner[0].id]


async def test_a_call_whose_commit_meets_a_winner_answers_with_the_winners_result(
    app: App,
) -> None:
    winner: list[HourBooking] = []

    async def winner_commits_first(claim: Claim) -> HourBooking:
        async with app.uow() as uow:
            await claim(uow, [uuid.uuid4()])
            winner.append(await app.record_booking().execute(app.booking(), KEY))
            await uow.commit()  # the key was committed meanwhile: this one loses
        raise AssertionError("committed a taken key")

    loser = await app.idempotency.once(RECORD_BOOKING, KEY, app.booking(), winner_commits_first)
    assert loser.id == winner[0].id
    assert list(app.store.bookings) == [winner[0].id]


# -- fingerprints -------------------------------------------------------------------------


def test_a_fingerprint_is_stable_and_depends_on_every_field(app: App) -> None:
    request = app.booking("7.5")
    assert fingerprint(request) == fingerprint(app.booking("7.50"))
    assert fingerprint(request) != fingerprint(app.booking("7.25"))
    assert fingerprint(request) == fingerprint(RecordBookingRequest(**vars(request)))


def test_a_fingerprint_is_the_same_in_every_process() -> None:
    """Stored fingerprints must still match after a restart or in another server process."""
    assert fingerprint(CreateCustomerRequest("NEW", "Nieuw")) == GOLDEN


def test_a_fingerprint_ignores_the_order_of_sets_but_not_of_lists() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    period = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert fingerprint(GenerateOrdersRequest(*period, frozenset({a, b}))) == fingerprint(
        GenerateOrdersRequest(*period, frozenset({b, a}))
    )
    assert fingerprint([a, b]) != fingerprint([b, a])


def test_a_fingerprint_tells_types_apart() -> None:
    assert fingerprint("2026-03-01") != fingerprint(dt.date(2026, 3, 1))
    assert fingerprint(Decimal("1")) != fingerprint("1")
    with pytest.raises(TypeError):
        fingerprint(object())
