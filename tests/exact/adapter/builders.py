"""Exact's wire format in miniature: rows, envelopes and error bodies for respx."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx

from infrastructure.exact import codec

BASE = "https://exact.test"
DIVISION = 123456
ROOT = f"{BASE}/api/v1"
API = f"{ROOT}/{DIVISION}"

Row = dict[str, Any]


def key(n: int) -> uuid.UUID:
    """A readable, stable guid: key(7) is 00000000-0000-0000-0000-000000000007."""
    return uuid.UUID(int=n)


def json_response(payload: Any, status: int = 200, **headers: str) -> httpx.Response:
    """A response whose numbers are written exactly (Decimal as a JSON number)."""
    return httpx.Response(
        status,
        content=codec.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **headers},
    )


def page(rows: list[Row], next_url: str | None = None) -> httpx.Response:
    body: Row = {"results": rows}
    if next_url is not None:
        body["__next"] = next_url
    return json_response({"d": body})


def one(row: Row, status: int = 200) -> httpx.Response:
    return json_response({"d": row}, status)


def error(message: str, status: int, **headers: str) -> httpx.Response:
    body = {"error": {"code": "", "message": {"lang": "", "value": message}}}
    return json_response(body, status, **headers)


def metadata(entity: str, guid: uuid.UUID, kind: str) -> Row:
    return {"uri": f"{API}/{entity}(guid'{guid}')", "type": f"Exact.Web.Api.Models.{kind}"}


def me_row(current_division: int = DIVISION) -> Row:
    return {
        "CurrentDivision": current_division,
        "UserID": str(key(900)),
        "FullName": "Ada Admin",
        "Email": "ada@example.test",
        "LanguageCode": "nl-NL",
    }


def account_row(n: int = 1, **overrides: Any) -> Row:
    row: Row = {
        "__metadata": metadata("crm/Accounts", key(n), "Account"),
        "ID": str(key(n)),
        "Code": str(n).rjust(codec.ACCOUNT_CODE_WIDTH),
        "Name": f"Customer {n}",
        "VATNumber": None,
        "Email": "",
        "AddressLine1": "Dorpsstraat 1",
        "Postcode": "1234 AB",
        "City": "Utrecht",
        "Country": "NL",
        "ChamberOfCommerce": None,
        "Status": "C",
        "Modified": "/Date(1723420800000)/",
    }
    row.update(overrides)
    return row


def invoice_row(n: int = 1, **overrides: Any) -> Row:
    row: Row = {
        "__metadata": metadata("salesinvoice/SalesInvoices", key(n), "SalesInvoice"),
        "InvoiceID": str(key(n)),
        "YourRef": f"HB-{n}",
        "OrderNumber": 1000 + n,
        "InvoiceNumber": None,
        "Status": 20,
        "Journal": "70",
        "OrderedBy": str(key(1)),
        "AmountFCExclVat": Decimal("100.10"),
        "VATAmountFC": Decimal("21.02"),
        "AmountFC": Decimal("121.12"),
        "SalesInvoiceLines": {
            "__deferred": {"uri": f"{API}/salesinvoice/SalesInvoices(guid'{key(n)}')/Lines"}
        },
    }
    row.update(overrides)
    return row


def invoice_line_row(line_number: int, **overrides: Any) -> Row:
    row: Row = {
        "ID": str(key(5000 + line_number)),
        "LineNumber": line_number,
        "Item": str(key(300)),
        "Description": f"Consultancy {line_number}",
        "Quantity": Decimal("1.5"),
        "NetPrice": Decimal("66.73"),
        "AmountFC": Decimal("100.10"),
        "VATCode": "2  ",
        "VATAmountFC": Decimal("21.02"),
        "GLAccount": str(key(400)),
    }
    row.update(overrides)
    return row


def body_of(request: httpx.Request) -> Any:
    """The JSON a request carried, numbers as Decimal."""
    return codec.loads(request.content)
