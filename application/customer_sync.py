"""Keeping customers in step with Exact accounts: mirror, reconcile, link, update, import.

Exact allows 60 calls a minute, so nothing here calls Exact once per customer
to compare: a local mirror of the division's accounts is refreshed from the
sync feed (1,000 accounts a call, only what changed since the cursor) and
every comparison runs against it. Calls per customer are left for writes,
which Exact offers one at a time anyway.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from application.exact import (
    AccountDraft,
    AccountFields,
    ExactAccount,
    ExactAccounts,
    ExactAuthError,
    ExactError,
    ExactValidationError,
)
from application.ports import (
    MAX_PAGE_SIZE,
    Clock,
    Page,
    PageRequest,
    UnitOfWork,
    UnitOfWorkFactory,
)
from application.use_cases._base import apply_patch, require
from domain.customers import Customer
from domain.errors import ErrorCode, HourbillError, Problem, Problems
from domain.reconciliation import (
    AccountIndex,
    AccountSnapshot,
    MatchKind,
    Reconciliation,
    ReconciliationStatus,
    account_key,
    customer_from_account,
    customer_key,
    customer_values,
    only_in_exact,
    reconcile,
)

T = TypeVar("T")

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
        account = found[0] if found else await self._create(division, draft)
        return await self._link(division, customer_id, account)

    async def _create(self, division: int, draft: AccountDraft) -> ExactAccount:
        """Create the account; when Exact refuses because a racing run just made it, take that."""
        try:
            return await self.exact.create_account(division, draft)
        except ExactValidationError:
            found = await self.exact.find_accounts(division, code=draft.code)
            if len(found) != 1:
                raise
            return found[0]

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
            if other is not None and other.id != customer.id:  # itself: linked by a racing run
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


# --- use cases of the API ------------------------------------------------------------------


def exact_failure(error: ExactError) -> HourbillError:
    """An Exact failure as a typed error the API can show (the change was not made)."""
    retry = error.retryable or isinstance(error, ExactAuthError)
    code = ErrorCode.EXACT_UNAVAILABLE if retry else ErrorCode.EXACT_REJECTED
    return HourbillError.single(code, f"Exact Online: {error.message}", None)


class _CustomerSync:
    def __init__(
        self, uow: UnitOfWorkFactory, exact: ExactAccounts, clock: Clock | None = None
    ) -> None:
        self.uow = uow
        self.exact = exact
        self.clock = clock
        self.mirror = AccountMirrorSync(uow, exact, clock)

    async def _refreshed_division(self, *, full: bool = False) -> tuple[int, RefreshResult]:
        division = await exact_division(self.uow)
        try:
            return division, await self.mirror.refresh(division, full=full)
        except ExactError as error:
            raise exact_failure(error) from error


class RefreshExactAccounts(_CustomerSync):
    """Read what changed in Exact's accounts since the last refresh (or everything: `full`)."""

    async def execute(self, *, full: bool = False) -> RefreshResult:
        return (await self._refreshed_division(full=full))[1]


# --- reconciliation ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReconciliationFilter:
    statuses: frozenset[ReconciliationStatus] = frozenset()
    """Empty: every status."""
    refresh: bool | None = None
    """Refresh the mirror first; None: only for the first page (no `after`)."""


@dataclass(frozen=True)
class ReconciliationReport:
    page: Page[Reconciliation]
    division: int
    counts: dict[ReconciliationStatus, int]
    """Rows per status over the whole administration, whatever the filter."""
    refreshed_at: dt.datetime | None
    """When the mirror was last brought up to date with Exact."""


def _row_key(row: Reconciliation) -> str:
    if row.customer is not None:
        return f"0|{row.customer.code}|{row.customer.id}"
    assert row.account is not None
    return f"1|{row.account.code}|{row.account.account_id}"


class CustomerReconciliation(_CustomerSync):
    """Every customer against its Exact account, and the accounts no customer is linked to.

    Compared locally against the mirror: one incremental refresh (usually one
    call) for the first page, no call per customer.
    """

    async def execute(
        self, where: ReconciliationFilter, request: PageRequest
    ) -> ReconciliationReport:
        refresh = where.refresh if where.refresh is not None else request.after is None
        division = (
            (await self._refreshed_division())[0] if refresh else await exact_division(self.uow)
        )
        async with self.uow() as uow:
            customers = await uow.customers.all()
            accounts = [snapshot(a) for a in await uow.exact_accounts.accounts(division)]
            cursor = await uow.exact_accounts.cursor(accounts_cursor(division))
        rows = reconcile_all(customers, accounts)
        counts = {status: 0 for status in ReconciliationStatus}
        for row in rows:
            counts[row.status] += 1
        wanted = [row for row in rows if not where.statuses or row.status in where.statuses]
        return ReconciliationReport(
            page=_page(wanted, request),
            division=division,
            counts=counts,
            refreshed_at=None if cursor is None else cursor.updated,
        )


def reconcile_all(
    customers: Sequence[Customer], accounts: Sequence[AccountSnapshot]
) -> list[Reconciliation]:
    """Customers by code, then the accounts no customer is linked to, by code."""
    by_id = {account.account_id: account for account in accounts}
    linked = {c.exact_account_id for c in customers if c.exact_account_id is not None}
    unlinked = [account for account in accounts if account.account_id not in linked]
    index = AccountIndex(unlinked)
    rows = [reconcile(customer, _linked_to(customer, by_id), index) for customer in customers]
    rows += [only_in_exact(account) for account in unlinked]
    return sorted(rows, key=_row_key)


def _linked_to(
    customer: Customer, accounts: dict[uuid.UUID, AccountSnapshot]
) -> AccountSnapshot | None:
    return None if customer.exact_account_id is None else accounts.get(customer.exact_account_id)


def _page(rows: list[Reconciliation], request: PageRequest) -> Page[Reconciliation]:
    """Rows after the cursor (a row key; rows are sorted by it)."""
    keys = [_row_key(row) for row in rows]
    start = 0 if request.after is None else bisect.bisect_right(keys, request.after)
    size = max(0, min(request.first, MAX_PAGE_SIZE))
    window = range(start, min(start + size, len(rows)))
    return Page(
        edges=[(keys[i], rows[i]) for i in window],
        has_next_page=start + size < len(rows),
        has_previous_page=start > 0,
        total_count=len(rows),
    )


# --- linking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkRequest:
    customer_id: uuid.UUID
    account_id: uuid.UUID


@dataclass(frozen=True)
class LinkCustomersRequest:
    """Either `auto` (match kinds, tried in this order) or explicit `links`."""

    auto: tuple[MatchKind, ...] = ()
    links: tuple[LinkRequest, ...] = ()


@dataclass(frozen=True)
class Link:
    customer: Customer
    account: AccountSnapshot
    matched_by: MatchKind | None
    """None for an explicit link."""


@dataclass(frozen=True)
class AmbiguousMatch:
    """Several customers or several accounts share a value: nothing was linked on it."""

    matched_by: MatchKind
    value: str
    customers: tuple[Customer, ...]
    accounts: tuple[AccountSnapshot, ...]


@dataclass(frozen=True)
class LinkResult:
    linked: list[Link]
    ambiguous: list[AmbiguousMatch]


class LinkCustomers(_CustomerSync):
    """Link customers to Exact accounts: matched automatically one-to-one, or as asked."""

    async def execute(self, request: LinkCustomersRequest) -> LinkResult:
        if bool(request.auto) == bool(request.links):
            raise HourbillError.single(
                ErrorCode.INVALID, "Give either auto (match kinds) or links, not both", None
            )
        division, _ = await self._refreshed_division()
        async with self.uow() as uow:
            if request.auto:
                result = await self._auto(uow, division, tuple(dict.fromkeys(request.auto)))
            else:
                result = LinkResult(await self._explicit(uow, division, request.links), [])
            await uow.commit()
        return result

    @staticmethod
    async def _auto(uow: UnitOfWork, division: int, kinds: tuple[MatchKind, ...]) -> LinkResult:
        linked_accounts = await uow.customers.linked()
        customers = [c for c in await uow.customers.all() if c.exact_account_id is None]
        accounts = [
            snapshot(a)
            for a in await uow.exact_accounts.accounts(division)
            if a.account_id not in linked_accounts
        ]
        matching = AutoMatching(customers, accounts)
        for kind in kinds:
            matching.match(kind)
        for link in matching.links:
            link.customer.exact_account_id = link.account.account_id
        return LinkResult(matching.links, matching.still_ambiguous())

    @staticmethod
    async def _explicit(
        uow: UnitOfWork, division: int, requests: tuple[LinkRequest, ...]
    ) -> list[Link]:
        problems = Problems()
        owners = await uow.customers.linked()
        links: list[Link] = []
        for wanted in requests:
            customer = await uow.customers.get(wanted.customer_id)
            account = await uow.exact_accounts.account(division, wanted.account_id)
            if customer is None:
                problems.add(
                    ErrorCode.NOT_FOUND, f"customer {wanted.customer_id} does not exist", "links"
                )
            if account is None:
                problems.add(
                    ErrorCode.NOT_FOUND,
                    f"Exact account {wanted.account_id} does not exist in division {division}",
                    "links",
                )
            if customer is None or account is None:
                continue
            owner = owners.get(account.account_id, customer.id)
            if owner != customer.id:
                problems.add(
                    ErrorCode.IN_USE,
                    f"Exact account {account.code} is linked to another customer already",
                    "links",
                )
                continue
            owners[account.account_id] = customer.id
            if customer.exact_account_id is not None:
                owners.pop(customer.exact_account_id, None)
            links.append(Link(customer, snapshot(account), None))
        _check_one_to_one(links, problems)
        problems.raise_if_any()
        for link in links:
            link.customer.exact_account_id = link.account.account_id
        return links


def _check_one_to_one(links: list[Link], problems: Problems) -> None:
    customers = [link.customer.id for link in links]
    accounts = [link.account.account_id for link in links]
    if len(set(customers)) < len(customers) or len(set(accounts)) < len(accounts):
        problems.add(
            ErrorCode.DUPLICATE, "A customer or an account appears in more than one link", "links"
        )


class AutoMatching:
    """One-to-one matches between unlinked customers and free accounts, kind after kind.

    A value shared by one customer and one account links them; a value shared
    by more customers or more accounts links nothing and is reported.
    """

    def __init__(self, customers: Sequence[Customer], accounts: Sequence[AccountSnapshot]) -> None:
        self.customers = {c.id: c for c in customers}
        self.accounts = {a.account_id: a for a in accounts}
        self.links: list[Link] = []
        self.ambiguous: list[AmbiguousMatch] = []

    def match(self, kind: MatchKind) -> None:
        customers = _grouped(self.customers.values(), lambda c: customer_key(kind, c))
        accounts = _grouped(self.accounts.values(), lambda a: account_key(kind, a))
        for key, group in customers.items():
            candidates = accounts.get(key, [])
            if len(group) == 1 and len(candidates) == 1:
                self._link(group[0], candidates[0], kind)
            elif candidates:
                value = _raw(kind, group[0])
                self.ambiguous.append(AmbiguousMatch(kind, value, tuple(group), tuple(candidates)))

    def _link(self, customer: Customer, account: AccountSnapshot, kind: MatchKind) -> None:
        del self.customers[customer.id]
        del self.accounts[account.account_id]
        self.links.append(Link(customer, account, kind))

    def still_ambiguous(self) -> list[AmbiguousMatch]:
        """Ambiguities that leave customers unlinked, narrowed to what is still unlinked."""
        found = []
        for match in self.ambiguous:
            customers = tuple(c for c in match.customers if c.id in self.customers)
            accounts = tuple(a for a in match.accounts if a.account_id in self.accounts)
            if customers and accounts:
                found.append(AmbiguousMatch(match.matched_by, match.value, customers, accounts))
        return found


def _grouped(items: Iterable[T], key: Callable[[T], str | None]) -> dict[str, list[T]]:
    groups: dict[str, list[T]] = {}
    for item in items:
        value = key(item)
        if value is not None:
            groups.setdefault(value, []).append(item)
    return groups


def _raw(kind: MatchKind, customer: Customer) -> str:
    if kind is MatchKind.CODE:
        return customer.code
    if kind is MatchKind.VAT_NUMBER:
        return customer.vat_number or ""
    return customer.name


# --- updating either side -------------------------------------------------------------------


def _not_comparable(customer: Customer, account: ExactAccount | None) -> str | None:
    if customer.exact_account_id is None:
        return f"Customer {customer.code} is not linked to an Exact account"
    if account is None:
        return f"The Exact account of customer {customer.code} no longer exists"
    return None


async def _linked_pairs(
    uow: UnitOfWork, division: int, customer_ids: Sequence[uuid.UUID], problems: Problems
) -> list[tuple[Customer, ExactAccount]]:
    """The customers with their mirrored accounts; a problem (on customerIds) for each other."""
    customers = await uow.customers.get_many(customer_ids)
    for missing in set(customer_ids) - {c.id for c in customers}:
        problems.add(ErrorCode.NOT_FOUND, f"customer {missing} does not exist", "customerIds")
    ids = [c.exact_account_id for c in customers if c.exact_account_id is not None]
    accounts = {a.account_id: a for a in await uow.exact_accounts.accounts(division, ids)}
    pairs = []
    for customer in customers:
        linked = customer.exact_account_id
        account = None if linked is None else accounts.get(linked)
        reason = _not_comparable(customer, account)
        if reason is not None:
            problems.add(ErrorCode.INVALID_STATE, reason, "customerIds")
        elif account is not None:
            pairs.append((customer, account))
    return pairs


class UpdateCustomersFromExact(_CustomerSync):
    """Overwrite the compared fields of linked customers with their Exact account's values.

    All or nothing: an account value Hourbill's rules refuse (an e-mail address
    that is none, say) is a problem naming the customer, and nothing changes.
    """

    async def execute(self, customer_ids: Sequence[uuid.UUID]) -> list[Customer]:
        division, _ = await self._refreshed_division()
        async with self.uow() as uow:
            problems = Problems()
            pairs = await _linked_pairs(uow, division, customer_ids, problems)
            for customer, account in pairs:
                values = customer_values(snapshot(account))
                patch = {name: value for name, value in values.items() if value is not None}
                clear = [name for name, value in values.items() if value is None]
                try:
                    apply_patch(customer, patch, clear)
                except HourbillError as error:
                    for problem in error.problems:
                        problems.add(
                            problem.code,
                            f"Exact account {account.code}: {problem.message}",
                            "customerIds",
                        )
            problems.raise_if_any()
            await uow.commit()
        return [customer for customer, _ in pairs]


@dataclass(frozen=True)
class FailedUpdate:
    customer: Customer
    problem: Problem


@dataclass(frozen=True)
class ExactUpdateResult:
    updated: list[Customer]
    failed: list[FailedUpdate]
    """Accounts Exact refused or could not update (the others were updated)."""


class UpdateExactFromCustomers(_CustomerSync):
    """Write the customers' values over their linked Exact accounts (one call each).

    Exact has no transaction over several accounts: each update stands on its
    own, and the ones Exact refuses are reported next to the ones it took.
    """

    async def execute(self, customer_ids: Sequence[uuid.UUID]) -> ExactUpdateResult:
        division, _ = await self._refreshed_division()
        problems = Problems()
        async with self.uow() as uow:
            pairs = await _linked_pairs(uow, division, customer_ids, problems)
        problems.raise_if_any()
        updated, failed = [], []
        for customer, account in pairs:
            try:
                await self.exact.update_account(
                    division, account.account_id, replacing_account_fields(customer)
                )
            except ExactError as error:
                failed.append(FailedUpdate(customer, exact_failure(error).problems[0]))
            else:
                updated.append(customer)
        if updated:
            await self._refresh_quietly(division)
        return ExactUpdateResult(updated, failed)

    async def _refresh_quietly(self, division: int) -> None:
        """Bring the written values into the mirror; a failure here only delays that."""
        with contextlib.suppress(ExactError):
            await self.mirror.refresh(division)


# --- importing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportExactAccountsRequest:
    """Either the accounts to import, or `all`: every account not linked yet.

    `all` is incremental: a later run looks only at accounts new or changed in
    Exact since the previous `all` run.
    """

    account_ids: tuple[uuid.UUID, ...] = ()
    all: bool = False


@dataclass(frozen=True)
class SkippedAccount:
    account: AccountSnapshot
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class ImportResult:
    imported: list[Customer]
    skipped: list[SkippedAccount]
    """Accounts of an `all` run that cannot become customers as they are."""


class ImportExactAccounts(_CustomerSync):
    """Create customers, linked, from Exact accounts."""

    async def execute(self, request: ImportExactAccountsRequest) -> ImportResult:
        if bool(request.account_ids) == request.all:
            raise HourbillError.single(
                ErrorCode.INVALID, "Give either accountIds or all, not both", "accountIds"
            )
        division, refreshed = await self._refreshed_division()
        async with self.uow() as uow:
            if request.all:
                result = await self._all(uow, division, refreshed.cursor)
            else:
                result = await self._selected(uow, division, request.account_ids)
            await uow.commit()
        return result

    async def _all(self, uow: UnitOfWork, division: int, feed_cursor: int) -> ImportResult:
        cursor = await uow.exact_accounts.cursor(import_cursor(division))
        accounts = (
            await uow.exact_accounts.accounts(division)
            if cursor is None
            else await uow.exact_accounts.changed_since(division, cursor.value)
        )
        linked = await uow.customers.linked()
        imported, skipped = [], []
        for account in accounts:
            if account.account_id in linked:
                continue
            try:
                imported.append(await _import(uow, snapshot(account)))
            except HourbillError as error:
                skipped.append(SkippedAccount(snapshot(account), error.problems))
        await uow.exact_accounts.save_cursor(import_cursor(division), feed_cursor, _now(self.clock))
        return ImportResult(imported, skipped)

    async def _selected(
        self, uow: UnitOfWork, division: int, account_ids: Sequence[uuid.UUID]
    ) -> ImportResult:
        problems = Problems()
        accounts = await uow.exact_accounts.accounts(division, account_ids)
        for missing in set(account_ids) - {a.account_id for a in accounts}:
            problems.add(
                ErrorCode.NOT_FOUND, f"Exact account {missing} does not exist", "accountIds"
            )
        linked = await uow.customers.linked()
        imported = []
        for account in accounts:
            if account.account_id in linked:
                problems.add(
                    ErrorCode.IN_USE,
                    f"Exact account {account.code} is linked to a customer already",
                    "accountIds",
                )
                continue
            try:
                imported.append(await _import(uow, snapshot(account)))
            except HourbillError as error:
                for problem in error.problems:
                    problems.add(
                        problem.code,
                        f"Exact account {account.code}: {problem.message}",
                        "accountIds",
                    )
        problems.raise_if_any()
        return ImportResult(imported, [])


async def _import(uow: UnitOfWork, account: AccountSnapshot) -> Customer:
    customer = customer_from_account(account)
    if await uow.customers.by_code(customer.code) is not None:
        raise HourbillError.single(
            ErrorCode.DUPLICATE,
            f"A customer with code {customer.code} exists already; link it instead",
            "code",
        )
    await uow.customers.add(customer)
    return customer
