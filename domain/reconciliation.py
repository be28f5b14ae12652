"""Reconciling local customers with Exact accounts, field by field.

Values are compared after normalising what people type differently but mean
the same: surrounding and repeated spaces, the case of an e-mail address or
a country code, spaces and dots in VAT numbers, postcodes and chamber of
commerce numbers. Names and addresses keep their case: "ACME" and "Acme"
print differently on an invoice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from domain.customers import Customer

COMPARED_FIELDS: tuple[str, ...] = (
    "name",
    "vat_number",
    "email",
    "address_line",
    "postcode",
    "city",
    "country",
    "chamber_of_commerce",
)
"""The customer fields an Exact account also has (Customer and AccountFields share the names)."""

DEFAULT_COUNTRY = "NL"
"""The country of an account that names none: a customer imported from it gets this one,
and comparing treats the two as equal."""

_SEPARATORS = str.maketrans("", "", ".-")


class ReconciliationStatus(StrEnum):
    LINKED_EQUAL = "LINKED_EQUAL"
    LINKED_DIFFERENT = "LINKED_DIFFERENT"
    NOT_LINKED = "NOT_LINKED"
    """A customer with no Exact account yet; it is created in Exact when first invoiced."""
    MISSING_IN_EXACT = "MISSING_IN_EXACT"
    """Linked, but the account is gone from Exact (deleted, or another division)."""
    ONLY_IN_EXACT = "ONLY_IN_EXACT"
    """An account no customer is linked to: a candidate for import or linking."""


class MatchKind(StrEnum):
    """How a customer and an account may belong together, strongest first."""

    CODE = "CODE"
    VAT_NUMBER = "VAT_NUMBER"
    NAME = "NAME"


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """An Exact account's values as they are compared (the Exact port's account, flat)."""

    account_id: uuid.UUID
    code: str
    name: str
    vat_number: str | None = None
    email: str | None = None
    address_line: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    chamber_of_commerce: str | None = None


@dataclass(frozen=True, slots=True)
class FieldDifference:
    field: str
    local: str | None
    exact: str | None


@dataclass(frozen=True, slots=True)
class Candidate:
    account: AccountSnapshot
    matched_by: MatchKind


@dataclass(frozen=True, slots=True)
class Reconciliation:
    status: ReconciliationStatus
    customer: Customer | None
    account: AccountSnapshot | None
    differences: tuple[FieldDifference, ...] = ()
    candidates: tuple[Candidate, ...] = field(default=())


def _plain(value: str) -> str:
    return " ".join(value.split())


def _compact(value: str) -> str:
    return "".join(value.split()).translate(_SEPARATORS).upper()


_NORMALISERS: dict[str, Callable[[str], str]] = {
    "email": lambda v: _plain(v).lower(),
    "vat_number": _compact,
    "postcode": _compact,
    "chamber_of_commerce": _compact,
    "country": lambda v: _plain(v).upper(),
}


def normalised(field_name: str, value: str | None) -> str | None:
    """The value as compared; blank is the same as not set."""
    if value is None:
        return None
    result = _NORMALISERS.get(field_name, _plain)(value)
    return result or None


def differences(customer: Customer, account: AccountSnapshot) -> tuple[FieldDifference, ...]:
    """The compared fields whose normalised values differ, with both raw values."""
    found = []
    for name in COMPARED_FIELDS:
        local, exact = getattr(customer, name), getattr(account, name)
        compared = exact if name != "country" else exact or DEFAULT_COUNTRY
        if normalised(name, local) != normalised(name, compared):
            found.append(FieldDifference(name, local, exact))
    return tuple(found)


def match_key(kind: MatchKind, value: str | None) -> str | None:
    """What two records must share to match by `kind`: codes and names ignore case."""
    if kind is MatchKind.VAT_NUMBER:
        return normalised("vat_number", value)
    plain = normalised("name", value)
    return None if plain is None else plain.casefold()


def customer_key(kind: MatchKind, customer: Customer) -> str | None:
    """The customer's key for matching by `kind` (None: it cannot match that way)."""
    if kind is MatchKind.CODE:
        return match_key(kind, customer.code)
    if kind is MatchKind.VAT_NUMBER:
        return match_key(kind, customer.vat_number)
    return match_key(kind, customer.name)


def account_key(kind: MatchKind, account: AccountSnapshot) -> str | None:
    if kind is MatchKind.CODE:
        return match_key(kind, account.code)
    if kind is MatchKind.VAT_NUMBER:
        return match_key(kind, account.vat_number)
    return match_key(kind, account.name)


class AccountIndex:
    """Accounts looked up by code, VAT number and name, to propose links."""

    def __init__(self, accounts: Iterable[AccountSnapshot]) -> None:
        self._index: dict[MatchKind, dict[str, list[AccountSnapshot]]] = {
            kind: defaultdict(list) for kind in MatchKind
        }
        for account in accounts:
            self.add(account)

    def add(self, account: AccountSnapshot) -> None:
        for kind, index in self._index.items():
            key = account_key(kind, account)
            if key is not None:
                index[key].append(account)

    def matches(self, kind: MatchKind, customer: Customer) -> list[AccountSnapshot]:
        key = customer_key(kind, customer)
        return [] if key is None else list(self._index[kind].get(key, ()))

    def candidates(self, customer: Customer) -> tuple[Candidate, ...]:
        """Every account matching the customer by any kind, strongest match first."""
        seen: set[uuid.UUID] = set()
        found = []
        for kind in MatchKind:
            for account in self.matches(kind, customer):
                if account.account_id not in seen:
                    seen.add(account.account_id)
                    found.append(Candidate(account, kind))
        return tuple(found)


def reconcile(
    customer: Customer,
    account: AccountSnapshot | None,
    unlinked: AccountIndex | None = None,
) -> Reconciliation:
    """The customer's status against its linked account (None: not in Exact).

    A customer without a link gets its candidates among `unlinked` accounts.
    """
    if customer.exact_account_id is None:
        candidates = unlinked.candidates(customer) if unlinked is not None else ()
        return Reconciliation(ReconciliationStatus.NOT_LINKED, customer, None, (), candidates)
    if account is None:
        return Reconciliation(ReconciliationStatus.MISSING_IN_EXACT, customer, None)
    found = differences(customer, account)
    status = ReconciliationStatus.LINKED_DIFFERENT if found else ReconciliationStatus.LINKED_EQUAL
    return Reconciliation(status, customer, account, found)


def only_in_exact(account: AccountSnapshot) -> Reconciliation:
    return Reconciliation(ReconciliationStatus.ONLY_IN_EXACT, None, account)


def customer_values(account: AccountSnapshot) -> dict[str, Any]:
    """The customer fields an account gives, in Hourbill's form (import, update from Exact).

    VAT numbers lose their spaces and dots, countries are upper case, blanks
    become None; a missing country is left out (the caller decides).
    """
    values: dict[str, Any] = {}
    for name in COMPARED_FIELDS:
        raw: str | None = getattr(account, name)
        if name in ("vat_number", "country"):
            values[name] = normalised(name, raw)
        else:
            values[name] = None if raw is None else (_plain(raw) or None)
    values["name"] = values["name"] or account.name
    if values["country"] is None:
        del values["country"]
    return values


def customer_from_account(account: AccountSnapshot, **extra: Any) -> Customer:
    """A new customer linked to the account; raises HourbillError when a value breaks the rules."""
    values: Mapping[str, Any] = {"country": DEFAULT_COUNTRY, **customer_values(account)}
    return Customer(code=account.code, exact_account_id=account.account_id, **values, **extra)
