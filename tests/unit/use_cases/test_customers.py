from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from application.use_cases.customers import (
    CreateCustomer,
    CreateCustomerRequest,
    DeleteCustomer,
    UpdateCustomer,
    UpdateCustomerRequest,
)
from domain.customers import Language
from domain.errors import ErrorCode
from tests.factories import (
    CustomerFactory,
    HourBookingFactory,
    OrderFactory,
    ProjectFactory,
    RateRuleFactory,
    SupplyFactory,
)
from tests.fakes import FakeStore, FakeUnitOfWorkFactory
from tests.unit.helpers import put, raises_problems, snapshot

ACME = CreateCustomerRequest(
    code="ACME",
    name="Acme Bouw B.V.",
    vat_number="NL812345678B01",
    email="facturen@acme.example",
    city="Utrecht",
    language=Language.EN,
    vat_code="9",
)


async def test_create_customer_saves_it_in_one_commit(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    customer = await CreateCustomer(uow).execute(ACME)

    saved = store.customers[customer.id]
    assert (saved.code, saved.name, saved.vat_code, saved.language) == (
        "ACME",
        "Acme Bouw B.V.",
        "9",
        Language.EN,
    )
    assert store.commits == 1


async def test_create_customer_with_a_taken_code_is_a_duplicate(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    put(store, CustomerFactory(code="ACME"))
    before = snapshot(store)

    with raises_problems((ErrorCode.DUPLICATE, "code")) as info:
        await CreateCustomer(uow).execute(ACME)

    assert str(info.value) == "a customer with code 'ACME' already exists"
    assert snapshot(store) == before


async def test_create_customer_with_an_unknown_vat_code_is_not_found_on_vat_code(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "vatCode")):
        await CreateCustomer(uow).execute(CreateCustomerRequest("ACME", "Acme", vat_code="6"))

    assert store.customers == {}


async def test_create_customer_reports_invalid_input_without_touching_the_store(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    with raises_problems((ErrorCode.INVALID, "code"), (ErrorCode.INVALID, "email")):
        await CreateCustomer(uow).execute(CreateCustomerRequest("AC ME", "Acme", email="x"))

    assert (store.customers, store.commits) == ({}, 0)


async def test_update_customer_changes_only_the_given_fields(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    customer = put(store, CustomerFactory(code="ACME", city="Utrecht", email="a@acme.example"))

    updated = await UpdateCustomer(uow).execute(
        UpdateCustomerRequest(id=customer.id, name="Acme Holding", vat_code="0")
    )

    saved = store.customers[customer.id]
    assert saved is updated
    assert (saved.code, saved.name, saved.city, saved.email, saved.vat_code) == (
        "ACME",
        "Acme Holding",
        "Utrecht",
        "a@acme.example",
        "0",
    )


async def test_update_customer_clears_named_fields(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    customer = put(store, CustomerFactory(email="a@acme.example", vat_code="9"))

    await UpdateCustomer(uow).execute(
        UpdateCustomerRequest(id=customer.id, clear=frozenset({"email", "vat_code"}))
    )

    assert (store.customers[customer.id].email, store.customers[customer.id].vat_code) == (
        None,
        None,
    )


async def test_update_customer_cannot_clear_required_fields(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    customer = put(store, CustomerFactory())
    before = snapshot(store)

    with raises_problems((ErrorCode.INVALID, "clear")) as info:
        await UpdateCustomer(uow).execute(
            UpdateCustomerRequest(id=customer.id, clear=frozenset({"name", "code", "email"}))
        )

    assert str(info.value) == "cannot clear code, name"
    assert snapshot(store) == before


async def test_update_of_an_unknown_customer_is_not_found_on_id(
    uow: FakeUnitOfWorkFactory,
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "id")):
        await UpdateCustomer(uow).execute(UpdateCustomerRequest(id=uuid.uuid4(), name="X"))


async def test_update_customer_to_another_customers_code_is_a_duplicate(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    put(store, CustomerFactory(code="GLOBEX"))
    acme = put(store, CustomerFactory(code="ACME"))
    before = snapshot(store)

    with raises_problems((ErrorCode.DUPLICATE, "code")):
        await UpdateCustomer(uow).execute(UpdateCustomerRequest(id=acme.id, code="GLOBEX"))

    assert snapshot(store) == before


async def test_update_customer_may_repeat_its_own_code(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    acme = put(store, CustomerFactory(code="ACME"))

    updated = await UpdateCustomer(uow).execute(
        UpdateCustomerRequest(id=acme.id, code="ACME", name="Acme 2")
    )

    assert (updated.code, updated.name) == ("ACME", "Acme 2")


async def test_update_customer_to_an_unknown_vat_code_is_not_found_on_vat_code(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    acme = put(store, CustomerFactory())
    before = snapshot(store)

    with raises_problems((ErrorCode.NOT_FOUND, "vatCode")):
        await UpdateCustomer(uow).execute(UpdateCustomerRequest(id=acme.id, vat_code="6"))

    assert snapshot(store) == before


async def test_invalid_customer_update_changes_no_field(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    acme = put(store, CustomerFactory(name="Acme"))
    before = snapshot(store)

    with raises_problems((ErrorCode.INVALID, "email")):
        await UpdateCustomer(uow).execute(
            UpdateCustomerRequest(id=acme.id, name="New name", email="not-an-address")
        )

    assert snapshot(store) == before
    assert acme.name == "Acme"


async def test_delete_customer_removes_an_unreferenced_customer(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    acme = put(store, CustomerFactory())

    assert await DeleteCustomer(uow).execute(acme.id) == acme.id
    assert store.customers == {}


async def test_delete_of_an_unknown_customer_is_not_found_on_id(
    uow: FakeUnitOfWorkFactory,
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "id")):
        await DeleteCustomer(uow).execute(uuid.uuid4())


@pytest.mark.parametrize(
    "reference",
    [
        lambda c: HourBookingFactory(customer=c),
        lambda c: SupplyFactory(customer=c),
        lambda c: ProjectFactory(customer=c),
        lambda c: OrderFactory(customer=c),
    ],
    ids=["booking", "supply", "project", "order"],
)
async def test_delete_of_a_referenced_customer_is_refused_as_in_use(
    uow: FakeUnitOfWorkFactory, store: FakeStore, reference: object
) -> None:
    acme = put(store, CustomerFactory(code="ACME"))
    put(store, reference(acme))  # type: ignore[operator]
    before = snapshot(store)

    with raises_problems((ErrorCode.IN_USE, "id")) as info:
        await DeleteCustomer(uow).execute(acme.id)

    assert str(info.value) == "customer ACME has projects, bookings, supplies or orders"
    assert snapshot(store) == before


async def test_delete_customer_is_not_blocked_by_another_customers_references(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    acme = put(store, CustomerFactory())
    put(store, HourBookingFactory())
    put(store, RateRuleFactory(rate=Decimal("80")))

    await DeleteCustomer(uow).execute(acme.id)

    assert acme.id not in store.customers
