"""Who may do what: API keys, their roles, and the principal a request acts as.

A key is shown once, when it is made: `hb_<prefix>_<secret>`. Only the prefix
(to find the key) and a SHA-256 hash of the whole key are stored. The secret is
256 random bits, so a fast hash is as safe as a slow one: there is nothing to
guess from a dictionary (docs/adr/0020).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass, replace

from domain.errors import ErrorCode, HourbillError, Problems

TOKEN_PREFIX = "hb"
MAX_NAME_LENGTH = 80
_TOKEN = re.compile(r"^hb_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")


class Role(enum.StrEnum):
    """Each role may do everything the roles before it may."""

    VIEWER = "VIEWER"
    """Queries and subscriptions."""
    BILLER = "BILLER"
    """And: customers, work, bookings, supplies, orders, generation, invoicing, documents."""
    ADMIN = "ADMIN"
    """And: settings, the Exact connection, customer sync, API keys, the audit log."""

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, required: Role) -> bool:
        return self.rank >= required.rank


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: an API key, by its id, name and role."""

    key_id: uuid.UUID
    name: str
    role: Role

    def may(self, required: Role) -> bool:
        return self.role.allows(required)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role.value.lower()})"


@dataclass(frozen=True, slots=True)
class KeySecret:
    """A new key as its owner sees it, once; and what is stored of it."""

    token: str
    prefix: str
    digest: str


def new_key_secret() -> KeySecret:
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return KeySecret(token, prefix, digest(token))


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_prefix(token: str) -> str | None:
    """The lookup prefix of a well-formed key; None for anything else."""
    match = _TOKEN.match(token)
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: uuid.UUID
    name: str
    role: Role
    prefix: str
    digest: str
    created_at: dt.datetime
    created_by: str
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def matches(self, token: str) -> bool:
        """Compare in constant time: the time taken tells nothing about the stored hash."""
        return hmac.compare_digest(self.digest, digest(token))

    def principal(self) -> Principal:
        return Principal(self.id, self.name, self.role)

    def revoked(self, now: dt.datetime) -> ApiKey:
        if not self.active:
            raise HourbillError.single(
                ErrorCode.INVALID_STATE, f"key {self.name!r} is already revoked", "id"
            )
        return replace(self, revoked_at=now)

    def used(self, now: dt.datetime) -> ApiKey:
        return replace(self, last_used_at=now)


def valid_name(name: str) -> str:
    """A key's name: what it is for ("billing front-end", "Jan's laptop")."""
    cleaned = " ".join(name.split())
    problems = Problems()
    if not cleaned:
        problems.add(ErrorCode.REQUIRED, "Give the key a name", "name")
    elif len(cleaned) > MAX_NAME_LENGTH:
        problems.add(ErrorCode.OUT_OF_RANGE, f"At most {MAX_NAME_LENGTH} characters", "name")
    problems.raise_if_any()
    return cleaned
