"""Who may run what: every root field of the schema, for every role, without a key and with
a revoked one (issue 7).

`QUERIES`, `MUTATIONS` and `SUBSCRIPTIONS` are the specification, written out here rather
than read from interfaces/graphql/access.py: a field the schema gains fails
`test_the_table_classifies_exactly_the_schemas_root_fields` until someone decides who may
use it. The operations come from the schema (tests/graphql/operations.py); their ids are
those of things that exist, so a call that slipped through would change something.

A refused call answers 401 (no key, revoked key) or a single top-level FORBIDDEN with
`data: null`; nothing in the store changes, and a refused mutation leaves a FORBIDDEN
entry in the audit log.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from starlette.applications import Starlette

from application.service import Hourbill
from domain.access import Role
from domain.audit import AuditEntry, AuditOutcome
from hourbill.container import Container
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from interfaces.graphql.ids import global_id
from tests.fakes import FakeExactConnector, FakeOAuthStates, FakeStore
from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api
from tests.graphql.operations import RootField, operation, root_fields
from tests.support.asgi_ws import AsgiWebSocket, websocket
from tests.support.keys import bearer, make_key

Json = dict[str, Any]

VIEWER, BILLER, ADMIN = Role.VIEWER, Role.BILLER, Role.ADMIN

QUERIES: dict[str, Role] = {
    "apiKeys": ADMIN,
    "auditLog": ADMIN,
    "bookings": VIEWER,
    "customerReconciliation": VIEWER,
    "customers": VIEWER,
    "employees": VIEWER,
    "exactAdministration": VIEWER,
    "exactConnection": VIEWER,
    "invoiceRun": VIEWER,
    "invoices": VIEWER,
    "invoicingSettings": VIEWER,
    "lineMappings": VIEWER,
    "node": VIEWER,
    "orders": VIEWER,
    "printUrl": VIEWER,
    "projects": VIEWER,
    "rateRules": VIEWER,
    "supplies": VIEWER,
    "vatCodes": VIEWER,
}
"""Reading is for every key; keys and the audit log are for admins only."""

MUTATIONS: dict[str, Role] = {
    # customers and work
    "createCustomer": BILLER,
    "updateCustomer": BILLER,
    "deleteCustomer": BILLER,
    "createEmployee": BILLER,
    "createProject": BILLER,
    "createTask": BILLER,
    "createRateRule": BILLER,
    "deleteRateRule": BILLER,
    # bookings and supplies
    "recordBooking": BILLER,
    "updateBooking": BILLER,
    "deleteBooking": BILLER,
    "recordSupply": BILLER,
    "updateSupply": BILLER,
    "deleteSupply": BILLER,
    # orders and generation
    "createOrder": BILLER,
    "updateOrder": BILLER,
    "addOrderLine": BILLER,
    "updateOrderLine": BILLER,
    "deleteOrderLine": BILLER,
    "deleteOrders": BILLER,
    "mergeOrders": BILLER,
    "previewOrderGeneration": BILLER,
    "generateOrders": BILLER,
    # invoicing
    "createInvoices": BILLER,
    "retryInvoices": BILLER,
    "attachInvoicePdfs": BILLER,
    "deleteInvoice": BILLER,
    "syncInvoiceNumbers": BILLER,
    "processInvoice": BILLER,
    # settings
    "saveVatCode": ADMIN,
    "updateInvoicingSettings": ADMIN,
    "updateCompanyDetails": ADMIN,
    # customer sync with Exact
    "refreshExactAccounts": ADMIN,
    "linkCustomers": ADMIN,
    "updateCustomersFromExact": ADMIN,
    "updateExactFromCustomers": ADMIN,
    "importExactAccounts": ADMIN,
    # the Exact connection and administration
    "configureExactConnection": ADMIN,
    "startExactConnection": ADMIN,
    "disconnectExact": ADMIN,
    "subscribeExactWebhooks": ADMIN,
    "unsubscribeExactWebhooks": ADMIN,
    "saveExactAdministration": ADMIN,
    "saveLineMapping": ADMIN,
    "deleteLineMapping": ADMIN,
    # keys
    "createApiKey": ADMIN,
    "revokeApiKey": ADMIN,
}

SUBSCRIPTIONS: dict[str, Role] = {
    "orderEvents": VIEWER,
    "invoiceEvents": VIEWER,
    "invoiceRunProgress": VIEWER,
}

TABLE: dict[RootField, Role] = {
    **{RootField("query", name): role for name, role in QUERIES.items()},
    **{RootField("mutation", name): role for name, role in MUTATIONS.items()},
    **{RootField("subscription", name): role for name, role in SUBSCRIPTIONS.items()},
}

MAY: dict[str, set[Role]] = {
    "viewer": {VIEWER},
    "biller": {VIEWER, BILLER},
    "admin": {VIEWER, BILLER, ADMIN},
    "no key": set(),
    "revoked key": set(),
}
"""What each caller may do; without a valid key nothing."""

NULLABLE = {"node", "invoiceRun"}
"""Root fields that answer null for nothing found."""

ROLE_OF = {"viewer": VIEWER, "biller": BILLER, "admin": ADMIN}
REFUSED_AT_THE_DOOR = ("no key", "revoked key")


def test_the_table_classifies_exactly_the_schemas_root_fields() -> None:
    in_schema = set(root_fields())
    assert sorted(map(str, in_schema - TABLE.keys())) == [], "classify the new fields in TABLE"
    assert sorted(map(str, TABLE.keys() - in_schema)) == [], "these fields are gone"


# -- the world the calls run in -----------------------------------------------------------------


@dataclass
class World:
    """Keys for every caller, and ids of one thing of each type."""

    tokens: dict[str, str]
    key_ids: dict[str, Any]
    ids: dict[str, str]


_TEMPLATE: dict[str, tuple[FakeStore, World]] = {}
"""The seeded store, made once per test session and copied into each test's store."""


@pytest.fixture(autouse=True)
def connector(container: Container) -> FakeExactConnector:
    """The Exact connection in memory (the default connector would use the default database);
    autouse, so it is in place before the facade is built."""
    fake = FakeExactConnector()
    container.exact_connector.override(providers.Object(fake))
    container.exact_states.override(providers.Object(FakeOAuthStates()))
    return fake


@pytest.fixture
async def world(store: FakeStore, hourbill: Hourbill, app: Starlette) -> World:
    if "world" not in _TEMPLATE:
        made = await _seed(store, hourbill, app)
        _TEMPLATE["world"] = (copy.deepcopy(store), made)
    template, made = _TEMPLATE["world"]
    store.__dict__.update(copy.deepcopy(template).__dict__)
    return made


async def _seed(store: FakeStore, hourbill: Hourbill, app: Starlette) -> World:
    settings = store.settings
    settings.exact_division = DEMO_DIVISION
    settings.exact_journal = "70"
    settings.exact_default_item = "UREN"
    settings.exact_default_vat_code = "2"
    tokens = {name: await make_key(hourbill, role) for name, role in ROLE_OF.items()}
    tokens["revoked key"] = await make_key(hourbill, ADMIN, "revoked admin")
    victim = await hourbill.create_api_key.execute("someone else", VIEWER, "tests")
    key_ids = {k.name: k.id for k in store.api_keys.values()}
    await hourbill.revoke_api_key.execute(key_ids["revoked admin"])
    async with _client(app, tokens["admin"]) as client:
        api = Api(client)
        office = await seed.office(api)
        (generated,) = await seed.generate(api)
        other = await seed.customer(api, code="BETA", name="Beta B.V.")
        draft = await api.ok(doc.CREATE_ORDER, customerId=other, description="April")
        draft_id = draft["order"]["id"]
        await api.ok(
            doc.ADD_ORDER_LINE,
            orderId=draft_id,
            description="Advice",
            quantity="10",
            unitPrice="95",
            vatCode="21",
        )
        invoiced = await api.ok(_CREATE_INVOICES, orderIds=[draft_id], idempotencyKey="seed")
        mapped = await api.ok(_SAVE_LINE_MAPPING, scope="ITEM", key="CABLE", exactItemCode="UREN")
        rules = await api.data("{ rateRules { edges { node { id } } } }")
    ids = {
        "Customer": office.customer,
        "Employee": office.employee,
        "Project": office.project,
        "Task": office.task,
        "Booking": office.bookings[0],
        "Supply": office.supplies[0],
        "Order": generated["id"],
        "OrderLine": generated["lines"][0]["id"],
        "Invoice": invoiced["invoices"][0]["id"],
        "InvoiceRun": invoiced["run"]["id"],
        "RateRule": rules["rateRules"]["edges"][0]["node"]["id"],
        "LineMapping": mapped["lineMapping"]["id"],
        "ApiKey": global_id("ApiKey", victim.key.id),
    }
    assert all(ids.values()), ids
    return World(tokens, key_ids, ids)


_CREATE_INVOICES = doc.mutation(
    "createInvoices", "CreateInvoicesInput", "run { id } invoices { id }"
)

_SAVE_LINE_MAPPING = doc.mutation("saveLineMapping", "SaveLineMappingInput", "lineMapping { id }")


def _client(app: Starlette, token: str | None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://hourbill.test",
        headers=bearer(token) if token else {},
    )


@pytest.fixture
async def anyone(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app, None) as client:
        yield client


def unchanged(store: FakeStore) -> Any:
    """What a refused call must not change: everything but the audit log and key use."""
    kept = copy.deepcopy(store)
    kept.audit_log = {}
    kept.commits = 0
    kept.api_keys = {i: dataclasses.replace(k, last_used_at=None) for i, k in kept.api_keys.items()}
    return contents(kept)


def contents(value: Any) -> Any:
    """A value by its contents (entities compare by identity), to compare before and after."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (type(value).__name__, {f.name: contents(getattr(value, f.name)) for f in fields})
    if isinstance(value, dict):
        return {key: contents(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(contents(item) for item in value)
    return value


def new_entries(store: FakeStore, before: FakeStore) -> list[AuditEntry]:
    return [e for i, e in store.audit_log.items() if i not in before.audit_log]


def error_codes(body: Json) -> list[str]:
    return [str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or ()]


# -- queries and mutations over HTTP ------------------------------------------------------------


HTTP_FIELDS = [f for f in root_fields() if f.kind != "subscription"]


@pytest.mark.parametrize("caller", list(MAY))
@pytest.mark.parametrize("field", HTTP_FIELDS, ids=str)
async def test_every_query_and_mutation_for_every_caller(
    world: World,
    store: FakeStore,
    exact_gateway: FakeExactGateway,
    connector: FakeExactConnector,
    anyone: httpx.AsyncClient,
    field: RootField,
    caller: str,
) -> None:
    query = operation(field, world.ids.get)
    before, calls = copy.deepcopy(store), len(exact_gateway.calls)
    token = world.tokens.get(caller)

    response = await anyone.post(
        "/graphql", json={"query": query}, headers=bearer(token) if token else {}
    )

    body = response.json()
    if TABLE[field] in MAY[caller]:
        assert response.status_code == 200, body
        assert not {"FORBIDDEN", "UNAUTHENTICATED"} & set(error_codes(body)), body
        assert "errors" not in body, "the placeholders should run cleanly"
        assert body["data"][field.name] is not None or field.name in NULLABLE
        if field.kind == "mutation":
            (entry,) = new_entries(store, before)
            assert entry.action == field.name
            assert entry.actor_key_id == world.key_ids[f"tests {caller}"]
            assert entry.outcome in {AuditOutcome.SUCCEEDED, AuditOutcome.REJECTED}
        return
    if caller in REFUSED_AT_THE_DOOR:
        assert response.status_code == 401, body
        assert error_codes(body) == ["UNAUTHENTICATED"]
        assert new_entries(store, before) == []
    else:
        assert response.status_code == 200, body
        assert body["data"] is None
        assert error_codes(body) == ["FORBIDDEN"]
        assert body["errors"][0]["extensions"]["field"] == field.name
        entries = new_entries(store, before)
        if field.kind == "mutation":
            assert [(e.action, e.outcome, e.actor_key_id) for e in entries] == [
                (field.name, AuditOutcome.FORBIDDEN, world.key_ids[f"tests {caller}"])
            ]
        else:
            assert entries == []
    assert unchanged(store) == unchanged(before)
    assert exact_gateway.calls[calls:] == []
    assert (connector.state, connector.configured, connector.codes) == (
        FakeExactConnector().state,
        [],
        [],
    )


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer hb_000000000000_" + "A" * 43,
        "Bearer not-a-key",
    ],
    ids=["empty", "no token", "blank token", "basic", "unknown key", "malformed key"],
)
async def test_anything_but_a_valid_key_is_unauthenticated(
    world: World, store: FakeStore, anyone: httpx.AsyncClient, authorization: str
) -> None:
    before = unchanged(store)
    query = operation(RootField("mutation", "createCustomer"), world.ids.get)

    response = await anyone.post(
        "/graphql", json={"query": query}, headers={"Authorization": authorization}
    )

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="hourbill"'
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
    assert unchanged(store) == before


# -- arguments, fragments and several fields ----------------------------------------------------

RECONCILE = "query($refresh: Boolean!) { customerReconciliation(refresh: $refresh) { totalCount } }"


@pytest.mark.parametrize(
    ("caller", "refresh", "allowed"),
    [
        ("viewer", False, True),
        ("biller", False, True),
        ("viewer", True, False),
        ("biller", True, False),
        ("admin", True, True),
    ],
)
async def test_refreshing_the_reconciliation_is_customer_sync_and_needs_an_admin(
    world: World,
    store: FakeStore,
    exact_gateway: FakeExactGateway,
    anyone: httpx.AsyncClient,
    caller: str,
    refresh: bool,
    allowed: bool,
) -> None:
    before, calls = unchanged(store), len(exact_gateway.calls)
    inline = f"{{ customerReconciliation(refresh: {str(refresh).lower()}) {{ totalCount }} }}"
    headers = bearer(world.tokens[caller])

    bodies = [
        (await anyone.post("/graphql", json=payload, headers=headers)).json()
        for payload in (
            {"query": RECONCILE, "variables": {"refresh": refresh}},
            {"query": inline},
        )
    ]

    for body in bodies:
        if allowed:
            assert body["data"]["customerReconciliation"]["totalCount"] >= 0, body
        else:
            assert body["data"] is None
            assert error_codes(body) == ["FORBIDDEN"]
    if not allowed:
        assert unchanged(store) == before
        assert exact_gateway.calls[calls:] == []
    elif refresh:
        assert exact_gateway.calls[calls:], "an admin's refresh asks Exact"


async def test_one_field_beyond_the_role_refuses_the_whole_operation(
    world: World, store: FakeStore, anyone: httpx.AsyncClient
) -> None:
    before = copy.deepcopy(store)
    query = """mutation {
      first: createCustomer(input: {code: "NEW", name: "New B.V."}) { errors { code } }
      ...settings
    }
    fragment settings on Mutation {
      ... on Mutation { saveVatCode(input: {code: "X", description: "x", percentage: "1"}) {
        errors { code } } }
    }"""

    response = await anyone.post(
        "/graphql", json={"query": query}, headers=bearer(world.tokens["biller"])
    )

    body = response.json()
    assert body["data"] is None
    assert error_codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["extensions"]["field"] == "saveVatCode"
    assert unchanged(store) == unchanged(before)
    assert sorted((e.action, e.outcome) for e in new_entries(store, before)) == [
        ("createCustomer", AuditOutcome.FORBIDDEN),
        ("saveVatCode", AuditOutcome.FORBIDDEN),
    ]


async def test_a_viewer_cannot_hide_a_mutation_behind_an_alias_or_variables(
    world: World, store: FakeStore, anyone: httpx.AsyncClient
) -> None:
    before = unchanged(store)
    query = """mutation($input: DeleteOrdersInput!) {
      harmless: deleteOrders(input: $input) { errors { code } }
    }"""
    variables = {"input": {"orderIds": [world.ids["Order"]]}}

    response = await anyone.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers=bearer(world.tokens["viewer"]),
    )

    assert error_codes(response.json()) == ["FORBIDDEN"]
    assert unchanged(store) == before


# -- /documents ---------------------------------------------------------------------------------


def document_requests(ids: dict[str, str]) -> list[tuple[str, str, Json | None]]:
    order = ids["Order"]
    return [
        ("GET", f"/documents/orders/{order}/concept-invoice.pdf", None),
        ("GET", f"/documents/orders/{order}/specification.pdf", None),
        ("GET", f"/documents/orders/concept-invoices.pdf?ids={order}", None),
        ("POST", "/documents/orders/specifications.pdf", {"orderIds": [order]}),
    ]


@pytest.mark.parametrize(
    ("caller", "status"),
    [("no key", 401), ("revoked key", 401), ("viewer", 403), ("biller", 200), ("admin", 200)],
)
async def test_documents_need_a_biller_key(
    world: World, anyone: httpx.AsyncClient, caller: str, status: int
) -> None:
    token = world.tokens.get(caller)
    headers = bearer(token) if token else {}

    for method, path, body in document_requests(world.ids):
        response = await anyone.request(method, path, json=body, headers=headers)
        assert response.status_code == status, (path, response.text)
        if status == 200:
            assert response.headers["content-type"] == "application/pdf"
        else:
            (error,) = response.json()["errors"]
            assert error["code"] == ("UNAUTHENTICATED" if status == 401 else "FORBIDDEN")
            assert "%PDF" not in response.text


@pytest.mark.parametrize(("caller", "status"), [("viewer", 403), ("biller", 404)])
async def test_an_unknown_document_is_404_only_to_whom_may_see_documents(
    world: World, anyone: httpx.AsyncClient, caller: str, status: int
) -> None:
    path = f"/documents/orders/{global_id('Order', uuid.uuid4())}/concept-invoice.pdf"

    response = await anyone.get(path, headers=bearer(world.tokens[caller]))

    assert response.status_code == status


# -- subscriptions over the websocket -----------------------------------------------------------


SUBSCRIBERS = ("viewer", "biller", "admin")


async def subscribers(container: Container, expected: int) -> None:
    """Wait until the broker has `expected` live subscriptions."""
    broker = container.events()
    for _ in range(200):
        if broker.subscriber_count == expected:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{broker.subscriber_count} subscribers, expected {expected}")


async def connected(socket: AsgiWebSocket, token: str) -> None:
    await socket.send_json({"type": "connection_init", "payload": bearer(token)})
    assert (await socket.receive_json())["type"] == "connection_ack"


async def subscribe(socket: AsgiWebSocket, operation_id: str, query: str) -> None:
    payload = {"query": query}
    await socket.send_json({"id": operation_id, "type": "subscribe", "payload": payload})


@pytest.mark.parametrize("caller", SUBSCRIBERS)
@pytest.mark.parametrize("field", root_fields("subscription"), ids=str)
async def test_every_subscription_for_every_role(
    world: World, app: Starlette, container: Container, field: RootField, caller: str
) -> None:
    assert TABLE[field] in MAY[caller]

    async with websocket(app, "/graphql", "graphql-transport-ws") as socket:
        await connected(socket, world.tokens[caller])
        await subscribe(socket, "1", operation(field, world.ids.get))
        await subscribers(container, 1)
        await socket.send_json({"id": "1", "type": "complete"})
        await subscribers(container, 0)


async def test_a_subscriber_receives_events(
    world: World, app: Starlette, container: Container
) -> None:
    async with websocket(app, "/graphql", "graphql-transport-ws") as socket:
        await connected(socket, world.tokens["viewer"])
        await subscribe(socket, "1", "subscription { orderEvents { kind order { id } } }")
        await subscribers(container, 1)
        async with _client(app, world.tokens["biller"]) as client:
            await Api(client).ok(doc.CREATE_ORDER, customerId=world.ids["Customer"])
        message = await socket.receive_json()

    assert message["type"] == "next", message
    assert message["payload"]["data"]["orderEvents"]["kind"] == "CREATED"


@pytest.mark.parametrize("field", root_fields("subscription"), ids=str)
async def test_a_key_revoked_after_connecting_gets_an_error_at_its_next_subscribe(
    world: World, app: Starlette, container: Container, hourbill: Hourbill, field: RootField
) -> None:
    async with websocket(app, "/graphql", "graphql-transport-ws") as socket:
        await connected(socket, world.tokens["admin"])
        await hourbill.revoke_api_key.execute(world.key_ids["tests admin"])
        await subscribe(socket, "1", operation(field, world.ids.get))
        refused = await socket.receive_json()
        done = await socket.receive_json()
        assert container.events().subscriber_count == 0

    assert refused["type"] == "next"
    assert refused["payload"]["data"] is None
    assert error_codes(refused["payload"]) == ["UNAUTHENTICATED"]
    assert done == {"id": "1", "type": "complete"}
