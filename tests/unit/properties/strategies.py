"""Hypothesis strategies: a small but realistic administration with hours and supplies.

Ids are deterministic (UUID(int=n)) so a failing example replays exactly.
The billing period is March 2026; work is dated from mid-February to mid-April,
so some of it falls outside the period.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from application.use_cases.generation import GenerateOrdersRequest
from domain.bookings import HourBooking, Supply
from domain.customers import Customer
from domain.generation import (
    GenerationRequest,
    Granularity,
    Grouping,
    InvoicingDefaults,
    WorkCatalog,
)
from domain.rates import RateCard, RateRule
from domain.work import Employee, Project, Task
from tests.fakes import FakeStore, dutch_vat_codes

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

PERIOD_START, PERIOD_END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
FIRST_DAY = dt.date(2026, 2, 15)
DAYS = 60  # 2026-02-15 .. 2026-04-15
TODAY = dt.date(2026, 4, 2)
VAT_RATES = {code: vat.percentage for code, vat in dutch_vat_codes().items()}
DEFAULT_VAT = "21"
COMBINATIONS = list(itertools.product(Grouping, Granularity))

hours = st.integers(1, 2400).map(lambda n: Decimal(n) / 100)  # 0.01 .. 24, 2 decimals
rates = st.integers(0, 50_000).map(lambda n: Decimal(n) / 100)  # 0 .. 500, 2 decimals
quantities = st.integers(1, 10_000_000).map(lambda n: Decimal(n) / 10_000)  # ..1000, 4 dec.
unit_prices = st.integers(0, 5_000_000).map(lambda n: Decimal(n) / 10_000)  # ..500, 4 dec.
any_day = st.integers(0, DAYS - 1).map(lambda n: FIRST_DAY + dt.timedelta(days=n))
edge_days = st.sampled_from(
    [
        PERIOD_START - dt.timedelta(days=1),
        PERIOD_START,
        PERIOD_END,
        PERIOD_END + dt.timedelta(days=1),
    ]
)
days = st.one_of(
    st.integers(0, 30).map(lambda n: PERIOD_START + dt.timedelta(days=n)), any_day, edge_days
)


@dataclass
class Ledger:
    """Everything an administration holds before orders are generated."""

    customers: list[Customer]
    employees: list[Employee]
    projects: list[Project]
    tasks: list[Task]
    rules: list[RateRule]
    bookings: list[HourBooking]
    supplies: list[Supply]
    selection: frozenset[uuid.UUID] = field(default_factory=frozenset)

    def selected(self, customer_id: uuid.UUID, day: dt.date) -> bool:
        in_period = PERIOD_START <= day <= PERIOD_END
        return in_period and (not self.selection or customer_id in self.selection)

    def billable_bookings(self) -> list[HourBooking]:
        return [b for b in self.bookings if b.billable and self.selected(b.customer_id, b.date)]

    def billable_supplies(self) -> list[Supply]:
        return [s for s in self.supplies if self.selected(s.customer_id, s.date)]

    def price(self, booking: HourBooking) -> Decimal | None:
        if booking.rate is not None:
            return booking.rate
        return RateCard(self.rules).rate_for(
            booking.customer_id, booking.project_id, booking.employee_id
        )

    def catalog(self) -> WorkCatalog:
        return WorkCatalog(
            customers_vat={c.id: c.vat_code for c in self.customers},
            projects={p.id: p for p in self.projects},
            tasks={t.id: t for t in self.tasks},
            employees={e.id: e for e in self.employees},
        )

    def defaults(self) -> InvoicingDefaults:
        return InvoicingDefaults(DEFAULT_VAT, VAT_RATES)

    def request(self, grouping: Grouping, granularity: Granularity) -> GenerationRequest:
        return GenerationRequest(PERIOD_START, PERIOD_END, self.selection, grouping, granularity)

    def use_case_request(
        self,
        grouping: Grouping = Grouping.PER_CUSTOMER,
        granularity: Granularity = Granularity.PER_TASK_AND_RATE,
    ) -> GenerateOrdersRequest:
        return GenerateOrdersRequest(
            PERIOD_START, PERIOD_END, self.selection, grouping, granularity
        )

    def store(self) -> FakeStore:
        """A fake database holding this ledger (the store's transactions copy it)."""
        store = FakeStore()
        store.settings.default_vat_code = DEFAULT_VAT
        for table, items in (
            (store.customers, self.customers),
            (store.employees, self.employees),
            (store.projects, self.projects),
            (store.tasks, self.tasks),
            (store.rate_rules, self.rules),
            (store.bookings, self.bookings),
            (store.supplies, self.supplies),
        ):
            for item in items:
                table[item.id] = item  # type: ignore[index]
        return store


def _ids(start: int) -> Callable[[], uuid.UUID]:
    counter: Iterator[int] = itertools.count(start)
    return lambda: uuid.UUID(int=next(counter))


@st.composite
def ledgers(draw: st.DrawFn, *, default_rule: bool | None = True, max_bookings: int = 20) -> Ledger:
    """A ledger; `default_rule` True/False forces the catch-all rate rule, None draws it."""
    new_id = _ids(1)
    customers = [
        Customer(
            code=f"C{i}",
            name=f"Klant {i}",
            vat_code=draw(st.sampled_from([None, None, "21", "9", "0"])),
            id=new_id(),
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    projects = [
        Project(c.id, f"P{c.code}{j}", f"Project {c.code}-{j}", id=new_id())
        for c in customers
        for j in range(draw(st.integers(0, 2)))
    ]
    tasks = [
        Task(
            p.id,
            f"T{k}",
            f"Taak {k}",
            item_code=draw(st.sampled_from([None, "ADVIES", "BOUW"])),
            id=new_id(),
        )
        for p in projects
        for k in range(draw(st.integers(0, 2)))
    ]
    employees = [
        Employee(f"E{i}", f"Medewerker {i}", id=new_id()) for i in range(draw(st.integers(1, 3)))
    ]
    ledger = Ledger(customers, employees, projects, tasks, [], [], [])
    ledger.rules = draw(_rules(ledger, default_rule))
    ledger.bookings = [
        draw(_booking(ledger, new_id())) for _ in range(draw(st.integers(0, max_bookings)))
    ]
    ledger.supplies = [draw(_supply(ledger, new_id())) for _ in range(draw(st.integers(0, 8)))]
    ledger.selection = draw(
        st.one_of(
            st.just(frozenset()),
            st.just(frozenset()),
            st.sets(st.sampled_from([c.id for c in customers]), min_size=1).map(frozenset),
        )
    )
    return ledger


@st.composite
def _rules(draw: st.DrawFn, ledger: Ledger, default_rule: bool | None) -> list[RateRule]:
    rules: dict[tuple[object, ...], RateRule] = {}
    if default_rule if default_rule is not None else draw(st.booleans()):
        rules[(None, None, None)] = RateRule(draw(rates))
    for _ in range(draw(st.integers(0, 4))):
        project = draw(st.none() | st.sampled_from(ledger.projects or [None]))
        customer = draw(st.none() | st.sampled_from(ledger.customers))
        if project is not None and customer is not None:
            customer = next(c for c in ledger.customers if c.id == project.customer_id)
        employee = draw(st.none() | st.sampled_from(ledger.employees))
        dims = tuple(x.id if x is not None else None for x in (customer, project, employee))
        if dims != (None, None, None):
            rules.setdefault(dims, RateRule(draw(rates), *dims))  # type: ignore[arg-type]
    return list(rules.values())


def _work(draw: st.DrawFn, ledger: Ledger) -> tuple[Customer, Project | None, Task | None]:
    customer = draw(st.sampled_from(ledger.customers))
    own = [p for p in ledger.projects if p.customer_id == customer.id]
    project = draw(st.none() | st.sampled_from(own)) if own else None
    own_tasks = [t for t in ledger.tasks if project is not None and t.project_id == project.id]
    task = draw(st.none() | st.sampled_from(own_tasks)) if own_tasks else None
    return customer, project, task


@st.composite
def _booking(draw: st.DrawFn, ledger: Ledger, ident: uuid.UUID) -> HourBooking:
    customer, project, task = _work(draw, ledger)
    return HourBooking(
        employee_id=draw(st.sampled_from(ledger.employees)).id,
        customer_id=customer.id,
        date=draw(days),
        hours=draw(hours),
        description=draw(st.sampled_from(["", "Overleg", "Ontwerp keuken"])),
        project_id=project.id if project else None,
        task_id=task.id if task else None,
        billable=draw(st.sampled_from([True, True, True, False])),
        rate=draw(st.sampled_from([None, None, None]) | rates),
        id=ident,
    )


@st.composite
def _supply(draw: st.DrawFn, ledger: Ledger, ident: uuid.UUID) -> Supply:
    customer, project, task = _work(draw, ledger)
    return Supply(
        customer_id=customer.id,
        date=draw(days),
        item_code=draw(st.sampled_from(["KABEL", "LAMP"])),
        quantity=draw(quantities),
        unit_price=draw(st.sampled_from([Decimal("3.95"), Decimal("12.50")]) | unit_prices),
        vat_code=draw(st.sampled_from(["21", "21", "9", "0"])),
        description=draw(st.sampled_from(["", "Installatiekabel", "LED-lamp"])),
        unit=draw(st.sampled_from(["pc", "m"])),
        project_id=project.id if project else None,
        task_id=task.id if task else None,
        id=ident,
    )


@st.composite
def extra_bookings(draw: st.DrawFn, ledger: Ledger, first_id: int) -> list[HourBooking]:
    """Bookings recorded after a first generation run (ids from `first_id` up)."""
    new_id = _ids(first_id)
    return [draw(_booking(ledger, new_id())) for _ in range(draw(st.integers(0, 5)))]
