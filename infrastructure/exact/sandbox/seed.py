"""Seeding an administration: from a JSON-able description, and the demo one.

A description names rows in Exact's own field names. IDs may be given (so a
test knows them up front) or are made up. Journals take an extra
``FirstInvoiceNumber``: where the journal's invoice numbering starts.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from infrastructure.exact.codec import pad_account_code, pad_vat_code
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.administration import Administration, Row, SandboxError

DEMO_DIVISION = 123456
SECOND_DIVISION = 654321

_SECTIONS = (
    ("gl_accounts", schema.GL_ACCOUNTS),
    ("journals", schema.JOURNALS),
    ("vat_codes", schema.VAT_CODES),
    ("payment_conditions", schema.PAYMENT_CONDITIONS),
    ("items", schema.ITEMS),
    ("accounts", schema.ACCOUNTS),
)


def seed(administration: Administration, description: Mapping[str, Any]) -> dict[str, Any]:
    """Add the divisions described; returns what was made, IDs included.

    A division that already exists keeps its rows: the described ones are added to it.
    """
    made: dict[str, Any] = {"divisions": []}
    for division in description.get("divisions", []):
        made["divisions"].append(_seed_division(administration, division))
    if "current_division" in description:
        administration.current_division = int(description["current_division"])
    return made


def _seed_division(administration: Administration, spec: Mapping[str, Any]) -> dict[str, Any]:
    code = int(spec["code"])
    existing = administration.divisions.get(code)
    if existing is None:
        administration.add_division(
            code,
            spec.get("description", f"Division {code}"),
            country=spec.get("country", "NL"),
            currency=spec.get("currency", "EUR"),
        )
    elif "description" in spec:
        existing.description = spec["description"]
    made: dict[str, Any] = {"code": code}
    for section, entity_set in _SECTIONS:
        rows = [_prepare(administration, code, entity_set, row) for row in spec.get(section, [])]
        made[section] = [
            _public(administration.insert(code, entity_set, row), entity_set) for row in rows
        ]
    return made


def _prepare(
    administration: Administration, division: int, entity_set: schema.EntitySet, row: Any
) -> Row:
    values = {
        name: value
        for name, value in administration.coerce(
            _lenient(entity_set),
            {k: v for k, v in row.items() if k in entity_set.fields},
            creating=False,
        ).items()
    }
    if entity_set is schema.JOURNALS:
        values["_next_invoice_number"] = int(row.get("FirstInvoiceNumber", 1))
        values.setdefault("Type", 20)
        values.setdefault("IsBlocked", False)
    elif entity_set is schema.VAT_CODES:
        values["Code"] = pad_vat_code(values["Code"])
        values.setdefault("IsBlocked", False)
        values.setdefault("Type", "E")
        values.setdefault("VATTransactionType", "B")
    elif entity_set is schema.ACCOUNTS:
        values["Code"] = pad_account_code(values["Code"])
        values.setdefault("Status", "C")
        values["IsSales"] = values["Status"] == "C"
        values.setdefault("Type", "A")
        values.setdefault("Blocked", False)
    elif entity_set is schema.ITEMS:
        _link_revenue_account(administration, division, values, row)
        values.setdefault("IsSalesItem", True)
    elif entity_set is schema.GL_ACCOUNTS:
        values.setdefault("IsBlocked", False)
    return values


def _lenient(entity_set: schema.EntitySet) -> schema.EntitySet:
    """The same set with nothing read-only: seeds may set computed fields."""
    return schema.EntitySet(
        entity_set.path,
        entity_set.type_name,
        "__none__",
        entity_set.fields,
        table=entity_set.table,
    )


def _link_revenue_account(
    administration: Administration, division: int, values: Row, row: Mapping[str, Any]
) -> None:
    code = row.get("GLRevenueCode")
    if values.get("GLRevenue") or not code:
        return
    for account in administration.rows(division, schema.GL_ACCOUNTS):
        if account["Code"] == code:
            values["GLRevenue"] = account["ID"]
            return
    raise SandboxError(400, f"Unknown GL account code {code}")


def _public(row: Row, entity_set: schema.EntitySet) -> dict[str, Any]:
    return {"ID": str(row[entity_set.key]), "Code": str(row.get("Code") or "").strip()}


def demo_administration() -> dict[str, Any]:
    """A small Dutch consultancy's administration, plus a second division."""
    return {
        "current_division": DEMO_DIVISION,
        "divisions": [_demo_division(), _second_division()],
    }


def _demo_division() -> dict[str, Any]:
    revenue_services = str(uuid.UUID("8000a000-0000-4000-8000-000000008000"))
    return {
        "code": DEMO_DIVISION,
        "description": "Hourbill Demo B.V.",
        "gl_accounts": [
            {
                "ID": revenue_services,
                "Code": "8000",
                "Description": "Omzet diensten",
                "Type": 110,
                "BalanceType": "W",
                "BalanceSide": "C",
            },
            {
                "Code": "8100",
                "Description": "Omzet materialen",
                "Type": 110,
                "BalanceType": "W",
                "BalanceSide": "C",
            },
            {
                "Code": "1300",
                "Description": "Debiteuren",
                "Type": 20,
                "BalanceType": "B",
                "BalanceSide": "D",
            },
            {
                "Code": "1500",
                "Description": "Te betalen btw",
                "Type": 24,
                "BalanceType": "B",
                "BalanceSide": "C",
            },
        ],
        "journals": [
            {
                "Code": "70",
                "Description": "Verkoopboek",
                "Type": 20,
                "FirstInvoiceNumber": 26700001,
            },
            {
                "Code": "71",
                "Description": "Verkoopboek projecten",
                "Type": 20,
                "FirstInvoiceNumber": 26710001,
            },
            {"Code": "20", "Description": "Bank", "Type": 12},
            {"Code": "90", "Description": "Memoriaal", "Type": 90},
        ],
        "vat_codes": [
            {"Code": "0", "Description": "0% btw", "Percentage": Decimal("0")},
            {"Code": "1", "Description": "Btw laag 9%", "Percentage": Decimal("0.09")},
            {"Code": "2", "Description": "Btw hoog 21%", "Percentage": Decimal("0.21")},
            {"Code": "5", "Description": "Btw verlegd", "Percentage": Decimal("0"), "Type": "B"},
        ],
        "payment_conditions": [
            {"Code": "14", "Description": "14 dagen", "PaymentDays": 14, "PaymentMethod": "B"},
            {"Code": "30", "Description": "30 dagen", "PaymentDays": 30, "PaymentMethod": "B"},
        ],
        "items": [
            {
                "Code": "UREN",
                "Description": "Gewerkte uren",
                "GLRevenueCode": "8000",
                "SalesVatCode": "2",
                "Unit": "uur",
            },
            {
                "Code": "SUPPORT",
                "Description": "Support uren",
                "GLRevenueCode": "8000",
                "SalesVatCode": "2",
                "Unit": "uur",
            },
            {
                "Code": "MATERIAAL",
                "Description": "Materialen",
                "GLRevenueCode": "8100",
                "SalesVatCode": "2",
                "Unit": "stuk",
            },
            {
                "Code": "BOEKEN",
                "Description": "Boeken",
                "GLRevenueCode": "8100",
                "SalesVatCode": "1",
                "Unit": "stuk",
            },
        ],
        "accounts": [
            {
                "Code": "ACME",
                "Name": "Acme Bouw B.V.",
                "VATNumber": "NL812345678B01",
                "AddressLine1": "Stationsplein 1",
                "Postcode": "3511 ED",
                "City": "Utrecht",
                "Country": "NL",
                "PaymentConditionSales": "30",
            },
            {
                "Code": "DELTA",
                "Name": "Delta Logistiek B.V.",
                "VATNumber": "NL803456789B01",
                "AddressLine1": "Maasboulevard 100",
                "Postcode": "3011 TX",
                "City": "Rotterdam",
                "Country": "NL",
                "Email": "facturen@delta.example",
            },
            {
                "Code": "1004",
                "Name": "Tulip Software Limited",
                "VATNumber": "GB123456789",
                "AddressLine1": "1 Canal Street",
                "Postcode": "M1 3HE",
                "City": "Manchester",
                "Country": "GB",
            },
            {
                "Code": "1005",
                "Name": "Van Dijk Advies",
                "VATNumber": "NL811122233B01",
                "AddressLine1": "Lange Voorhout 9",
                "Postcode": "2514 EA",
                "City": "Den Haag",
                "Country": "NL",
                "Email": "info@vandijk.example",
            },
            {
                "Code": "1006",
                "Name": "Molen & Co",
                "AddressLine1": "Molenweg 2",
                "Postcode": "1511 AA",
                "City": "Oostzaan",
                "Country": "NL",
            },
        ],
    }


def _second_division() -> dict[str, Any]:
    return {
        "code": SECOND_DIVISION,
        "description": "Hourbill Holding B.V.",
        "journals": [
            {"Code": "70", "Description": "Verkoopboek", "Type": 20, "FirstInvoiceNumber": 26900001}
        ],
        "vat_codes": [{"Code": "2", "Description": "Btw hoog 21%", "Percentage": Decimal("0.21")}],
        "gl_accounts": [{"Code": "8000", "Description": "Omzet", "Type": 110}],
        "items": [
            {"Code": "UREN", "Description": "Uren", "GLRevenueCode": "8000", "SalesVatCode": "2"}
        ],
    }
