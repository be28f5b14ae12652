"""The state of the emulated Exact Online and its business rules, without HTTP.

Rows are dicts in Exact's own vocabulary (field names and Edm-typed Python
values: str, int, bool, Decimal, UUID, naive local datetimes). Fields whose
name starts with an underscore are internal and never leave the sandbox.
Both the HTTP sandbox and the in-memory fake gateway drive this one model, so
they cannot disagree about numbering, mandatory fields or references.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from infrastructure.exact.codec import decode_date, pad_account_code, pad_vat_code
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.clock import SandboxClock
from infrastructure.exact.sandbox.odata import Edm
from infrastructure.exact.sandbox.schema import EntitySet

CENT = Decimal("0.01")
Row = dict[str, Any]


class SandboxError(Exception):
    """An Exact error response: the status and the message Exact would send."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


_MESSAGES = {
    "en": {
        "mandatory": "Mandatory: {field}",
        "reference": "Invalid reference: {field}",
        "exists": "{field} already exists: {value}",
        "journal": "Invalid journal: {value}",
        "processed": "This invoice has been processed and can no longer be changed",
        "in_use": "This record is in use and cannot be deleted",
        "topic": "Invalid topic: {value}",
        "https": "The callback URL must use HTTPS",
    },
    "nl": {
        "mandatory": "Verplicht: {field}",
        "reference": "Ongeldige referentie: {field}",
        "exists": "{field} bestaat al: {value}",
        "journal": "Ongeldig dagboek: {value}",
        "processed": "Deze factuur is verwerkt en kan niet meer worden gewijzigd",
        "in_use": "Deze gegevens zijn in gebruik en kunnen niet worden verwijderd",
        "topic": "Ongeldig onderwerp: {value}",
        "https": "De callback-URL moet HTTPS gebruiken",
    },
}

_LABELS = {
    "en": {
        "OrderedBy": "Ordered by",
        "InvoiceTo": "Invoice to",
        "Item": "Item",
        "GLAccount": "G/L account",
        "VATCode": "VAT code",
        "Journal": "Journal",
        "SalesInvoiceLines": "Lines",
        "PaymentCondition": "Payment condition",
    },
    "nl": {
        "OrderedBy": "Besteld door",
        "InvoiceTo": "Factuur voor",
        "Item": "Artikel",
        "GLAccount": "Grootboekrekening",
        "VATCode": "Btw-code",
        "Journal": "Dagboek",
        "SalesInvoiceLines": "Regels",
        "PaymentCondition": "Betalingsconditie",
    },
}


@dataclass
class Division:
    code: int
    description: str
    country: str = "NL"
    currency: str = "EUR"
    tables: dict[str, dict[Any, Row]] = field(default_factory=dict)
    next_order_number: int = 1
    next_timestamp: int = 2  # above 1: a first sync reads "Timestamp gt 1" and must miss nothing
    deleted: list[Row] = field(default_factory=list)
    moved_on: dt.datetime | None = None

    def table(self, path: str) -> dict[Any, Row]:
        return self.tables.setdefault(path, {})

    def stamp(self) -> int:
        value = self.next_timestamp
        self.next_timestamp += 1
        return value


@dataclass(frozen=True)
class Caller:
    """Who makes a request: the app (client ID) and the user behind the token."""

    client_id: uuid.UUID
    user_id: uuid.UUID


@dataclass(frozen=True)
class Change:
    """A change a webhook subscriber hears about."""

    division: int
    topic: str
    action: str
    key: uuid.UUID
    entity_path: str


ChangeListener = Callable[[Change], None]


class Administration:
    """Every division of one Exact user, with Exact's rules for changing them."""

    def __init__(self, clock: SandboxClock, *, language: str = "en") -> None:
        self.clock = clock
        self.language = language
        self.base_url = "http://127.0.0.1"
        self.user_id = uuid.UUID("6a1c4d2e-58b1-4f3e-9c0a-3e1d2b4c5f60")
        self.user_name = "Sandra Sandbox"
        self.user_email = "sandra@sandbox.example"
        self.divisions: dict[int, Division] = {}
        self.current_division: int | None = None
        self.listeners: list[ChangeListener] = []

    # --- divisions and raw access --------------------------------------------

    def add_division(
        self, code: int, description: str, *, country: str = "NL", currency: str = "EUR"
    ) -> Division:
        division = Division(code, description, country, currency)
        self.divisions[code] = division
        if self.current_division is None:
            self.current_division = code
        return division

    def division(self, code: int) -> Division:
        division = self.divisions.get(code)
        if division is None:
            raise SandboxError(403, "Forbidden", {"Reason": "NoDivisionAccess"})
        return division

    def me(self) -> Row:
        now = self.clock.local_now()
        offset = self.clock.now().astimezone(self.clock.zone).utcoffset() or dt.timedelta()
        return {
            "CurrentDivision": self.current_division,
            "UserID": self.user_id,
            "UserName": self.user_email,
            "FullName": self.user_name,
            "Email": self.user_email,
            "LanguageCode": "nl-NL" if self.language == "nl" else "en-GB",
            "ServerTime": now.replace(microsecond=0).isoformat(),
            "ServerUtcOffset": int(offset.total_seconds()),
        }

    def insert(self, division: int, entity_set: EntitySet, row: Mapping[str, Any]) -> Row:
        """Store a row as seeded data: no rules, only defaults for key and audit fields."""
        state = self.division(division)
        stored = {name: None for name in entity_set.fields} | dict(row)
        key = stored.get(entity_set.key) or uuid.uuid4()
        stored[entity_set.key] = key
        self._touch(state, stored, created=True)
        state.table(entity_set.table)[key] = stored
        return stored

    def rows(self, division: int, entity_set: EntitySet) -> Iterable[Row]:
        if entity_set is schema.DIVISIONS:
            return [self._division_row(state) for state in self.divisions.values()]
        state = self.division(division)
        if entity_set is schema.SYNC_INVOICES:
            return list(self._sync_invoice_rows(state))
        if entity_set is schema.SYNC_DELETED:
            return list(state.deleted)
        return state.table(entity_set.table).values()

    def get(self, division: int, entity_set: EntitySet, key: Any) -> Row:
        if entity_set is schema.DIVISIONS:
            return self._division_row(self.division(int(key)))
        row = self.division(division).table(entity_set.table).get(key)
        if row is None:
            raise SandboxError(404, "Not found")
        return row

    def lines_of(self, division: int, invoice_id: uuid.UUID) -> list[Row]:
        lines = self.division(division).table(schema.INVOICE_LINES.path).values()
        return sorted(
            (line for line in lines if line["InvoiceID"] == invoice_id),
            key=lambda line: line["LineNumber"],
        )

    # --- writes -----------------------------------------------------------------

    def create(
        self,
        division: int,
        entity_set: EntitySet,
        payload: Mapping[str, Any],
        caller: Caller | None = None,
    ) -> Row:
        state = self.division(division)
        if schema.POST not in entity_set.methods:
            raise SandboxError(405, f"Method POST is not allowed on {entity_set.path}")
        values = self.coerce(entity_set, payload, creating=True)
        if entity_set is schema.PRINTED_INVOICES:
            return self._print_invoice(state, values)
        self._require(entity_set, values)
        check = _CREATE_RULES.get(entity_set.path)
        if check is not None:
            check(self, state, values, caller)
        row = {name: None for name in entity_set.fields} | values
        row[entity_set.key] = uuid.uuid4()
        if entity_set is schema.INVOICES:
            self._complete_invoice(state, row, payload)
        elif entity_set is schema.DOCUMENT_ATTACHMENTS:
            base = self.base_url.rstrip("/")
            row["Url"] = f"{base}/docs/SysAttachment.aspx?ID={row['ID']}"
        self._touch(state, row, created=True)
        state.table(entity_set.table)[row[entity_set.key]] = row
        self._notify(state, entity_set, "Create", row[entity_set.key])
        return row

    def update(
        self, division: int, entity_set: EntitySet, key: Any, payload: Mapping[str, Any]
    ) -> None:
        state = self.division(division)
        if schema.PUT not in entity_set.methods:
            raise SandboxError(405, f"Method PUT is not allowed on {entity_set.path}")
        row = self.get(division, entity_set, key)
        values = self.coerce(entity_set, payload, creating=False)
        values.pop("SalesInvoiceLines", None)
        if entity_set is schema.INVOICES and row["Status"] == 50:
            raise SandboxError(500, self._message("processed"))
        if entity_set is schema.ACCOUNTS and values.get("Code") is not None:
            values["Code"] = self._account_code(state, values["Code"], exclude=key)
        for name in entity_set.required & values.keys():
            if values[name] in (None, ""):
                raise SandboxError(500, self._message("mandatory", field=self._label(name)))
        row.update(values)
        if entity_set is schema.INVOICES:
            self._check_invoice_references(state, row)
        self._touch(state, row)
        self._notify(state, entity_set, "Update", key)

    def delete(self, division: int, entity_set: EntitySet, key: Any) -> None:
        state = self.division(division)
        if schema.DELETE not in entity_set.methods:
            raise SandboxError(405, f"Method DELETE is not allowed on {entity_set.path}")
        row = self.get(division, entity_set, key)
        if entity_set is schema.INVOICES and row["Status"] == 50:
            raise SandboxError(500, self._message("processed"))
        if entity_set is schema.ACCOUNTS and self._account_in_use(state, key):
            raise SandboxError(500, self._message("in_use"))
        del state.table(entity_set.table)[key]
        if entity_set is schema.INVOICES:
            lines = state.table(schema.INVOICE_LINES.path)
            for line in self.lines_of(division, key):
                del lines[line["ID"]]
        entity_type = schema.SYNC_ENTITY_TYPES.get(entity_set.path)
        if entity_type is not None:
            state.deleted.append(
                {
                    "Timestamp": state.stamp(),
                    "ID": uuid.uuid4(),
                    "EntityKey": key,
                    "EntityType": entity_type,
                    "DeletedDate": self.clock.local_now(),
                    "Division": state.code,
                }
            )
        self._notify(state, entity_set, "Delete", key)

    def process_invoice(self, division: int, invoice_id: uuid.UUID) -> Row:
        """What a user printing the invoice in Exact's web UI does."""
        return self.create(division, schema.PRINTED_INVOICES, {"InvoiceID": str(invoice_id)})

    # --- payload coercion -------------------------------------------------------

    def coerce(self, entity_set: EntitySet, payload: Mapping[str, Any], *, creating: bool) -> Row:
        if not isinstance(payload, Mapping):
            raise SandboxError(400, _STREAM_ERROR)
        values: Row = {}
        for name, raw in payload.items():
            if name == "__metadata":
                continue
            edm = entity_set.fields.get(name)
            if edm is None:
                raise SandboxError(
                    400,
                    f"The property '{name}' does not exist on type '{entity_set.entity_type}'. "
                    "Make sure to only use property names that are defined by the type.",
                )
            if name in entity_set.navigation:
                # Deserialising the body fails before any rule runs: a collection
                # that is not an array of objects is a 400, never "Mandatory: …".
                if raw is not None and (
                    not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw)
                ):
                    raise SandboxError(400, _STREAM_ERROR)
                values[name] = raw
                continue
            if name in entity_set.read_only or (
                name == entity_set.key and creating and entity_set.server_key
            ):
                continue
            values[name] = _coerce_value(name, edm, raw)
        return values

    # --- rules per entity set ---------------------------------------------------

    def _require(self, entity_set: EntitySet, values: Row) -> None:
        missing = [
            self._label(name)
            for name in sorted(entity_set.required)
            if values.get(name) in (None, "", [])
        ]
        if missing:
            raise SandboxError(
                500, "\r\n".join(self._message("mandatory", field=name) for name in missing)
            )

    def _create_account(self, state: Division, values: Row, caller: Caller | None) -> None:
        code = values.get("Code")
        values["Code"] = self._account_code(state, code) if code else self._next_account_code(state)
        values.setdefault("Status", "A")
        values["IsSales"] = values["Status"] == "C"
        values["Type"] = "A"
        values.setdefault("Blocked", False)
        values.setdefault("IsSupplier", False)
        self._check_reference(
            state, schema.GL_ACCOUNTS, values.get("GLAccountSales"), "GLAccountSales"
        )

    def _account_code(self, state: Division, code: str, exclude: Any = None) -> str:
        try:
            padded = pad_account_code(code)
        except ValueError as error:
            raise SandboxError(400, str(error)) from None
        for key, row in state.table(schema.ACCOUNTS.path).items():
            if row["Code"] == padded and key != exclude:
                raise SandboxError(500, self._message("exists", field="Code", value=code.strip()))
        return padded

    def _next_account_code(self, state: Division) -> str:
        numbers = [
            int(row["Code"])
            for row in state.table(schema.ACCOUNTS.path).values()
            if row["Code"] and row["Code"].strip().isdigit()
        ]
        return pad_account_code(str(max(numbers, default=0) + 1))

    def _account_in_use(self, state: Division, key: Any) -> bool:
        invoices = state.table(schema.INVOICES.path).values()
        return any(key in (row["OrderedBy"], row["InvoiceTo"]) for row in invoices)

    def _create_unique_code(
        self, state: Division, values: Row, caller: Caller | None, entity_set: EntitySet
    ) -> None:
        code = values["Code"].strip()
        if any(row["Code"].strip() == code for row in state.table(entity_set.table).values()):
            raise SandboxError(500, self._message("exists", field="Code", value=code))

    def _create_item(self, state: Division, values: Row, caller: Caller | None) -> None:
        self._create_unique_code(state, values, caller, schema.ITEMS)
        values.setdefault("IsSalesItem", True)
        values.setdefault("IsPurchaseItem", False)
        values.setdefault("IsStockItem", False)
        revenue = self._check_reference(
            state, schema.GL_ACCOUNTS, values.get("GLRevenue"), "GLRevenue"
        )
        values["GLRevenueCode"] = revenue["Code"] if revenue else None
        if values.get("SalesVatCode"):
            self._vat_code(state, values["SalesVatCode"])

    def _create_vat_code(self, state: Division, values: Row, caller: Caller | None) -> None:
        self._create_unique_code(state, values, caller, schema.VAT_CODES)
        values["Code"] = pad_vat_code(values["Code"])
        values.setdefault("Percentage", Decimal(0))

    def _create_gl_account(self, state: Division, values: Row, caller: Caller | None) -> None:
        self._create_unique_code(state, values, caller, schema.GL_ACCOUNTS)

    def _create_payment_condition(
        self, state: Division, values: Row, caller: Caller | None
    ) -> None:
        self._create_unique_code(state, values, caller, schema.PAYMENT_CONDITIONS)

    def _create_document(self, state: Division, values: Row, caller: Caller | None) -> None:
        self._check_reference(state, schema.ACCOUNTS, values.get("Account"), "Account")
        values["TypeDescription"] = _DOCUMENT_TYPES.get(values["Type"], "Document")
        values.setdefault(
            "DocumentDate",
            self.clock.local_now().replace(hour=0, minute=0, second=0, microsecond=0),
        )

    def _create_attachment(self, state: Division, values: Row, caller: Caller | None) -> None:
        self._check_reference(state, schema.DOCUMENTS, values["Document"], "Document")
        try:
            content = base64.b64decode(values["Attachment"], validate=True)
        except (binascii.Error, ValueError):
            raise SandboxError(400, _conversion_error("Attachment", Edm.STRING)) from None
        values["FileSize"] = Decimal(len(content))
        values["Division"] = state.code

    def _create_subscription(self, state: Division, values: Row, caller: Caller | None) -> None:
        if values["Topic"] not in schema.WEBHOOK_TOPICS:
            raise SandboxError(500, self._message("topic", value=values["Topic"]))
        url = str(values["CallbackURL"])
        if not url.startswith("https://") and not _is_loopback(url):
            raise SandboxError(400, self._message("https"))
        values["ClientID"] = caller.client_id if caller else None
        values["UserID"] = caller.user_id if caller else self.user_id
        values.setdefault("IsInstant", False)

    # --- sales invoices ---------------------------------------------------------

    def _create_invoice(self, state: Division, values: Row, caller: Caller | None) -> None:
        lines = values.get("SalesInvoiceLines")
        if not isinstance(lines, list) or not all(isinstance(line, Mapping) for line in lines):
            raise SandboxError(400, _STREAM_ERROR)
        values["SalesInvoiceLines"] = [
            self.coerce(schema.INVOICE_LINES, line, creating=True) for line in lines
        ]
        self._check_invoice_references(state, values)
        number = values.get("OrderNumber")
        if number is not None:
            self._claim_order_number(state, number)

    def _check_invoice_references(self, state: Division, values: Row) -> None:
        journal = self._sales_journal(state, values["Journal"])
        values["JournalDescription"] = journal["Description"]
        for name in ("OrderedBy", "InvoiceTo", "DeliverTo"):
            self._check_reference(state, schema.ACCOUNTS, values.get(name), name)
        condition = values.get("PaymentCondition")
        if condition:
            self._payment_condition(state, condition)

    def _sales_journal(self, state: Division, code: str) -> Row:
        for journal in state.table(schema.JOURNALS.path).values():
            if journal["Code"] == code:
                if journal["Type"] != 20 or journal["IsBlocked"]:
                    break
                return journal
        raise SandboxError(500, self._message("journal", value=code))

    def _claim_order_number(self, state: Division, number: int) -> None:
        if number <= 0 or any(
            row["OrderNumber"] == number for row in state.table(schema.INVOICES.path).values()
        ):
            raise SandboxError(500, self._message("exists", field="OrderNumber", value=number))

    def _complete_invoice(self, state: Division, row: Row, payload: Mapping[str, Any]) -> None:
        """Fill in what Exact computes: numbers, defaults, lines and amounts."""
        ordered_by = self.get(state.code, schema.ACCOUNTS, row["OrderedBy"])
        row["OrderedByName"] = ordered_by["Name"]
        row["InvoiceTo"] = row["InvoiceTo"] or row["OrderedBy"]
        row["InvoiceToName"] = self.get(state.code, schema.ACCOUNTS, row["InvoiceTo"])["Name"]
        row["DeliverTo"] = row["DeliverTo"] or row["OrderedBy"]
        row["InvoiceNumber"] = None
        row["Type"] = row["Type"] or 8020
        row["Status"], row["StatusDescription"] = 20, "Open"
        row["Currency"] = row["Currency"] or state.currency
        today = self.clock.local_now().replace(hour=0, minute=0, second=0, microsecond=0)
        row["InvoiceDate"] = row["InvoiceDate"] or today
        row["OrderDate"] = row["OrderDate"] or row["InvoiceDate"]
        code = row["PaymentCondition"] or ordered_by.get("PaymentConditionSales")
        condition = self._payment_condition(state, code) if code else None
        row["PaymentCondition"] = condition["Code"] if condition else None
        row["PaymentConditionDescription"] = condition["Description"] if condition else None
        days = condition["PaymentDays"] if condition else 0
        row["DueDate"] = row["DueDate"] or row["InvoiceDate"] + dt.timedelta(days=days or 0)
        line_values = row.pop("SalesInvoiceLines")
        lines = [
            self._invoice_line(state, row, number, values, ordered_by)
            for number, values in enumerate(line_values, start=1)
        ]
        self._total(row, lines)
        # Numbered only now that no line can be refused: a rejected POST takes no number.
        if row["OrderNumber"] is None:
            row["OrderNumber"] = self._free_order_number(state)
        state.next_order_number = max(state.next_order_number, row["OrderNumber"] + 1)
        table = state.table(schema.INVOICE_LINES.path)
        for line in lines:
            table[line["ID"]] = line
        row["SalesInvoiceLines"] = None

    def _free_order_number(self, state: Division) -> int:
        used = {row["OrderNumber"] for row in state.table(schema.INVOICES.path).values()}
        while state.next_order_number in used:
            state.next_order_number += 1
        number = state.next_order_number
        state.next_order_number += 1
        return number

    def _invoice_line(
        self, state: Division, invoice: Row, number: int, values: Row, ordered_by: Row
    ) -> Row:
        line = {name: None for name in schema.INVOICE_LINE_FIELDS} | values
        if not line["Item"]:
            raise SandboxError(500, self._message("mandatory", field=self._label("Item")))
        item = self._check_reference(state, schema.ITEMS, line["Item"], "Item")
        assert item is not None
        account = line["GLAccount"] or item["GLRevenue"]
        if not account:
            raise SandboxError(500, self._message("mandatory", field=self._label("GLAccount")))
        gl_account = self._check_reference(state, schema.GL_ACCOUNTS, account, "GLAccount")
        assert gl_account is not None
        vat_code = line["VATCode"] or item["SalesVatCode"] or ordered_by.get("SalesVATCode")
        vat = self._vat_code(state, vat_code) if vat_code else None
        quantity = line["Quantity"] if line["Quantity"] is not None else Decimal(1)
        net_price = _net_price(line, item)
        amount = line["AmountFC"]
        if amount is None:
            amount = (quantity * net_price).quantize(CENT, ROUND_HALF_UP)
        percentage = vat["Percentage"] if vat else Decimal(0)
        vat_amount = line["VATAmountFC"]
        if vat_amount is None:
            vat_amount = (amount * percentage).quantize(CENT, ROUND_HALF_UP)
        line.update(
            {
                "ID": uuid.uuid4(),
                "InvoiceID": invoice["InvoiceID"],
                "LineNumber": number,
                "ItemCode": item["Code"],
                "ItemDescription": item["Description"],
                "Description": line["Description"] or item["Description"],
                "Quantity": quantity,
                "NetPrice": net_price,
                "UnitPrice": line["UnitPrice"] if line["UnitPrice"] is not None else net_price,
                "Discount": line["Discount"] or Decimal(0),
                "AmountFC": amount,
                "AmountDC": amount,
                "GLAccount": gl_account["ID"],
                "GLAccountDescription": gl_account["Description"],
                "VATCode": vat["Code"] if vat else None,
                "VATPercentage": percentage,
                "VATAmountFC": vat_amount,
                "VATAmountDC": vat_amount,
                "UnitCode": line["UnitCode"] or item["Unit"],
                "Division": state.code,
            }
        )
        return line

    @staticmethod
    def _total(invoice: Row, lines: list[Row]) -> None:
        excluding = sum((line["AmountFC"] for line in lines), Decimal(0))
        vat = sum((line["VATAmountFC"] for line in lines), Decimal(0))
        invoice.update(
            {
                "AmountFCExclVat": excluding,
                "VATAmountFC": vat,
                "VATAmountDC": vat,
                "AmountFC": excluding + vat,
                "AmountDC": excluding + vat,
            }
        )

    def _print_invoice(self, state: Division, values: Row) -> Row:
        if not values.get("InvoiceID"):
            raise SandboxError(500, self._message("mandatory", field="InvoiceID"))
        invoice = self._check_reference(state, schema.INVOICES, values["InvoiceID"], "InvoiceID")
        assert invoice is not None
        if invoice["Status"] == 50:
            raise SandboxError(500, self._message("processed"))
        journal = self._sales_journal(state, invoice["Journal"])
        invoice["InvoiceNumber"] = journal["_next_invoice_number"]
        journal["_next_invoice_number"] += 1
        invoice["Status"], invoice["StatusDescription"] = 50, "Processed"
        if values.get("InvoiceDate"):
            invoice["InvoiceDate"] = values["InvoiceDate"]
        document = self.create(
            state.code,
            schema.DOCUMENTS,
            {
                "Subject": f"Sales invoice {invoice['InvoiceNumber']}",
                "Type": 10,
                "Account": str(invoice["OrderedBy"]),
            },
        )
        document["FinancialTransactionEntryID"] = invoice["InvoiceID"]
        document["SalesInvoiceNumber"] = invoice["InvoiceNumber"]
        invoice["Document"] = invoice["Document"] or document["ID"]
        self._touch(state, invoice)
        self._notify(state, schema.INVOICES, "Update", invoice["InvoiceID"])
        return {
            "InvoiceID": invoice["InvoiceID"],
            "Document": document["ID"],
            "DocumentCreationSuccess": "Document created",
            "DocumentCreationError": None,
            "EmailCreationSuccess": None,
            "EmailCreationError": None,
            "SendEmailToCustomer": bool(values.get("SendEmailToCustomer")),
        }

    # --- lookups ------------------------------------------------------------------

    def _check_reference(
        self, state: Division, entity_set: EntitySet, key: Any, name: str
    ) -> Row | None:
        if key is None:
            return None
        row = state.table(entity_set.table).get(key)
        if row is None:
            raise SandboxError(500, self._message("reference", field=self._label(name)))
        return row

    def _vat_code(self, state: Division, code: str) -> Row:
        for row in state.table(schema.VAT_CODES.path).values():
            if row["Code"].strip() == code.strip() and not row["IsBlocked"]:
                return row
        raise SandboxError(500, self._message("reference", field=self._label("VATCode")))

    def _payment_condition(self, state: Division, code: str) -> Row:
        for row in state.table(schema.PAYMENT_CONDITIONS.path).values():
            if row["Code"].strip() == code.strip():
                return row
        raise SandboxError(500, self._message("reference", field=self._label("PaymentCondition")))

    # --- bookkeeping ----------------------------------------------------------------

    def _touch(self, state: Division, row: Row, *, created: bool = False) -> None:
        now = self.clock.local_now()
        if created:
            row["Created"] = row.get("Created") or now
            row["Creator"] = self.user_id
            row["Division"] = state.code
        row["Modified"] = now
        row["Modifier"] = self.user_id
        row["Timestamp"] = state.stamp()

    def _notify(self, state: Division, entity_set: EntitySet, action: str, key: Any) -> None:
        topic = _TOPIC_OF.get(entity_set.path)
        if topic is None:
            return
        change = Change(state.code, topic, action, key, entity_set.path)
        for listener in list(self.listeners):
            listener(change)

    def _division_row(self, state: Division) -> Row:
        return {
            "Code": state.code,
            "Description": state.description,
            "Current": state.code == self.current_division,
            "Status": 1,
            "Country": state.country,
            "Currency": state.currency,
            "DivisionMoveDate": state.moved_on,
            "HID": state.code,
        }

    def _sync_invoice_rows(self, state: Division) -> Iterator[Row]:
        """Exact's sync feed: a header row (LineNumber 0) then one row per line."""
        invoices = sorted(
            state.table(schema.INVOICES.path).values(), key=lambda row: row["Timestamp"]
        )
        for invoice in invoices:
            header = {name: invoice.get(name) for name in schema.SYNC_INVOICE_FIELDS}
            stamp = invoice["Timestamp"] * 1000
            header.update({"ID": invoice["InvoiceID"], "LineNumber": 0, "Timestamp": stamp})
            yield header
            for line in self.lines_of(state.code, invoice["InvoiceID"]):
                shared = {name: value for name, value in line.items() if name in header}
                yield {
                    **header,
                    **shared,
                    "InvoiceID": invoice["InvoiceID"],
                    "Timestamp": stamp + line["LineNumber"],
                }

    def _message(self, key: str, **values: Any) -> str:
        catalogue = _MESSAGES.get(self.language, _MESSAGES["en"])
        return catalogue[key].format(**values)

    def _label(self, name: str) -> str:
        return _LABELS.get(self.language, _LABELS["en"]).get(name, name)


_STREAM_ERROR = (
    "Error processing request stream. The request should be a valid top-level resource object."
)

_DOCUMENT_TYPES = {10: "Sales invoice", 183: "General attachment"}

_TOPIC_OF = {path: topic for topic, path in schema.WEBHOOK_TOPICS.items()}

_CREATE_RULES: dict[str, Callable[[Administration, Division, Row, Caller | None], None]] = {
    schema.ACCOUNTS.path: Administration._create_account,
    schema.ITEMS.path: Administration._create_item,
    schema.VAT_CODES.path: Administration._create_vat_code,
    schema.GL_ACCOUNTS.path: Administration._create_gl_account,
    schema.PAYMENT_CONDITIONS.path: Administration._create_payment_condition,
    schema.DOCUMENTS.path: Administration._create_document,
    schema.DOCUMENT_ATTACHMENTS.path: Administration._create_attachment,
    schema.WEBHOOK_SUBSCRIPTIONS.path: Administration._create_subscription,
    schema.INVOICES.path: Administration._create_invoice,
}


def _net_price(line: Row, item: Row) -> Decimal:
    if line["NetPrice"] is not None:
        return Decimal(line["NetPrice"])
    if line["UnitPrice"] is not None:
        discount = line["Discount"] or Decimal(0)
        return Decimal(line["UnitPrice"]) * (1 - discount)
    return Decimal(item["StandardSalesPrice"] or 0)


def _is_loopback(url: str) -> bool:
    return url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))


def _conversion_error(name: str, edm: Edm) -> str:
    return (
        "Error processing request stream. Error encountered in converting the value from "
        f"request payload for property '{name}' to type '{edm.value}', which is the "
        "property's expected type. See inner exception for more detail."
    )


def _coerce_value(name: str, edm: Edm, raw: Any) -> Any:
    if raw is None:
        return None
    try:
        return _COERCERS[edm](raw)
    except (TypeError, ValueError, ArithmeticError):
        raise SandboxError(400, _conversion_error(name, edm)) from None


def _as_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise TypeError
    if isinstance(raw, int):
        return raw
    if isinstance(raw, Decimal) and raw == raw.to_integral_value():
        return int(raw)
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw)
    raise ValueError


def _as_decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal | str):
        raise TypeError
    value = Decimal(raw)
    if not value.is_finite():
        raise ValueError
    return value


def _as_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw in (0, 1):
        return bool(raw)
    raise TypeError


def _as_str(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
        return str(raw)
    raise TypeError


def _as_datetime(raw: Any) -> dt.datetime:
    if not isinstance(raw, str):
        raise TypeError
    if raw.startswith("/Date("):
        return decode_date(raw)
    value = dt.datetime.fromisoformat(raw)
    if value.tzinfo is not None:
        raise ValueError
    return value


_COERCERS: dict[Edm, Callable[[Any], Any]] = {
    Edm.STRING: _as_str,
    Edm.INT16: _as_int,
    Edm.INT32: _as_int,
    Edm.INT64: _as_int,
    Edm.BYTE: _as_int,
    Edm.DOUBLE: _as_decimal,
    Edm.BOOLEAN: _as_bool,
    Edm.GUID: lambda raw: uuid.UUID(_as_str(raw)),
    Edm.DATETIME: _as_datetime,
}
