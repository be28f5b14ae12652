from __future__ import annotations

import pytest

from domain.customers import Customer, Language
from domain.errors import ErrorCode
from tests.factories import CustomerFactory
from tests.unit.helpers import raises_problems


def test_a_customer_needs_only_a_code_and_a_name() -> None:
    customer = Customer(code="ACME", name="Acme Bouw B.V.")

    assert (customer.country, customer.language, customer.vat_code) == ("NL", Language.NL, None)


@pytest.mark.parametrize("code", ["A", "ACME-01", "acme_bouw.nl", "X" * 18])
def test_customer_codes_of_exacts_alphabet_and_length_are_accepted(code: str) -> None:
    assert CustomerFactory(code=code).code == code


@pytest.mark.parametrize("code", ["", "X" * 19, "ACME BOUW", "ACMÉ", "A/B"])
def test_customer_codes_outside_exacts_alphabet_or_length_are_invalid(code: str) -> None:
    with raises_problems((ErrorCode.INVALID, "code")):
        CustomerFactory(code=code)


def test_customer_name_of_only_spaces_is_required() -> None:
    with raises_problems((ErrorCode.REQUIRED, "name")):
        CustomerFactory(name="   ")


@pytest.mark.parametrize("email", ["facturen", "a@b", "a b@c.nl", "@acme.nl"])
def test_customer_email_must_look_like_an_address(email: str) -> None:
    with raises_problems((ErrorCode.INVALID, "email")) as info:
        CustomerFactory(email=email)

    assert str(info.value) == f"{email!r} is not an e-mail address"


@pytest.mark.parametrize("country", ["nl", "NLD", "N", ""])
def test_customer_country_must_be_two_capital_letters(country: str) -> None:
    with raises_problems((ErrorCode.INVALID, "country")):
        CustomerFactory(country=country)


@pytest.mark.parametrize("vat_number", ["NL812345678B01", "BE0123456789", "GB123456789"])
def test_customer_vat_numbers_with_country_prefix_are_accepted(vat_number: str) -> None:
    assert CustomerFactory(vat_number=vat_number).vat_number == vat_number


@pytest.mark.parametrize("vat_number", ["812345678B01", "nl812345678b01", "NL1", "NL 8123 4567"])
def test_customer_vat_numbers_without_prefix_or_with_spaces_are_invalid(vat_number: str) -> None:
    with raises_problems((ErrorCode.INVALID, "vatNumber")):
        CustomerFactory(vat_number=vat_number)


def test_customer_validation_reports_every_problem_at_once() -> None:
    with raises_problems(
        (ErrorCode.INVALID, "code"),
        (ErrorCode.REQUIRED, "name"),
        (ErrorCode.INVALID, "email"),
        (ErrorCode.INVALID, "country"),
        (ErrorCode.INVALID, "vatNumber"),
    ):
        Customer(code="", name="", email="nope", country="nl", vat_number="123")
