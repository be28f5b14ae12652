"""Comparing customers with Exact accounts: statuses, normalised differences, candidates."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.customers import Customer
from domain.errors import ErrorCode, HourbillError
from domain.reconciliation import (
    AccountIndex,
    AccountSnapshot,
    FieldDifference,
    MatchKind,
    ReconciliationStatus,
    customer_from_account,
    customer_values,
    differences,
    normalised,
    only_in_exact,
    reconcile,
)

ACCOUNT_ID = uuid.UUID("a0000000-0000-4000-8000-000000000001")
ACME = AccountSnapshot(
    account_id=ACCOUNT_ID,
    code="ACME",
    name="Acme Bouw B.V.",
    vat_number="NL812345678B01",
    email="Facturen@Acme.example",
    address_line="Stationsplein 1",
    postcode="3511 ED",
    city="Utrecht",
    country="NL",
    chamber_of_commerce="30123456",
)


def linked_customer(**changes: object) -> Customer:
    values: dict[str, object] = {
        "code": "ACME",
        "name": "Acme Bouw B.V.",
        "vat_number": "NL812345678B01",
        "email": "facturen@acme.example",
        "address_line": "Stationsplein  1 ",
        "postcode": "3511ed",
        "city": "Utrecht",
        "country": "NL",
        "chamber_of_commerce": "30 12 34 56",
        "exact_account_id": ACCOUNT_ID,
    }
    values.update(changes)
    return Customer(**values)  # type: ignore[arg-type]


def test_values_that_differ_only_in_how_they_are_typed_are_equal() -> None:
    row = reconcile(linked_customer(), ACME)

    assert row.status is ReconciliationStatus.LINKED_EQUAL
    assert row.differences == ()


def test_a_linked_customer_with_other_values_lists_each_field_with_both_values() -> None:
    customer = linked_customer(name="ACME BOUW B.V.", city=None, country="BE")

    row = reconcile(customer, ACME)

    assert row.status is ReconciliationStatus.LINKED_DIFFERENT
    assert row.differences == (
        FieldDifference("name", "ACME BOUW B.V.", "Acme Bouw B.V."),
        FieldDifference("city", None, "Utrecht"),
        FieldDifference("country", "BE", "NL"),
    )


def test_a_linked_customer_whose_account_is_gone_is_missing_in_exact() -> None:
    row = reconcile(linked_customer(), None)

    assert row.status is ReconciliationStatus.MISSING_IN_EXACT
    assert row.account is None


def test_an_unlinked_customer_gets_candidates_strongest_match_first() -> None:
    by_vat = AccountSnapshot(uuid.uuid4(), "1001", "Iets Anders", vat_number="NL 8123.45.678 B01")
    by_name = AccountSnapshot(uuid.uuid4(), "1002", "acme  bouw b.v.")
    unrelated = AccountSnapshot(uuid.uuid4(), "1003", "Globex")
    index = AccountIndex([by_name, unrelated, by_vat, ACME])

    row = reconcile(linked_customer(exact_account_id=None), None, index)

    assert row.status is ReconciliationStatus.NOT_LINKED
    assert [(c.account.code, c.matched_by) for c in row.candidates] == [
        ("ACME", MatchKind.CODE),
        ("1001", MatchKind.VAT_NUMBER),
        ("1002", MatchKind.NAME),
    ]


def test_an_account_matching_in_several_ways_is_a_candidate_once() -> None:
    row = reconcile(linked_customer(exact_account_id=None), None, AccountIndex([ACME]))

    assert [(c.account.code, c.matched_by) for c in row.candidates] == [("ACME", MatchKind.CODE)]


def test_an_account_alone_is_only_in_exact() -> None:
    row = only_in_exact(ACME)

    assert (row.status, row.customer, row.account) == (
        ReconciliationStatus.ONLY_IN_EXACT,
        None,
        ACME,
    )


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", "  Acme   Bouw ", "Acme Bouw"),
        ("name", "   ", None),
        ("email", " A@B.example ", "a@b.example"),
        ("vat_number", "nl 8123.45.678-b01", "NL812345678B01"),
        ("postcode", "3511 ed", "3511ED"),
        ("country", " nl", "NL"),
        ("chamber_of_commerce", "30.12.34 56", "30123456"),
        ("city", None, None),
    ],
)
def test_normalised(field: str, value: str | None, expected: str | None) -> None:
    assert normalised(field, value) == expected


def test_customer_values_take_exacts_values_in_hourbills_form() -> None:
    account = AccountSnapshot(
        uuid.uuid4(), "1004", " Tulip  Ltd ", vat_number="gb 123 456 789", email=" ", country="gb"
    )

    values = customer_values(account)

    assert values["name"] == "Tulip Ltd"
    assert values["vat_number"] == "GB123456789"
    assert values["email"] is None
    assert values["country"] == "GB"


def test_an_account_without_country_makes_a_dutch_customer_and_keeps_its_code() -> None:
    customer = customer_from_account(AccountSnapshot(ACCOUNT_ID, "1006", "Molen & Co"))

    assert (customer.code, customer.country, customer.exact_account_id) == (
        "1006",
        "NL",
        ACCOUNT_ID,
    )


def test_an_account_hourbill_cannot_take_as_it_is_raises_typed_problems() -> None:
    account = AccountSnapshot(ACCOUNT_ID, "MET SPATIE", "X", email="geen e-mail")

    with pytest.raises(HourbillError) as info:
        customer_from_account(account)

    assert [(p.code, p.field) for p in info.value.problems] == [
        (ErrorCode.INVALID, "code"),
        (ErrorCode.INVALID, "email"),
    ]


# --- property: an imported customer is equal to its account -------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
_optional = st.none() | _text | st.just("  ")
accounts = st.builds(
    AccountSnapshot,
    account_id=st.uuids(),
    code=st.from_regex(r"[A-Za-z0-9._-]{1,18}", fullmatch=True),
    name=_text.filter(lambda s: s.strip() != ""),
    vat_number=st.none()
    | st.from_regex(r"[A-Za-z]{2}[ .]?[0-9]{9}[ .]?[Bb]0[1-9]", fullmatch=True),
    email=st.none() | st.emails().map(lambda e: f" {e.upper()} "),
    address_line=_optional,
    postcode=_optional,
    city=_optional,
    country=st.none() | st.sampled_from(["NL", "be", " de "]),
    chamber_of_commerce=_optional,
)


@given(accounts)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_customer_imported_from_an_account_is_linked_and_equal(account: AccountSnapshot) -> None:
    customer = customer_from_account(account)

    assert differences(customer, account) == ()
    assert reconcile(customer, account).status is ReconciliationStatus.LINKED_EQUAL
