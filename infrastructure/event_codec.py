"""Events as JSON, for carrying them between server processes.

Every encoded event names its codec version (`v`) and its type. A reader
returns None for a version or type it does not know, or for a malformed
payload, so a process running older code skips what a newer one sends instead
of crashing its listener.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from domain.events import (
    Event,
    InvoiceEvent,
    InvoiceEventKind,
    InvoiceRunProgressEvent,
    OrderEvent,
    OrderEventKind,
)

log = logging.getLogger(__name__)

VERSION = 1

Fields = dict[str, Any]


def _order(event: OrderEvent) -> Fields:
    return {
        "kind": event.kind.value,
        "order": str(event.order_id),
        "customer": str(event.customer_id),
        "number": event.number,
        "merged": [str(ident) for ident in event.merged_order_ids],
    }


def _read_order(data: Mapping[str, Any]) -> OrderEvent:
    return OrderEvent(
        kind=OrderEventKind(data["kind"]),
        order_id=uuid.UUID(data["order"]),
        customer_id=uuid.UUID(data["customer"]),
        number=_optional_int(data["number"]),
        merged_order_ids=tuple(uuid.UUID(ident) for ident in data["merged"]),
    )


def _invoice(event: InvoiceEvent) -> Fields:
    return {
        "kind": event.kind.value,
        "invoice": str(event.invoice_id),
        "customer": str(event.customer_id),
        "state": event.state,
        "number": event.number,
        "run": None if event.run_id is None else str(event.run_id),
        "message": event.message,
    }


def _read_invoice(data: Mapping[str, Any]) -> InvoiceEvent:
    run, message = data["run"], data["message"]
    return InvoiceEvent(
        kind=InvoiceEventKind(data["kind"]),
        invoice_id=uuid.UUID(data["invoice"]),
        customer_id=uuid.UUID(data["customer"]),
        state=_text(data["state"]),
        number=_optional_int(data["number"]),
        run_id=None if run is None else uuid.UUID(run),
        message=None if message is None else _text(message),
    )


def _progress(event: InvoiceRunProgressEvent) -> Fields:
    return {
        "run": str(event.run_id),
        "total": event.total,
        "done": event.done,
        "failed": event.failed,
    }


def _read_progress(data: Mapping[str, Any]) -> InvoiceRunProgressEvent:
    return InvoiceRunProgressEvent(
        run_id=uuid.UUID(data["run"]),
        total=_int(data["total"]),
        done=_int(data["done"]),
        failed=_int(data["failed"]),
    )


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{value!r} is not an integer")
    return value


def _optional_int(value: object) -> int | None:
    return None if value is None else _int(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    return value


_READERS: dict[str, Callable[[Mapping[str, Any]], Event]] = {
    "order": _read_order,
    "invoice": _read_invoice,
    "invoice_run_progress": _read_progress,
}


def to_json(event: Event) -> Fields:
    """The event as a JSON-ready dict: `{"v": 1, "type": …, …fields}`."""
    match event:
        case OrderEvent():
            return {"v": VERSION, "type": "order", **_order(event)}
        case InvoiceEvent():
            return {"v": VERSION, "type": "invoice", **_invoice(event)}
        case InvoiceRunProgressEvent():
            return {"v": VERSION, "type": "invoice_run_progress", **_progress(event)}


def from_json(data: object) -> Event | None:
    """The event `to_json` made; None (logged) for an unknown version or type, or bad fields."""
    if not isinstance(data, Mapping):
        log.warning("ignoring an event that is not a JSON object: %.80r", data)
        return None
    if data.get("v") != VERSION:
        log.warning("ignoring an event of unknown codec version %.20r", data.get("v"))
        return None
    kind = data.get("type")
    reader = _READERS.get(kind) if isinstance(kind, str) else None
    if reader is None:
        log.warning("ignoring an event of unknown type %.40r", kind)
        return None
    try:
        return reader(data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        log.warning("ignoring a malformed %s event: %s", kind, error)
        return None


def dumps(event: Event) -> str:
    """Compact, ASCII-only JSON: its length in characters is its length in bytes."""
    return json.dumps(to_json(event), separators=(",", ":"), ensure_ascii=True)


def loads(text: str) -> Event | None:
    try:
        data = json.loads(text)
    except ValueError:
        log.warning("ignoring an event that is not JSON: %.80r", text)
        return None
    return from_json(data)
