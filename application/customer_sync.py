"""Keeping customers in step with Exact accounts: mirror, reconcile, link, update, import.

Exact allows 60 calls a minute, so nothing here calls Exact once per customer
to compare: a local mirror of the division's accounts is refreshed from the
sync feed (1,000 accounts a call, only what changed since the cursor) and
every comparison runs against it. Calls per customer are left for writes,
which Exact offers one at a time anyway.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from application.exact import AccountDraft, AccountFields, ExactAccount, ExactAccounts
from application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from application.use_cases._base import require
from domain.customers import Customer
from domain.errors import ErrorCode, HourbillError, Problem
from domain.reconciliation import AccountSnapshot

FIRST_TIMESTAMP = 1
"""Where the sync feed starts: `Timestamp gt 1` lists every account."""


def accounts_cursor(division: int) -> str:
    return f"accounts:{division}"


def import_cursor(division: int) -> str:
    return f"accounts-import:{division}"


def snapshot(account: ExactAccount) -> AccountSnapshot:
    fields = account.fields
    return AccountSnapshot(
        account_id=account.account_id,
        code=account.code,
        name=fields.name,
        vat_number=fields.vat_number,
        email=fields.email,
        address_line=fields.address_line,
        postcode=fields.postcode,
        city=fields.city,
        country=fields.country,
        chamber_of_commerce=fields.chamber_of_commerce,
    )


def new_account_fields(customer: Customer) -> AccountFields:
    """The fields of a new account for the customer; unset ones are left to Exact."""
    return AccountFields(
        name=customer.name,
        vat_number=customer.vat_number,
        email=customer.email,
        address_line=customer.address_line,
        postcode=customer.postcode,
        city=customer.city,
        country=customer.country,
        chamber_of_commerce=customer.chamber_of_commerce,
    )


def replacing_account_fields(customer: Customer) -> AccountFields:
    """Every field as the customer has it: "" clears in Exact what is unset locally."""
    fields = new_account_fields(customer)
    unset = [name for name in AccountFields.__dataclass_fields__ if getattr(fields, name) is None]
    return replace(fields, **dict.fromkeys(unset, ""))


def _now(clock: Clock | None) -> dt.datetime:
    return clock.now() if clock is not None else dt.datetime.now(dt.UTC)


def not_linkable(message: str) -> HourbillError:
    return HourbillError.single(ErrorCode.CUSTOMER_NOT_LINKABLE, message, "customerId")


async def exact_division(uow: UnitOfWorkFactory) -> int:
    """The division the administrator chose; NOT_CONFIGURED until then."""
    async with uow() as work:
        division = (await work.settings.invoicing()).exact_division
    if division is None:
        raise HourbillError.single(
            ErrorCode.NOT_CONFIGURED, "Choose the Exact administration (division) first", None
        )
    return division


# --- the mirror ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefreshResult:
    division: int
    full: bool
    fetched: int
    """Accounts read from the feed (new or changed)."""
    removed: int
    """Mirror rows gone from Exact (found only by a full refresh)."""
    calls: int
    cursor: int
    refreshed_at: dt.datetime


class AccountMirrorSync:
    """Brings the mirror up to date from Exact's accounts sync feed.

    Each page is saved with the cursor in its own transaction, so a refresh
    that fails halfway keeps what it read and the next one continues there.
    A full refresh reads from the start and removes rows Exact no longer has.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, exact: ExactAccounts, clock: Clock | None = None
    ) -> None:
        self.uow = uow
        self.exact = exact
        self.clock = clock

    async def refresh(self, division: int, *, full: bool = False) -> RefreshResult:
        name = accounts_cursor(division)
        async with self.uow() as uow:
            cursor = await uow.exact_accounts.cursor(name)
        full = full or cursor is None
        timestamp = FIRST_TIMESTAMP if full or cursor is None else cursor.value
        seen: set[uuid.UUID] = set()
        fetched = calls = 0
        while True:
            changes = await self.exact.accounts_changed_since(division, timestamp)
            calls += 1
            async with self.uow() as uow:
                await uow.exact_accounts.upsert(division, changes.accounts, changes.next_timestamp)
                await uow.exact_accounts.save_cursor(name, changes.next_timestamp, _now(self.clock))
                await uow.commit()
            fetched += len(changes.accounts)
            seen.update(account.account_id for account in changes.accounts)
            stalled = changes.next_timestamp <= timestamp
            timestamp = changes.next_timestamp
            if changes.complete or stalled:
                break
        removed = await self._sweep(division, seen) if full else 0
        return RefreshResult(division, full, fetched, removed, calls, timestamp, _now(self.clock))

    async def _sweep(self, division: int, seen: set[uuid.UUID]) -> int:
        async with self.uow() as uow:
            gone = sorted(await uow.exact_accounts.account_ids(division) - seen)
            if gone:
                await uow.exact_accounts.remove(division, gone)
                await uow.commit()
        return len(gone)


# --- linking for invoicing -----------------------------------------------------------


class ExactAccountLinker:
    """Makes sure a customer about to be invoiced has an Exact account.

    The link is looked up by code before anything is created, and committed
    before the id is handed out: a crash after Exact created the account but
    before the commit finds that account (same code) on the retry.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, exact: ExactAccounts, clock: Clock | None = None
    ) -> None:
        self.uow = uow
        self.exact = exact
        self.mirror = AccountMirrorSync(uow, exact, clock)

    async def linkable_problems(
        self, division: int, customers: Sequence[Customer]
    ) -> dict[uuid.UUID, list[Problem]]:
        """Pre-flight before invoicing: why a customer cannot be linked or created (none: fine).

        One incremental refresh of the mirror (usually one call), then only local lookups.
        """
        await self.mirror.refresh(division)
        async with self.uow() as uow:
            linked = await uow.customers.linked()
            known = {
                account.account_id
                for account in await uow.exact_accounts.accounts(
                    division, [c.exact_account_id for c in customers if c.exact_account_id]
                )
            }
            by_code = await self._by_code(uow, division, customers)
        problems: dict[uuid.UUID, list[Problem]] = {}
        for customer in customers:
            problem = _linkable(customer, known, by_code.get(customer.code, []), linked)
            if problem is not None:
                problems.setdefault(customer.id, []).append(problem)
        return problems

    @staticmethod
    async def _by_code(
        uow: UnitOfWork, division: int, customers: Sequence[Customer]
    ) -> dict[str, list[ExactAccount]]:
        codes = {c.code for c in customers if c.exact_account_id is None}
        found: dict[str, list[ExactAccount]] = {}
        if codes:
            for account in await uow.exact_accounts.accounts(division):
                if account.code in codes:
                    found.setdefault(account.code, []).append(account)
        return found

    async def ensure_account(self, division: int, customer_id: uuid.UUID) -> uuid.UUID:
        """The customer's Exact account id: the account with the customer's code, or a new one.

        Idempotent and crash-safe. Raises HourbillError(CUSTOMER_NOT_LINKABLE)
        or an ExactError (then nothing was linked; calling again is safe).
        """
        async with self.uow() as uow:
            customer = await require(
                uow.customers.get(customer_id), "customer", customer_id, "customerId"
            )
            if customer.exact_account_id is not None:
                return customer.exact_account_id
            code, draft = customer.code, AccountDraft(new_account_fields(customer), customer.code)
        found = await self.exact.find_accounts(division, code=code)
        if len(found) > 1:
            raise not_linkable(f"Several Exact accounts have code {code}; link one explicitly")
        account = found[0] if found else await self.exact.create_account(division, draft)
        return await self._link(division, customer_id, account)

    async def _link(
        self, division: int, customer_id: uuid.UUID, account: ExactAccount
    ) -> uuid.UUID:
        async with self.uow() as uow:
            customer = await require(
                uow.customers.get(customer_id), "customer", customer_id, "customerId"
            )
            if customer.exact_account_id is not None:  # linked meanwhile by another run
                return customer.exact_account_id
            other = await uow.customers.by_exact_account(account.account_id)
            if other is not None:
                raise not_linkable(
                    f"Exact account {account.code} is linked to customer {other.code}"
                )
            customer.exact_account_id = account.account_id
            if await uow.exact_accounts.account(division, account.account_id) is None:
                await uow.exact_accounts.upsert(division, [account], 0)
            await uow.commit()
        return account.account_id


def _linkable(
    customer: Customer,
    known: set[uuid.UUID],
    same_code: list[ExactAccount],
    linked: dict[uuid.UUID, uuid.UUID],
) -> Problem | None:
    code = ErrorCode.CUSTOMER_NOT_LINKABLE
    if customer.exact_account_id is not None:
        if customer.exact_account_id in known:
            return None
        return Problem(
            code,
            f"Customer {customer.code} is linked to an Exact account that no longer exists; "
            "link it again",
            "customerId",
        )
    if len(same_code) > 1:
        return Problem(
            code,
            f"Several Exact accounts have code {customer.code}; link one explicitly",
            "customerId",
        )
    if same_code and linked.get(same_code[0].account_id, customer.id) != customer.id:
        return Problem(
            code,
            f"Exact account {customer.code} belongs to another customer; "
            "link this customer explicitly or change its code",
            "customerId",
        )
    return None
