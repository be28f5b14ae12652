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
