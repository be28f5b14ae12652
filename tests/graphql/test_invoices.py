"""createInvoices, the outbox worker, the invoices tab, retryInvoices, deleteInvoice over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from application.exact import ExactValidationError
from hourbill.container import Container
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from tests.fakes import FakeStore
from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api, codes
from tests.graphql.ids import unknown_id

INVOICE = (
    "id reference state number orderNumber exactOrderNumber exactInvoiceNumber invoiceDate"
    " subtotal vatTotal total exactSubtotal exactVatTotal exactTotal amountMismatch attempts"
    " pending sentAt error { code message } customer { code }"
    " order { id status } lines { description amount } history { state message }"
)
RUN = "id idempotencyKey progress { total done failed remaining }"
REJECTED = "rejectedOrders { orderId order { number } errors { field code message } }"
CREATE = doc.mutation(
    "createInvoices",
    "CreateInvoicesInput",
    f"run {{ {RUN} }} invoices {{ {INVOICE} }} {REJECTED} replayed",
)
RETRY = doc.mutation("retryInvoices", "RetryInvoicesInput", "invoices { id state error { code } }")
DELETE = doc.mutation(
    "deleteInvoice", "DeleteInvoiceInput", "invoice { id state number orderNumber order { id } }"
)
INVOICES = f"""query($filter: InvoiceFilterInput, $first: Int) {{
  invoices(filter: $filter, first: $first) {{ totalCount edges {{ node {{ {INVOICE} }} }} }}
}}"""
RUN_QUERY = f"query($id: ID!) {{ invoiceRun(id: $id) {{ {RUN} invoices {{ id }} }} }}"
ORDER_INVOICE = "query($id: ID!) { node(id: $id) { ... on Order { status invoice { id state } } } }"
NODE = "query($id: ID!) { node(id: $id) { __typename ... on Invoice { reference state } } }"


@pytest.fixture(autouse=True)
def administration(store: FakeStore) -> None:
    settings = store.settings
    settings.exact_division = DEMO_DIVISION
    settings.exact_journal = "70"
    settings.exact_default_item = "UREN"
    settings.exact_default_vat_code = "2"


async def draft_order(api: Api, customer_id: str, vat_code: str = "21") -> str:
    order = await api.ok(doc.CREATE_ORDER, customerId=customer_id, description="April")
    order_id = str(order["order"]["id"])
    await api.ok(
        doc.ADD_ORDER_LINE,
        orderId=order_id,
        description="Advice",
        quantity="10",
        unitPrice="95",
        vatCode=vat_code,
    )
    return order_id


async def push_all(container: Container) -> int:
    return await container.outbox_worker().drain()


async def invoices(api: Api, **filter: Any) -> list[dict[str, Any]]:
    data = await api.data(INVOICES, filter=filter or None)
    return [edge["node"] for edge in data["invoices"]["edges"]]


async def test_create_invoices_queues_then_the_worker_sends(
    api: Api, container: Container, exact_gateway: FakeExactGateway
) -> None:
    order_id = await draft_order(api, await seed.customer(api))
    payload = await api.ok(CREATE, orderIds=[order_id], idempotencyKey="first")
    (queued,) = payload["invoices"]
    assert queued["state"] == "QUEUED"
    assert queued["pending"] is True
    assert (queued["subtotal"], queued["vatTotal"], queued["total"]) == (
        "950.00",
        "199.50",
        "1149.50",
    )
    assert queued["number"] is None
    assert queued["order"] == {"id": order_id, "status": "INVOICED"}
    assert payload["run"]["progress"] == {"total": 1, "done": 0, "failed": 0, "remaining": 1}
    assert payload["rejectedOrders"] == []
    assert exact_gateway.count("create_sales_invoice") == 0

    assert await push_all(container) == 1
    (sent,) = await invoices(api, states=["SENT"])
    assert sent["id"] == queued["id"]
    assert sent["number"] == sent["exactOrderNumber"] is not None
    assert sent["exactTotal"] == "1149.50"
    assert sent["amountMismatch"] is False
    assert sent["pending"] is False
    assert sent["attempts"] == 1
    assert sent["error"] is None
    assert sent["lines"] == [{"description": "Advice", "amount": "950.00"}]
    assert [h["state"] for h in sent["history"]] == ["QUEUED", "SENT"]
    run = (await api.data(RUN_QUERY, id=payload["run"]["id"]))["invoiceRun"]
    assert run["progress"] == {"total": 1, "done": 1, "failed": 0, "remaining": 0}
    assert run["invoices"] == [{"id": sent["id"]}]
    node = (await api.data(NODE, id=sent["id"]))["node"]
    assert node == {"__typename": "Invoice", "reference": sent["reference"], "state": "SENT"}
    order = (await api.data(ORDER_INVOICE, id=order_id))["node"]
    assert order == {"status": "INVOICED", "invoice": {"id": sent["id"], "state": "SENT"}}
    assert (await invoices(api, number=sent["number"]))[0]["id"] == sent["id"]


async def test_the_same_key_answers_with_the_first_run(api: Api) -> None:
    order_id = await draft_order(api, await seed.customer(api))
    first = await api.ok(CREATE, orderIds=[order_id], idempotencyKey="k-1")
    again = await api.ok(CREATE, orderIds=[order_id], idempotencyKey="k-1")
    assert again["replayed"] is True
    assert again["run"]["id"] == first["run"]["id"]
    assert [i["id"] for i in again["invoices"]] == [i["id"] for i in first["invoices"]]
    assert len(await invoices(api)) == 1
    errors = await api.errors(CREATE, orderIds=[unknown_id("Order")], idempotencyKey="k-1")
    assert codes(errors) == {("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")}


async def test_orders_failing_preflight_are_reported_per_order(api: Api) -> None:
    customer_id = await seed.customer(api)
    good = await draft_order(api, customer_id)
    nine = await draft_order(api, customer_id, vat_code="9")
    missing = unknown_id("Order")
    payload = await api.ok(CREATE, orderIds=[good, nine, missing], idempotencyKey="mixed")
    assert len(payload["invoices"]) == 1
    rejected = {r["orderId"]: r for r in payload["rejectedOrders"]}
    assert set(rejected) == {nine, missing}
    assert codes(rejected[nine]["errors"]) == {("orderIds", "VAT_MISMATCH")}
    assert rejected[nine]["order"]["number"] == 2
    assert codes(rejected[missing]["errors"]) == {("orderIds", "NOT_FOUND")}
    assert rejected[missing]["order"] is None


async def test_when_no_order_passes_nothing_changes(api: Api) -> None:
    nine = await draft_order(api, await seed.customer(api), vat_code="9")
    payload = await api.mutate(CREATE, orderIds=[nine], idempotencyKey="none")
    assert codes(payload["errors"]) == {("orderIds", "VAT_MISMATCH")}
    assert payload["run"] is None
    assert [r["orderId"] for r in payload["rejectedOrders"]] == [nine]
    assert await invoices(api) == []


async def test_create_invoices_input_errors(api: Api, store: FakeStore) -> None:
    order_id = await draft_order(api, await seed.customer(api))
    assert codes(await api.errors(CREATE, orderIds=["nope"], idempotencyKey="x")) == {
        ("orderIds", "INVALID")
    }
    assert codes(await api.errors(CREATE, orderIds=[order_id], idempotencyKey=" ")) == {
        ("idempotencyKey", "INVALID")
    }
    store.settings.exact_journal = None
    assert codes(await api.errors(CREATE, orderIds=[order_id], idempotencyKey="x")) == {
        (None, "NOT_CONFIGURED")
    }


async def test_retry_after_exact_refused(
    api: Api, container: Container, exact_gateway: FakeExactGateway
) -> None:
    order_id = await draft_order(api, await seed.customer(api))
    await api.ok(CREATE, orderIds=[order_id], idempotencyKey="r")
    exact_gateway.fail_next("create_sales_invoice", ExactValidationError("Journal blocked"))
    await push_all(container)
    (failed,) = await invoices(api, states=["FAILED"])
    assert failed["error"] == {"code": "EXACT_REJECTED", "message": "Journal blocked"}

    retried = await api.ok(RETRY, ids=[failed["id"]])
    assert retried["invoices"] == [{"id": failed["id"], "state": "QUEUED", "error": None}]
    await push_all(container)
    (sent,) = await invoices(api)
    assert sent["state"] == "SENT"
    assert [h["state"] for h in sent["history"]] == ["QUEUED", "FAILED", "QUEUED", "SENT"]
    assert codes(await api.errors(RETRY, ids=[sent["id"]])) == {("ids", "INVALID_STATE")}
    assert codes(await api.errors(RETRY, ids=[unknown_id("Invoice")])) == {("ids", "NOT_FOUND")}


UNBILLED = "query { bookings(billed: false) { totalCount } }"


@pytest.mark.parametrize("release", [False, True])
async def test_delete_invoice(
    api: Api, container: Container, exact_gateway: FakeExactGateway, release: bool
) -> None:
    office = await seed.office(api, code="ACME")
    (order,) = await seed.generate(api)
    await api.ok(CREATE, orderIds=[order["id"]], idempotencyKey="d")
    await push_all(container)
    (sent,) = await invoices(api)

    payload = await api.ok(DELETE, id=sent["id"], releaseSources=release)
    deleted = payload["invoice"]
    assert deleted["state"] == "DELETED"
    assert (deleted["number"], deleted["orderNumber"]) == (sent["number"], sent["orderNumber"])
    assert await invoices(api) == []
    assert len(await invoices(api, states=["DELETED"])) == 1
    unbilled = (await api.data(UNBILLED))["bookings"]["totalCount"]
    if release:
        assert deleted["order"] is None
        assert unbilled == len(office.bookings)
    else:
        assert deleted["order"] == {"id": order["id"]}
        assert unbilled == 0
    assert exact_gateway.count("create_sales_invoice") == 1
    assert codes(await api.errors(DELETE, id=sent["id"])) == {("id", "INVALID_STATE")}
