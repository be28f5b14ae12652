"""recordSupply, updateSupply, deleteSupply and their typed errors."""

from __future__ import annotations

from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api, codes
from tests.graphql.ids import unknown_id


async def test_record_supply(api: Api) -> None:
    customer_id = await seed.customer(api)
    payload = await api.ok(
        doc.RECORD_SUPPLY,
        customerId=customer_id,
        date="2026-11-03",
        itemCode="CABLE",
        description="Cat6 cable",
        quantity="2.5",
        unit="m",
        unitPrice="3.1415",
        vatCode="21",
    )
    supply = payload["supply"]
    assert (supply["quantity"], supply["unit"], supply["unitPrice"]) == ("2.5", "m", "3.1415")
    assert (supply["billed"], supply["customer"]["id"]) == (False, customer_id)


async def test_record_supply_reports_every_problem(api: Api) -> None:
    customer_id = await seed.customer(api)
    errors = await api.errors(
        doc.RECORD_SUPPLY,
        customerId=customer_id,
        date="2026-11-03",
        itemCode=" ",
        quantity="0",
        unitPrice="-1",
        vatCode="21",
    )
    assert codes(errors) == {
        ("itemCode", "REQUIRED"),
        ("quantity", "OUT_OF_RANGE"),
        ("unitPrice", "OUT_OF_RANGE"),
    }


async def test_record_supply_with_invalid_decimals_and_unknown_references(api: Api) -> None:
    errors = await api.errors(
        doc.RECORD_SUPPLY,
        customerId=unknown_id("Customer"),
        date="2026-11-03",
        itemCode="CABLE",
        quantity="two",
        unitPrice="1,50",
        vatCode="21",
    )
    assert codes(errors) == {("quantity", "INVALID"), ("unitPrice", "INVALID")}
    errors = await api.errors(
        doc.RECORD_SUPPLY,
        customerId=unknown_id("Customer"),
        date="2026-11-03",
        itemCode="CABLE",
        quantity="2",
        unitPrice="1.50",
        vatCode="77",
    )
    assert codes(errors) == {("customerId", "NOT_FOUND"), ("vatCode", "NOT_FOUND")}


async def test_update_supply(api: Api) -> None:
    supply_id = await seed.supply(api, await seed.customer(api))
    payload = await api.ok(doc.UPDATE_SUPPLY, id=supply_id, quantity="4", vatCode="9")
    assert (payload["supply"]["quantity"], payload["supply"]["vatCode"]) == ("4", "9")
    errors = await api.errors(doc.UPDATE_SUPPLY, id=supply_id, unitPrice="0.00001")
    assert codes(errors) == {("unitPrice", "TOO_PRECISE")}


async def test_delete_supply(api: Api) -> None:
    supply_id = await seed.supply(api, await seed.customer(api))
    assert (await api.ok(doc.DELETE_SUPPLY, id=supply_id))["deletedId"] == supply_id
    assert codes(await api.errors(doc.DELETE_SUPPLY, id=supply_id)) == {("id", "NOT_FOUND")}


async def test_a_billed_supply_is_locked(api: Api) -> None:
    office = await seed.office(api)
    await seed.generate(api)
    supply_id = office.supplies[0]
    assert codes(await api.errors(doc.UPDATE_SUPPLY, id=supply_id, quantity="1")) == {
        ("id", "LOCKED")
    }
    assert codes(await api.errors(doc.DELETE_SUPPLY, id=supply_id)) == {("id", "LOCKED")}
    data = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Supply { billed } } }", id=supply_id
    )
    assert data["node"] == {"billed": True}
