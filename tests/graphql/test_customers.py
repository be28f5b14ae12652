"""createCustomer, updateCustomer, deleteCustomer."""

from __future__ import annotations

from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api, codes
from tests.graphql.ids import global_id_of, unknown_id


async def test_create_customer_returns_the_customer(api: Api) -> None:
    payload = await api.ok(
        doc.CREATE_CUSTOMER,
        code="ACME",
        name="Acme Bouw B.V.",
        email="facturen@acme.example",
        vatNumber="NL812345678B01",
        language="EN",
        vatCode="9",
    )
    customer = payload["customer"]
    assert global_id_of(customer["id"])[0] == "Customer"
    assert customer | {"id": None} == {
        "id": None,
        "code": "ACME",
        "name": "Acme Bouw B.V.",
        "vatNumber": "NL812345678B01",
        "email": "facturen@acme.example",
        "addressLine": None,
        "postcode": None,
        "city": None,
        "country": "NL",
        "language": "EN",
        "vatCode": "9",
    }


async def test_create_customer_reports_every_invalid_field(api: Api) -> None:
    errors = await api.errors(
        doc.CREATE_CUSTOMER, code="no spaces allowed", name=" ", email="nope", country="nl"
    )
    assert codes(errors) == {
        ("code", "INVALID"),
        ("name", "REQUIRED"),
        ("email", "INVALID"),
        ("country", "INVALID"),
    }


async def test_create_customer_refuses_a_duplicate_code(api: Api) -> None:
    await seed.customer(api, code="ACME")
    errors = await api.errors(doc.CREATE_CUSTOMER, code="ACME", name="Other")
    assert codes(errors) == {("code", "DUPLICATE")}


async def test_create_customer_refuses_an_unknown_vat_code(api: Api) -> None:
    errors = await api.errors(doc.CREATE_CUSTOMER, code="ACME", name="Acme", vatCode="99")
    assert codes(errors) == {("vatCode", "NOT_FOUND")}


async def test_update_customer_changes_given_fields_and_clears_named_ones(api: Api) -> None:
    customer_id = await seed.customer(api, email="a@acme.example", city="Utrecht")
    payload = await api.ok(
        doc.UPDATE_CUSTOMER, id=customer_id, name="Acme Holding", clear=["email", "city"]
    )
    customer = payload["customer"]
    assert (customer["name"], customer["code"]) == ("Acme Holding", "ACME")
    assert (customer["email"], customer["city"]) == (None, None)


async def test_update_customer_refuses_fields_it_cannot_clear(api: Api) -> None:
    customer_id = await seed.customer(api)
    errors = await api.errors(doc.UPDATE_CUSTOMER, id=customer_id, clear=["name"])
    assert codes(errors) == {("clear", "INVALID")}


async def test_update_customer_with_invalid_values_changes_nothing(api: Api) -> None:
    customer_id = await seed.customer(api, name="Acme")
    errors = await api.errors(doc.UPDATE_CUSTOMER, id=customer_id, name="Renamed", email="x")
    assert codes(errors) == {("email", "INVALID")}
    data = await api.data(doc.NODE, id=customer_id)
    assert data["node"]["code"] == "ACME"
    assert (await api.data("{ customers { edges { node { name } } } }"))["customers"]["edges"] == [
        {"node": {"name": "Acme"}}
    ]


async def test_update_customer_needs_an_existing_customer(api: Api) -> None:
    await seed.customer(api)
    errors = await api.errors(doc.UPDATE_CUSTOMER, id=unknown_id("Customer"), name="X")
    assert codes(errors) == {("id", "NOT_FOUND")}


async def test_bad_and_wrong_type_ids_are_typed_errors(api: Api) -> None:
    employee_id = await seed.employee(api)
    bad = await api.errors(doc.UPDATE_CUSTOMER, id="not-a-global-id", name="X")
    wrong = await api.errors(doc.UPDATE_CUSTOMER, id=employee_id, name="X")
    assert codes(bad) == codes(wrong) == {("id", "INVALID")}
    assert "Employee" in wrong[0]["message"]


async def test_delete_customer(api: Api) -> None:
    customer_id = await seed.customer(api)
    payload = await api.ok(doc.DELETE_CUSTOMER, id=customer_id)
    assert payload["deletedId"] == customer_id
    assert (await api.data(doc.NODE, id=customer_id))["node"] is None


async def test_a_customer_with_bookings_cannot_be_deleted(api: Api) -> None:
    customer_id = await seed.customer(api)
    await seed.booking(api, await seed.employee(api), customer_id)
    errors = await api.errors(doc.DELETE_CUSTOMER, id=customer_id)
    assert codes(errors) == {("id", "IN_USE")}
