"""Who is connected, which divisions, and each division's reference data."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from application.exact import (
    ExactAuthError,
    ExactDivision,
    ExactJournal,
    ExactPaymentCondition,
    ExactUser,
    JournalType,
)
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.seed import SECOND_DIVISION
from tests.exact.contract.conftest import DIVISION, Exact, Gateway

UNKNOWN_DIVISION = 999_999


async def test_current_user_and_current_division(gateway: Gateway) -> None:
    assert await gateway.current_user() == ExactUser(
        user_id=uuid.UUID("6a1c4d2e-58b1-4f3e-9c0a-3e1d2b4c5f60"),
        full_name="Sandra Sandbox",
        email="sandra@sandbox.example",
        current_division=DIVISION,
        language="en-GB",
    )


async def test_divisions(gateway: Gateway) -> None:
    assert await gateway.divisions() == [
        ExactDivision(DIVISION, "Hourbill Demo B.V.", active=True),
        ExactDivision(SECOND_DIVISION, "Hourbill Holding B.V.", active=True),
    ]


async def test_journals_with_the_two_sales_journals(gateway: Gateway, exact: Exact) -> None:
    journals = sorted(await gateway.journals(DIVISION), key=lambda journal: journal.code)

    ids = {row["Code"]: row["ID"] for row in exact.rows(schema.JOURNALS)}
    assert journals == [
        ExactJournal(ids["20"], "20", "Bank", JournalType.BANK),
        ExactJournal(ids["70"], "70", "Verkoopboek", JournalType.SALES),
        ExactJournal(ids["71"], "71", "Verkoopboek projecten", JournalType.SALES),
        ExactJournal(ids["90"], "90", "Memoriaal", JournalType.GENERAL),
    ]
    assert [journal.code for journal in journals if journal.type == 20] == ["70", "71"]


async def test_each_division_has_its_own_reference_data(gateway: Gateway) -> None:
    [journal] = await gateway.journals(SECOND_DIVISION)
    [item] = await gateway.items(SECOND_DIVISION)

    assert (journal.code, journal.description, journal.type) == ("70", "Verkoopboek", 20)
    assert (item.code, item.description) == ("UREN", "Uren")


async def test_items_with_their_vat_code_unit_and_revenue_account(
    gateway: Gateway, exact: Exact
) -> None:
    items = {item.code: item for item in await gateway.items(DIVISION)}

    services, materials = exact.gl_account_id("8000"), exact.gl_account_id("8100")
    assert services == uuid.UUID("8000a000-0000-4000-8000-000000008000")
    assert {
        code: (item.description, item.is_sales_item, item.vat_code, item.unit, item.revenue_account)
        for code, item in items.items()
    } == {
        "UREN": ("Gewerkte uren", True, "2", "uur", services),
        "SUPPORT": ("Support uren", True, "2", "uur", services),
        "MATERIAAL": ("Materialen", True, "2", "stuk", materials),
        "BOEKEN": ("Boeken", True, "1", "stuk", materials),
    }
    assert items["UREN"].item_id == exact.item_id("UREN")


async def test_vat_codes_are_trimmed_with_fractions(gateway: Gateway, exact: Exact) -> None:
    codes = sorted(await gateway.vat_codes(DIVISION), key=lambda vat: vat.code)

    assert [(vat.code, vat.description, vat.percentage, vat.blocked) for vat in codes] == [
        ("0", "0% btw", Decimal("0"), False),
        ("1", "Btw laag 9%", Decimal("0.09"), False),
        ("2", "Btw hoog 21%", Decimal("0.21"), False),
        ("5", "Btw verlegd", Decimal("0"), False),
    ]
    assert all(isinstance(vat.percentage, Decimal) for vat in codes)
    assert sorted(row["Code"] for row in exact.rows(schema.VAT_CODES)) == [
        "0  ",
        "1  ",
        "2  ",
        "5  ",
    ]


async def test_gl_accounts(gateway: Gateway, exact: Exact) -> None:
    accounts = sorted(await gateway.gl_accounts(DIVISION), key=lambda account: account.code)

    assert [(gl.code, gl.description, gl.type) for gl in accounts] == [
        ("1300", "Debiteuren", 20),
        ("1500", "Te betalen btw", 24),
        ("8000", "Omzet diensten", 110),
        ("8100", "Omzet materialen", 110),
    ]
    assert accounts[2].gl_account_id == exact.gl_account_id("8000")


async def test_payment_conditions(gateway: Gateway) -> None:
    conditions = sorted(await gateway.payment_conditions(DIVISION), key=lambda c: c.code)

    assert conditions == [
        ExactPaymentCondition("14", "14 dagen", 14),
        ExactPaymentCondition("30", "30 dagen", 30),
    ]


@pytest.mark.parametrize(
    "read",
    ["journals", "items", "vat_codes", "gl_accounts", "payment_conditions"],
)
async def test_a_division_without_access_is_an_auth_error(gateway: Gateway, read: str) -> None:
    with pytest.raises(ExactAuthError) as raised:
        await getattr(gateway, read)(UNKNOWN_DIVISION)

    assert raised.value.status == 403
    assert raised.value.message == "Forbidden (Reason: NoDivisionAccess)"
