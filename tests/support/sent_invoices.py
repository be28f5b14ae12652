"""Invoices that were pushed to Exact: a sales invoice in an Exact model and its SENT twin.

The Exact side is made straight in the sandbox's `Administration` (as a push
would have left it), so tests of the number sync count only their own calls.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from domain.invoices import Amounts, Invoice
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.administration import Administration
from infrastructure.exact.sandbox.seed import DEMO_DIVISION

SENT_AT = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def _id_of(administration: Administration, division: int, entity_set: Any, code: str) -> str:
    [key] = [
        row[entity_set.key]
        for row in administration.rows(division, entity_set)
        if str(row["Code"]).strip() == code
    ]
    return str(key)


def _customer(administration: Administration, division: int) -> str:
    accounts = sorted(administration.rows(division, schema.ACCOUNTS), key=lambda a: a["Code"])
    for account in accounts:
        if str(account["Code"]).strip() == "ACME":
            return str(account["ID"])
    if accounts:
        return str(accounts[0]["ID"])
    created = administration.create(division, schema.ACCOUNTS, {"Name": "Test B.V.", "Status": "C"})
    return str(created["ID"])


def exact_invoice(
    administration: Administration,
    *,
    division: int = DEMO_DIVISION,
    quantity: str = "8",
    price: str = "95.00",
    reference: str = "HB-TEST",
) -> dict[str, Any]:
    """A sales invoice in Exact (ACME, or the division's first customer): open, no number."""
    ordered_by = _customer(administration, division)
    item = _id_of(administration, division, schema.ITEMS, "UREN")
    return dict(
        administration.create(
            division,
            schema.INVOICES,
            {
                "OrderedBy": ordered_by,
                "Journal": "70",
                "YourRef": reference,
                "SalesInvoiceLines": [
                    {"Item": item, "Quantity": Decimal(quantity), "NetPrice": Decimal(price)}
                ],
            },
        )
    )


def sent_invoice(
    row: dict[str, Any],
    *,
    order_number: int,
    customer_id: uuid.UUID | None = None,
    division: int = DEMO_DIVISION,
    ours: Amounts | None = None,
    sent_amounts: Amounts | None = None,
) -> Invoice:
    """Hourbill's SENT invoice for the Exact `row`; amounts as Exact had them when sent."""
    exact = Amounts(row["AmountFCExclVat"], row["VATAmountFC"], row["AmountFC"])
    mine = ours or exact
    invoice = Invoice(
        order_id=None,
        customer_id=customer_id or uuid.uuid4(),
        order_number=order_number,
        invoice_date=SENT_AT.date(),
        subtotal=mine.subtotal,
        vat_total=mine.vat,
        total=mine.total,
        created_at=SENT_AT,
    )
    invoice.attempt(SENT_AT)
    invoice.sent(
        division=division,
        journal="70",
        exact_invoice_id=row["InvoiceID"],
        exact_order_number=row["OrderNumber"],
        exact_amounts=sent_amounts or exact,
        now=SENT_AT,
    )
    return invoice
