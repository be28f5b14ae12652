"""`ExactOnlineGateway`: the `ExactGateway` port over Exact Online's REST API.

Each operation is a few calls through `ExactHttp` (which owns auth, errors and
paging); this module knows the endpoints, the `$select`s and the filters.
Lookups of many invoices go in `or`-batches of `BATCH_SIZE` (as ossobv does), so
500 invoices take 13 calls; the accounts feed reads the sync endpoint, one
1000-row page per call.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TypeVar

from application.exact import (
    AccountChanges,
    AccountDraft,
    AccountFields,
    ExactAccount,
    ExactDivision,
    ExactGlAccount,
    ExactItem,
    ExactJournal,
    ExactNotFoundError,
    ExactPaymentCondition,
    ExactSalesInvoice,
    ExactThrottledError,
    ExactUnavailableError,
    ExactUser,
    ExactVatCode,
    ProcessedInvoice,
    SalesInvoiceDraft,
    WebhookSubscription,
)
from infrastructure.exact import odata
from infrastructure.exact import payloads as p
from infrastructure.exact.http import ExactHttp, Row

T = TypeVar("T")
K = TypeVar("K")

BATCH_SIZE = 40
SYNC_PAGE_SIZE = 1000

ME = "current/Me"
DIVISIONS = "system/Divisions"
JOURNALS = "financial/Journals"
ITEMS = "logistics/Items"
VAT_CODES = "vat/VATCodes"
GL_ACCOUNTS = "financial/GLAccounts"
PAYMENT_CONDITIONS = "cashflow/PaymentConditions"
ACCOUNTS = "crm/Accounts"
ACCOUNTS_SYNC = "sync/CRM/Accounts"
SALES_INVOICES = "salesinvoice/SalesInvoices"
PRINTED_SALES_INVOICES = "salesinvoice/PrintedSalesInvoices"
DOCUMENTS = "documents/Documents"
DOCUMENT_ATTACHMENTS = "documents/DocumentAttachments"
WEBHOOK_SUBSCRIPTIONS = "webhooks/WebhookSubscriptions"


class ExactOnlineGateway:
    """Everything Hourbill asks of Exact Online, over `http`."""

    def __init__(self, http: ExactHttp) -> None:
        self._http = http
        self._current_division: int | None = None

    @property
    def http(self) -> ExactHttp:
        return self._http

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- administration -------------------------------------------------------

    async def current_user(self) -> ExactUser:
        response = await self._http.get_one(
            ME, division=None, params={"$select": p.select(p.USER_FIELDS)}
        )
        if response is None:
            raise ExactUnavailableError("Exact did not say who is connected (current/Me)")
        me = p.user(response)
        self._current_division = me.current_division
        return me

    async def divisions(self) -> list[ExactDivision]:
        """The divisions the user can open, read in the user's current division."""
        current = self._current_division
        if current is None:
            current = (await self.current_user()).current_division
        return await self._list(DIVISIONS, current, p.DIVISION_FIELDS, p.division)

    async def journals(self, division: int) -> list[ExactJournal]:
        return await self._list(JOURNALS, division, p.JOURNAL_FIELDS, p.journal)

    async def items(self, division: int) -> list[ExactItem]:
        return await self._list(ITEMS, division, p.ITEM_FIELDS, p.item)

    async def vat_codes(self, division: int) -> list[ExactVatCode]:
        return await self._list(VAT_CODES, division, p.VAT_CODE_FIELDS, p.vat_code)

    async def gl_accounts(self, division: int) -> list[ExactGlAccount]:
        return await self._list(GL_ACCOUNTS, division, p.GL_ACCOUNT_FIELDS, p.gl_account)

    async def payment_conditions(self, division: int) -> list[ExactPaymentCondition]:
        return await self._list(
            PAYMENT_CONDITIONS, division, p.PAYMENT_CONDITION_FIELDS, p.payment_condition
        )

    # --- accounts ---------------------------------------------------------------

    async def account(self, division: int, account_id: uuid.UUID) -> ExactAccount | None:
        row = await self._http.get_one(
            odata.keyed(ACCOUNTS, account_id),
            division=division,
            params={"$select": p.select(p.ACCOUNT_FIELDS)},
        )
        return None if row is None else p.account(row)

    async def find_accounts(
        self,
        division: int,
        *,
        code: str | None = None,
        vat_number: str | None = None,
        name: str | None = None,
    ) -> list[ExactAccount]:
        conditions = []
        if code is not None:
            conditions.append(odata.eq("trim(Code)", odata.string(code.strip())))
        if vat_number is not None:
            conditions.append(odata.eq("VATNumber", odata.string(vat_number)))
        if name is not None:
            conditions.append(odata.eq("Name", odata.string(name)))
        if not conditions:
            raise ValueError("find_accounts needs a code, a VAT number or a name")
        return await self._list(
            ACCOUNTS, division, p.ACCOUNT_FIELDS, p.account, where=odata.all_of(conditions)
        )

    async def accounts_changed_since(self, division: int, timestamp: int) -> AccountChanges:
        rows, next_url = await self._http.get_page(
            ACCOUNTS_SYNC,
            division=division,
            params={
                "$filter": f"Timestamp gt {int(timestamp)}",
                "$select": p.select((*p.ACCOUNT_FIELDS, "Timestamp")),
            },
        )
        return AccountChanges(
            accounts=[p.account(row) for row in rows],
            next_timestamp=max((p.timestamp(row) for row in rows), default=timestamp),
            complete=next_url is None and len(rows) < SYNC_PAGE_SIZE,
        )

    async def create_account(self, division: int, draft: AccountDraft) -> ExactAccount:
        row = await self._http.post(ACCOUNTS, division=division, body=p.new_account_body(draft))
        return p.account(row)

    async def update_account(
        self, division: int, account_id: uuid.UUID, fields: AccountFields
    ) -> None:
        await self._http.put(
            odata.keyed(ACCOUNTS, account_id),
            division=division,
            body=p.account_fields_body(fields),
        )

    # --- sales invoices -------------------------------------------------------

    async def create_sales_invoice(
        self, division: int, draft: SalesInvoiceDraft
    ) -> ExactSalesInvoice:
        row = await self._http.post(
            SALES_INVOICES, division=division, body=p.sales_invoice_body(draft)
        )
        return p.sales_invoice(row)

    async def sales_invoices_by_reference(
        self, division: int, your_refs: Sequence[str]
    ) -> dict[str, ExactSalesInvoice]:
        """When several invoices carry one reference, the first Exact lists wins."""
        invoices = await self._batched(
            your_refs, division, lambda ref: odata.eq("YourRef", odata.string(ref))
        )
        found: dict[str, ExactSalesInvoice] = {}
        for invoice in invoices:
            if invoice.your_ref is not None:
                found.setdefault(invoice.your_ref, invoice)
        return {ref: found[ref] for ref in dict.fromkeys(your_refs) if ref in found}

    async def sales_invoices(
        self, division: int, invoice_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, ExactSalesInvoice]:
        invoices = await self._batched(
            invoice_ids, division, lambda key: odata.eq("InvoiceID", odata.guid(key))
        )
        return {invoice.invoice_id: invoice for invoice in invoices}

    async def sales_invoice(self, division: int, invoice_id: uuid.UUID) -> ExactSalesInvoice | None:
        row = await self._http.get_one(
            odata.keyed(SALES_INVOICES, invoice_id),
            division=division,
            params={
                "$select": p.select((*p.SALES_INVOICE_FIELDS, p.SALES_INVOICE_LINES)),
                "$expand": p.SALES_INVOICE_LINES,
            },
        )
        return None if row is None else p.sales_invoice(row)

    async def process_sales_invoice(self, division: int, invoice_id: uuid.UUID) -> ProcessedInvoice:
        printed = await self._http.post(
            PRINTED_SALES_INVOICES, division=division, body={"InvoiceID": str(invoice_id)}
        )
        # The print went through: a failure to read the number back must not
        # report it as failed (a processed invoice cannot be printed again).
        try:
            header = await self._http.get_one(
                odata.keyed(SALES_INVOICES, invoice_id),
                division=division,
                params={"$select": p.select(p.SALES_INVOICE_FIELDS)},
            )
        except (ExactThrottledError, ExactUnavailableError):
            header = None
        return ProcessedInvoice(
            invoice_id=invoice_id,
            document_id=p.document_id(printed),
            invoice_number=None if header is None else p.sales_invoice(header).invoice_number,
        )

    async def attach_document(
        self,
        division: int,
        invoice_id: uuid.UUID,
        *,
        subject: str,
        file_name: str,
        content: bytes,
        look_first: bool = False,
    ) -> uuid.UUID:
        """POST the document, POST its file, PUT the link: three calls.

        With `look_first`, an earlier attempt's document (the invoice's, with
        this subject) is reused and its file is not sent again when one of
        this name is there: one or two GETs more, and nothing made twice.
        """
        document_id = (
            await self._find_document(division, invoice_id, subject) if look_first else None
        )
        has_file = False
        if document_id is None:
            document = await self._http.post(
                DOCUMENTS, division=division, body=p.document_body(invoice_id, subject)
            )
            document_id = p.document_id(document, "ID")
            if document_id is None:
                raise ExactUnavailableError("Exact created a document without an ID")
        else:
            has_file = file_name in await self._file_names(division, document_id)
        if not has_file:
            await self._http.post(
                DOCUMENT_ATTACHMENTS,
                division=division,
                body=p.attachment_body(document_id, file_name, content),
            )
        await self._http.put(
            odata.keyed(SALES_INVOICES, invoice_id),
            division=division,
            body={"Document": str(document_id)},
        )
        return document_id

    async def _find_document(
        self, division: int, invoice_id: uuid.UUID, subject: str
    ) -> uuid.UUID | None:
        """The first document Exact lists for the invoice with this subject."""
        where = odata.all_of(
            (
                odata.eq("FinancialTransactionEntryID", odata.guid(invoice_id)),
                odata.eq("Subject", odata.string(subject)),
            )
        )
        rows, _ = await self._http.get_page(
            DOCUMENTS,
            division=division,
            params={"$filter": where, "$select": p.select(p.DOCUMENT_FIELDS)},
        )
        found = (p.document_id(row, "ID") for row in rows)
        return next((key for key in found if key is not None), None)

    async def _file_names(self, division: int, document_id: uuid.UUID) -> set[str]:
        rows, _ = await self._http.get_page(
            DOCUMENT_ATTACHMENTS,
            division=division,
            params={
                "$filter": odata.eq("Document", odata.guid(document_id)),
                "$select": p.select(p.ATTACHMENT_FIELDS),
            },
        )
        return {p.attachment_file_name(row) for row in rows}

    # --- webhooks ---------------------------------------------------------------

    async def webhook_subscriptions(self, division: int) -> list[WebhookSubscription]:
        return await self._list(WEBHOOK_SUBSCRIPTIONS, division, p.WEBHOOK_FIELDS, p.webhook)

    async def subscribe(self, division: int, topic: str, callback_url: str) -> WebhookSubscription:
        row = await self._http.post(
            WEBHOOK_SUBSCRIPTIONS,
            division=division,
            body={"CallbackURL": callback_url, "Topic": topic},
        )
        return p.webhook(row)

    async def unsubscribe(self, division: int, subscription_id: uuid.UUID) -> None:
        """Idempotent: a subscription that is already gone is fine."""
        try:
            await self._http.delete(
                odata.keyed(WEBHOOK_SUBSCRIPTIONS, subscription_id), division=division
            )
        except ExactNotFoundError:
            return

    # --- helpers ----------------------------------------------------------------

    async def _list(
        self,
        path: str,
        division: int,
        fields: tuple[str, ...],
        convert: Callable[[Row], T],
        *,
        where: str | None = None,
    ) -> list[T]:
        params = {"$select": p.select(fields)}
        if where is not None:
            params["$filter"] = where
        rows = await self._http.get_all(path, division=division, params=params)
        return [convert(row) for row in rows]

    async def _batched(
        self, keys: Sequence[K], division: int, condition: Callable[[K], str]
    ) -> list[ExactSalesInvoice]:
        """Invoice headers matching any key, `BATCH_SIZE` keys per call."""
        unique = list(dict.fromkeys(keys))
        invoices: list[ExactSalesInvoice] = []
        for start in range(0, len(unique), BATCH_SIZE):
            batch = unique[start : start + BATCH_SIZE]
            invoices += await self._list(
                SALES_INVOICES,
                division,
                p.SALES_INVOICE_FIELDS,
                p.sales_invoice,
                where=odata.any_of(condition(key) for key in batch),
            )
        return invoices
