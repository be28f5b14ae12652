"""Exact's wire quirks, shared by the adapter and the sandbox.

- Dates travel as ``/Date(ms)/``: epoch milliseconds of the *local wall-clock*
  time (Europe/Amsterdam for Dutch divisions) encoded as if it were UTC.
- ``crm/Accounts.Code`` is an 18-character string padded with leading spaces;
  ``vat/VATCodes.Code`` is right-padded to 3 characters.
- Amounts are JSON numbers (Edm.Double); we read them as `Decimal`, never float.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from decimal import Decimal
from typing import Any

_EPOCH = dt.datetime.combine(dt.date(1970, 1, 1), dt.time())
_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")
ACCOUNT_CODE_WIDTH = 18
VAT_CODE_WIDTH = 3


def encode_date(value: dt.datetime | dt.date) -> str:
    """Local wall-clock time (naive) to ``/Date(ms)/``."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError("Exact dates are local wall-clock times: pass a naive datetime")
        moment = value
    else:
        moment = dt.datetime.combine(value, dt.time())
    delta = moment - _EPOCH
    millis = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    return f"/Date({millis})/"


def decode_date(text: str) -> dt.datetime:
    """``/Date(ms)/`` to a naive datetime in Exact's local wall-clock time."""
    match = _DATE.match(text)
    if match is None:
        raise ValueError(f"not an Exact date: {text!r}")
    return _EPOCH + dt.timedelta(milliseconds=int(match.group(1)))


def is_encoded_date(value: object) -> bool:
    return isinstance(value, str) and _DATE.match(value) is not None


def pad_account_code(code: str) -> str:
    """``"25"`` to ``"                25"``: how Exact stores and filters account codes."""
    stripped = code.strip()
    if len(stripped) > ACCOUNT_CODE_WIDTH:
        raise ValueError(f"account codes have at most {ACCOUNT_CODE_WIDTH} characters")
    return stripped.rjust(ACCOUNT_CODE_WIDTH)


def pad_vat_code(code: str) -> str:
    stripped = code.strip()
    return stripped.ljust(VAT_CODE_WIDTH) if len(stripped) < VAT_CODE_WIDTH else stripped


def to_wire(value: Any) -> Any:
    """A model value as it appears in Exact's JSON: GUIDs as text, dates as /Date(ms)/."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return encode_date(value)
    return value


def dumps(payload: Any) -> str:
    """JSON with `Decimal` written as a number literal (Exact's Edm.Double).

    Money has at most 15 significant digits here, so the float's shortest repr
    is the decimal's own value; anything else is refused rather than rounded.
    """
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=_number)


def _number(value: Any) -> float:
    if not isinstance(value, Decimal):
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    number = float(value)
    if Decimal(repr(number)) != value:
        raise ValueError(f"{value} cannot travel as an Exact Double without rounding")
    return number


def loads(text: str | bytes) -> Any:
    """JSON with every non-integer number read as `Decimal`."""
    return json.loads(text, parse_float=Decimal)
