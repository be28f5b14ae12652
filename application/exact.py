"""The Exact Online port: what the use cases need from an Exact administration.

Every call names its division explicitly: Exact's "current division" follows
whatever company the user last opened in the web UI, so relying on it invoices
into the wrong administration.

Implementations: `infrastructure.exact.gateway.ExactOnlineGateway` (httpx, the
real Exact Online or the sandbox server) and `infrastructure.exact.fake.
FakeExactGateway` (in memory, same observable behaviour). Values cross this
port as plain, typed, frozen dataclasses: `Decimal` amounts, trimmed codes,
`datetime` in Exact's local wall-clock time; no JSON, no OData, no padding.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

# --- errors -----------------------------------------------------------------


class ExactError(Exception):
    """Something Exact refused or could not do; `message` is Exact's own text."""

    retryable: bool = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ExactValidationError(ExactError):
    """Exact rejected the request (mandatory field, bad reference, bad value)."""


class ExactNotFoundError(ExactError):
    """The entity does not exist in this division."""


class ExactAuthError(ExactError):
    """The connection is not (or no longer) authorised: reconnect needed."""


class ExactThrottledError(ExactError):
    """A rate limit was hit; `retry_at` is when Exact will accept calls again."""

    retryable = True

    def __init__(self, message: str, *, retry_at: dt.datetime | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_at = retry_at


class ExactUnavailableError(ExactError):
    """A 5xx, a timeout or a dropped connection: the outcome of a write is unknown."""

    retryable = True


# --- reference data ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExactUser:
    user_id: uuid.UUID
    full_name: str
    email: str
    current_division: int
    language: str


@dataclass(frozen=True, slots=True)
class ExactDivision:
    code: int
    description: str
    active: bool


class JournalType(enum.IntEnum):
    CASH = 10
    BANK = 12
    PAYMENT_SERVICE = 16
    SALES = 20
    SALES_RETURN = 21
    PURCHASE = 22
    PURCHASE_RETURN = 23
    GENERAL = 90


@dataclass(frozen=True, slots=True)
class ExactJournal:
    journal_id: uuid.UUID
    code: str
    description: str
    type: int
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class ExactItem:
    item_id: uuid.UUID
    code: str
    description: str
    is_sales_item: bool = True
    vat_code: str | None = None
    revenue_account: uuid.UUID | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class ExactVatCode:
    code: str
    description: str
    percentage: Decimal
    """A fraction, as Exact sends it: 0.21 for 21 %."""
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class ExactGlAccount:
    gl_account_id: uuid.UUID
    code: str
    description: str
    type: int


@dataclass(frozen=True, slots=True)
class ExactPaymentCondition:
    code: str
    description: str
    payment_days: int


# --- accounts -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountFields:
    """The account fields Hourbill reads and writes; None means "not set"."""

    name: str
    vat_number: str | None = None
    email: str | None = None
    address_line: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    chamber_of_commerce: str | None = None


@dataclass(frozen=True, slots=True)
class AccountDraft:
    fields: AccountFields
    code: str | None = None
    """None lets Exact assign the next free code."""


@dataclass(frozen=True, slots=True)
class ExactAccount:
    account_id: uuid.UUID
    code: str
    """Trimmed: Exact pads it to 18 characters with leading spaces."""
    fields: AccountFields
    status: str
    modified: dt.datetime | None = None

    @property
    def name(self) -> str:
        return self.fields.name


@dataclass(frozen=True, slots=True)
class AccountChanges:
    """One page of the accounts sync feed, and the timestamp to continue from."""

    accounts: list[ExactAccount]
    next_timestamp: int
    complete: bool


# --- sales invoices ---------------------------------------------------------


class InvoiceStatus(enum.IntEnum):
    DRAFT = 10
    OPEN = 20
    PROCESSED = 50


@dataclass(frozen=True, slots=True)
class SalesInvoiceLineDraft:
    item_id: uuid.UUID
    description: str
    quantity: Decimal
    net_price: Decimal
    """Unit price after discount, excluding VAT."""
    vat_code: str | None = None
    gl_account_id: uuid.UUID | None = None
    unit_code: str | None = None


@dataclass(frozen=True, slots=True)
class SalesInvoiceDraft:
    ordered_by: uuid.UUID
    journal: str
    your_ref: str
    """Hourbill's unique reference: the key that makes pushes idempotent."""
    invoice_date: dt.date
    lines: Sequence[SalesInvoiceLineDraft]
    description: str = ""
    payment_condition: str | None = None
    order_number: int | None = None


@dataclass(frozen=True, slots=True)
class ExactSalesInvoiceLine:
    line_number: int
    item_id: uuid.UUID
    description: str
    quantity: Decimal
    net_price: Decimal
    amount: Decimal
    vat_code: str | None
    vat_amount: Decimal
    gl_account_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class ExactSalesInvoice:
    invoice_id: uuid.UUID
    your_ref: str | None
    order_number: int
    invoice_number: int | None
    """None until the invoice is processed (printed) in Exact."""
    status: InvoiceStatus
    journal: str
    ordered_by: uuid.UUID
    amount_excl_vat: Decimal
    vat_amount: Decimal
    amount_incl_vat: Decimal
    lines: tuple[ExactSalesInvoiceLine, ...] = field(default=())

    @property
    def processed(self) -> bool:
        return self.status is InvoiceStatus.PROCESSED


@dataclass(frozen=True, slots=True)
class ProcessedInvoice:
    invoice_id: uuid.UUID
    document_id: uuid.UUID | None
    invoice_number: int | None


@dataclass(frozen=True, slots=True)
class WebhookSubscription:
    subscription_id: uuid.UUID
    topic: str
    callback_url: str


# --- the port -----------------------------------------------------------------


class ExactAdministration(Protocol):
    """Who is connected, which divisions exist, and their reference data."""

    async def current_user(self) -> ExactUser: ...
    async def divisions(self) -> list[ExactDivision]: ...
    async def journals(self, division: int) -> list[ExactJournal]: ...
    async def items(self, division: int) -> list[ExactItem]: ...
    async def vat_codes(self, division: int) -> list[ExactVatCode]: ...
    async def gl_accounts(self, division: int) -> list[ExactGlAccount]: ...
    async def payment_conditions(self, division: int) -> list[ExactPaymentCondition]: ...


class ExactAccounts(Protocol):
    """Exact's relations (crm/Accounts)."""

    async def account(self, division: int, account_id: uuid.UUID) -> ExactAccount | None: ...

    async def find_accounts(
        self,
        division: int,
        *,
        code: str | None = None,
        vat_number: str | None = None,
        name: str | None = None,
    ) -> list[ExactAccount]:
        """Accounts matching every given criterion (exact match, code unpadded)."""
        ...

    async def accounts_changed_since(self, division: int, timestamp: int) -> AccountChanges:
        """The next page of accounts changed after `timestamp` (1 for all)."""
        ...

    async def create_account(self, division: int, draft: AccountDraft) -> ExactAccount: ...

    async def update_account(
        self, division: int, account_id: uuid.UUID, fields: AccountFields
    ) -> None: ...


class ExactSalesInvoices(Protocol):
    """Exact's sales invoices (salesinvoice/SalesInvoices and PrintedSalesInvoices)."""

    async def create_sales_invoice(
        self, division: int, draft: SalesInvoiceDraft
    ) -> ExactSalesInvoice:
        """One call. Not idempotent by itself: look up `your_ref` before a re-send."""
        ...

    async def sales_invoices_by_reference(
        self, division: int, your_refs: Sequence[str]
    ) -> dict[str, ExactSalesInvoice]:
        """The invoices carrying these references (header fields, no lines)."""
        ...

    async def sales_invoices(
        self, division: int, invoice_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, ExactSalesInvoice]:
        """Numbers, status and amounts of many invoices, in few calls (no lines)."""
        ...

    async def sales_invoice(self, division: int, invoice_id: uuid.UUID) -> ExactSalesInvoice | None:
        """One invoice with its lines."""
        ...

    async def process_sales_invoice(self, division: int, invoice_id: uuid.UUID) -> ProcessedInvoice:
        """Print the invoice in Exact: it is booked and gets its final number."""
        ...

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
        """Store a PDF in Exact and link it to the invoice; returns the document id.

        Three calls: create the document (`subject`, tied to the invoice), add
        the file, link the document to the invoice. Not idempotent by itself:
        after an attempt that may have reached Exact pass `look_first`, which
        first looks for the invoice's document with this subject (and for a
        file of this name in it) and creates only what is missing; the link
        is idempotent.
        """
        ...


class ExactWebhooks(Protocol):
    async def webhook_subscriptions(self, division: int) -> list[WebhookSubscription]: ...

    async def subscribe(
        self, division: int, topic: str, callback_url: str
    ) -> WebhookSubscription: ...

    async def unsubscribe(self, division: int, subscription_id: uuid.UUID) -> None: ...


class ExactGateway(ExactAdministration, ExactAccounts, ExactSalesInvoices, ExactWebhooks, Protocol):
    """Everything Hourbill asks of Exact Online, in one adapter."""
