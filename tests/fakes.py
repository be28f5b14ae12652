"""Hand-written fakes of the application's ports: in memory, transactional, no mocks.

`FakeStore` is the "database". Each `FakeUnitOfWork` works on a deep copy of it
and swaps its copy in on commit, so a unit of work left without commit changes
nothing, exactly like the SQL one.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar

from application.access import AuditFilter
from application.exact import ExactAccount
from application.exact_connection import (
    ConnectionStatus,
    ExactConnectionConfig,
    ExactConnectionStatus,
    UsedState,
)
from application.invoicing_ports import (
    AlreadyQueued,
    InvoiceFilter,
    OutboxItem,
    OutboxKind,
)
from application.ports import (
    CustomerFilter,
    IdempotencyKeyTaken,
    OrderFilter,
    Page,
    PageRequest,
    SourceFilter,
    SyncCursor,
    UnbilledSelection,
)
from domain import exact_mapping
from domain.access import ApiKey
from domain.audit import AuditEntry
from domain.bookings import HourBooking, Supply
from domain.customers import Customer
from domain.documents import Document
from domain.errors import ErrorCode, HourbillError
from domain.events import InvoiceRunProgressEvent, OrderEvent
from domain.idempotency import IdempotencyRecord
from domain.invoices import DONE_STATES, Invoice, InvoiceHistoryEntry, InvoiceRun, InvoiceState
from domain.orders import Order
from domain.rates import RateRule
from domain.settings import InvoicingSettings
from domain.vat import VatCode
from domain.work import Employee, Project, Task

T = TypeVar("T")


def dutch_vat_codes() -> dict[str, VatCode]:
    from decimal import Decimal

    return {
        "21": VatCode("21", "BTW hoog 21%", Decimal("21")),
        "9": VatCode("9", "BTW laag 9%", Decimal("9")),
        "0": VatCode("0", "BTW 0%", Decimal("0")),
    }


@dataclass
class FakeStore:
    customers: dict[uuid.UUID, Customer] = field(default_factory=dict)
    employees: dict[uuid.UUID, Employee] = field(default_factory=dict)
    projects: dict[uuid.UUID, Project] = field(default_factory=dict)
    tasks: dict[uuid.UUID, Task] = field(default_factory=dict)
    bookings: dict[uuid.UUID, HourBooking] = field(default_factory=dict)
    supplies: dict[uuid.UUID, Supply] = field(default_factory=dict)
    rate_rules: dict[uuid.UUID, RateRule] = field(default_factory=dict)
    vat_codes: dict[str, VatCode] = field(default_factory=dutch_vat_codes)
    settings: InvoicingSettings = field(default_factory=InvoicingSettings)
    orders: dict[uuid.UUID, Order] = field(default_factory=dict)
    exact_accounts: dict[tuple[int, uuid.UUID], tuple[ExactAccount, int]] = field(
        default_factory=dict
    )
    """The Exact accounts mirror: (division, account id) -> (account, feed timestamp)."""
    sync_cursors: dict[str, SyncCursor] = field(default_factory=dict)
    line_mappings: dict[uuid.UUID, exact_mapping.LineMapping] = field(default_factory=dict)
    invoices: dict[uuid.UUID, Invoice] = field(default_factory=dict)
    invoice_runs: dict[uuid.UUID, InvoiceRun] = field(default_factory=dict)
    invoice_history: list[InvoiceHistoryEntry] = field(default_factory=list)
    outbox: dict[uuid.UUID, FakeOutboxRow] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    """Used idempotency keys by (scope, key)."""
    api_keys: dict[uuid.UUID, ApiKey] = field(default_factory=dict)
    audit_log: dict[uuid.UUID, AuditEntry] = field(default_factory=dict)
    last_number: int = 0
    commits: int = 0

    def billed_bookings(self) -> dict[uuid.UUID, uuid.UUID]:
        return {
            ref.booking_id: line.id
            for order in self.orders.values()
            for line in order.lines
            for ref in line.bookings
        }

    def billed_supplies(self) -> dict[uuid.UUID, uuid.UUID]:
        return {
            ref.supply_id: line.id
            for order in self.orders.values()
            for line in order.lines
            for ref in line.supplies
        }


def _page(items: list[T], request: PageRequest, key: Callable[[T], str]) -> Page[T]:
    ordered = sorted(items, key=key)
    start = 0
    if request.after is not None:
        start = next((i + 1 for i, item in enumerate(ordered) if key(item) == request.after), 0)
    window = ordered[start : start + request.first]
    return Page(
        edges=[(key(item), item) for item in window],
        has_next_page=start + request.first < len(ordered),
        has_previous_page=start > 0,
        total_count=len(ordered),
    )


def _pick(source: dict[Any, T], ids: Iterable[Any] | None) -> list[T]:
    if ids is None:
        return list(source.values())
    return [source[i] for i in ids if i in source]


class _Repo:
    def __init__(self, store: FakeStore) -> None:
        self.store = store


class FakeCustomers(_Repo):
    async def get(self, customer_id: uuid.UUID) -> Customer | None:
        return self.store.customers.get(customer_id)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[Customer]:
        return _pick(self.store.customers, ids)

    async def by_code(self, code: str) -> Customer | None:
        return next((c for c in self.store.customers.values() if c.code == code), None)

    async def add(self, customer: Customer) -> None:
        self.store.customers[customer.id] = customer

    async def delete(self, customer: Customer) -> None:
        del self.store.customers[customer.id]

    async def is_referenced(self, customer_id: uuid.UUID) -> bool:
        s = self.store
        return any(
            x.customer_id == customer_id
            for x in [
                *s.bookings.values(),
                *s.supplies.values(),
                *s.projects.values(),
                *s.orders.values(),
            ]
        )

    async def page(self, where: CustomerFilter, request: PageRequest) -> Page[Customer]:
        needle = (where.search or "").lower()
        items = [
            c
            for c in self.store.customers.values()
            if needle in c.code.lower() or needle in c.name.lower()
        ]
        return _page(items, request, lambda c: f"{c.code}|{c.id}")

    async def all(self) -> list[Customer]:
        return sorted(self.store.customers.values(), key=lambda c: c.code)

    async def by_exact_account(self, account_id: uuid.UUID) -> Customer | None:
        found = (c for c in self.store.customers.values() if c.exact_account_id == account_id)
        return next(found, None)

    async def linked(self) -> dict[uuid.UUID, uuid.UUID]:
        return {
            c.exact_account_id: c.id
            for c in self.store.customers.values()
            if c.exact_account_id is not None
        }


class FakeExactAccountMirror(_Repo):
    async def cursor(self, name: str) -> SyncCursor | None:
        return self.store.sync_cursors.get(name)

    async def save_cursor(self, name: str, value: int, updated: dt.datetime) -> None:
        self.store.sync_cursors[name] = SyncCursor(name, value, updated)

    async def upsert(self, division: int, accounts: Sequence[ExactAccount], timestamp: int) -> None:
        for account in accounts:
            self.store.exact_accounts[division, account.account_id] = (account, timestamp)

    async def account(self, division: int, account_id: uuid.UUID) -> ExactAccount | None:
        found = self.store.exact_accounts.get((division, account_id))
        return None if found is None else found[0]

    def _of(self, division: int, newer_than: int | None = None) -> list[ExactAccount]:
        found = [
            account
            for (div, _), (account, stamp) in self.store.exact_accounts.items()
            if div == division and (newer_than is None or stamp > newer_than)
        ]
        return sorted(found, key=lambda a: (a.code, str(a.account_id)))

    async def accounts(
        self, division: int, ids: Sequence[uuid.UUID] | None = None
    ) -> list[ExactAccount]:
        wanted = None if ids is None else set(ids)
        return [a for a in self._of(division) if wanted is None or a.account_id in wanted]

    async def by_code(self, division: int, code: str) -> list[ExactAccount]:
        return [a for a in self._of(division) if a.code == code]

    async def changed_since(self, division: int, timestamp: int) -> list[ExactAccount]:
        return self._of(division, timestamp)

    async def account_ids(self, division: int) -> set[uuid.UUID]:
        return {key for div, key in self.store.exact_accounts if div == division}

    async def remove(self, division: int, ids: Sequence[uuid.UUID]) -> None:
        for account_id in ids:
            self.store.exact_accounts.pop((division, account_id), None)


class FakeWork(_Repo):
    async def employee(self, employee_id: uuid.UUID) -> Employee | None:
        return self.store.employees.get(employee_id)

    async def employees(self, ids: Sequence[uuid.UUID] | None = None) -> list[Employee]:
        return _pick(self.store.employees, ids)

    async def employee_by_code(self, code: str) -> Employee | None:
        return next((e for e in self.store.employees.values() if e.code == code), None)

    async def add_employee(self, employee: Employee) -> None:
        self.store.employees[employee.id] = employee

    async def project(self, project_id: uuid.UUID) -> Project | None:
        return self.store.projects.get(project_id)

    async def projects(self, ids: Sequence[uuid.UUID] | None = None) -> list[Project]:
        return _pick(self.store.projects, ids)

    async def project_by_code(self, customer_id: uuid.UUID, code: str) -> Project | None:
        return next(
            (
                p
                for p in self.store.projects.values()
                if p.customer_id == customer_id and p.code == code
            ),
            None,
        )

    async def add_project(self, project: Project) -> None:
        self.store.projects[project.id] = project

    async def task(self, task_id: uuid.UUID) -> Task | None:
        return self.store.tasks.get(task_id)

    async def task_by_code(self, project_id: uuid.UUID, code: str) -> Task | None:
        return next(
            (t for t in self.store.tasks.values() if t.project_id == project_id and t.code == code),
            None,
        )

    async def tasks(self, ids: Sequence[uuid.UUID] | None = None) -> list[Task]:
        return _pick(self.store.tasks, ids)

    async def add_task(self, task: Task) -> None:
        self.store.tasks[task.id] = task


def _source_matches(item: HourBooking | Supply, where: SourceFilter, billed: bool) -> bool:
    return (
        (where.customer_id is None or item.customer_id == where.customer_id)
        and (where.period_start is None or item.date >= where.period_start)
        and (where.period_end is None or item.date <= where.period_end)
        and (where.billed is None or where.billed == billed)
        and (where.employee_id is None or getattr(item, "employee_id", None) == where.employee_id)
    )


def _selected(item: HourBooking | Supply, selection: UnbilledSelection) -> bool:
    in_period = selection.period_start <= item.date <= selection.period_end
    return in_period and (not selection.customer_ids or item.customer_id in selection.customer_ids)


class FakeBookings(_Repo):
    async def get(self, booking_id: uuid.UUID) -> HourBooking | None:
        return self.store.bookings.get(booking_id)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[HourBooking]:
        return _pick(self.store.bookings, ids)

    async def add(self, booking: HourBooking) -> None:
        self.store.bookings[booking.id] = booking

    async def delete(self, booking: HourBooking) -> None:
        del self.store.bookings[booking.id]

    async def billed_on(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        billed = self.store.billed_bookings()
        return {i: billed[i] for i in ids if i in billed}

    async def unbilled(self, selection: UnbilledSelection) -> list[HourBooking]:
        billed = self.store.billed_bookings()
        return [
            b
            for b in self.store.bookings.values()
            if b.billable and b.id not in billed and _selected(b, selection)
        ]

    async def page(self, where: SourceFilter, request: PageRequest) -> Page[HourBooking]:
        billed = self.store.billed_bookings()
        items = [
            b for b in self.store.bookings.values() if _source_matches(b, where, b.id in billed)
        ]
        return _page(items, request, lambda b: f"{b.date.isoformat()}|{b.id}")


class FakeSupplies(_Repo):
    async def get(self, supply_id: uuid.UUID) -> Supply | None:
        return self.store.supplies.get(supply_id)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[Supply]:
        return _pick(self.store.supplies, ids)

    async def add(self, supply: Supply) -> None:
        self.store.supplies[supply.id] = supply

    async def delete(self, supply: Supply) -> None:
        del self.store.supplies[supply.id]

    async def billed_on(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        billed = self.store.billed_supplies()
        return {i: billed[i] for i in ids if i in billed}

    async def unbilled(self, selection: UnbilledSelection) -> list[Supply]:
        billed = self.store.billed_supplies()
        return [
            s
            for s in self.store.supplies.values()
            if s.id not in billed and _selected(s, selection)
        ]

    async def page(self, where: SourceFilter, request: PageRequest) -> Page[Supply]:
        billed = self.store.billed_supplies()
        items = [
            s for s in self.store.supplies.values() if _source_matches(s, where, s.id in billed)
        ]
        return _page(items, request, lambda s: f"{s.date.isoformat()}|{s.id}")


class FakeRateRules(_Repo):
    async def get(self, rule_id: uuid.UUID) -> RateRule | None:
        return self.store.rate_rules.get(rule_id)

    async def all(self) -> list[RateRule]:
        return list(self.store.rate_rules.values())

    async def add(self, rule: RateRule) -> None:
        self.store.rate_rules[rule.id] = rule

    async def delete(self, rule: RateRule) -> None:
        del self.store.rate_rules[rule.id]

    async def page(self, request: PageRequest) -> Page[RateRule]:
        return _page(list(self.store.rate_rules.values()), request, lambda r: str(r.id))


class FakeVatCodes(_Repo):
    async def all(self) -> list[VatCode]:
        return sorted(self.store.vat_codes.values(), key=lambda v: v.code)

    async def get(self, code: str) -> VatCode | None:
        return self.store.vat_codes.get(code)

    async def add(self, vat_code: VatCode) -> None:
        self.store.vat_codes[vat_code.code] = vat_code


class FakeSettings(_Repo):
    async def invoicing(self) -> InvoicingSettings:
        return self.store.settings


class FakeLineMappings(_Repo):
    async def all(self) -> list[exact_mapping.LineMapping]:
        return sorted(self.store.line_mappings.values(), key=lambda m: (m.scope, m.key))

    async def get(self, mapping_id: uuid.UUID) -> exact_mapping.LineMapping | None:
        return self.store.line_mappings.get(mapping_id)

    async def by_scope_key(
        self, scope: exact_mapping.MappingScope, key: str
    ) -> exact_mapping.LineMapping | None:
        found = (m for m in self.store.line_mappings.values() if (m.scope, m.key) == (scope, key))
        return next(found, None)

    async def add(self, mapping: exact_mapping.LineMapping) -> None:
        """The table's unique (scope, key)."""
        if await self.by_scope_key(mapping.scope, mapping.key) is not None:
            raise HourbillError.single(
                ErrorCode.DUPLICATE, f"{mapping.scope} {mapping.key} was mapped meanwhile", "key"
            )
        self.store.line_mappings[mapping.id] = mapping

    async def delete(self, mapping: exact_mapping.LineMapping) -> None:
        del self.store.line_mappings[mapping.id]


class FakeOrders(_Repo):
    async def get(self, order_id: uuid.UUID) -> Order | None:
        return self.store.orders.get(order_id)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[Order]:
        return _pick(self.store.orders, ids)

    async def add(self, order: Order) -> None:
        self.store.orders[order.id] = order

    async def add_many(self, orders: Sequence[Order]) -> None:
        for order in orders:
            await self.add(order)
        await self.flush()

    async def delete(self, order: Order) -> None:
        del self.store.orders[order.id]

    async def next_numbers(self, count: int) -> list[int]:
        first = self.store.last_number + 1
        self.store.last_number += count
        return list(range(first, first + count))

    async def page(self, where: OrderFilter, request: PageRequest) -> Page[Order]:
        items = [
            o
            for o in self.store.orders.values()
            if (where.customer_id is None or o.customer_id == where.customer_id)
            and (where.status is None or o.status == where.status)
            and (where.period_start is None or o.order_date >= where.period_start)
            and (where.period_end is None or o.order_date <= where.period_end)
        ]
        return _page(items, request, lambda o: f"{o.number:012d}|{o.id}")

    async def flush(self) -> None:
        """The database's unique constraint: a booking or supply is on one line at most."""
        for attr in ("bookings", "supplies"):
            seen: set[uuid.UUID] = set()
            for order in self.store.orders.values():
                for line in order.lines:
                    for ref in getattr(line, attr):
                        source = ref.booking_id if attr == "bookings" else ref.supply_id
                        if source in seen:
                            raise HourbillError.single(
                                ErrorCode.CONFLICT,
                                "bookings or supplies were billed concurrently; preview again",
                                "periodStart",
                            )
                        seen.add(source)


class FakeApiKeys(_Repo):
    async def add(self, key: ApiKey) -> None:
        self.store.api_keys[key.id] = key

    async def save(self, key: ApiKey) -> None:
        self.store.api_keys[key.id] = key

    async def get(self, key_id: uuid.UUID) -> ApiKey | None:
        return self.store.api_keys.get(key_id)

    async def by_prefix(self, prefix: str) -> ApiKey | None:
        return next((k for k in self.store.api_keys.values() if k.prefix == prefix), None)

    async def active_by_name(self, name: str) -> ApiKey | None:
        keys = self.store.api_keys.values()
        return next((k for k in keys if k.name == name and k.active), None)

    async def any_active(self) -> bool:
        return any(k.active for k in self.store.api_keys.values())

    async def page(self, request: PageRequest, include_revoked: bool) -> Page[ApiKey]:
        keys = [k for k in self.store.api_keys.values() if include_revoked or k.active]
        return _page(keys, request, lambda k: f"{k.created_at.isoformat()}|{k.id}")


class FakeAuditLog(_Repo):
    async def add(self, entry: AuditEntry) -> None:
        self.store.audit_log[entry.id] = entry

    async def save(self, entry: AuditEntry) -> None:
        self.store.audit_log[entry.id] = entry

    async def page(self, where: AuditFilter, request: PageRequest) -> Page[AuditEntry]:
        def wanted(e: AuditEntry) -> bool:
            return (
                (where.actor_key_id is None or e.actor_key_id == where.actor_key_id)
                and (where.action is None or e.action == where.action)
                and (where.outcome is None or e.outcome == where.outcome)
                and (where.since is None or e.at >= where.since)
                and (where.until is None or e.at < where.until)
            )

        entries = sorted(
            (e for e in self.store.audit_log.values() if wanted(e)),
            key=lambda e: (e.at, e.id),
            reverse=True,
        )
        order = {e.id: f"{i:012d}" for i, e in enumerate(entries)}
        return _page(entries, request, lambda e: order[e.id])


class FakeIdempotency(_Repo):
    """Used keys; `verify` plays the primary key at commit (a key committed concurrently)."""

    def __init__(self, store: FakeStore, shared: FakeStore) -> None:
        super().__init__(store)
        self.shared = shared
        self.claims: list[tuple[IdempotencyRecord, dt.datetime]] = []

    async def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        return self.store.idempotency.get((scope, key))

    async def add(self, record: IdempotencyRecord, *, replacing_before: dt.datetime) -> None:
        self._check(record, replacing_before, self.store)
        self._check(record, replacing_before, self.shared)
        self.store.idempotency[(record.scope, record.key)] = record
        self.claims.append((record, replacing_before))

    async def purge(self, before: dt.datetime, limit: int) -> int:
        expired = sorted(
            (r for r in self.store.idempotency.values() if r.created_at < before),
            key=lambda r: r.created_at,
        )[:limit]
        for record in expired:
            del self.store.idempotency[(record.scope, record.key)]
        return len(expired)

    def verify(self) -> None:
        for record, replacing_before in self.claims:
            self._check(record, replacing_before, self.shared)

    @staticmethod
    def _check(record: IdempotencyRecord, replacing_before: dt.datetime, store: FakeStore) -> None:
        held = store.idempotency.get((record.scope, record.key))
        if held is not None and held is not record and held.created_at >= replacing_before:
            raise IdempotencyKeyTaken(record.key)


class FakeUnitOfWork:
    def __init__(self, shared: FakeStore) -> None:
        self.shared = shared
        self.committed = False

    async def __aenter__(self) -> Self:
        self.store = copy.deepcopy(self.shared)
        self.customers = FakeCustomers(self.store)
        self.work = FakeWork(self.store)
        self.bookings = FakeBookings(self.store)
        self.supplies = FakeSupplies(self.store)
        self.rate_rules = FakeRateRules(self.store)
        self.vat_codes = FakeVatCodes(self.store)
        self.settings = FakeSettings(self.store)
        self.orders = FakeOrders(self.store)
        self.exact_accounts = FakeExactAccountMirror(self.store)
        self.line_mappings = FakeLineMappings(self.store)
        self.invoices = FakeInvoices(self.store, self.shared)
        self.outbox = FakeOutbox(self.store)
        self.idempotency = FakeIdempotency(self.store, self.shared)
        self.api_keys = FakeApiKeys(self.store)
        self.audit_log = FakeAuditLog(self.store)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        await self.orders.flush()
        self.invoices.verify()
        self.idempotency.verify()
        self.store.commits += 1
        self.shared.__dict__.update(self.store.__dict__)
        self.committed = True

    async def rollback(self) -> None:
        return None


class FakeUnitOfWorkFactory:
    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store or FakeStore()

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store)


class RecordingPublisher:
    def __init__(self) -> None:
        self.published: list[OrderEvent] = []

    async def publish(self, events: Sequence[OrderEvent]) -> None:
        self.published.extend(events)


class FakeDocumentRenderer:
    """Records every batch of documents it is given; "renders" a one-line summary of each."""

    def __init__(self) -> None:
        self.batches: list[tuple[Document, ...]] = []

    def render(self, documents: Sequence[Document]) -> bytes:
        self.batches.append(tuple(documents))
        lines = [
            f"{type(d).__name__} {getattr(d, 'kind', 'SPECIFICATION')} "
            f"{d.header.order_number} {d.header.language.value}"
            for d in documents
        ]
        return "\n".join(["%PDF-fake", *lines]).encode()


class FixedClock:
    def __init__(self, today: dt.date = dt.date(2026, 11, 30)) -> None:
        self._today = today

    def today(self) -> dt.date:
        return self._today

    def now(self) -> dt.datetime:
        return dt.datetime.combine(self._today, dt.time(12, 0), tzinfo=dt.UTC)


class FakeExactConnector:
    """An `ExactConnector` that records what it was asked; `complete` always connects."""

    def __init__(self, status: ConnectionStatus = ConnectionStatus.NOT_CONNECTED) -> None:
        self.state = ExactConnectionStatus(status)
        self.configured: list[ExactConnectionConfig] = []
        self.codes: list[str] = []

    async def status(self) -> ExactConnectionStatus:
        return self.state

    async def configure(self, config: ExactConnectionConfig) -> ExactConnectionStatus:
        self.configured.append(config)
        self.state = ExactConnectionStatus(ConnectionStatus.NOT_CONNECTED, config.country)
        return self.state

    async def authorization_url(self, state: str) -> str:
        return f"https://exact.example/api/oauth2/auth?state={state}"

    async def complete(self, code: str) -> ExactConnectionStatus:
        self.codes.append(code)
        self.state = ExactConnectionStatus(ConnectionStatus.CONNECTED, user_name="Sandra")
        return self.state

    async def disconnect(self) -> ExactConnectionStatus:
        self.state = ExactConnectionStatus(ConnectionStatus.NOT_CONNECTED)
        return self.state


class FakeOAuthStates:
    def __init__(self) -> None:
        self.saved: dict[str, tuple[dt.datetime, str | None, bool]] = {}

    async def save(self, state_hash: str, expires_at: dt.datetime, created_by: str | None) -> None:
        self.saved[state_hash] = (expires_at, created_by, False)

    async def consume(self, state_hash: str, now: dt.datetime) -> UsedState | None:
        entry = self.saved.get(state_hash)
        if entry is None or entry[2] or entry[0] <= now:
            return None
        self.saved[state_hash] = (entry[0], entry[1], True)
        return UsedState(entry[1])


# -- invoicing ------------------------------------------------------------------


@dataclass
class FakeOutboxRow:
    id: uuid.UUID
    invoice_id: uuid.UUID
    kind: OutboxKind
    available_at: dt.datetime
    attempts: int = 0
    locked_until: dt.datetime | None = None
    locked_by: str | None = None
    last_error: str | None = None

    def claimable(self, now: dt.datetime) -> bool:
        return self.available_at <= now and (self.locked_until is None or self.locked_until <= now)


class FakeInvoices(_Repo):
    """Invoices, runs and history; `verify` plays the database's unique keys at commit."""

    def __init__(self, store: FakeStore, shared: FakeStore) -> None:
        super().__init__(store)
        self.shared = shared

    async def get(self, invoice_id: uuid.UUID) -> Invoice | None:
        return self.store.invoices.get(invoice_id)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[Invoice]:
        return _pick(self.store.invoices, ids)

    async def by_orders(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Invoice]:
        wanted = set(order_ids)
        return {
            i.order_id: i
            for i in self.store.invoices.values()
            if i.order_id is not None and i.order_id in wanted
        }

    async def by_exact_ids(self, exact_ids: Sequence[uuid.UUID]) -> list[Invoice]:
        wanted = set(exact_ids)
        return [i for i in self.store.invoices.values() if i.exact_invoice_id in wanted]

    async def open(self, limit: int | None = None) -> list[Invoice]:
        sent = [i for i in self.store.invoices.values() if i.state is InvoiceState.SENT]
        sent.sort(key=lambda i: (i.sent_at or i.created_at, i.id))
        return sent[:limit]

    async def add(self, invoice: Invoice) -> None:
        self.store.invoices[invoice.id] = invoice

    async def flush(self) -> None:
        self.verify()

    def verify(self) -> None:
        """An order is invoiced once (also across commits)."""
        owners: dict[uuid.UUID, uuid.UUID] = {}
        for store in (self.shared, self.store):
            for invoice in store.invoices.values():
                if invoice.order_id is None:
                    continue
                owner = owners.setdefault(invoice.order_id, invoice.id)
                if owner != invoice.id:
                    raise HourbillError.single(
                        ErrorCode.CONFLICT,
                        "an order was invoiced concurrently; try again",
                        "orderIds",
                    )

    async def page(self, where: InvoiceFilter, request: PageRequest) -> Page[Invoice]:
        items = [i for i in self.store.invoices.values() if _invoice_matches(i, where)]
        return _page(items, request, lambda i: f"{i.order_number:012d}|{i.id}")

    async def add_history(self, entry: InvoiceHistoryEntry) -> None:
        self.store.invoice_history.append(entry)

    async def history(
        self, invoice_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[InvoiceHistoryEntry]]:
        found: dict[uuid.UUID, list[InvoiceHistoryEntry]] = {i: [] for i in invoice_ids}
        for entry in sorted(self.store.invoice_history, key=lambda e: e.at):
            if entry.invoice_id in found:
                found[entry.invoice_id].append(entry)
        return found

    async def run(self, run_id: uuid.UUID) -> InvoiceRun | None:
        return self.store.invoice_runs.get(run_id)

    async def add_run(self, run: InvoiceRun) -> None:
        self.store.invoice_runs[run.id] = run

    async def run_invoices(self, run_id: uuid.UUID) -> list[Invoice]:
        found = [i for i in self.store.invoices.values() if i.run_id == run_id]
        return sorted(found, key=lambda i: i.order_number)

    async def run_progress(self, run_id: uuid.UUID) -> InvoiceRunProgressEvent:
        states = [i.state for i in self.store.invoices.values() if i.run_id == run_id]
        return InvoiceRunProgressEvent(
            run_id=run_id,
            total=len(states),
            done=sum(1 for s in states if s in DONE_STATES),
            failed=sum(1 for s in states if s is InvoiceState.FAILED),
        )


def _invoice_matches(invoice: Invoice, where: InvoiceFilter) -> bool:
    states = where.states or set(InvoiceState) - {InvoiceState.DELETED}
    numbers = (invoice.order_number, invoice.exact_order_number, invoice.exact_invoice_number)
    return (
        invoice.state in states
        and (where.customer_id is None or invoice.customer_id == where.customer_id)
        and (where.period_start is None or invoice.invoice_date >= where.period_start)
        and (where.period_end is None or invoice.invoice_date <= where.period_end)
        and (where.number is None or where.number in numbers)
        and (where.run_id is None or invoice.run_id == where.run_id)
    )


class FakeOutbox(_Repo):
    async def enqueue(
        self,
        invoice_id: uuid.UUID,
        kind: OutboxKind,
        available_at: dt.datetime,
        *,
        attempts: int = 0,
    ) -> None:
        if any(r.invoice_id == invoice_id and r.kind == kind for r in self.store.outbox.values()):
            raise AlreadyQueued(f"the outbox holds {kind} for {invoice_id} already")
        row = FakeOutboxRow(uuid.uuid4(), invoice_id, kind, available_at, attempts)
        self.store.outbox[row.id] = row

    async def claim(
        self, worker: str, now: dt.datetime, lease: dt.timedelta, limit: int
    ) -> list[OutboxItem]:
        due = sorted(
            (r for r in self.store.outbox.values() if r.claimable(now)),
            key=lambda r: (r.available_at, r.id),
        )[:limit]
        for row in due:
            row.locked_until, row.locked_by = now + lease, worker
            row.attempts += 1
        return [OutboxItem(r.id, r.invoice_id, r.kind, r.attempts, r.available_at) for r in due]

    async def extend(
        self, item_ids: Sequence[uuid.UUID], worker: str, until: dt.datetime
    ) -> set[uuid.UUID]:
        held = set()
        for item_id in item_ids:
            row = self.store.outbox.get(item_id)
            if row is not None and row.locked_by == worker:
                row.locked_until = until
                held.add(item_id)
        return held

    async def complete(self, item_id: uuid.UUID) -> None:
        self.store.outbox.pop(item_id, None)

    async def reschedule(
        self, item_id: uuid.UUID, available_at: dt.datetime, error: str | None
    ) -> None:
        row = self.store.outbox.get(item_id)
        if row is not None:
            row.available_at, row.last_error = available_at, error
            row.locked_until = row.locked_by = None

    async def pending(
        self, invoice_ids: Sequence[uuid.UUID], kind: OutboxKind = OutboxKind.PUSH
    ) -> set[uuid.UUID]:
        wanted = set(invoice_ids)
        return {
            r.invoice_id
            for r in self.store.outbox.values()
            if r.invoice_id in wanted and r.kind is kind
        }

    async def next_due(self) -> dt.datetime | None:
        rows = self.store.outbox.values()
        due = (max(r.available_at, r.locked_until or r.available_at) for r in rows)
        return min(due, default=None)
