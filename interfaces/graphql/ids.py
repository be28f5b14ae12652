"""Global ids (`base64("Type:uuid")`) and opaque cursors, both ways."""

from __future__ import annotations

import base64
import binascii
import uuid


class MalformedId(ValueError):
    pass


def global_id(type_name: str, ident: uuid.UUID) -> str:
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode("ascii")


def parse_global_id(value: str) -> tuple[str, uuid.UUID]:
    """The type name and uuid inside a global id; MalformedId when it is none."""
    try:
        text = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
        type_name, _, ident = text.partition(":")
        return type_name, uuid.UUID(ident)
    except (UnicodeError, binascii.Error, ValueError):
        raise MalformedId(f"{value!r} is not a global id") from None


def encode_cursor(cursor: str) -> str:
    return base64.urlsafe_b64encode(cursor.encode("utf-8")).decode("ascii")


def decode_cursor(value: str) -> str:
    try:
        return base64.b64decode(value.encode("ascii"), altchars=b"-_", validate=True).decode(
            "utf-8"
        )
    except (UnicodeError, binascii.Error, ValueError):
        raise MalformedId(f"{value!r} is not a cursor") from None
