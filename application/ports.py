"""Ports: what the use cases need from the outside world, and nothing more.

Every repository belongs to one unit of work; nothing it writes is visible to
anyone else before `UnitOfWork.commit()` returns.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Protocol, Self, TypeVar

from application.exact import ExactAccount
from domain.bookings import HourBooking, Supply
from domain.customers import Customer
from domain.events import Event
from domain.exact_mapping import LineMapping, MappingScope
from domain.idempotency import IdempotencyRecord
from domain.orders import Order, OrderStatus
from domain.rates import RateRule
from domain.settings import InvoicingSettings
from domain.vat import VatCode
from domain.work import Employee, Project, Task

if TYPE_CHECKING:  # invoicing_ports and access build on Page and PageRequest from here
    from application.access import ApiKeyRepository, AuditLogRepository
    from application.invoicing_ports import InvoiceRepository, Outbox

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class PageRequest:
    """Forward keyset pagination: `first` items after the opaque cursor `after`."""

    first: int = 50
    after: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    edges: list[tuple[str, T]]
    has_next_page: bool
    has_previous_page: bool
    total_count: int

    @property
    def items(self) -> list[T]:
        return [item for _, item in self.edges]


@dataclass(frozen=True)
class CustomerFilter:
    search: str | None = None


@dataclass(frozen=True)
class SourceFilter:
    """Filter for bookings and supplies; `billed` None means both."""

    customer_id: uuid.UUID | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    billed: bool | None = None
    employee_id: uuid.UUID | None = None


@dataclass(frozen=True)
class OrderFilter:
    customer_id: uuid.UUID | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    status: OrderStatus | None = None


@dataclass(frozen=True)
class UnbilledSelection:
    period_start: dt.date
    period_end: dt.date
    customer_ids: frozenset[uuid.UUID] = frozenset()


class CustomerRepository(Protocol):
    async def get(self, customer_id: uuid.UUID) -> Customer | None: ...
    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[Customer]: ...
    async def by_code(self, code: str) -> Customer | None: ...
    async def add(self, customer: Customer) -> None: ...
    async def delete(self, customer: Customer) -> None: ...
    async def is_referenced(self, customer_id: uuid.UUID) -> bool:
        """True when a booking, supply, project or order points at the customer."""
        ...

    async def page(self, where: CustomerFilter, request: PageRequest) -> Page[Customer]: ...
    async def all(self) -> list[Customer]:
        """Every customer, by code (reconciliation with Exact compares them all locally)."""
        ...

    async def by_exact_account(self, account_id: uuid.UUID) -> Customer | None: ...
    async def linked(self) -> dict[uuid.UUID, uuid.UUID]:
        """Exact account id -> id of the customer linked to it, for every linked customer."""
        ...


class WorkRepository(Protocol):
    """Employees, projects and tasks."""

    async def employee(self, employee_id: uuid.UUID) -> Employee | None: ...
    async def employees(self, ids: Sequence[uuid.UUID] | None = None) -> list[Employee]:
        """The given employees, or all of them when `ids` is None."""
        ...

    async def employee_by_code(self, code: str) -> Employee | None: ...
    async def add_employee(self, employee: Employee) -> None: ...
    async def project(self, project_id: uuid.UUID) -> Project | None: ...
    async def projects(self, ids: Sequence[uuid.UUID] | None = None) -> list[Project]: ...
    async def project_by_code(self, customer_id: uuid.UUID, code: str) -> Project | None: ...
    async def add_project(self, project: Project) -> None: ...
    async def task(self, task_id: uuid.UUID) -> Task | None: ...
    async def task_by_code(self, project_id: uuid.UUID, code: str) -> Task | None: ...
    async def tasks(self, ids: Sequence[uuid.UUID] | None = None) -> list[Task]: ...
    async def add_task(self, task: Task) -> None: ...


class BookingRepository(Protocol):
    async def get(self, booking_id: uuid.UUID) -> HourBooking | None: ...
    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[HourBooking]: ...
    async def add(self, booking: HourBooking) -> None: ...
    async def delete(self, booking: HourBooking) -> None: ...
    async def billed_on(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        """Booking id -> id of the order line it is billed on, for billed ones only."""
        ...

    async def unbilled(self, selection: UnbilledSelection) -> list[HourBooking]:
        """Billable bookings in the period (and customers) that are on no order line."""
        ...

    async def page(self, where: SourceFilter, request: PageRequest) -> Page[HourBooking]: ...


class SupplyRepository(Protocol):
    async def get(self, supply_id: uuid.UUID) -> Supply | None: ...
    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[Supply]: ...
    async def add(self, supply: Supply) -> None: ...
    async def delete(self, supply: Supply) -> None: ...
    async def billed_on(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]: ...
    async def unbilled(self, selection: UnbilledSelection) -> list[Supply]: ...
    async def page(self, where: SourceFilter, request: PageRequest) -> Page[Supply]: ...


class RateRuleRepository(Protocol):
    async def get(self, rule_id: uuid.UUID) -> RateRule | None: ...
    async def all(self) -> list[RateRule]: ...
    async def add(self, rule: RateRule) -> None: ...
    async def delete(self, rule: RateRule) -> None: ...
    async def page(self, request: PageRequest) -> Page[RateRule]: ...


class VatCodeRepository(Protocol):
    async def all(self) -> list[VatCode]: ...
    async def get(self, code: str) -> VatCode | None: ...
    async def add(self, vat_code: VatCode) -> None: ...


class SettingsRepository(Protocol):
    async def invoicing(self) -> InvoicingSettings:
        """The stored settings; defaults (and stored) when none were saved yet."""
        ...


class LineMappingRepository(Protocol):
    """Per-line Exact mappings; at most one per (scope, key)."""

    async def all(self) -> list[LineMapping]:
        """Every mapping, by scope and key."""
        ...

    async def get(self, mapping_id: uuid.UUID) -> LineMapping | None: ...
    async def by_scope_key(self, scope: MappingScope, key: str) -> LineMapping | None: ...
    async def add(self, mapping: LineMapping) -> None:
        """HourbillError(DUPLICATE) when (scope, key) is mapped already, also concurrently."""
        ...

    async def delete(self, mapping: LineMapping) -> None: ...


class OrderRepository(Protocol):
    async def get(self, order_id: uuid.UUID) -> Order | None:
        """The order with its lines and their provenance loaded."""
        ...

    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[Order]: ...
    async def add(self, order: Order) -> None: ...
    async def add_many(self, orders: Sequence[Order]) -> None:
        """Insert many new orders at once (generation); a fast path, same result as `add`.

        Raises HourbillError(CONFLICT) when a booking or supply on them is
        already billed on another line (also one committed concurrently).
        """
        ...

    async def delete(self, order: Order) -> None:
        """Delete the order with its lines; its bookings and supplies become unbilled."""
        ...

    async def next_numbers(self, count: int) -> list[int]:
        """Reserve `count` consecutive order numbers; numbers are never handed out twice."""
        ...

    async def page(self, where: OrderFilter, request: PageRequest) -> Page[Order]: ...
    async def flush(self) -> None:
        """Write pending changes so database constraints are checked now."""
        ...


@dataclass(frozen=True)
class SyncCursor:
    """Where a sync feed was read up to (`value`, Exact's Timestamp) and when."""

    name: str
    value: int
    updated: dt.datetime


class ExactAccountMirror(Protocol):
    """A local copy of Exact's accounts per division, kept current from the sync feed.

    Each row carries the feed timestamp it arrived with (the highest Timestamp
    of its page), so "changed since" is answered locally. Named cursors record
    how far a feed (or an incremental import) got.
    """

    async def cursor(self, name: str) -> SyncCursor | None: ...
    async def save_cursor(self, name: str, value: int, updated: dt.datetime) -> None: ...
    async def upsert(self, division: int, accounts: Sequence[ExactAccount], timestamp: int) -> None:
        """Insert or replace these accounts, stamped with `timestamp`."""
        ...

    async def account(self, division: int, account_id: uuid.UUID) -> ExactAccount | None: ...
    async def accounts(
        self, division: int, ids: Sequence[uuid.UUID] | None = None
    ) -> list[ExactAccount]:
        """The given accounts (unknown ids left out), or all of them; by code, then id."""
        ...

    async def by_code(self, division: int, code: str) -> list[ExactAccount]: ...
    async def changed_since(self, division: int, timestamp: int) -> list[ExactAccount]:
        """Accounts that arrived with a feed timestamp above `timestamp`; by code, then id."""
        ...

    async def account_ids(self, division: int) -> set[uuid.UUID]: ...
    async def remove(self, division: int, ids: Sequence[uuid.UUID]) -> None: ...


class IdempotencyKeyTaken(Exception):
    """Another transaction holds this idempotency key (possibly committed concurrently)."""


class IdempotencyRepository(Protocol):
    """Used idempotency keys, each written in the transaction of what it created."""

    async def get(self, scope: str, key: str) -> IdempotencyRecord | None: ...
    async def add(self, record: IdempotencyRecord, *, replacing_before: dt.datetime) -> None:
        """Claim the key now: a concurrent transaction adding it waits for this one's end.

        An expired record of the key (created before `replacing_before`) is
        replaced. IdempotencyKeyTaken when a live one exists, also one committed
        concurrently.
        """
        ...

    async def purge(self, before: dt.datetime, limit: int) -> int:
        """Delete up to `limit` records created before `before`; how many were deleted."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without `commit()` rolls everything back.

    `commit()` raises HourbillError(CONFLICT) when a concurrent transaction won a
    race for the same bookings or supplies; then nothing of this one is kept.
    """

    customers: CustomerRepository
    work: WorkRepository
    bookings: BookingRepository
    supplies: SupplyRepository
    rate_rules: RateRuleRepository
    vat_codes: VatCodeRepository
    settings: SettingsRepository
    orders: OrderRepository
    line_mappings: LineMappingRepository
    exact_accounts: ExactAccountMirror
    invoices: InvoiceRepository
    outbox: Outbox
    idempotency: IdempotencyRepository
    api_keys: ApiKeyRepository
    audit_log: AuditLogRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class EventPublisher(Protocol):
    """Delivers events to subscribers, in every server process the implementation reaches.

    Called only after a successful commit; delivery is at most once (a
    subscriber that was not connected misses the event and re-reads state).
    """

    async def publish(self, events: Sequence[Event]) -> None: ...


class EventSubscriptions(Protocol):
    def subscribe(self) -> EventStream: ...


class EventStream(Protocol):
    def __aiter__(self) -> EventStream: ...
    async def __anext__(self) -> Event: ...
    async def aclose(self) -> None: ...


class Clock(Protocol):
    def today(self) -> dt.date: ...
    def now(self) -> dt.datetime: ...
