from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from application.use_cases.orders import DeleteOrders
from application.use_cases.sources import (
    DeleteBooking,
    DeleteSupply,
    RecordBooking,
    RecordBookingRequest,
    RecordSupply,
    RecordSupplyRequest,
    UpdateBooking,
    UpdateBookingRequest,
    UpdateSupply,
    UpdateSupplyRequest,
)
from domain.bookings import HourBooking, Supply
from domain.errors import ErrorCode
from domain.orders import BookingRef, SupplyRef
from tests.factories import (
    HourBookingFactory,
    OrderFactory,
    OrderLineFactory,
    ProjectFactory,
    SupplyFactory,
    TaskFactory,
)
from tests.fakes import FakeStore, FakeUnitOfWorkFactory, RecordingPublisher
from tests.unit.conftest import World
from tests.unit.helpers import put, raises_problems, snapshot

D = Decimal
DAY = dt.date(2026, 3, 10)


def bill(store: FakeStore, source: HourBooking | Supply) -> None:
    """Put the booking or supply on a line of a draft order."""
    if isinstance(source, HourBooking):
        line = OrderLineFactory(bookings=[BookingRef(source.id, source.hours, D("90"))])
    else:
        line = OrderLineFactory(supplies=[SupplyRef(source.id, source.quantity, source.unit_price)])
    put(store, OrderFactory(customer_id=source.customer_id, lines=[line]))


def booking_request(world: World, **changes: object) -> RecordBookingRequest:
    fields: dict[str, object] = {
        "employee_id": world.anna.id,
        "customer_id": world.acme.id,
        "date": DAY,
        "hours": D("7.5"),
        "description": "Ontwerp keuken",
        "project_id": world.renovation.id,
        "task_id": world.design.id,
    }
    return RecordBookingRequest(**{**fields, **changes})  # type: ignore[arg-type]


def supply_request(world: World, **changes: object) -> RecordSupplyRequest:
    fields: dict[str, object] = {
        "customer_id": world.acme.id,
        "date": DAY,
        "item_code": "KABEL",
        "quantity": D("12.5"),
        "unit_price": D("3.95"),
        "vat_code": "21",
        "project_id": world.renovation.id,
        "task_id": world.build.id,
    }
    return RecordSupplyRequest(**{**fields, **changes})  # type: ignore[arg-type]


# -- bookings ---------------------------------------------------------------


async def test_record_booking_saves_it(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    booking = await RecordBooking(uow).execute(booking_request(world, rate=D("105")))

    saved = store.bookings[booking.id]
    assert (saved.hours, saved.task_id, saved.rate, saved.billable) == (
        D("7.5"),
        world.design.id,
        D("105"),
        True,
    )
    assert store.commits == 1


async def test_record_booking_reports_every_unknown_reference(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    request = RecordBookingRequest(
        employee_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        date=DAY,
        hours=D("1"),
        project_id=uuid.uuid4(),
        task_id=uuid.uuid4(),
    )

    with raises_problems(
        (ErrorCode.NOT_FOUND, "customerId"),
        (ErrorCode.NOT_FOUND, "employeeId"),
        (ErrorCode.NOT_FOUND, "projectId"),
        (ErrorCode.NOT_FOUND, "taskId"),
    ):
        await RecordBooking(uow).execute(request)

    assert (store.bookings, store.commits) == ({}, 0)


async def test_record_booking_on_a_project_of_another_customer_is_a_customer_mismatch(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    with raises_problems((ErrorCode.CUSTOMER_MISMATCH, "projectId")) as info:
        await RecordBooking(uow).execute(booking_request(world, customer_id=world.globex.id))

    assert str(info.value) == "project REN belongs to another customer"
    assert store.bookings == {}


async def test_record_booking_on_a_task_of_another_project_is_invalid_on_task_id(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    elsewhere = put(store, TaskFactory(project=put(store, ProjectFactory(customer=world.acme))))

    with raises_problems((ErrorCode.INVALID, "taskId")):
        await RecordBooking(uow).execute(booking_request(world, task_id=elsewhere.id))

    assert store.bookings == {}


async def test_record_booking_validates_the_booking_before_any_lookup(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    with raises_problems((ErrorCode.OUT_OF_RANGE, "hours"), (ErrorCode.OUT_OF_RANGE, "date")):
        await RecordBooking(uow).execute(
            booking_request(world, hours=D("25"), date=dt.date(2101, 1, 1))
        )

    assert store.commits == 0


async def test_update_booking_changes_the_given_fields(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    booking = put(store, HourBookingFactory(customer=world.acme, employee=world.anna))

    await UpdateBooking(uow).execute(
        UpdateBookingRequest(
            id=booking.id,
            hours=D("3.25"),
            billable=False,
            project_id=world.renovation.id,
            task_id=world.build.id,
        )
    )

    saved = store.bookings[booking.id]
    assert (saved.hours, saved.billable, saved.project_id, saved.task_id) == (
        D("3.25"),
        False,
        world.renovation.id,
        world.build.id,
    )
    assert saved.employee_id == world.anna.id


async def test_update_booking_clears_project_task_and_rate(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    booking = put(
        store,
        HourBookingFactory(
            employee=world.anna, customer=world.acme, task=world.design, rate=D("100")
        ),
    )

    await UpdateBooking(uow).execute(
        UpdateBookingRequest(id=booking.id, clear=frozenset({"project_id", "task_id", "rate"}))
    )

    saved = store.bookings[booking.id]
    assert (saved.project_id, saved.task_id, saved.rate) == (None, None, None)


async def test_clearing_the_project_but_keeping_the_task_is_refused(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    booking = put(
        store, HourBookingFactory(employee=world.anna, customer=world.acme, task=world.design)
    )
    before = snapshot(store)

    with raises_problems((ErrorCode.REQUIRED, "projectId")):
        await UpdateBooking(uow).execute(
            UpdateBookingRequest(id=booking.id, clear=frozenset({"project_id"}))
        )

    assert snapshot(store) == before


async def test_update_booking_cannot_clear_other_fields(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    booking = put(store, HourBookingFactory(employee=world.anna, customer=world.acme))

    with raises_problems((ErrorCode.INVALID, "clear")) as info:
        await UpdateBooking(uow).execute(
            UpdateBookingRequest(id=booking.id, clear=frozenset({"hours", "rate"}))
        )

    assert str(info.value) == "cannot clear hours"


async def test_update_booking_to_another_customer_checks_its_project(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    booking = put(
        store, HourBookingFactory(employee=world.anna, customer=world.acme, task=world.design)
    )
    before = snapshot(store)

    with raises_problems((ErrorCode.CUSTOMER_MISMATCH, "projectId")):
        await UpdateBooking(uow).execute(
            UpdateBookingRequest(id=booking.id, customer_id=world.globex.id)
        )

    assert snapshot(store) == before


async def test_invalid_booking_update_changes_nothing(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    booking = put(store, HourBookingFactory(employee=world.anna, customer=world.acme))
    before = snapshot(store)

    with raises_problems((ErrorCode.OUT_OF_RANGE, "hours")):
        await UpdateBooking(uow).execute(
            UpdateBookingRequest(id=booking.id, description="nieuw", hours=D("0"))
        )

    assert snapshot(store) == before


async def test_update_of_an_unknown_booking_is_not_found_on_id(
    uow: FakeUnitOfWorkFactory,
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "id")):
        await UpdateBooking(uow).execute(UpdateBookingRequest(id=uuid.uuid4(), hours=D("1")))


async def test_a_billed_booking_cannot_be_changed_or_deleted(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    booking = put(store, HourBookingFactory(employee=world.anna, customer=world.acme))
    bill(store, booking)
    before = snapshot(store)

    with raises_problems((ErrorCode.LOCKED, "id")) as info:
        await UpdateBooking(uow).execute(UpdateBookingRequest(id=booking.id, hours=D("1")))
    with raises_problems((ErrorCode.LOCKED, "id")):
        await DeleteBooking(uow).execute(booking.id)

    assert str(info.value) == (
        f"booking {booking.id} is on an order; delete its order line or order first"
    )
    assert snapshot(store) == before


async def test_delete_booking_removes_an_unbilled_booking(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    booking = put(store, HourBookingFactory(employee=world.anna, customer=world.acme))

    assert await DeleteBooking(uow).execute(booking.id) == booking.id
    assert store.bookings == {}


async def test_delete_of_an_unknown_booking_is_not_found_on_id(
    uow: FakeUnitOfWorkFactory,
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "id")):
        await DeleteBooking(uow).execute(uuid.uuid4())


# -- supplies ---------------------------------------------------------------


async def test_record_supply_saves_it(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    supply = await RecordSupply(uow).execute(supply_request(world, unit="m"))

    saved = store.supplies[supply.id]
    assert (saved.item_code, saved.quantity, saved.unit_price, saved.unit) == (
        "KABEL",
        D("12.5"),
        D("3.95"),
        "m",
    )


async def test_record_supply_with_an_unknown_vat_code_is_not_found_on_vat_code(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "vatCode")) as info:
        await RecordSupply(uow).execute(supply_request(world, vat_code="6"))

    assert str(info.value) == "VAT code '6' is not known"
    assert store.supplies == {}


async def test_record_supply_reports_reference_problems_together(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    with raises_problems(
        (ErrorCode.CUSTOMER_MISMATCH, "projectId"),
        (ErrorCode.NOT_FOUND, "vatCode"),
    ):
        await RecordSupply(uow).execute(
            supply_request(world, customer_id=world.globex.id, vat_code="6")
        )

    assert store.supplies == {}


async def test_record_supply_validates_the_supply_first(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    with raises_problems((ErrorCode.OUT_OF_RANGE, "quantity"), (ErrorCode.REQUIRED, "itemCode")):
        await RecordSupply(uow).execute(supply_request(world, quantity=D("0"), item_code=""))

    assert store.commits == 0


async def test_update_supply_changes_the_given_fields(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    supply = put(store, SupplyFactory(customer=world.acme))

    await UpdateSupply(uow).execute(
        UpdateSupplyRequest(id=supply.id, quantity=D("2"), vat_code="9", description="Lamp")
    )

    saved = store.supplies[supply.id]
    assert (saved.quantity, saved.vat_code, saved.description, saved.unit_price) == (
        D("2"),
        "9",
        "Lamp",
        D("3.95"),
    )


async def test_update_supply_to_an_unknown_vat_code_changes_nothing(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    supply = put(store, SupplyFactory(customer=world.acme))
    before = snapshot(store)

    with raises_problems((ErrorCode.NOT_FOUND, "vatCode")):
        await UpdateSupply(uow).execute(UpdateSupplyRequest(id=supply.id, vat_code="6"))

    assert snapshot(store) == before


async def test_update_supply_clears_project_and_task(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    supply = put(store, SupplyFactory(customer=world.acme, task=world.build))

    await UpdateSupply(uow).execute(
        UpdateSupplyRequest(id=supply.id, clear=frozenset({"project_id", "task_id"}))
    )

    assert (store.supplies[supply.id].project_id, store.supplies[supply.id].task_id) == (
        None,
        None,
    )


@pytest.mark.parametrize("clear", [frozenset({"vat_code"}), frozenset({"quantity"})])
async def test_update_supply_cannot_clear_required_fields(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World, clear: frozenset[str]
) -> None:
    supply = put(store, SupplyFactory(customer=world.acme))

    with raises_problems((ErrorCode.INVALID, "clear")):
        await UpdateSupply(uow).execute(UpdateSupplyRequest(id=supply.id, clear=clear))


async def test_update_of_an_unknown_supply_is_not_found_on_id(
    uow: FakeUnitOfWorkFactory,
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "id")):
        await UpdateSupply(uow).execute(UpdateSupplyRequest(id=uuid.uuid4(), quantity=D("1")))


async def test_a_billed_supply_cannot_be_changed_or_deleted(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    supply = put(store, SupplyFactory(customer=world.acme))
    bill(store, supply)
    before = snapshot(store)

    with raises_problems((ErrorCode.LOCKED, "id")):
        await UpdateSupply(uow).execute(UpdateSupplyRequest(id=supply.id, quantity=D("1")))
    with raises_problems((ErrorCode.LOCKED, "id")):
        await DeleteSupply(uow).execute(supply.id)

    assert snapshot(store) == before


async def test_delete_supply_removes_an_unbilled_supply(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    supply = put(store, SupplyFactory(customer=world.acme))

    assert await DeleteSupply(uow).execute(supply.id) == supply.id
    assert store.supplies == {}


async def test_delete_of_an_unknown_supply_is_not_found_on_id(
    uow: FakeUnitOfWorkFactory,
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "id")):
        await DeleteSupply(uow).execute(uuid.uuid4())


async def test_a_booking_released_by_deleting_its_order_can_be_changed_again(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    booking = put(store, HourBookingFactory(employee=world.anna, customer=world.acme))
    bill(store, booking)
    await DeleteOrders(uow, RecordingPublisher()).execute(list(store.orders))

    await UpdateBooking(uow).execute(UpdateBookingRequest(id=booking.id, hours=D("1")))
    await DeleteBooking(uow).execute(booking.id)

    assert store.bookings == {}
