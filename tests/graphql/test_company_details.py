"""updateCompanyDetails: who sends the invoices, and the payment term."""

from __future__ import annotations

from typing import Any

from tests.graphql import documents as doc
from tests.graphql.api import Api, codes

COMPANY = (
    "company { name addressLine postcode city country vatNumber chamberOfCommerce iban"
    " email phone }"
)
UPDATE = doc.mutation(
    "updateCompanyDetails",
    "UpdateCompanyDetailsInput",
    f"invoicingSettings {{ paymentTermDays {COMPANY} }}",
)
SETTINGS = f"{{ invoicingSettings {{ defaultVatCode paymentTermDays {COMPANY} }} }}"

DETAILS: dict[str, Any] = {
    "name": "Hourbill Demo B.V.",
    "addressLine": "Keizersgracht 123",
    "postcode": "1015 CJ",
    "city": "Amsterdam",
    "country": "NL",
    "vatNumber": "NL859123456B01",
    "chamberOfCommerce": "81234567",
    "iban": "NL91 ABNA 0417 1643 00",
    "email": "facturen@hourbill-demo.example",
    "phone": "+31 20 123 4567",
}


async def test_the_settings_start_with_no_company_and_thirty_days(api: Api) -> None:
    settings = (await api.data(SETTINGS))["invoicingSettings"]

    assert settings["paymentTermDays"] == 30
    assert settings["company"]["name"] == ""
    assert settings["company"]["country"] == "NL"


async def test_update_company_details_saves_all_of_them(api: Api) -> None:
    payload = await api.ok(UPDATE, **DETAILS, paymentTermDays=14)

    saved = (await api.data(SETTINGS))["invoicingSettings"]
    assert payload["invoicingSettings"] == {
        "paymentTermDays": 14,
        "company": {**DETAILS, "iban": "NL91ABNA0417164300"},
    }
    assert saved["company"] == payload["invoicingSettings"]["company"]
    assert saved["paymentTermDays"] == 14
    assert saved["defaultVatCode"] == "21"


async def test_the_details_are_replaced_as_a_whole_and_the_term_kept_when_left_out(
    api: Api,
) -> None:
    await api.ok(UPDATE, **DETAILS, paymentTermDays=14)

    payload = await api.ok(UPDATE, name="  Hourbill B.V. ", city="Utrecht", phone="  ")

    assert payload["invoicingSettings"] == {
        "paymentTermDays": 14,
        "company": {
            "name": "Hourbill B.V.",
            "addressLine": None,
            "postcode": None,
            "city": "Utrecht",
            "country": "NL",
            "vatNumber": None,
            "chamberOfCommerce": None,
            "iban": None,
            "email": None,
            "phone": None,
        },
    }


async def test_bad_details_are_all_reported_and_nothing_changes(api: Api) -> None:
    await api.ok(UPDATE, **DETAILS, paymentTermDays=14)
    before = await api.data(SETTINGS)

    errors = await api.errors(
        UPDATE,
        **{
            **DETAILS,
            "name": " ",
            "country": "Nederland",
            "email": "facturen",
            "iban": "1234",
        },
        paymentTermDays=400,
    )

    assert codes(errors) == {
        ("name", "REQUIRED"),
        ("country", "INVALID"),
        ("email", "INVALID"),
        ("iban", "INVALID"),
        ("paymentTermDays", "OUT_OF_RANGE"),
    }
    assert await api.data(SETTINGS) == before


async def test_a_negative_payment_term_is_out_of_range(api: Api) -> None:
    errors = await api.errors(UPDATE, name="Hourbill B.V.", paymentTermDays=-1)

    assert codes(errors) == {("paymentTermDays", "OUT_OF_RANGE")}
    assert (await api.data(SETTINGS))["invoicingSettings"]["company"]["name"] == ""
