"""`node(id:)` and global ids."""

from __future__ import annotations

import base64

from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api
from tests.graphql.ids import global_id_of, unknown_id


async def test_every_entity_can_be_fetched_by_its_global_id(api: Api) -> None:
    office = await seed.office(api)
    rule_id = (await api.data("{ rateRules { edges { node { id } } } }"))["rateRules"]["edges"][0][
        "node"
    ]["id"]
    (order,) = await seed.generate(api)
    expected = {
        office.customer: ("Customer", "code", "ACME"),
        office.employee: ("Employee", "name", "ANNA Jansen"),
        office.project: ("Project", "code", "WEB"),
        office.task: ("Task", "code", "DEV"),
        office.bookings[0]: ("Booking", "hours", "7.5"),
        office.supplies[0]: ("Supply", "itemCode", "CABLE"),
        order["id"]: ("Order", "number", 1),
        rule_id: ("RateRule", "rate", "85"),
    }
    for global_id, (type_name, field, value) in expected.items():
        node = (await api.data(doc.NODE, id=global_id))["node"]
        assert (node["__typename"], node["id"], node[field]) == (type_name, global_id, value)


async def test_global_ids_are_base64_of_type_and_uuid(api: Api) -> None:
    customer_id = await seed.customer(api)
    type_name, ident = global_id_of(customer_id)
    assert base64.b64decode(customer_id).decode() == f"Customer:{ident}"
    assert type_name == "Customer"


async def test_a_missing_node_is_null(api: Api) -> None:
    assert (await api.data(doc.NODE, id=unknown_id("Order")))["node"] is None


async def test_malformed_ids_and_unknown_types_are_client_errors(api: Api) -> None:
    for bad in ("not base64!", base64.b64encode(b"Customer:123").decode(), unknown_id("Wizard")):
        body = await api.execute(doc.NODE, id=bad)
        assert body["data"] == {"node": None}
        assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "id"}
