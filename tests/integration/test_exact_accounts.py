"""The Exact accounts mirror and sync cursors: one contract on the fake, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from application.customer_sync import AccountMirrorSync, ExactAccountLinker
from application.exact import AccountFields, ExactAccount
from application.ports import UnitOfWorkFactory
from domain.customers import Customer
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.exact.sandbox.server import RunningSandbox
from infrastructure.exact.tokens import StaticAccessTokens
from infrastructure.persistence.database import Database
from infrastructure.persistence.exact_accounts import IDS_PER_STATEMENT
from infrastructure.persistence.repositories import SqlAlchemyCustomerRepository
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory

DIVISION = 123456
OTHER_DIVISION = 654321
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def account(code: str, name: str | None = None, **fields: str | None) -> ExactAccount:
    return ExactAccount(
        account_id=uuid.uuid5(uuid.NAMESPACE_URL, code),
        code=code,
        fields=AccountFields(name=name or f"{code} B.V.", **fields),
        status="C",
        modified=dt.datetime(2026, 11, 30, 9, 15, 30, 123000),  # noqa: DTZ001 (Exact's local time)
    )


async def _upsert(
    uow: UnitOfWorkFactory, division: int, stamp: int, *accounts: ExactAccount
) -> None:
    async with uow() as work:
        await work.exact_accounts.upsert(division, accounts, stamp)
        await work.commit()


async def test_upserted_accounts_come_back_whole_by_code_and_per_division(
    any_uow_factory: UnitOfWorkFactory,
) -> None:
    full = account(
        "ACME",
        "Acme Bouw B.V.",
        vat_number="NL812345678B01",
        email="f@acme.example",
        address_line="Stationsplein 1",
        postcode="3511 ED",
        city="Utrecht",
        country="NL",
        chamber_of_commerce="30123456",
    )
    await _upsert(any_uow_factory, DIVISION, 10, account("ZULU"), full)
    await _upsert(any_uow_factory, OTHER_DIVISION, 10, account("OTHER"))

    async with any_uow_factory() as work:
        mirror = work.exact_accounts
        assert [a.code for a in await mirror.accounts(DIVISION)] == ["ACME", "ZULU"]
        assert await mirror.account(DIVISION, full.account_id) == full
        assert await mirror.account(OTHER_DIVISION, full.account_id) is None
        assert await mirror.by_code(DIVISION, "ACME") == [full]
        assert await mirror.accounts(DIVISION, [full.account_id, uuid.uuid4()]) == [full]


async def test_an_upsert_replaces_the_row_and_its_stamp(any_uow_factory: UnitOfWorkFactory) -> None:
    await _upsert(any_uow_factory, DIVISION, 10, account("ACME", email="old@acme.example"))
    changed = account("ACME", "Acme Renamed", email=None)
    await _upsert(any_uow_factory, DIVISION, 20, changed)

    async with any_uow_factory() as work:
        assert await work.exact_accounts.accounts(DIVISION) == [changed]
        assert await work.exact_accounts.changed_since(DIVISION, 10) == [changed]
        assert await work.exact_accounts.changed_since(DIVISION, 20) == []


async def test_changed_since_and_remove(any_uow_factory: UnitOfWorkFactory) -> None:
    old, new = account("OLD"), account("NEW")
    await _upsert(any_uow_factory, DIVISION, 5, old)
    await _upsert(any_uow_factory, DIVISION, 9, new)

    async with any_uow_factory() as work:
        assert await work.exact_accounts.changed_since(DIVISION, 5) == [new]
        assert await work.exact_accounts.account_ids(DIVISION) == {old.account_id, new.account_id}
        await work.exact_accounts.remove(DIVISION, [old.account_id])
        await work.commit()

    async with any_uow_factory() as work:
        assert await work.exact_accounts.account_ids(DIVISION) == {new.account_id}


async def test_cursors_are_saved_and_replaced(any_uow_factory: UnitOfWorkFactory) -> None:
    async with any_uow_factory() as work:
        assert await work.exact_accounts.cursor("accounts:1") is None
        await work.exact_accounts.save_cursor("accounts:1", 41, NOW)
        await work.exact_accounts.save_cursor("accounts:1", 42, NOW + dt.timedelta(seconds=1))
        await work.commit()

    async with any_uow_factory() as work:
        cursor = await work.exact_accounts.cursor("accounts:1")
    assert cursor is not None
    assert (cursor.value, cursor.updated) == (42, NOW + dt.timedelta(seconds=1))


async def test_many_ids_are_read_and_removed_in_chunks(any_uow_factory: UnitOfWorkFactory) -> None:
    many = [account(f"A{n:05d}") for n in range(IDS_PER_STATEMENT + 5)]
    await _upsert(any_uow_factory, DIVISION, 1, *many)
    ids = [a.account_id for a in many]

    async with any_uow_factory() as work:
        assert len(await work.exact_accounts.accounts(DIVISION, ids)) == len(many)
        await work.exact_accounts.remove(DIVISION, ids[1:])
        await work.commit()

    async with any_uow_factory() as work:
        assert await work.exact_accounts.account_ids(DIVISION) == {ids[0]}


async def test_customers_by_exact_account_and_linked(any_uow_factory: UnitOfWorkFactory) -> None:
    account_id = uuid.uuid4()
    linked = Customer(code="LINKED", name="Linked", exact_account_id=account_id)
    async with any_uow_factory() as work:
        await work.customers.add(linked)
        await work.customers.add(Customer(code="FREE", name="Free"))
        await work.commit()

    async with any_uow_factory() as work:
        found = await work.customers.by_exact_account(account_id)
        assert found is not None
        assert found.id == linked.id
        assert await work.customers.linked() == {account_id: linked.id}
        assert [c.code for c in await work.customers.all()] == ["FREE", "LINKED"]


async def test_linker_links_and_creates_through_the_store(
    any_uow_factory: UnitOfWorkFactory,
) -> None:
    exact = FakeExactGateway()
    customer = Customer(code="NIEUW", name="Nieuw B.V.")
    async with any_uow_factory() as work:
        await work.customers.add(customer)
        await work.commit()

    account_id = await ExactAccountLinker(any_uow_factory, exact).ensure_account(
        DEMO_DIVISION, customer.id
    )

    async with any_uow_factory() as work:
        saved = await work.customers.get(customer.id)
        assert saved is not None
        assert saved.exact_account_id == account_id
        assert await work.exact_accounts.account(DEMO_DIVISION, account_id) is not None


@pytest.mark.parametrize("count", [10_000])
async def test_ten_thousand_accounts_refresh_in_eleven_calls(
    any_uow_factory: UnitOfWorkFactory, count: int
) -> None:
    exact = FakeExactGateway.seeded(
        {
            "divisions": [
                {
                    "code": DIVISION,
                    "accounts": [{"Code": f"{n}", "Name": f"Klant {n}"} for n in range(count)],
                }
            ]
        }
    )

    result = await AccountMirrorSync(any_uow_factory, exact).refresh(DIVISION)

    assert (result.fetched, result.calls) == (count, 11)
    assert exact.count("accounts_changed_since") == 11
    async with any_uow_factory() as work:
        assert len(await work.exact_accounts.account_ids(DIVISION)) == count


# --- over HTTP: the real adapter against the sandbox server --------------------------------


@pytest.fixture
async def adapter(exact_sandbox: RunningSandbox) -> AsyncIterator[ExactOnlineGateway]:
    tokens = StaticAccessTokens(exact_sandbox.access_token())
    gateway = ExactOnlineGateway(ExactHttp(tokens, base_url=exact_sandbox.url))
    yield gateway
    await gateway.aclose()


def _feed_requests(sandbox: RunningSandbox) -> list[str]:
    return [r.path for r in sandbox.sandbox.requests if "sync/CRM/Accounts" in r.path]


async def test_the_adapter_refreshes_the_mirror_in_pages_of_a_thousand(
    sqlite_url: str, exact_sandbox: RunningSandbox, adapter: ExactOnlineGateway
) -> None:
    with exact_sandbox.sandbox.lock:
        administration = exact_sandbox.sandbox.administration
        for n in range(2_500):
            administration.create(DEMO_DIVISION, schema.ACCOUNTS, {"Name": f"Klant {n}"})
    database = Database(sqlite_url)
    uow = SqlAlchemyUnitOfWorkFactory(database)
    try:
        result = await AccountMirrorSync(uow, adapter).refresh(DEMO_DIVISION)
        async with uow() as work:
            mirrored = await work.exact_accounts.accounts(DEMO_DIVISION)
    finally:
        await database.dispose()

    assert (result.fetched, result.calls) == (2_505, 3)
    assert len(_feed_requests(exact_sandbox)) == 3
    assert len(mirrored) == 2_505
    assert "ACME" in {account.code for account in mirrored}  # trimmed, not padded


async def test_ensure_account_over_http_creates_once_and_links(
    sqlite_url: str, exact_sandbox: RunningSandbox, adapter: ExactOnlineGateway
) -> None:
    database = Database(sqlite_url)
    uow = SqlAlchemyUnitOfWorkFactory(database)
    customer = Customer(code="NIEUW", name="Nieuw B.V.", city="Zwolle")
    try:
        async with uow() as work:
            await work.customers.add(customer)
            await work.commit()
        linker = ExactAccountLinker(uow, adapter)
        first = await linker.ensure_account(DEMO_DIVISION, customer.id)
        again = await linker.ensure_account(DEMO_DIVISION, customer.id)
    finally:
        await database.dispose()

    assert first == again
    created = await adapter.find_accounts(DEMO_DIVISION, code="NIEUW")
    assert [(a.account_id, a.fields.city) for a in created] == [(first, "Zwolle")]


async def test_ensure_account_racing_another_run_for_the_same_customer_links_once(
    uow_factory: SqlAlchemyUnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run A has read the unlinked customer when run B links it and commits: A must not
    take the account it meets as "another customer's" (it is the same customer)."""
    exact = FakeExactGateway()
    customer = Customer(code="ACME", name="Acme")
    async with uow_factory() as work:
        await work.customers.add(customer)
        await work.commit()
    original = SqlAlchemyCustomerRepository.by_exact_account
    raced: list[uuid.UUID] = []
    racing = False

    async def after_the_other_run(self: Any, account_id: uuid.UUID) -> Customer | None:
        nonlocal racing
        if not racing:
            racing = True
            other = ExactAccountLinker(uow_factory, exact)
            raced.append(await other.ensure_account(DEMO_DIVISION, customer.id))
        return await original(self, account_id)

    monkeypatch.setattr(SqlAlchemyCustomerRepository, "by_exact_account", after_the_other_run)

    account_id = await ExactAccountLinker(uow_factory, exact).ensure_account(
        DEMO_DIVISION, customer.id
    )

    assert raced == [account_id]
    async with uow_factory() as work:
        saved = await work.customers.get(customer.id)
    assert saved is not None
    assert saved.exact_account_id == account_id
