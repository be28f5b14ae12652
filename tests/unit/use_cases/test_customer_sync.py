"""Customer sync use cases on the fake unit of work and the fake Exact (the demo administration)."""

from __future__ import annotations

import pytest

from application.customer_sync import ExactAccountLinker
from application.exact import ExactUnavailableError
from domain.errors import ErrorCode, HourbillError
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from tests.factories import CustomerFactory
from tests.fakes import FakeStore, FakeUnitOfWorkFactory
from tests.unit.helpers import put

DIVISION = DEMO_DIVISION


@pytest.fixture
def exact() -> FakeExactGateway:
    return FakeExactGateway()


@pytest.fixture
def linker(uow: FakeUnitOfWorkFactory, exact: FakeExactGateway) -> ExactAccountLinker:
    return ExactAccountLinker(uow, exact)


async def _account_id(exact: FakeExactGateway, code: str) -> object:
    (account,) = await exact.find_accounts(DIVISION, code=code)
    return account.account_id


# --- ExactAccountLinker ------------------------------------------------------------------


async def test_ensure_account_links_the_account_with_the_customers_code(
    linker: ExactAccountLinker, exact: FakeExactGateway, store: FakeStore
) -> None:
    acme = put(store, CustomerFactory(code="ACME", name="Acme Bouw B.V."))
    expected = await _account_id(exact, "ACME")
    exact.calls.clear()

    account_id = await linker.ensure_account(DIVISION, acme.id)

    assert account_id == expected
    assert store.customers[acme.id].exact_account_id == expected
    assert exact.calls == ["find_accounts"]
    assert (DIVISION, expected) in store.exact_accounts


async def test_ensure_account_creates_the_account_when_exact_has_none(
    linker: ExactAccountLinker, exact: FakeExactGateway, store: FakeStore
) -> None:
    new = put(store, CustomerFactory(code="NIEUW", name="Nieuw B.V.", email="a@nieuw.example"))

    account_id = await linker.ensure_account(DIVISION, new.id)

    created = await exact.account(DIVISION, account_id)
    assert created is not None
    assert (created.code, created.name, created.fields.email) == (
        "NIEUW",
        "Nieuw B.V.",
        "a@nieuw.example",
    )
    assert store.customers[new.id].exact_account_id == account_id


async def test_ensure_account_of_a_linked_customer_calls_exact_not_at_all(
    linker: ExactAccountLinker, exact: FakeExactGateway, store: FakeStore
) -> None:
    new = put(store, CustomerFactory(code="NIEUW"))
    first = await linker.ensure_account(DIVISION, new.id)
    exact.calls.clear()

    assert await linker.ensure_account(DIVISION, new.id) == first
    assert exact.calls == []


async def test_a_lost_create_response_does_not_make_a_second_account_on_retry(
    linker: ExactAccountLinker, exact: FakeExactGateway, store: FakeStore
) -> None:
    new = put(store, CustomerFactory(code="NIEUW"))
    exact.fail_next(
        "create_account", ExactUnavailableError("connection dropped"), after_commit=True
    )

    with pytest.raises(ExactUnavailableError):
        await linker.ensure_account(DIVISION, new.id)
    assert store.customers[new.id].exact_account_id is None

    account_id = await linker.ensure_account(DIVISION, new.id)

    assert [a.account_id for a in await exact.find_accounts(DIVISION, code="NIEUW")] == [account_id]
    assert exact.count("create_account") == 1
    assert store.customers[new.id].exact_account_id == account_id


async def test_ensure_account_refuses_an_account_linked_to_another_customer(
    linker: ExactAccountLinker, exact: FakeExactGateway, store: FakeStore
) -> None:
    acme_id = await _account_id(exact, "ACME")
    put(store, CustomerFactory(code="OTHER", exact_account_id=acme_id))
    acme = put(store, CustomerFactory(code="ACME"))

    with pytest.raises(HourbillError) as info:
        await linker.ensure_account(DIVISION, acme.id)

    assert info.value.problems[0].code is ErrorCode.CUSTOMER_NOT_LINKABLE
    assert store.customers[acme.id].exact_account_id is None


async def test_ensure_account_of_an_unknown_customer_is_not_found(
    linker: ExactAccountLinker,
) -> None:
    import uuid

    with pytest.raises(HourbillError) as info:
        await linker.ensure_account(DIVISION, uuid.uuid4())

    assert info.value.problems[0].code is ErrorCode.NOT_FOUND


async def test_linkable_problems_name_customers_that_cannot_be_linked(
    linker: ExactAccountLinker, exact: FakeExactGateway, store: FakeStore
) -> None:
    delta_id = await _account_id(exact, "DELTA")
    fine_new = put(store, CustomerFactory(code="NIEUW"))
    fine_same_code = put(store, CustomerFactory(code="ACME"))
    fine_linked = put(store, CustomerFactory(code="D2", exact_account_id=delta_id))
    taken = put(store, CustomerFactory(code="DELTA"))
    gone = put(store, CustomerFactory(code="GONE", exact_account_id=uuid_of("gone")))
    exact.calls.clear()

    problems = await linker.linkable_problems(
        DIVISION, [fine_new, fine_same_code, fine_linked, taken, gone]
    )

    assert set(problems) == {taken.id, gone.id}
    assert all(p.code is ErrorCode.CUSTOMER_NOT_LINKABLE for ps in problems.values() for p in ps)
    assert exact.calls == ["accounts_changed_since"]


def uuid_of(name: str) -> object:
    import uuid

    return uuid.uuid5(uuid.NAMESPACE_DNS, name)
