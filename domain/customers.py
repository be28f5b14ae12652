"""Customers: who is billed, and where the invoice goes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from domain.errors import ErrorCode, Problems

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
CODE = re.compile(r"^[A-Za-z0-9._-]{1,18}$")


class Language(StrEnum):
    NL = "nl"
    EN = "en"


@dataclass(eq=False)
class Customer:
    code: str
    name: str
    vat_number: str | None = None
    email: str | None = None
    address_line: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str = "NL"
    language: Language = Language.NL
    vat_code: str | None = None
    chamber_of_commerce: str | None = None
    exact_account_id: uuid.UUID | None = None
    """The linked Exact account (crm/Accounts ID); None until linked or first invoiced."""
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        problems = Problems()
        if not CODE.match(self.code):
            problems.add(
                ErrorCode.INVALID,
                "code must be 1 to 18 letters, digits, '.', '_' or '-' (Exact's limit)",
                "code",
            )
        if not self.name.strip():
            problems.add(ErrorCode.REQUIRED, "name is required", "name")
        if self.email is not None and not EMAIL.match(self.email):
            problems.add(ErrorCode.INVALID, f"{self.email!r} is not an e-mail address", "email")
        if not COUNTRY.match(self.country):
            problems.add(ErrorCode.INVALID, "country must be a two-letter ISO code", "country")
        if self.vat_number is not None and not re.fullmatch(
            r"[A-Z]{2}[A-Z0-9]{2,13}", self.vat_number
        ):
            problems.add(ErrorCode.INVALID, "VAT number must look like NL123456789B01", "vatNumber")
        problems.raise_if_any()
