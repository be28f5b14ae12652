"""Exact's JSON rows to the port's dataclasses and back.

Rows come from `codec.loads` (numbers as `Decimal` or `int`). Codes are trimmed
(accounts are left-padded to 18, VAT codes right-padded to 3), ``/Date(ms)/``
becomes a naive local datetime, amounts stay `Decimal`, VAT percentages stay
fractions. Each `*_FIELDS` tuple is the `$select` for its entity.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from application.exact import (
    AccountDraft,
    AccountFields,
    ExactAccount,
    ExactDivision,
    ExactGlAccount,
    ExactItem,
    ExactJournal,
    ExactPaymentCondition,
    ExactSalesInvoice,
    ExactSalesInvoiceLine,
    ExactUnavailableError,
    ExactUser,
    ExactValidationError,
    ExactVatCode,
    InvoiceStatus,
    SalesInvoiceDraft,
    WebhookSubscription,
)
from infrastructure.exact import codec

Row = dict[str, Any]

SALES_INVOICE_TYPE = 8020
SALES_INVOICE_DOCUMENT_TYPE = 10
ACCOUNT_STATUS_CUSTOMER = "C"
DIVISION_STATUS_ACTIVE = 1

USER_FIELDS = ("UserID", "FullName", "Email", "CurrentDivision", "LanguageCode")
DIVISION_FIELDS = ("Code", "Description", "Status")
JOURNAL_FIELDS = ("ID", "Code", "Description", "Type", "IsBlocked")
ITEM_FIELDS = ("ID", "Code", "Description", "IsSalesItem", "SalesVatCode", "GLRevenue", "Unit")
VAT_CODE_FIELDS = ("Code", "Description", "Percentage", "IsBlocked")
GL_ACCOUNT_FIELDS = ("ID", "Code", "Description", "Type")
PAYMENT_CONDITION_FIELDS = ("Code", "Description", "PaymentDays")
ACCOUNT_FIELDS = (
    "ID",
    "Code",
    "Name",
    "VATNumber",
    "Email",
    "AddressLine1",
    "Postcode",
    "City",
    "Country",
    "ChamberOfCommerce",
    "Status",
    "Modified",
)
SALES_INVOICE_FIELDS = (
    "InvoiceID",
    "YourRef",
    "OrderNumber",
    "InvoiceNumber",
    "Status",
    "Journal",
    "OrderedBy",
    "AmountFCExclVat",
    "VATAmountFC",
    "AmountFC",
)
SALES_INVOICE_LINES = "SalesInvoiceLines"
WEBHOOK_FIELDS = ("ID", "CallbackURL", "Topic")
DOCUMENT_FIELDS = ("ID",)
"""What the look-up for an earlier attempt's document reads."""
ATTACHMENT_FIELDS = ("ID", "FileName")
"""What the look-up for an earlier attempt's file reads (never the base64 content)."""

# AccountFields attribute -> Exact's crm/Accounts field.
_ACCOUNT_COLUMNS = {
    "vat_number": "VATNumber",
    "email": "Email",
    "address_line": "AddressLine1",
    "postcode": "Postcode",
    "city": "City",
    "country": "Country",
    "chamber_of_commerce": "ChamberOfCommerce",
}


def select(fields: tuple[str, ...]) -> str:
    return ",".join(fields)


# --- values -------------------------------------------------------------------


def _required(row: Row, name: str) -> Any:
    value = row.get(name)
    if value is None:
        raise ExactUnavailableError(f"Exact sent no {name}")
    return value


def _uuid(row: Row, name: str) -> uuid.UUID:
    return uuid.UUID(str(_required(row, name)))


def _optional_uuid(row: Row, name: str) -> uuid.UUID | None:
    value = row.get(name)
    if value is None or value == "":
        return None
    key = uuid.UUID(str(value))
    return None if key.int == 0 else key


def _text(row: Row, name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value)


def _optional_text(row: Row, name: str) -> str | None:
    """Exact's empty values (null, "", blanks) are "not set"."""
    value = row.get(name)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _code(row: Row, name: str) -> str:
    return _text(row, name).strip()


def _int(row: Row, name: str) -> int:
    return int(_required(row, name))  # Int64 may travel as a string in OData v2


def _optional_int(row: Row, name: str) -> int | None:
    value = row.get(name)
    return None if value is None else int(value)


def _decimal(row: Row, name: str) -> Decimal:
    value = row.get(name)
    if value is None:
        return Decimal(0)
    if isinstance(value, float):  # never from codec.loads; exact if it happens
        return Decimal(repr(value))
    return Decimal(value) if isinstance(value, int) else Decimal(str(value))


def _bool(row: Row, name: str, default: bool = False) -> bool:
    value = row.get(name)
    return default if value is None else bool(value)


def _datetime(row: Row, name: str) -> dt.datetime | None:
    value = row.get(name)
    return codec.decode_date(value) if isinstance(value, str) and value else None


def _lines(value: Any) -> list[Row]:
    """An expanded navigation collection (``{"results":[…]}``); deferred gives none."""
    if isinstance(value, dict):
        value = value.get("results")
    if isinstance(value, list):
        return [row for row in value if isinstance(row, dict)]
    return []


# --- reference data -----------------------------------------------------------


def user(row: Row) -> ExactUser:
    return ExactUser(
        user_id=_uuid(row, "UserID"),
        full_name=_text(row, "FullName"),
        email=_text(row, "Email"),
        current_division=_int(row, "CurrentDivision"),
        language=_text(row, "LanguageCode"),
    )


def division(row: Row) -> ExactDivision:
    return ExactDivision(
        code=_int(row, "Code"),
        description=_text(row, "Description"),
        active=row.get("Status") == DIVISION_STATUS_ACTIVE,
    )


def journal(row: Row) -> ExactJournal:
    return ExactJournal(
        journal_id=_uuid(row, "ID"),
        code=_code(row, "Code"),
        description=_text(row, "Description"),
        type=_int(row, "Type"),
        blocked=_bool(row, "IsBlocked"),
    )


def item(row: Row) -> ExactItem:
    return ExactItem(
        item_id=_uuid(row, "ID"),
        code=_code(row, "Code"),
        description=_text(row, "Description"),
        is_sales_item=_bool(row, "IsSalesItem", default=True),
        vat_code=_optional_text(row, "SalesVatCode"),
        revenue_account=_optional_uuid(row, "GLRevenue"),
        unit=_optional_text(row, "Unit"),
    )


def vat_code(row: Row) -> ExactVatCode:
    return ExactVatCode(
        code=_code(row, "Code"),
        description=_text(row, "Description"),
        percentage=_decimal(row, "Percentage"),
        blocked=_bool(row, "IsBlocked"),
    )


def gl_account(row: Row) -> ExactGlAccount:
    return ExactGlAccount(
        gl_account_id=_uuid(row, "ID"),
        code=_code(row, "Code"),
        description=_text(row, "Description"),
        type=_int(row, "Type"),
    )


def payment_condition(row: Row) -> ExactPaymentCondition:
    return ExactPaymentCondition(
        code=_code(row, "Code"),
        description=_text(row, "Description"),
        payment_days=_optional_int(row, "PaymentDays") or 0,
    )


# --- accounts -------------------------------------------------------------------


def account(row: Row) -> ExactAccount:
    return ExactAccount(
        account_id=_uuid(row, "ID"),
        code=_code(row, "Code"),
        fields=AccountFields(
            name=_text(row, "Name"),
            **{attr: _optional_text(row, column) for attr, column in _ACCOUNT_COLUMNS.items()},
        ),
        status=_code(row, "Status"),
        modified=_datetime(row, "Modified"),
    )


def account_fields_body(fields: AccountFields) -> Row:
    """The fields to write: None is left out (Exact keeps its value), "" clears."""
    body: Row = {"Name": fields.name}
    for attribute, column in _ACCOUNT_COLUMNS.items():
        value = getattr(fields, attribute)
        if value is not None:
            body[column] = value
    return body


def new_account_body(draft: AccountDraft) -> Row:
    body = account_fields_body(draft.fields)
    body["Status"] = ACCOUNT_STATUS_CUSTOMER
    if draft.code is not None:
        body["Code"] = codec.pad_account_code(draft.code)
    return body


def timestamp(row: Row) -> int:
    return _int(row, "Timestamp")


# --- sales invoices -------------------------------------------------------------


def sales_invoice_body(draft: SalesInvoiceDraft) -> Row:
    """The POST body; a draft without lines is refused here, before it reaches Exact."""
    if not draft.lines:
        raise ExactValidationError("A sales invoice needs at least one line")
    body: Row = {
        "Type": SALES_INVOICE_TYPE,
        "Journal": draft.journal,
        "OrderedBy": str(draft.ordered_by),
        "YourRef": draft.your_ref,
        "InvoiceDate": draft.invoice_date.isoformat(),
        "Description": draft.description,
    }
    if draft.payment_condition is not None:
        body["PaymentCondition"] = draft.payment_condition
    if draft.order_number is not None:
        body["OrderNumber"] = draft.order_number
    lines: list[Row] = []
    for line in draft.lines:
        entry: Row = {
            "Item": str(line.item_id),
            "Quantity": line.quantity,
            "NetPrice": line.net_price,
            "Description": line.description,
        }
        if line.vat_code is not None:
            entry["VATCode"] = line.vat_code
        if line.gl_account_id is not None:
            entry["GLAccount"] = str(line.gl_account_id)
        if line.unit_code is not None:
            entry["UnitCode"] = line.unit_code
        lines.append(entry)
    body[SALES_INVOICE_LINES] = lines
    return body


def sales_invoice_line(row: Row) -> ExactSalesInvoiceLine:
    return ExactSalesInvoiceLine(
        line_number=_int(row, "LineNumber"),
        item_id=_uuid(row, "Item"),
        description=_text(row, "Description"),
        quantity=_decimal(row, "Quantity"),
        net_price=_decimal(row, "NetPrice"),
        amount=_decimal(row, "AmountFC"),
        vat_code=_optional_text(row, "VATCode"),
        vat_amount=_decimal(row, "VATAmountFC"),
        gl_account_id=_optional_uuid(row, "GLAccount"),
    )


def sales_invoice(row: Row) -> ExactSalesInvoice:
    """The header; lines only when they were expanded (a POST answers them deferred)."""
    lines = sorted(
        (sales_invoice_line(line) for line in _lines(row.get(SALES_INVOICE_LINES))),
        key=lambda line: line.line_number,
    )
    return ExactSalesInvoice(
        invoice_id=_uuid(row, "InvoiceID"),
        your_ref=_optional_text(row, "YourRef"),
        order_number=_optional_int(row, "OrderNumber") or 0,
        invoice_number=_optional_int(row, "InvoiceNumber"),
        status=InvoiceStatus(_int(row, "Status")),
        journal=_code(row, "Journal"),
        ordered_by=_uuid(row, "OrderedBy"),
        amount_excl_vat=_decimal(row, "AmountFCExclVat"),
        vat_amount=_decimal(row, "VATAmountFC"),
        amount_incl_vat=_decimal(row, "AmountFC"),
        lines=tuple(lines),
    )


def document_id(row: Row, name: str = "Document") -> uuid.UUID | None:
    return _optional_uuid(row, name)


def document_body(invoice_id: uuid.UUID, subject: str) -> Row:
    return {
        "Subject": subject,
        "Type": SALES_INVOICE_DOCUMENT_TYPE,
        "FinancialTransactionEntryID": str(invoice_id),
    }


def attachment_file_name(row: Row) -> str:
    return _text(row, "FileName")


def attachment_body(document: uuid.UUID, file_name: str, content: bytes) -> Row:
    return {
        "Document": str(document),
        "FileName": file_name,
        "Attachment": base64.b64encode(content).decode("ascii"),
    }


# --- webhooks -------------------------------------------------------------------


def webhook(row: Row) -> WebhookSubscription:
    return WebhookSubscription(
        subscription_id=_uuid(row, "ID"),
        topic=_text(row, "Topic"),
        callback_url=_text(row, "CallbackURL"),
    )
