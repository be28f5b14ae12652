"""Invoices: an order sent (or on its way) to Exact Online, and what Exact made of it.

An invoice is created from one order when the order is accepted for invoicing.
From then on the order is locked. The invoice walks a small state machine:

    QUEUED ──push ok──▶ SENT ──processed in Exact──▶ PROCESSED
      │  ▲                 │
      │  └──retry──┐       └─(deleted locally)──▶ DELETED
      └─push refused─▶ FAILED

Once in Exact (SENT or PROCESSED) its PDF may be attached there; that records
the document, never a change of state.

Transient trouble (timeouts, 5xx, 429) keeps it QUEUED with the reason shown;
only a refusal by Exact (or giving up after many attempts) makes it FAILED.
A deleted invoice is a tombstone: it keeps its numbers so they are never
reused, and it is never sent again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from domain.errors import ErrorCode, HourbillError, Problem
from domain.idempotency import IdempotencyKey
from domain.money import HUNDRED, round_money
from domain.orders import Order, OrderLine

YOUR_REF_MAX = 30
"""Exact's YourRef holds at most 30 characters."""


class InvoiceState(StrEnum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"
    PROCESSED = "PROCESSED"
    DELETED = "DELETED"


OPEN_STATES = frozenset({InvoiceState.SENT})
"""Sent but not yet numbered by Exact: what a number sync looks at."""

NOTHING_SENT = frozenset(
    {
        ErrorCode.EXACT_REJECTED.value,
        ErrorCode.NOT_CONFIGURED.value,
        ErrorCode.CUSTOMER_NOT_LINKABLE.value,
        ErrorCode.UNKNOWN_IN_EXACT.value,
    }
)
"""Failure codes after which Exact certainly holds no invoice for the attempt."""

DONE_STATES = frozenset({InvoiceState.SENT, InvoiceState.PROCESSED, InvoiceState.DELETED})
"""Finished with as far as a run's progress goes: in Exact, or settled by deleting."""


def invoice_reference(order_number: int, invoice_id: uuid.UUID) -> str:
    """Hourbill's reference in Exact's YourRef: unique, stable, without spaces.

    The order number makes it readable; the id suffix keeps two Hourbill
    installations that share one Exact division apart.
    """
    reference = f"HB-{order_number}-{invoice_id.hex[:8]}"
    assert len(reference) <= YOUR_REF_MAX
    return reference


@dataclass(frozen=True, slots=True)
class Amounts:
    subtotal: Decimal
    vat: Decimal
    total: Decimal


@dataclass(eq=False)
class Invoice:
    order_id: uuid.UUID | None
    """None once the order was deleted to release its bookings and supplies."""
    customer_id: uuid.UUID
    order_number: int
    invoice_date: dt.date
    subtotal: Decimal
    vat_total: Decimal
    total: Decimal
    created_at: dt.datetime
    run_id: uuid.UUID | None = None
    reference: str = ""
    state: InvoiceState = InvoiceState.QUEUED
    division: int | None = None
    journal: str | None = None
    exact_invoice_id: uuid.UUID | None = None
    exact_order_number: int | None = None
    exact_invoice_number: int | None = None
    exact_subtotal: Decimal | None = None
    exact_vat_total: Decimal | None = None
    exact_total: Decimal | None = None
    amount_mismatch: bool = False
    error_code: str | None = None
    error_message: str | None = None
    attempts: int = 0
    sent_at: dt.datetime | None = None
    exact_document_id: uuid.UUID | None = None
    """The Exact document holding the invoice PDF, once attached."""
    pdf_attached_at: dt.datetime | None = None
    processed_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        if not self.reference:
            self.reference = invoice_reference(self.order_number, self.id)
        if self.updated_at is None:
            self.updated_at = self.created_at

    @classmethod
    def of_order(cls, order: Order, now: dt.datetime, run_id: uuid.UUID | None = None) -> Invoice:
        """Lock the order and queue it as an invoice, with a snapshot of its totals."""
        if not order.lines:
            raise HourbillError.single(
                ErrorCode.EMPTY_ORDER, f"order {order.number} has no lines", "orderIds"
            )
        order.ensure_editable("orderIds")
        assert order.number is not None
        totals = order.totals()
        order.mark_invoiced()
        return cls(
            order_id=order.id,
            customer_id=order.customer_id,
            order_number=order.number,
            invoice_date=order.order_date,
            subtotal=totals.subtotal,
            vat_total=totals.vat_total,
            total=totals.total,
            created_at=now,
            run_id=run_id,
        )

    # -- what the API shows ------------------------------------------------------

    @property
    def number(self) -> int | None:
        """Exact's final invoice number once processed; its order number until then."""
        return self.exact_invoice_number or self.exact_order_number

    @property
    def amounts(self) -> Amounts:
        return Amounts(self.subtotal, self.vat_total, self.total)

    # -- transitions -------------------------------------------------------------

    def _require(self, allowed: frozenset[InvoiceState], action: str) -> None:
        if self.state not in allowed:
            raise HourbillError.single(
                ErrorCode.INVALID_STATE,
                f"invoice {self.reference} is {self.state.value.lower()} and cannot be {action}",
                "id",
            )

    def attempt(
        self, now: dt.datetime, division: int | None = None, journal: str | None = None
    ) -> None:
        """A push is about to be tried; counted before the call, so a crash leaves a trace.

        The first attempt pins the division and journal: every later attempt (and
        the look-up for an earlier one) goes to the same administration.
        """
        self._require(frozenset({InvoiceState.QUEUED}), "sent")
        self.attempts += 1
        if self.division is None:
            self.division, self.journal = division, journal
        self.updated_at = now

    @property
    def may_exist_in_exact(self) -> bool:
        """An earlier attempt may have reached Exact: look its reference up before sending."""
        return self.attempts > 1

    def postpone(self, code: str, message: str, now: dt.datetime) -> None:
        """A transient failure: stays queued, the reason is shown until the next try."""
        self._require(frozenset({InvoiceState.QUEUED}), "postponed")
        self.error_code, self.error_message, self.updated_at = code, message, now

    def sent(
        self,
        *,
        division: int,
        journal: str,
        exact_invoice_id: uuid.UUID,
        exact_order_number: int,
        exact_amounts: Amounts,
        now: dt.datetime,
    ) -> None:
        self._require(frozenset({InvoiceState.QUEUED}), "marked sent")
        self.state = InvoiceState.SENT
        self.division, self.journal = division, journal
        self.exact_invoice_id, self.exact_order_number = exact_invoice_id, exact_order_number
        self.compare(exact_amounts)
        self.error_code = self.error_message = None
        self.sent_at = self.updated_at = now

    def compare(self, exact: Amounts) -> None:
        """Keep Exact's amounts; flag the invoice when they differ from ours."""
        self.exact_subtotal, self.exact_vat_total, self.exact_total = (
            exact.subtotal,
            exact.vat,
            exact.total,
        )
        self.amount_mismatch = exact != self.amounts

    def failed(self, code: str, message: str, now: dt.datetime) -> None:
        self._require(frozenset({InvoiceState.QUEUED}), "marked failed")
        self.state = InvoiceState.FAILED
        self.error_code, self.error_message, self.updated_at = code, message, now

    def retry(self, now: dt.datetime) -> None:
        """Queue a failed invoice again.

        After a refusal nothing can exist in Exact (a look-up preceded every
        re-send), so the next push goes to the administration configured then;
        after giving up on an unreachable Exact it stays pinned to the old one.
        """
        self._require(frozenset({InvoiceState.FAILED}), "retried")
        if self.error_code in NOTHING_SENT:
            self.division = self.journal = None
        self.state = InvoiceState.QUEUED
        self.error_code = self.error_message = None
        self.updated_at = now

    def processed(self, invoice_number: int, now: dt.datetime) -> None:
        self._require(frozenset({InvoiceState.SENT, InvoiceState.PROCESSED}), "numbered")
        self.state = InvoiceState.PROCESSED
        self.exact_invoice_number = invoice_number
        self.processed_at = self.updated_at = now

    def pdf_attached(self, document_id: uuid.UUID, now: dt.datetime) -> None:
        """Exact holds the invoice PDF in `document_id`, linked to its sales invoice.

        Only an invoice that is in Exact can have one; the same document again
        changes nothing (a retried attach that found its own document).
        """
        self._require(
            frozenset({InvoiceState.SENT, InvoiceState.PROCESSED}), "given a PDF in Exact"
        )
        if self.exact_document_id == document_id and self.pdf_attached_at is not None:
            return
        self.exact_document_id, self.pdf_attached_at = document_id, now
        self.updated_at = now

    def delete(self, now: dt.datetime) -> None:
        """Locally only; Exact keeps its invoice. A queued one must be sent or fail first."""
        self._require(
            frozenset({InvoiceState.SENT, InvoiceState.FAILED, InvoiceState.PROCESSED}),
            "deleted",
        )
        self.state = InvoiceState.DELETED
        self.updated_at = now

    def release_order(self) -> None:
        """The order is being deleted so its bookings and supplies become invoiceable again."""
        self._require(frozenset({InvoiceState.DELETED}), "released")
        self.order_id = None


@dataclass(eq=False)
class InvoiceHistoryEntry:
    """One step in an invoice's life, for the invoices tab."""

    invoice_id: uuid.UUID
    at: dt.datetime
    state: InvoiceState
    message: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True, slots=True)
class RejectedOrder:
    """An order a run did not invoice, and why (its pre-flight problems)."""

    order_id: uuid.UUID
    problems: tuple[Problem, ...]


@dataclass(eq=False)
class InvoiceRun:
    """One createInvoices call: the idempotency key, what was asked, and what was refused.

    Kept so that a retry with the key (domain/idempotency) answers as this run did.
    """

    idempotency_key: str
    created_at: dt.datetime
    order_ids: tuple[uuid.UUID, ...] = ()
    rejections: tuple[RejectedOrder, ...] = ()
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        IdempotencyKey(self.idempotency_key)  # validates it


# -- lines as Exact gets them ----------------------------------------------------

EXACT_PRICE_PLACES = 4
"""Decimals of a unit price sent to Exact, as Hourbill stores prices."""


@dataclass(frozen=True, slots=True)
class ExactLinePrice:
    quantity: Decimal
    net_price: Decimal
    """Unit price after discount: Exact's amount is quantity × net price, rounded to cents."""
    note: str = ""
    """Set when the quantity had to be folded into the price; goes into the description."""


def exact_line_price(line: OrderLine) -> ExactLinePrice:
    """Quantity and net price whose product Exact rounds to exactly our line amount.

    Without a discount that is the line's own price. With one, the discounted
    price to 4 decimals when that still gives our amount, else amount ÷ quantity
    to 4 decimals when that does; otherwise one unit at the line amount, with the
    real quantity and price in the description, so the totals never differ.
    """
    amount = line.amount
    place = Decimal(1).scaleb(-EXACT_PRICE_PLACES)
    discounted = line.unit_price * (HUNDRED - line.discount_percent) / HUNDRED
    for candidate in (discounted, amount / line.quantity):
        price = candidate.quantize(place)
        if round_money(line.quantity * price) == amount:
            return ExactLinePrice(line.quantity, price)
    note = f"{line.quantity} × {line.unit_price} less {line.discount_percent}%"
    return ExactLinePrice(Decimal(1), amount, note)
