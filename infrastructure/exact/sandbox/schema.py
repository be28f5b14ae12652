"""The entity sets the sandbox serves: fields with their Edm types, keys, rules.

Field lists follow Exact's REST reference as summarised in
`shared/exact-online-api.md` (mandatory = REQ, ro = GET-only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from infrastructure.exact.sandbox.odata import Edm

STR, I16, I32, I64 = Edm.STRING, Edm.INT16, Edm.INT32, Edm.INT64
DBL, BOOL, BYTE, GUID, DATE = Edm.DOUBLE, Edm.BOOLEAN, Edm.BYTE, Edm.GUID, Edm.DATETIME

REGULAR_PAGE = 60
BULK_PAGE = 1000

GET, POST, PUT, DELETE = "GET", "POST", "PUT", "DELETE"
ALL_METHODS = frozenset({GET, POST, PUT, DELETE})


@dataclass(frozen=True)
class EntitySet:
    path: str
    """``service/Entity`` as in the URL, e.g. ``crm/Accounts``."""
    type_name: str
    key: str
    fields: Mapping[str, Edm]
    required: frozenset[str] = frozenset()
    read_only: frozenset[str] = frozenset()
    methods: frozenset[str] = frozenset({GET})
    table: str = ""
    """The table behind it; bulk and sync sets share their regular set's table."""
    page_size: int = REGULAR_PAGE
    select_required: bool = False
    server_key: bool = True
    """The server makes the key on POST (a posted key is ignored)."""
    navigation: Mapping[str, str] = field(default_factory=dict)
    """Navigation property -> the path of the entity set it holds (``$expand``)."""

    @property
    def entity_type(self) -> str:
        return f"Exact.Web.Api.Models.{self.type_name}"

    @property
    def writable(self) -> frozenset[str]:
        return frozenset(self.fields) - self.read_only - {self.key}


def _set(path: str, type_name: str, key: str, fields: Mapping[str, Edm], **kw: object) -> EntitySet:
    table = str(kw.pop("table", path))
    return EntitySet(path, type_name, key, dict(fields), table=table, **kw)  # type: ignore[arg-type]


_AUDIT = {"Created": DATE, "Modified": DATE, "Creator": GUID, "Modifier": GUID, "Division": I32}

DIVISIONS = _set(
    "system/Divisions",
    "Division",
    "Code",
    {
        "Code": I32,
        "Description": STR,
        "Current": BOOL,
        "Status": I16,
        "Country": STR,
        "Currency": STR,
        "DivisionMoveDate": DATE,
        "HID": I64,
    },
    read_only=frozenset({"Current", "Status", "DivisionMoveDate", "HID"}),
)

ACCOUNT_FIELDS: dict[str, Edm] = {
    "ID": GUID,
    "Code": STR,
    "Name": STR,
    "Status": STR,
    "IsSales": BOOL,
    "IsSupplier": BOOL,
    "Blocked": BOOL,
    "VATNumber": STR,
    "Email": STR,
    "AddressLine1": STR,
    "AddressLine2": STR,
    "AddressLine3": STR,
    "Postcode": STR,
    "City": STR,
    "Country": STR,
    "ChamberOfCommerce": STR,
    "Phone": STR,
    "Website": STR,
    "PaymentConditionSales": STR,
    "SalesVATCode": STR,
    "SalesCurrency": STR,
    "GLAccountSales": GUID,
    "Type": STR,
    **_AUDIT,
}
ACCOUNTS = _set(
    "crm/Accounts",
    "Account",
    "ID",
    ACCOUNT_FIELDS,
    required=frozenset({"Name"}),
    read_only=frozenset({"IsSales", "Type", *_AUDIT}),
    methods=ALL_METHODS,
)

ITEMS = _set(
    "logistics/Items",
    "Item",
    "ID",
    {
        "ID": GUID,
        "Code": STR,
        "Description": STR,
        "IsSalesItem": BOOL,
        "IsPurchaseItem": BOOL,
        "IsStockItem": BOOL,
        "IsWebshopItem": BYTE,
        "SalesVatCode": STR,
        "GLRevenue": GUID,
        "GLRevenueCode": STR,
        "GLCosts": GUID,
        "Unit": STR,
        "StandardSalesPrice": DBL,
        "StartDate": DATE,
        "EndDate": DATE,
        **_AUDIT,
    },
    required=frozenset({"Code", "Description"}),
    read_only=frozenset({"GLRevenueCode", "StandardSalesPrice", *_AUDIT}),
    methods=ALL_METHODS,
)

VAT_CODES = _set(
    "vat/VATCodes",
    "VATCode",
    "ID",
    {
        "ID": GUID,
        "Code": STR,
        "Description": STR,
        "Percentage": DBL,
        "Type": STR,
        "VATTransactionType": STR,
        "IsBlocked": BOOL,
        "GLToPay": GUID,
        "GLToClaim": GUID,
        **_AUDIT,
    },
    required=frozenset({"Code", "Description"}),
    read_only=frozenset({"Percentage", *_AUDIT}),
    methods=ALL_METHODS,
)

JOURNALS = _set(
    "financial/Journals",
    "Journal",
    "ID",
    {
        "ID": GUID,
        "Code": STR,
        "Description": STR,
        "Type": I32,
        "IsBlocked": BOOL,
        "Currency": STR,
        **_AUDIT,
    },
    read_only=frozenset(_AUDIT),
)

GL_ACCOUNTS = _set(
    "financial/GLAccounts",
    "GLAccount",
    "ID",
    {
        "ID": GUID,
        "Code": STR,
        "Description": STR,
        "Type": I32,
        "BalanceType": STR,
        "BalanceSide": STR,
        "VATCode": STR,
        "IsBlocked": BOOL,
        **_AUDIT,
    },
    required=frozenset({"Code", "Description"}),
    read_only=frozenset(_AUDIT),
    methods=ALL_METHODS,
)

PAYMENT_CONDITIONS = _set(
    "cashflow/PaymentConditions",
    "PaymentCondition",
    "ID",
    {
        "ID": GUID,
        "Code": STR,
        "Description": STR,
        "PaymentDays": I32,
        "PaymentEndOfMonths": I32,
        "DiscountPercentage": DBL,
        "DiscountPaymentDays": I32,
        "PaymentMethod": STR,
        **_AUDIT,
    },
    required=frozenset({"Code", "Description"}),
    read_only=frozenset(_AUDIT),
    methods=frozenset({GET, POST}),
)

INVOICE_LINE_FIELDS: dict[str, Edm] = {
    "ID": GUID,
    "InvoiceID": GUID,
    "LineNumber": I32,
    "Item": GUID,
    "ItemCode": STR,
    "ItemDescription": STR,
    "Description": STR,
    "Notes": STR,
    "Quantity": DBL,
    "UnitPrice": DBL,
    "NetPrice": DBL,
    "Discount": DBL,
    "AmountFC": DBL,
    "AmountDC": DBL,
    "VATCode": STR,
    "VATPercentage": DBL,
    "VATAmountFC": DBL,
    "VATAmountDC": DBL,
    "GLAccount": GUID,
    "GLAccountDescription": STR,
    "UnitCode": STR,
    "CostCenter": STR,
    "CostUnit": STR,
    "Project": GUID,
    "DeliveryDate": DATE,
    "Division": I32,
}
INVOICE_LINES = _set(
    "salesinvoice/SalesInvoiceLines",
    "SalesInvoiceLine",
    "ID",
    INVOICE_LINE_FIELDS,
    required=frozenset({"InvoiceID", "Item"}),
    read_only=frozenset(
        {
            "LineNumber",
            "AmountDC",
            "ItemCode",
            "ItemDescription",
            "GLAccountDescription",
            "Division",
        }
    ),
)

INVOICE_FIELDS: dict[str, Edm] = {
    "InvoiceID": GUID,
    "InvoiceNumber": I32,
    "OrderNumber": I32,
    "YourRef": STR,
    "Journal": STR,
    "JournalDescription": STR,
    "OrderedBy": GUID,
    "OrderedByName": STR,
    "InvoiceTo": GUID,
    "InvoiceToName": STR,
    "DeliverTo": GUID,
    "Type": I32,
    "Status": I16,
    "StatusDescription": STR,
    "Description": STR,
    "Remarks": STR,
    "PaymentReference": STR,
    "Currency": STR,
    "PaymentCondition": STR,
    "PaymentConditionDescription": STR,
    "InvoiceDate": DATE,
    "OrderDate": DATE,
    "DueDate": DATE,
    "Discount": DBL,
    "Document": GUID,
    "Salesperson": GUID,
    "Warehouse": GUID,
    "AmountFC": DBL,
    "AmountFCExclVat": DBL,
    "AmountDC": DBL,
    "VATAmountFC": DBL,
    "VATAmountDC": DBL,
    "SalesInvoiceLines": STR,
    "Timestamp": I64,
    **_AUDIT,
}
INVOICES = _set(
    "salesinvoice/SalesInvoices",
    "SalesInvoice",
    "InvoiceID",
    INVOICE_FIELDS,
    required=frozenset({"Journal", "OrderedBy", "SalesInvoiceLines"}),
    read_only=frozenset(
        {
            "InvoiceNumber",
            "Status",
            "StatusDescription",
            "JournalDescription",
            "OrderedByName",
            "InvoiceToName",
            "PaymentConditionDescription",
            "AmountFC",
            "AmountFCExclVat",
            "AmountDC",
            "VATAmountFC",
            "VATAmountDC",
            "Timestamp",
            *_AUDIT,
        }
    ),
    methods=ALL_METHODS,
    navigation={"SalesInvoiceLines": INVOICE_LINES.path},
)

PRINTED_INVOICES = _set(
    "salesinvoice/PrintedSalesInvoices",
    "PrintedSalesInvoice",
    "InvoiceID",
    {
        "InvoiceID": GUID,
        "SendEmailToCustomer": BOOL,
        "SenderEmailAddress": STR,
        "DocumentLayout": GUID,
        "EmailLayout": GUID,
        "ExtraText": STR,
        "InvoiceDate": DATE,
        "ReportingPeriod": I16,
        "ReportingYear": I16,
        "SendInvoiceViaPeppol": BOOL,
        "SendOutputBasedOnAccount": BOOL,
        "Document": GUID,
        "DocumentCreationSuccess": STR,
        "DocumentCreationError": STR,
        "EmailCreationSuccess": STR,
        "EmailCreationError": STR,
    },
    required=frozenset({"InvoiceID"}),
    read_only=frozenset(
        {
            "Document",
            "DocumentCreationSuccess",
            "DocumentCreationError",
            "EmailCreationSuccess",
            "EmailCreationError",
        }
    ),
    methods=frozenset({POST}),
    server_key=False,
)

DOCUMENTS = _set(
    "documents/Documents",
    "Document",
    "ID",
    {
        "ID": GUID,
        "Subject": STR,
        "Type": I32,
        "TypeDescription": STR,
        "Account": GUID,
        "DocumentDate": DATE,
        "FinancialTransactionEntryID": GUID,
        "SalesInvoiceNumber": I32,
        "DocumentViewUrl": STR,
        **_AUDIT,
    },
    required=frozenset({"Subject", "Type"}),
    read_only=frozenset({"DocumentViewUrl", "TypeDescription", *_AUDIT}),
    methods=ALL_METHODS,
)

DOCUMENT_ATTACHMENTS = _set(
    "documents/DocumentAttachments",
    "DocumentAttachment",
    "ID",
    {
        "ID": GUID,
        "Document": GUID,
        "FileName": STR,
        "Attachment": STR,
        "FileSize": DBL,
        "Url": STR,
        "Division": I32,
    },
    required=frozenset({"Document", "FileName", "Attachment"}),
    read_only=frozenset({"FileSize", "Url", "Division"}),
    methods=frozenset({GET, POST, DELETE}),
)

WEBHOOK_SUBSCRIPTIONS = _set(
    "webhooks/WebhookSubscriptions",
    "WebhookSubscription",
    "ID",
    {
        "ID": GUID,
        "CallbackURL": STR,
        "Topic": STR,
        "ClientID": GUID,
        "UserID": GUID,
        "IsInstant": BOOL,
        "Description": STR,
        **_AUDIT,
    },
    required=frozenset({"CallbackURL", "Topic"}),
    read_only=frozenset({"ClientID", *_AUDIT}),
    methods=frozenset({GET, POST, DELETE}),
)

BULK_ACCOUNTS = _set(
    "bulk/CRM/Accounts",
    "Account",
    "ID",
    ACCOUNT_FIELDS,
    table=ACCOUNTS.path,
    page_size=BULK_PAGE,
    select_required=True,
)
BULK_INVOICES = _set(
    "bulk/SalesInvoice/SalesInvoices",
    "SalesInvoice",
    "InvoiceID",
    INVOICE_FIELDS,
    table=INVOICES.path,
    page_size=BULK_PAGE,
    select_required=True,
)
SYNC_ACCOUNTS = _set(
    "sync/CRM/Accounts",
    "Account",
    "Timestamp",
    {**ACCOUNT_FIELDS, "Timestamp": I64},
    table=ACCOUNTS.path,
    page_size=BULK_PAGE,
    select_required=True,
)
SYNC_INVOICE_FIELDS: dict[str, Edm] = {
    **{name: kind for name, kind in INVOICE_FIELDS.items() if name != "SalesInvoiceLines"},
    **{name: kind for name, kind in INVOICE_LINE_FIELDS.items() if name not in INVOICE_FIELDS},
    "ID": GUID,
    "LineNumber": I32,
}
SYNC_INVOICES = _set(
    "sync/SalesInvoice/SalesInvoices",
    "SalesInvoice",
    "Timestamp",
    SYNC_INVOICE_FIELDS,
    table="sync/SalesInvoices",
    page_size=BULK_PAGE,
    select_required=True,
)
SYNC_DELETED = _set(
    "sync/Deleted",
    "Deleted",
    "Timestamp",
    {
        "Timestamp": I64,
        "ID": GUID,
        "EntityKey": GUID,
        "EntityType": I32,
        "DeletedDate": DATE,
        "Division": I32,
    },
    table="sync/Deleted",
    page_size=BULK_PAGE,
    select_required=True,
)

ENTITY_SETS: dict[str, EntitySet] = {
    entity_set.path.lower(): entity_set
    for entity_set in (
        DIVISIONS,
        ACCOUNTS,
        ITEMS,
        VAT_CODES,
        JOURNALS,
        GL_ACCOUNTS,
        PAYMENT_CONDITIONS,
        INVOICES,
        INVOICE_LINES,
        PRINTED_INVOICES,
        DOCUMENTS,
        DOCUMENT_ATTACHMENTS,
        WEBHOOK_SUBSCRIPTIONS,
        BULK_ACCOUNTS,
        BULK_INVOICES,
        SYNC_ACCOUNTS,
        SYNC_INVOICES,
        SYNC_DELETED,
    )
}
"""Exact's URLs are case-insensitive on the path: look entity sets up lowercased."""

SYNC_ENTITY_TYPES = {
    ACCOUNTS.path: 2,
    DOCUMENTS.path: 6,
    GL_ACCOUNTS.path: 7,
    ITEMS.path: 9,
    INVOICES.path: 13,
}

WEBHOOK_TOPICS = {
    "Accounts": ACCOUNTS.path,
    "Items": ITEMS.path,
    "SalesInvoices": INVOICES.path,
    "Documents": DOCUMENTS.path,
    "GLAccounts": GL_ACCOUNTS.path,
}
"""Topics the sandbox sends events for (Exact has more: SalesOrders, TimeTransactions, …)."""
