"""Domain events: what happened, in the past tense, published after commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class OrderEventKind(StrEnum):
    CREATED = "CREATED"
    CHANGED = "CHANGED"
    MERGED = "MERGED"
    DELETED = "DELETED"


@dataclass(frozen=True)
class OrderEvent:
    kind: OrderEventKind
    order_id: uuid.UUID
    customer_id: uuid.UUID
    number: int | None
    merged_order_ids: tuple[uuid.UUID, ...] = ()


class InvoiceEventKind(StrEnum):
    CREATED = "CREATED"
    """Queued for pushing to Exact."""
    ATTEMPT_FAILED = "ATTEMPT_FAILED"
    """A push failed transiently; it stays queued and will be tried again."""
    SENT = "SENT"
    FAILED = "FAILED"
    RETRIED = "RETRIED"
    PROCESSED = "PROCESSED"
    DELETED = "DELETED"
    PDF_ATTACHED = "PDF_ATTACHED"
    """The invoice PDF was attached to the sales invoice in Exact."""
    PDF_NOT_ATTACHED = "PDF_NOT_ATTACHED"
    """Attaching the PDF failed for good; the invoice itself is in Exact, unchanged."""


@dataclass(frozen=True)
class InvoiceEvent:
    kind: InvoiceEventKind
    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    state: str
    number: int | None
    run_id: uuid.UUID | None = None
    message: str | None = None


@dataclass(frozen=True)
class InvoiceRunProgressEvent:
    """Progress of one invoicing run: how many of its invoices are done, failed, remaining."""

    run_id: uuid.UUID
    total: int
    done: int
    failed: int

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed


Event = OrderEvent | InvoiceEvent | InvoiceRunProgressEvent
"""Everything the API's subscriptions can carry."""
