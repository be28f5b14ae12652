"""crm/Accounts through the port: lookups, reads, creation, updates and the sync feed."""

from __future__ import annotations

import uuid

import pytest

from application.exact import (
    AccountDraft,
    AccountFields,
    ExactAuthError,
    ExactNotFoundError,
    ExactValidationError,
)
from infrastructure.exact.sandbox import schema
from tests.exact.contract.conftest import DIVISION, Exact, Gateway

ACME = AccountFields(
    name="Acme Bouw B.V.",
    vat_number="NL812345678B01",
    email=None,
    address_line="Stationsplein 1",
    postcode="3511 ED",
    city="Utrecht",
    country="NL",
    chamber_of_commerce=None,
)
DEMO_CODES = ["1004", "1005", "1006", "ACME", "DELTA"]


async def test_find_by_code_is_trimmed(gateway: Gateway, exact: Exact) -> None:
    [acme] = await gateway.find_accounts(DIVISION, code="ACME")

    assert acme.account_id == exact.account_id("ACME")
    assert acme.code == "ACME"
    assert acme.fields == ACME
    assert acme.status == "C"
    assert acme.modified is not None
    assert exact.row(schema.ACCOUNTS, acme.account_id)["Code"] == "              ACME"
    assert await gateway.find_accounts(DIVISION, code="  ACME ") == [acme]


async def test_find_by_vat_number_by_name_and_combined(gateway: Gateway) -> None:
    [delta] = await gateway.find_accounts(DIVISION, vat_number="NL803456789B01")
    [van_dijk] = await gateway.find_accounts(DIVISION, name="Van Dijk Advies")
    [both] = await gateway.find_accounts(DIVISION, code="1005", name="Van Dijk Advies")

    assert (delta.code, delta.name, delta.fields.email) == (
        "DELTA",
        "Delta Logistiek B.V.",
        "facturen@delta.example",
    )
    assert (van_dijk.code, van_dijk.fields.city) == ("1005", "Den Haag")
    assert both == van_dijk


@pytest.mark.parametrize(
    "criteria",
    [
        {"code": "9999"},
        {"vat_number": "NL000000000B00"},
        {"name": "Acme"},
        {"code": "1005", "name": "Acme Bouw B.V."},
        {"code": "ACME", "vat_number": "NL803456789B01"},
    ],
)
async def test_no_match_is_an_empty_list(gateway: Gateway, criteria: dict[str, str]) -> None:
    assert await gateway.find_accounts(DIVISION, **criteria) == []


@pytest.mark.parametrize(
    "name",
    ["Van 't Hof & Zn.", "Bakkerij 50% + Co #1", "Café Zürich", "A/B?C=D", "''"],
)
async def test_find_by_a_name_with_quotes_and_url_characters(gateway: Gateway, name: str) -> None:
    created = await gateway.create_account(DIVISION, AccountDraft(AccountFields(name=name)))

    assert await gateway.find_accounts(DIVISION, name=name) == [created]
    assert await gateway.find_accounts(DIVISION, name="Molen & Co", code="1006") != []


async def test_find_without_criteria_is_refused(gateway: Gateway) -> None:
    with pytest.raises(ValueError, match="needs"):
        await gateway.find_accounts(DIVISION)


async def test_account_by_id(gateway: Gateway, exact: Exact) -> None:
    account = await gateway.account(DIVISION, exact.account_id("1006"))

    assert account is not None
    assert (account.code, account.name, account.fields.vat_number) == ("1006", "Molen & Co", None)
    assert await gateway.find_accounts(DIVISION, code="1006") == [account]


async def test_an_unknown_account_is_none(gateway: Gateway) -> None:
    assert await gateway.account(DIVISION, uuid.uuid4()) is None


async def test_create_with_a_code(gateway: Gateway, exact: Exact) -> None:
    fields = AccountFields(
        name="Zeeman Techniek",
        vat_number="NL855555555B01",
        email="boekhouding@zeeman.example",
        address_line="Havenweg 4",
        postcode="4381 LA",
        city="Vlissingen",
        country="NL",
        chamber_of_commerce="12345678",
    )

    created = await gateway.create_account(DIVISION, AccountDraft(fields, code="HB-0042"))

    assert (created.code, created.fields, created.status) == ("HB-0042", fields, "C")
    assert await gateway.account(DIVISION, created.account_id) == created
    row = exact.row(schema.ACCOUNTS, created.account_id)
    assert row["Code"] == "           HB-0042"
    assert row["IsSales"] is True


async def test_create_without_a_code_gets_the_next_numeric_code(gateway: Gateway) -> None:
    first = await gateway.create_account(DIVISION, AccountDraft(AccountFields(name="Nieuw B.V.")))
    second = await gateway.create_account(DIVISION, AccountDraft(AccountFields(name="Twee B.V.")))

    assert (first.code, second.code) == ("1007", "1008")
    assert first.fields == AccountFields(name="Nieuw B.V.")
    assert await gateway.find_accounts(DIVISION, code="1007") == [first]


async def test_a_code_in_use_is_rejected(gateway: Gateway, exact: Exact) -> None:
    with pytest.raises(ExactValidationError) as raised:
        await gateway.create_account(
            DIVISION, AccountDraft(AccountFields(name="Acme Twee"), code="ACME")
        )

    assert raised.value.message == "Code already exists: ACME"
    assert len(exact.rows(schema.ACCOUNTS)) == 5


async def test_update_then_read_back(gateway: Gateway, exact: Exact) -> None:
    acme = exact.account_id("ACME")

    await gateway.update_account(
        DIVISION,
        acme,
        AccountFields(name="Acme Bouw & Infra B.V.", email="ap@acme.example", city="Amersfoort"),
    )
    updated = await gateway.account(DIVISION, acme)

    assert updated is not None
    assert updated.code == "ACME"
    assert updated.fields == AccountFields(
        name="Acme Bouw & Infra B.V.",
        vat_number="NL812345678B01",  # None leaves a field as it was
        email="ap@acme.example",
        address_line="Stationsplein 1",
        postcode="3511 ED",
        city="Amersfoort",
        country="NL",
    )

    await gateway.update_account(DIVISION, acme, AccountFields(name="Acme Bouw B.V.", email=""))
    cleared = await gateway.account(DIVISION, acme)

    assert cleared is not None
    assert (cleared.name, cleared.fields.email) == ("Acme Bouw B.V.", None)  # "" clears


async def test_updating_an_unknown_account_is_not_found(gateway: Gateway) -> None:
    with pytest.raises(ExactNotFoundError):
        await gateway.update_account(DIVISION, uuid.uuid4(), AccountFields(name="Niemand"))


async def test_changes_since_one_then_only_what_changed_after(
    gateway: Gateway, exact: Exact
) -> None:
    everything = await gateway.accounts_changed_since(DIVISION, 1)

    assert sorted(account.code for account in everything.accounts) == DEMO_CODES
    assert everything.complete
    assert everything.next_timestamp > 1

    nothing = await gateway.accounts_changed_since(DIVISION, everything.next_timestamp)

    assert (nothing.accounts, nothing.next_timestamp, nothing.complete) == (
        [],
        everything.next_timestamp,
        True,
    )

    delta = AccountFields(name="Delta Logistiek B.V.", city="Delft")
    await gateway.update_account(DIVISION, exact.account_id("DELTA"), delta)
    new = await gateway.create_account(DIVISION, AccountDraft(AccountFields(name="Nieuw B.V.")))
    changed = await gateway.accounts_changed_since(DIVISION, everything.next_timestamp)

    assert [(account.code, account.fields.city) for account in changed.accounts] == [
        ("DELTA", "Delft"),
        (new.code, None),
    ]
    assert changed.next_timestamp > everything.next_timestamp
    assert changed.complete
    again = await gateway.accounts_changed_since(DIVISION, changed.next_timestamp)
    assert again.accounts == []


async def test_many_matches_arrive_across_pages(gateway: Gateway, exact: Exact) -> None:
    """Regular endpoints answer 60 rows a page: the adapter follows `__next`."""
    exact.enter_accounts(150, name="Bulk klant")

    found = await gateway.find_accounts(DIVISION, name="Bulk klant")

    assert len(found) == 150
    assert sorted(int(account.code) for account in found) == list(range(1007, 1157))


async def test_the_sync_feed_comes_in_pages_of_a_thousand(gateway: Gateway, exact: Exact) -> None:
    exact.enter_accounts(1200, name="Sync klant")

    first = await gateway.accounts_changed_since(DIVISION, 1)
    rest = await gateway.accounts_changed_since(DIVISION, first.next_timestamp)

    assert (len(first.accounts), first.complete) == (1000, False)
    assert (len(rest.accounts), rest.complete) == (205, True)
    codes = {account.code for account in first.accounts + rest.accounts}
    assert len(codes) == 1205
    assert rest.next_timestamp > first.next_timestamp


async def test_accounts_of_a_division_without_access(gateway: Gateway, exact: Exact) -> None:
    with pytest.raises(ExactAuthError) as raised:
        await gateway.account(999_999, exact.account_id("ACME"))
    assert raised.value.status == 403

    with pytest.raises(ExactAuthError):
        await gateway.find_accounts(999_999, code="ACME")
    with pytest.raises(ExactAuthError):
        await gateway.create_account(999_999, AccountDraft(AccountFields(name="X")))
