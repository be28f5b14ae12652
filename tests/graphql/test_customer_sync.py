"""customerReconciliation and the customer sync mutations, through HTTP, on the fake Exact."""

from __future__ import annotations

import uuid

import pytest
from dependency_injector import providers

from application.exact import AccountFields
from hourbill.container import Container
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from tests.fakes import FakeStore
from tests.graphql.api import Api, Json, codes

ACCOUNT = "accountId code name vatNumber email addressLine postcode city country chamberOfCommerce"
CUSTOMER = "id code name email chamberOfCommerce exactAccountId"

RECONCILIATION = f"""
query($status: [ReconciliationStatus!], $first: Int, $after: String) {{
  customerReconciliation(status: $status, first: $first, after: $after) {{
    totalCount division refreshedAt
    counts {{ status count }}
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{
      status
      customer {{ {CUSTOMER} }}
      account {{ {ACCOUNT} }}
      differences {{ field local exact }}
      candidates {{ matchedBy account {{ code }} }}
    }} }}
  }}
}}
"""

REFRESH = """
mutation($input: RefreshExactAccountsInput!) {
  refreshExactAccounts(input: $input) {
    fetched removed calls refreshedAt errors { field code message }
  }
}
"""

LINK = f"""
mutation($input: LinkCustomersInput!) {{
  linkCustomers(input: $input) {{
    linked {{ matchedBy customer {{ {CUSTOMER} }} account {{ code }} }}
    ambiguous {{ matchedBy value customers {{ code }} accounts {{ code }} }}
    errors {{ field code message }}
  }}
}}
"""

FROM_EXACT = f"""
mutation($input: CustomerIdsInput!) {{
  updateCustomersFromExact(input: $input) {{
    customers {{ {CUSTOMER} }} errors {{ field code message }}
  }}
}}
"""

TO_EXACT = f"""
mutation($input: CustomerIdsInput!) {{
  updateExactFromCustomers(input: $input) {{
    updated {{ {CUSTOMER} }}
    failed {{ customer {{ code }} error {{ code message }} }}
    errors {{ field code message }}
  }}
}}
"""

IMPORT = f"""
mutation($input: ImportExactAccountsInput!) {{
  importExactAccounts(input: $input) {{
    customers {{ {CUSTOMER} }}
    skipped {{ account {{ code }} errors {{ code message }} }}
    errors {{ field code message }}
  }}
}}
"""

CREATE_CUSTOMER = f"""
mutation($input: CreateCustomerInput!) {{
  createCustomer(input: $input) {{ customer {{ {CUSTOMER} }} errors {{ field code }} }}
}}
"""

UPDATE_CUSTOMER = f"""
mutation($input: UpdateCustomerInput!) {{
  updateCustomer(input: $input) {{ customer {{ {CUSTOMER} }} errors {{ field code }} }}
}}
"""


@pytest.fixture(autouse=True)
def exact_in_memory(
    container: Container, exact_gateway: FakeExactGateway, store: FakeStore
) -> None:
    """The fake Exact behind the API, and the demo division chosen."""
    container.exact_gateway.override(providers.Object(exact_gateway))
    store.settings.exact_division = DEMO_DIVISION


async def _account_id(exact: FakeExactGateway, code: str) -> str:
    (account,) = await exact.find_accounts(DEMO_DIVISION, code=code)
    return str(account.account_id)


def _nodes(data: Json) -> list[Json]:
    return [edge["node"] for edge in data["customerReconciliation"]["edges"]]


def _label(node: Json) -> str:
    return node["customer"]["code"] if node["customer"] else f"account {node['account']['code']}"


async def test_import_all_then_reconciliation_shows_what_differs(
    api: Api, exact_gateway: FakeExactGateway
) -> None:
    imported = await api.ok(IMPORT, all=True)
    acme = next(c for c in imported["customers"] if c["code"] == "ACME")
    await api.ok(UPDATE_CUSTOMER, id=acme["id"], email="boekhouding@acme.example")
    await api.ok(CREATE_CUSTOMER, code="NEW", name="Van Dijk", vatNumber="NL811122233B01")

    data = await api.data(RECONCILIATION, status=["LINKED_DIFFERENT", "NOT_LINKED"])

    reconciliation = data["customerReconciliation"]
    assert reconciliation["division"] == DEMO_DIVISION
    assert reconciliation["totalCount"] == 2
    assert {c["status"]: c["count"] for c in reconciliation["counts"]} == {
        "LINKED_EQUAL": 4,
        "LINKED_DIFFERENT": 1,
        "NOT_LINKED": 1,
        "MISSING_IN_EXACT": 0,
        "ONLY_IN_EXACT": 0,
    }
    different, not_linked = _nodes(data)
    assert different["status"] == "LINKED_DIFFERENT"
    assert different["customer"]["exactAccountId"] == await _account_id(exact_gateway, "ACME")
    assert different["account"]["name"] == "Acme Bouw B.V."
    assert different["differences"] == [
        {"field": "email", "local": "boekhouding@acme.example", "exact": None}
    ]
    assert not_linked["customer"]["code"] == "NEW"
    assert not_linked["candidates"] == []  # 1005 is linked to its imported customer now


async def test_reconciliation_pages_through_customers_then_unlinked_accounts(api: Api) -> None:
    await api.ok(CREATE_CUSTOMER, code="ACME", name="Acme")

    first = await api.data(RECONCILIATION, first=3)
    after = first["customerReconciliation"]["pageInfo"]["endCursor"]
    second = await api.data(RECONCILIATION, first=3, after=after)

    assert [_label(n) for n in _nodes(first)] == ["ACME", "account 1004", "account 1005"]
    assert [_label(n) for n in _nodes(second)] == ["account 1006", "account ACME", "account DELTA"]
    assert _nodes(first)[0]["candidates"] == [{"matchedBy": "CODE", "account": {"code": "ACME"}}]
    assert first["customerReconciliation"]["pageInfo"]["hasNextPage"] is True
    assert second["customerReconciliation"]["pageInfo"]["hasNextPage"] is False


async def test_reconciliation_without_a_division_is_a_client_error(
    api: Api, store: FakeStore
) -> None:
    store.settings.exact_division = None

    body = await api.execute(RECONCILIATION)

    assert body["errors"][0]["extensions"]["code"] == "NOT_CONFIGURED"


async def test_refresh_exact_accounts_reports_what_it_read(
    api: Api, exact_gateway: FakeExactGateway
) -> None:
    first = await api.ok(REFRESH)
    again = await api.ok(REFRESH, full=False)

    assert (first["fetched"], first["removed"], first["calls"]) == (5, 0, 1)
    assert (again["fetched"], again["calls"]) == (0, 1)
    assert first["refreshedAt"] is not None


async def test_refresh_without_a_division_changes_nothing(api: Api, store: FakeStore) -> None:
    store.settings.exact_division = None

    errors = await api.errors(REFRESH)

    assert codes(errors) == {(None, "NOT_CONFIGURED")}


async def test_link_customers_automatically_and_explicitly(
    api: Api, exact_gateway: FakeExactGateway
) -> None:
    acme = (await api.ok(CREATE_CUSTOMER, code="ACME", name="Acme"))["customer"]
    other = (await api.ok(CREATE_CUSTOMER, code="OTHER", name="Other"))["customer"]

    auto = await api.ok(LINK, auto=["CODE", "VAT_NUMBER"])
    explicit = await api.ok(
        LINK,
        links=[{"customerId": other["id"], "accountId": await _account_id(exact_gateway, "1004")}],
    )

    assert [
        (x["customer"]["code"], x["account"]["code"], x["matchedBy"]) for x in auto["linked"]
    ] == [("ACME", "ACME", "CODE")]
    assert auto["linked"][0]["customer"]["exactAccountId"] == await _account_id(
        exact_gateway, "ACME"
    )
    assert [(x["customer"]["code"], x["matchedBy"]) for x in explicit["linked"]] == [
        ("OTHER", None)
    ]
    taken = await api.errors(
        LINK,
        links=[{"customerId": acme["id"], "accountId": await _account_id(exact_gateway, "1004")}],
    )
    assert codes(taken) == {("links", "IN_USE")}


async def test_link_customers_refuses_ids_that_are_none(api: Api) -> None:
    errors = await api.errors(LINK, links=[{"customerId": "nope", "accountId": "no-guid"}])

    assert codes(errors) == {("links", "INVALID")}
    assert len(errors) == 2


async def test_update_both_ways(api: Api, exact_gateway: FakeExactGateway) -> None:
    (delta,) = (await api.ok(IMPORT, accountIds=[await _account_id(exact_gateway, "DELTA")]))[
        "customers"
    ]
    await api.ok(UPDATE_CUSTOMER, id=delta["id"], email="nieuw@delta.example")

    to_exact = await api.ok(TO_EXACT, customerIds=[delta["id"]])
    account = await exact_gateway.account(DEMO_DIVISION, uuid.UUID(delta["exactAccountId"]))
    await exact_gateway.update_account(
        DEMO_DIVISION,
        uuid.UUID(delta["exactAccountId"]),
        AccountFields(name="Delta Logistiek", email="exact@delta.example"),
    )
    from_exact = await api.ok(FROM_EXACT, customerIds=[delta["id"]])

    assert [c["code"] for c in to_exact["updated"]] == ["DELTA"]
    assert to_exact["failed"] == []
    assert account is not None
    assert account.fields.email == "nieuw@delta.example"
    assert [(c["name"], c["email"]) for c in from_exact["customers"]] == [
        ("Delta Logistiek", "exact@delta.example")
    ]


async def test_updating_unlinked_customers_is_refused(api: Api) -> None:
    customer = (await api.ok(CREATE_CUSTOMER, code="FREE", name="Free"))["customer"]

    for document in (FROM_EXACT, TO_EXACT):
        errors = await api.errors(document, customerIds=[customer["id"]])
        assert codes(errors) == {("customerIds", "INVALID_STATE")}


async def test_import_reports_skipped_accounts_and_bad_ids(
    api: Api, exact_gateway: FakeExactGateway
) -> None:
    await api.ok(CREATE_CUSTOMER, code="1004", name="Al hier")

    imported = await api.ok(IMPORT, all=True)
    bad = await api.errors(IMPORT, accountIds=["not-a-guid"])
    unknown = await api.errors(IMPORT, accountIds=[str(uuid.uuid4())])
    neither = await api.errors(IMPORT)

    assert sorted(c["code"] for c in imported["customers"]) == ["1005", "1006", "ACME", "DELTA"]
    assert [(s["account"]["code"], s["errors"][0]["code"]) for s in imported["skipped"]] == [
        ("1004", "DUPLICATE")
    ]
    assert codes(bad) == {("accountIds", "INVALID")}
    assert codes(unknown) == {("accountIds", "NOT_FOUND")}
    assert codes(neither) == {("accountIds", "INVALID")}


async def test_customers_carry_chamber_of_commerce_and_their_exact_link(api: Api) -> None:
    created = await api.ok(
        CREATE_CUSTOMER, code="KVK", name="Kvk B.V.", chamberOfCommerce="30123456"
    )
    customer = created["customer"]
    updated = await api.ok(UPDATE_CUSTOMER, id=customer["id"], clear=["chamberOfCommerce"])

    assert (customer["chamberOfCommerce"], customer["exactAccountId"]) == ("30123456", None)
    assert updated["customer"]["chamberOfCommerce"] is None
