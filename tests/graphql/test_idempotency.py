"""idempotencyKey on the six mutations that create things, over HTTP as a partner would retry."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from application.service import Hourbill
from domain.access import Role
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from tests.fakes import FakeStore
from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api, Json, codes
from tests.graphql.test_invoices import CREATE as CREATE_INVOICES
from tests.graphql.test_invoices import draft_order
from tests.support.keys import bearer, make_key
from tests.unit.helpers import snapshot

PERIOD = {"periodStart": "2026-11-01", "periodEnd": "2026-11-30"}
AUDIT = ("audit_log", "api_keys", "commits")
"""What every call changes: the audit log, the key's last use, the commit count."""

Inputs = tuple[Json, Json]
"""The input of a first call, and another input (for reusing its key)."""


@asynccontextmanager
async def another_key(app: Starlette, hourbill: Hourbill) -> AsyncIterator[Api]:
    """The API as a partner integration with a biller key of its own sees it."""
    token = await make_key(hourbill, Role.BILLER, "partner")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hourbill.test", headers=bearer(token)
    ) as client:
        yield Api(client)


@dataclass(frozen=True)
class Case:
    document: str
    inputs: Callable[[Api], Awaitable[Inputs]]
    ids: Callable[[Json], list[str]]


async def _customer(api: Api) -> Inputs:
    return {"code": "NEW", "name": "Nieuw B.V."}, {"code": "NEW", "name": "Ander B.V."}


async def _booking(api: Api) -> Inputs:
    base = {
        "employeeId": await seed.employee(api),
        "customerId": await seed.customer(api),
        "date": "2026-11-02",
    }
    return base | {"hours": "7.5"}, base | {"hours": "8"}


async def _supply(api: Api) -> Inputs:
    base = {
        "customerId": await seed.customer(api),
        "date": "2026-11-03",
        "itemCode": "CABLE",
        "quantity": "3",
        "vatCode": "21",
    }
    return base | {"unitPrice": "12.50"}, base | {"unitPrice": "12.75"}


async def _order(api: Api) -> Inputs:
    customer = {"customerId": await seed.customer(api)}
    return customer | {"description": "April"}, customer | {"description": "Mei"}


async def _generation(api: Api) -> Inputs:
    await seed.office(api)
    return PERIOD, PERIOD | {"grouping": "PER_PROJECT"}


async def _invoices(api: Api) -> Inputs:
    customer = await seed.customer(api)
    first, second = await draft_order(api, customer), await draft_order(api, customer)
    return {"orderIds": [first]}, {"orderIds": [first, second]}


CASES = {
    "createCustomer": Case(doc.CREATE_CUSTOMER, _customer, lambda p: [p["customer"]["id"]]),
    "recordBooking": Case(doc.RECORD_BOOKING, _booking, lambda p: [p["booking"]["id"]]),
    "recordSupply": Case(doc.RECORD_SUPPLY, _supply, lambda p: [p["supply"]["id"]]),
    "createOrder": Case(doc.CREATE_ORDER, _order, lambda p: [p["order"]["id"]]),
    "generateOrders": Case(doc.GENERATE, _generation, lambda p: [o["id"] for o in p["orders"]]),
    "createInvoices": Case(
        CREATE_INVOICES,
        _invoices,
        lambda p: [p["run"]["id"], *(i["id"] for i in p["invoices"])],
    ),
}


@pytest.fixture(autouse=True)
def administration(store: FakeStore) -> None:
    """Exact is set up, so createInvoices can queue."""
    settings = store.settings
    settings.exact_division = DEMO_DIVISION
    settings.exact_journal = "70"
    settings.exact_default_item = "UREN"
    settings.exact_default_vat_code = "2"


def data(store: FakeStore) -> dict[str, Any]:
    """Everything a mutation could have created."""
    return {name: value for name, value in snapshot(store).items() if name not in AUDIT}


def without_replayed(payload: Json) -> Json:
    return {name: value for name, value in payload.items() if name != "replayed"}


@pytest.mark.parametrize("mutation", CASES)
async def test_a_retry_answers_like_the_first_call_and_creates_nothing(
    api: Api, store: FakeStore, exact_gateway: FakeExactGateway, mutation: str
) -> None:
    case = CASES[mutation]
    first_input, _ = await case.inputs(api)
    first = await api.ok(case.document, **first_input, idempotencyKey="retry-1")
    before, exact_calls = data(store), len(exact_gateway.calls)

    again = await api.ok(case.document, **first_input, idempotencyKey="retry-1")

    assert case.ids(again) == case.ids(first)
    assert without_replayed(again) == without_replayed(first)
    assert data(store) == before, "no new rows, no new outbox items"
    assert len(exact_gateway.calls) == exact_calls, "no calls to Exact"


@pytest.mark.parametrize("mutation", CASES)
async def test_the_key_with_another_input_is_reused_and_changes_nothing(
    api: Api, store: FakeStore, mutation: str
) -> None:
    case = CASES[mutation]
    first_input, other_input = await case.inputs(api)
    await api.ok(case.document, **first_input, idempotencyKey="retry-1")
    before = data(store)

    errors = await api.errors(case.document, **other_input, idempotencyKey="retry-1")

    assert codes(errors) == {("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")}
    assert data(store) == before


@pytest.mark.parametrize("mutation", CASES)
async def test_a_malformed_key_is_invalid_and_nothing_is_created(
    api: Api, store: FakeStore, mutation: str
) -> None:
    case = CASES[mutation]
    first_input, _ = await case.inputs(api)
    before = data(store)
    for key in ("", "x" * 256, "sleutel-é", "two\nlines"):
        errors = await api.errors(case.document, **first_input, idempotencyKey=key)
        assert codes(errors) == {("idempotencyKey", "INVALID")}
    assert data(store) == before


async def test_the_key_of_another_mutation_is_reused(api: Api) -> None:
    await api.ok(doc.CREATE_CUSTOMER, code="NEW", name="Nieuw", idempotencyKey="k")
    errors = await api.errors(
        doc.CREATE_ORDER, customerId=await seed.customer(api), idempotencyKey="k"
    )
    assert codes(errors) == {("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")}


async def test_without_a_key_a_retry_creates_again(api: Api, store: FakeStore) -> None:
    customer = await seed.customer(api)
    first = await api.ok(doc.CREATE_ORDER, customerId=customer)
    second = await api.ok(doc.CREATE_ORDER, customerId=customer)
    assert first["order"]["id"] != second["order"]["id"]
    assert store.idempotency == {}


async def test_a_key_is_answered_only_for_the_api_key_that_sent_it(
    api: Api, app: Starlette, hourbill: Hourbill, store: FakeStore
) -> None:
    customer = await seed.customer(api)
    mine = await api.ok(doc.CREATE_ORDER, customerId=customer, idempotencyKey="order-1")
    async with another_key(app, hourbill) as partner:
        theirs = await partner.ok(doc.CREATE_ORDER, customerId=customer, idempotencyKey="order-1")
        again = await partner.ok(doc.CREATE_ORDER, customerId=customer, idempotencyKey="order-1")
    assert theirs["order"]["id"] != mine["order"]["id"]
    assert again["order"]["id"] == theirs["order"]["id"]
    assert len(store.orders) == 2


async def test_when_what_the_key_created_was_deleted_the_retry_says_so(
    api: Api, store: FakeStore
) -> None:
    created = await api.ok(doc.CREATE_CUSTOMER, code="NEW", name="Nieuw", idempotencyKey="k")
    await api.ok(doc.DELETE_CUSTOMER, id=created["customer"]["id"])
    errors = await api.errors(doc.CREATE_CUSTOMER, code="NEW", name="Nieuw", idempotencyKey="k")
    assert codes(errors) == {("idempotencyKey", "NOT_FOUND")}
    assert store.customers == {}
