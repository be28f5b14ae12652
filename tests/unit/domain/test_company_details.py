"""The sender's details on the settings: cleaned on the way in, all problems at once."""

from __future__ import annotations

import pytest

from domain.errors import ErrorCode, HourbillError
from domain.settings import CompanyDetails, InvoicingSettings


def test_details_are_stripped_blanks_cleared_and_the_iban_compacted() -> None:
    settings = InvoicingSettings()

    settings.set_company(
        CompanyDetails(
            " Vakwerk B.V. ", address_line="  ", city=" Utrecht", iban="NL91 ABNA 0417 1643 00"
        ),
        14,
    )

    company = settings.company
    assert (company.name, company.address_line, company.city, company.iban) == (
        "Vakwerk B.V.",
        None,
        "Utrecht",
        "NL91ABNA0417164300",
    )
    assert settings.payment_term_days == 14


def test_every_problem_is_reported_and_nothing_changes() -> None:
    settings = InvoicingSettings()
    settings.set_company(CompanyDetails("Vakwerk B.V."), 30)

    with pytest.raises(HourbillError) as refused:
        settings.set_company(
            CompanyDetails(" ", country="Nederland", email="nope", iban="12345"), 400
        )

    assert sorted((p.field, p.code) for p in refused.value.problems) == [
        ("country", ErrorCode.INVALID),
        ("email", ErrorCode.INVALID),
        ("iban", ErrorCode.INVALID),
        ("name", ErrorCode.REQUIRED),
        ("paymentTermDays", ErrorCode.OUT_OF_RANGE),
    ]
    assert (settings.company.name, settings.payment_term_days) == ("Vakwerk B.V.", 30)
