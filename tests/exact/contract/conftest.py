"""One `gateway` per backend, and `exact`: Exact's side of a scenario.

Every contract test runs twice: against `FakeExactGateway` on a fresh demo
administration ("fake"), and against `ExactOnlineGateway` talking HTTP over
loopback to the sandbox server, reset to the demo administration ("sandbox").
Both sides sit on the same `Administration` model; what a test sees through the
port must not depend on which one it got.

`exact` is what a scenario needs outside the port: the demo's IDs, the raw rows
as Exact stores them, and what a user does in Exact's web UI (processing an
invoice). It is the same object for both backends, over their `Administration`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest

from application.exact import SalesInvoiceDraft, SalesInvoiceLineDraft
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.administration import Administration
from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.exact.sandbox.server import RunningSandbox
from infrastructure.exact.tokens import StaticAccessTokens

DIVISION = DEMO_DIVISION
INVOICE_DATE = dt.date(2026, 3, 31)

Gateway = FakeExactGateway | ExactOnlineGateway


class Exact:
    """The demo administration behind a gateway, seen from inside Exact."""

    def __init__(
        self,
        backend: str,
        administration: Callable[[], Administration],
        lock: contextlib.AbstractContextManager[Any],
        process: Callable[[int, uuid.UUID], object],
        connect: Callable[[], Gateway],
    ) -> None:
        self.backend = backend
        self._administration = administration
        self._lock = lock
        self._process = process
        self._connect = connect

    def connect(self) -> Gateway:
        return self._connect()

    # --- what a user does in Exact ------------------------------------------------

    def process_invoice(self, invoice_id: uuid.UUID, division: int = DIVISION) -> None:
        """Print (process) the invoice in Exact's web UI."""
        self._process(division, invoice_id)

    def enter_accounts(self, count: int, *, name: str) -> None:
        """A user types in `count` customers (codes numbered on), without the API's limits."""
        with self._lock:
            administration = self._administration()
            for _ in range(count):
                administration.create(DIVISION, schema.ACCOUNTS, {"Name": name, "Status": "C"})

    def create(
        self, entity_set: schema.EntitySet, body: dict[str, Any], division: int = DIVISION
    ) -> dict[str, Any]:
        """A row made in Exact without the port (what a call whose answer was lost left)."""
        with self._lock:
            return dict(self._administration().create(division, entity_set, body))

    # --- raw rows, in Exact's vocabulary ---------------------------------------------

    def rows(self, entity_set: schema.EntitySet, division: int = DIVISION) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(row) for row in self._administration().rows(division, entity_set)]

    def row(
        self, entity_set: schema.EntitySet, key: Any, division: int = DIVISION
    ) -> dict[str, Any]:
        with self._lock:
            return dict(self._administration().get(division, entity_set, key))

    def invoices(self, division: int = DIVISION) -> list[dict[str, Any]]:
        return self.rows(schema.INVOICES, division)

    def invoice_lines(self, division: int = DIVISION) -> list[dict[str, Any]]:
        return self.rows(schema.INVOICE_LINES, division)

    # --- the demo's IDs ------------------------------------------------------------------

    def id_of(self, entity_set: schema.EntitySet, code: str, division: int = DIVISION) -> uuid.UUID:
        [key] = [
            row[entity_set.key]
            for row in self.rows(entity_set, division)
            if str(row["Code"]).strip() == code
        ]
        assert isinstance(key, uuid.UUID)
        return key

    def account_id(self, code: str, division: int = DIVISION) -> uuid.UUID:
        return self.id_of(schema.ACCOUNTS, code, division)

    def item_id(self, code: str, division: int = DIVISION) -> uuid.UUID:
        return self.id_of(schema.ITEMS, code, division)

    def gl_account_id(self, code: str, division: int = DIVISION) -> uuid.UUID:
        return self.id_of(schema.GL_ACCOUNTS, code, division)

    # --- drafts ------------------------------------------------------------------------------

    def line(
        self,
        item: str,
        quantity: str,
        net_price: str,
        *,
        description: str | None = None,
        vat_code: str | None = None,
    ) -> SalesInvoiceLineDraft:
        return SalesInvoiceLineDraft(
            item_id=self.item_id(item),
            description=description if description is not None else f"{item} work",
            quantity=Decimal(quantity),
            net_price=Decimal(net_price),
            vat_code=vat_code,
        )

    def draft(
        self,
        your_ref: str,
        lines: Sequence[SalesInvoiceLineDraft] | None = None,
        *,
        customer: str = "ACME",
        journal: str = "70",
        order_number: int | None = None,
    ) -> SalesInvoiceDraft:
        return SalesInvoiceDraft(
            ordered_by=self.account_id(customer),
            journal=journal,
            your_ref=your_ref,
            invoice_date=INVOICE_DATE,
            lines=list(lines) if lines is not None else [self.line("UREN", "8", "95.00")],
            description=f"Invoice {your_ref}",
            order_number=order_number,
        )


def _fake_exact() -> Exact:
    fake = FakeExactGateway()
    return Exact(
        "fake",
        lambda: fake.administration,
        contextlib.nullcontext(),
        fake.process_invoice,
        lambda: fake,
    )


def _sandbox_exact(running: RunningSandbox) -> Exact:
    sandbox = running.sandbox

    def connect() -> Gateway:
        tokens = StaticAccessTokens(running.access_token())
        return ExactOnlineGateway(ExactHttp(tokens, base_url=running.url))

    return Exact(
        "sandbox",
        lambda: sandbox.administration,
        sandbox.lock,
        sandbox.process_invoice,
        connect,
    )


@pytest.fixture(params=["fake", "sandbox"])
def exact(request: pytest.FixtureRequest) -> Exact:
    if request.param == "fake":
        return _fake_exact()
    return _sandbox_exact(request.getfixturevalue("exact_sandbox"))


@pytest.fixture
async def gateway(exact: Exact) -> AsyncIterator[Gateway]:
    gateway = exact.connect()
    try:
        yield gateway
    finally:
        await gateway.aclose()
