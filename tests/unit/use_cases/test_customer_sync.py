"""Customer sync use cases on the fake unit of work and the fake Exact (the demo administration)."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from application.customer_sync import (
    CustomerReconciliation,
    ExactAccountLinker,
    ImportExactAccounts,
    ImportExactAccountsRequest,
    LinkCustomers,
    LinkCustomersRequest,
    LinkRequest,
    ReconciliationFilter,
    RefreshExactAccounts,
    UpdateCustomersFromExact,
    UpdateExactFromCustomers,
    accounts_cursor,
    snapshot,
)
from application.exact import (
    AccountDraft,
    AccountFields,
    ExactAccount,
    ExactUnavailableError,
    ExactValidationError,
)
from application.ports import PageRequest
from domain.customers import Customer
from domain.errors import ErrorCode, HourbillError
from domain.reconciliation import (
    MatchKind,
    Reconciliation,
    ReconciliationStatus,
    customer_from_account,
)
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from tests.factories import CustomerFactory
from tests.fakes import FakeStore, FakeUnitOfWorkFactory, FixedClock
from tests.unit.helpers import put, raises_problems
from tests.unit.helpers import snapshot as snapshot_store

DIVISION = DEMO_DIVISION


@pytest.fixture
def exact() -> FakeExactGateway:
    return FakeExactGateway()


@pytest.fixture(autouse=True)
def division_chosen(store: FakeStore) -> None:
    store.settings.exact_division = DIVISION


@pytest.fixture
def linker(uow: FakeUnitOfWorkFactory, exact: FakeExactGateway) -> ExactAccountLinker:
    return ExactAccountLinker(uow, exact)


async def _account_id(exact: FakeExactGateway, code: str) -> uuid.UUID:
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


def uuid_of(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_DNS, name)


# --- the mirror ------------------------------------------------------------------------------


async def _changed(exact: FakeExactGateway, code: str, **changes: str | None) -> ExactAccount:
    (account,) = await exact.find_accounts(DIVISION, code=code)
    fields = dataclasses.replace(account.fields, **changes)
    await exact.update_account(DIVISION, account.account_id, fields)
    changed = await exact.account(DIVISION, account.account_id)
    assert changed is not None
    return changed


async def test_the_first_refresh_reads_every_account_and_the_next_only_changes(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> None:
    refresh = RefreshExactAccounts(uow, exact, FixedClock())

    first = await refresh.execute()
    again = await refresh.execute()
    await _changed(exact, "DELTA", email="nieuw@delta.example")
    changed = await refresh.execute()

    assert (first.full, first.fetched, first.calls) == (True, 5, 1)
    assert (again.full, again.fetched, again.calls) == (False, 0, 1)
    assert (changed.fetched, changed.calls) == (1, 1)
    mirrored = [account for account, _ in store.exact_accounts.values()]
    assert {a.fields.email for a in mirrored if a.code == "DELTA"} == {"nieuw@delta.example"}
    assert store.sync_cursors[accounts_cursor(DIVISION)].value == changed.cursor


async def test_a_full_refresh_drops_accounts_exact_deleted(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> None:
    refresh = RefreshExactAccounts(uow, exact)
    await refresh.execute()
    molen = await _account_id(exact, "1006")
    exact.administration.delete(DIVISION, schema.ACCOUNTS, molen)

    incremental = await refresh.execute()
    full = await refresh.execute(full=True)

    assert incremental.removed == 0
    assert (full.fetched, full.removed) == (4, 1)
    assert (DIVISION, molen) not in store.exact_accounts


async def test_without_a_division_nothing_is_read(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> None:
    store.settings.exact_division = None

    with raises_problems((ErrorCode.NOT_CONFIGURED, None)):
        await RefreshExactAccounts(uow, exact).execute()
    assert exact.calls == []


async def test_exact_being_unavailable_is_a_typed_error(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway
) -> None:
    exact.fail_next("accounts_changed_since", ExactUnavailableError("503 Service Unavailable"))

    with raises_problems((ErrorCode.EXACT_UNAVAILABLE, None)):
        await RefreshExactAccounts(uow, exact).execute()


# --- reconciliation ------------------------------------------------------------------------


async def _imported(uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, code: str) -> Customer:
    """A customer made from the account, as an import makes it."""
    (account,) = await exact.find_accounts(DIVISION, code=code)
    return customer_from_account(snapshot(account))


@pytest.fixture
async def reconciled_world(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> dict[str, Customer]:
    """ACME equal, DELTA different (e-mail), NEW not linked (VAT of 1005), GONE missing."""
    acme = put(store, await _imported(uow, exact, "ACME"))
    delta = await _imported(uow, exact, "DELTA")
    delta.email = "boekhouding@delta.example"
    put(store, delta)
    new = put(store, CustomerFactory(code="NEW", name="Van Dijk", vat_number="NL811122233B01"))
    gone = put(store, CustomerFactory(code="GONE", exact_account_id=uuid_of("gone")))
    return {"acme": acme, "delta": delta, "new": new, "gone": gone}


async def test_reconciliation_compares_every_customer_and_lists_unlinked_accounts(
    uow: FakeUnitOfWorkFactory,
    exact: FakeExactGateway,
    reconciled_world: dict[str, Customer],
) -> None:
    exact.calls.clear()

    report = await CustomerReconciliation(uow, exact).execute(
        ReconciliationFilter(), PageRequest(first=50)
    )

    rows = {_label(row): row for row in report.page.items}
    assert {label: row.status for label, row in rows.items()} == {
        "ACME": ReconciliationStatus.LINKED_EQUAL,
        "DELTA": ReconciliationStatus.LINKED_DIFFERENT,
        "GONE": ReconciliationStatus.MISSING_IN_EXACT,
        "NEW": ReconciliationStatus.NOT_LINKED,
        "account 1004": ReconciliationStatus.ONLY_IN_EXACT,
        "account 1005": ReconciliationStatus.ONLY_IN_EXACT,
        "account 1006": ReconciliationStatus.ONLY_IN_EXACT,
    }
    assert [(d.field, d.local, d.exact) for d in rows["DELTA"].differences] == [
        ("email", "boekhouding@delta.example", "facturen@delta.example")
    ]
    assert [(c.account.code, c.matched_by) for c in rows["NEW"].candidates] == [
        ("1005", MatchKind.VAT_NUMBER)
    ]
    assert report.counts[ReconciliationStatus.ONLY_IN_EXACT] == 3
    assert report.page.total_count == 7
    assert exact.calls == ["accounts_changed_since"]


def _label(row: Reconciliation) -> str:
    if row.customer is not None:
        return row.customer.code
    assert row.account is not None
    return f"account {row.account.code}"


async def test_reconciliation_filters_by_status_and_pages_without_calling_exact_again(
    uow: FakeUnitOfWorkFactory,
    exact: FakeExactGateway,
    reconciled_world: dict[str, Customer],
) -> None:
    reconciliation = CustomerReconciliation(uow, exact)
    wanted = ReconciliationFilter(
        statuses=frozenset({ReconciliationStatus.ONLY_IN_EXACT, ReconciliationStatus.NOT_LINKED})
    )

    first = await reconciliation.execute(wanted, PageRequest(first=2))
    second = await reconciliation.execute(
        wanted, PageRequest(first=2, after=first.page.edges[-1][0])
    )

    assert [_label(r) for r in first.page.items] == ["NEW", "account 1004"]
    assert [_label(r) for r in second.page.items] == ["account 1005", "account 1006"]
    assert (first.page.has_next_page, second.page.has_next_page) == (True, False)
    assert second.page.has_previous_page
    assert first.page.total_count == second.page.total_count == 4
    assert exact.count("accounts_changed_since") == 1


# --- linking -------------------------------------------------------------------------------


async def test_auto_link_matches_by_code_then_vat_number_then_name(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> None:
    by_code = put(store, CustomerFactory(code="ACME", vat_number=None))
    await _changed(exact, "1005", vat_number="nl 8111.22.233 B01")
    by_vat = put(store, CustomerFactory(code="VD", vat_number="NL811122233B01"))
    by_name = put(store, CustomerFactory(code="MOLEN", name="molen  & co", vat_number=None))
    nothing = put(store, CustomerFactory(code="NOTHING", vat_number=None))

    result = await LinkCustomers(uow, exact).execute(
        LinkCustomersRequest(auto=(MatchKind.CODE, MatchKind.VAT_NUMBER, MatchKind.NAME))
    )

    assert {(link.customer.code, link.account.code, link.matched_by) for link in result.linked} == {
        ("ACME", "ACME", MatchKind.CODE),
        ("VD", "1005", MatchKind.VAT_NUMBER),
        ("MOLEN", "1006", MatchKind.NAME),
    }
    assert result.ambiguous == []
    assert store.customers[by_code.id].exact_account_id == await _account_id(exact, "ACME")
    assert store.customers[by_vat.id].exact_account_id == await _account_id(exact, "1005")
    assert store.customers[by_name.id].exact_account_id == await _account_id(exact, "1006")
    assert store.customers[nothing.id].exact_account_id is None


async def test_auto_link_leaves_ambiguous_matches_unlinked_and_reports_them(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> None:
    twin_a = put(store, CustomerFactory(code="TWIN-A", vat_number="NL812345678B01"))
    twin_b = put(store, CustomerFactory(code="TWIN-B", vat_number="NL812345678B01"))

    result = await LinkCustomers(uow, exact).execute(
        LinkCustomersRequest(auto=(MatchKind.VAT_NUMBER,))
    )

    assert result.linked == []
    (ambiguous,) = result.ambiguous
    assert ambiguous.matched_by is MatchKind.VAT_NUMBER
    assert {c.code for c in ambiguous.customers} == {"TWIN-A", "TWIN-B"}
    assert [a.code for a in ambiguous.accounts] == ["ACME"]
    assert store.customers[twin_a.id].exact_account_id is None
    assert store.customers[twin_b.id].exact_account_id is None


async def test_auto_link_skips_accounts_linked_to_another_customer(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> None:
    put(store, CustomerFactory(code="OWNER", exact_account_id=await _account_id(exact, "ACME")))
    acme = put(store, CustomerFactory(code="ACME"))

    result = await LinkCustomers(uow, exact).execute(LinkCustomersRequest(auto=(MatchKind.CODE,)))

    assert result.linked == []
    assert store.customers[acme.id].exact_account_id is None


async def test_explicit_links_link_exactly_the_pairs_given(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> None:
    customer = put(store, CustomerFactory(code="ANY"))
    account_id = await _account_id(exact, "1004")

    result = await LinkCustomers(uow, exact).execute(
        LinkCustomersRequest(links=(LinkRequest(customer.id, account_id),))
    )

    assert [(link.customer.code, link.account.code, link.matched_by) for link in result.linked] == [
        ("ANY", "1004", None)
    ]
    assert store.customers[customer.id].exact_account_id == account_id


async def test_an_explicit_link_to_an_account_of_another_customer_changes_nothing(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> None:
    taken = await _account_id(exact, "1004")
    put(store, CustomerFactory(code="OWNER", exact_account_id=taken))
    free = put(store, CustomerFactory(code="FREE"))
    other = put(store, CustomerFactory(code="OTHER"))
    before = snapshot_store(store)["customers"]

    with raises_problems((ErrorCode.IN_USE, "links")):
        await LinkCustomers(uow, exact).execute(
            LinkCustomersRequest(
                links=(
                    LinkRequest(other.id, await _account_id(exact, "1005")),
                    LinkRequest(free.id, taken),
                )
            )
        )
    assert snapshot_store(store)["customers"] == before


async def test_explicit_links_refuse_unknown_ids_and_doubles(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> None:
    customer = put(store, CustomerFactory(code="ANY"))
    account_id = await _account_id(exact, "1004")
    link = LinkCustomers(uow, exact)

    with raises_problems((ErrorCode.NOT_FOUND, "links"), (ErrorCode.NOT_FOUND, "links")):
        await link.execute(LinkCustomersRequest(links=(LinkRequest(uuid.uuid4(), uuid.uuid4()),)))
    with raises_problems((ErrorCode.DUPLICATE, "links")):
        await link.execute(
            LinkCustomersRequest(
                links=(LinkRequest(customer.id, account_id), LinkRequest(customer.id, account_id))
            )
        )
    with raises_problems((ErrorCode.INVALID, None)):
        await link.execute(LinkCustomersRequest())
    assert store.customers[customer.id].exact_account_id is None


# --- updating either side -------------------------------------------------------------------


async def test_update_from_exact_makes_linked_customers_equal(
    uow: FakeUnitOfWorkFactory,
    exact: FakeExactGateway,
    store: FakeStore,
    reconciled_world: dict[str, Customer],
) -> None:
    delta = reconciled_world["delta"]

    (updated,) = await UpdateCustomersFromExact(uow, exact).execute([delta.id])

    assert updated.email == "facturen@delta.example"
    assert store.customers[delta.id].email == "facturen@delta.example"
    assert await _status_of(uow, exact, "DELTA") is ReconciliationStatus.LINKED_EQUAL


async def _status_of(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, code: str
) -> ReconciliationStatus:
    report = await CustomerReconciliation(uow, exact).execute(
        ReconciliationFilter(), PageRequest(first=500)
    )
    return next(r.status for r in report.page.items if r.customer and r.customer.code == code)


async def test_update_from_exact_refuses_unlinked_missing_and_invalid_values(
    uow: FakeUnitOfWorkFactory,
    exact: FakeExactGateway,
    store: FakeStore,
    reconciled_world: dict[str, Customer],
) -> None:
    await _changed(exact, "ACME", email="geen e-mail")
    before = snapshot_store(store)["customers"]
    ids = [reconciled_world[name].id for name in ("acme", "new", "gone")]

    with raises_problems(
        (ErrorCode.INVALID_STATE, "customerIds"),
        (ErrorCode.INVALID_STATE, "customerIds"),
        (ErrorCode.INVALID, "customerIds"),
    ) as info:
        await UpdateCustomersFromExact(uow, exact).execute(ids)

    assert "geen e-mail" in str(info.value)
    assert snapshot_store(store)["customers"] == before


async def test_update_exact_from_customers_writes_every_field(
    uow: FakeUnitOfWorkFactory,
    exact: FakeExactGateway,
    reconciled_world: dict[str, Customer],
) -> None:
    delta = reconciled_world["delta"]

    result = await UpdateExactFromCustomers(uow, exact).execute([delta.id])

    assert [c.code for c in result.updated] == ["DELTA"]
    assert result.failed == []
    account = await exact.account(DIVISION, await _account_id(exact, "DELTA"))
    assert account is not None
    assert account.fields.email == "boekhouding@delta.example"
    assert await _status_of(uow, exact, "DELTA") is ReconciliationStatus.LINKED_EQUAL


async def test_update_exact_reports_the_accounts_exact_refused_and_updates_the_others(
    uow: FakeUnitOfWorkFactory,
    exact: FakeExactGateway,
    reconciled_world: dict[str, Customer],
) -> None:
    acme, delta = reconciled_world["acme"], reconciled_world["delta"]
    exact.fail_next("update_account", ExactValidationError("Verplicht: Naam"))

    result = await UpdateExactFromCustomers(uow, exact).execute([acme.id, delta.id])

    assert [c.code for c in result.updated] == ["DELTA"]
    assert [(f.customer.code, f.problem.code) for f in result.failed] == [
        ("ACME", ErrorCode.EXACT_REJECTED)
    ]


# --- importing -----------------------------------------------------------------------------


async def test_import_all_creates_linked_customers_and_skips_what_breaks_the_rules(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> None:
    put(store, CustomerFactory(code="1004"))
    await exact.create_account(
        DIVISION, AccountDraft(AccountFields(name="Spatie B.V."), code="MET SPATIE")
    )

    result = await ImportExactAccounts(uow, exact).execute(ImportExactAccountsRequest(all=True))

    assert sorted(c.code for c in result.imported) == ["1005", "1006", "ACME", "DELTA"]
    assert sorted((s.account.code, s.problems[0].code) for s in result.skipped) == [
        ("1004", ErrorCode.DUPLICATE),
        ("MET SPATIE", ErrorCode.INVALID),
    ]
    acme = next(c for c in store.customers.values() if c.code == "ACME")
    assert (acme.name, acme.vat_number, acme.city) == (
        "Acme Bouw B.V.",
        "NL812345678B01",
        "Utrecht",
    )
    assert acme.exact_account_id == await _account_id(exact, "ACME")
    assert await _status_of(uow, exact, "ACME") is ReconciliationStatus.LINKED_EQUAL


async def test_a_later_import_all_sees_only_accounts_new_or_changed_since(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> None:
    importing = ImportExactAccounts(uow, exact)
    await exact.create_account(
        DIVISION, AccountDraft(AccountFields(name="Slecht", email="geen e-mail"), code="SLECHT")
    )
    first = await importing.execute(ImportExactAccountsRequest(all=True))
    nothing_new = await importing.execute(ImportExactAccountsRequest(all=True))
    await exact.create_account(DIVISION, AccountDraft(AccountFields(name="Nieuw"), code="NIEUW"))
    await _changed(exact, "SLECHT", email="goed@slecht.example")
    await _changed(exact, "ACME", city="Amersfoort")  # linked by the first run: not imported again

    later = await importing.execute(ImportExactAccountsRequest(all=True))

    assert len(first.imported) == 5
    assert [s.account.code for s in first.skipped] == ["SLECHT"]
    assert (nothing_new.imported, nothing_new.skipped) == ([], [])
    assert sorted(c.code for c in later.imported) == ["NIEUW", "SLECHT"]
    assert len(store.customers) == 7


async def test_importing_selected_accounts_is_all_or_nothing(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, store: FakeStore
) -> None:
    importing = ImportExactAccounts(uow, exact)
    delta, molen = await _account_id(exact, "DELTA"), await _account_id(exact, "1006")
    put(store, CustomerFactory(code="OWNER", exact_account_id=delta))

    with raises_problems((ErrorCode.NOT_FOUND, "accountIds")):
        await importing.execute(ImportExactAccountsRequest(account_ids=(molen, uuid.uuid4())))
    with raises_problems((ErrorCode.IN_USE, "accountIds")):
        await importing.execute(ImportExactAccountsRequest(account_ids=(molen, delta)))
    assert len(store.customers) == 1

    result = await importing.execute(ImportExactAccountsRequest(account_ids=(molen,)))

    assert [c.code for c in result.imported] == ["1006"]
    assert store.customers[result.imported[0].id].exact_account_id == molen


class RacedExact(FakeExactGateway):
    """Another run creates the customer's account just after this run looked it up."""

    raced = False

    async def find_accounts(self, division: int, **criteria: str | None) -> list[ExactAccount]:
        found = await super().find_accounts(division, **criteria)  # type: ignore[arg-type]
        if not self.raced:
            self.raced = True
            fields = AccountFields(name="Made by the other run")
            await super().create_account(division, AccountDraft(fields, criteria["code"]))
        return found


async def test_ensure_account_takes_the_account_a_racing_run_created(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    exact = RacedExact()
    new = put(store, CustomerFactory(code="NIEUW"))

    account_id = await ExactAccountLinker(uow, exact).ensure_account(DIVISION, new.id)

    assert exact.calls == ["find_accounts", "create_account", "create_account", "find_accounts"]
    (only,) = await exact.find_accounts(DIVISION, code="NIEUW")
    assert account_id == only.account_id
    assert store.customers[new.id].exact_account_id == account_id
