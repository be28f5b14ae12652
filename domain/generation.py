"""Order generation: billable bookings and supplies in, draft orders out.

A pure function. The preview and the commit run the same code, so what a user
previews is exactly what gets saved.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.bookings import HourBooking, Supply
from domain.customers import Language
from domain.errors import ErrorCode, HourbillError, Problem, Problems
from domain.locale import format_period, text
from domain.orders import BookingRef, LineKind, Order, OrderLine, SupplyRef
from domain.rates import RateCard
from domain.work import Employee, Project, Task

HOURS_UNIT = "hour"


class Grouping(StrEnum):
    PER_CUSTOMER = "PER_CUSTOMER"
    PER_PROJECT = "PER_PROJECT"


class Granularity(StrEnum):
    PER_TASK_AND_RATE = "PER_TASK_AND_RATE"
    PER_BOOKING = "PER_BOOKING"


@dataclass(frozen=True)
class GenerationRequest:
    period_start: dt.date
    period_end: dt.date
    customer_ids: frozenset[uuid.UUID] = frozenset()
    grouping: Grouping = Grouping.PER_CUSTOMER
    granularity: Granularity = Granularity.PER_TASK_AND_RATE
    order_date: dt.date | None = None

    def validate(self) -> None:
        if self.period_end < self.period_start:
            raise HourbillError.single(
                ErrorCode.INVALID, "period end lies before its start", "periodEnd"
            )
        if (self.period_end - self.period_start).days > 366 * 5:
            raise HourbillError.single(
                ErrorCode.OUT_OF_RANGE, "a period spans at most five years", "periodEnd"
            )


@dataclass(frozen=True)
class InvoicingDefaults:
    """What a generated line gets when nothing more specific is known."""

    vat_code: str
    vat_rates: Mapping[str, Decimal]
    hours_item_code: str | None = None


@dataclass(frozen=True)
class WorkCatalog:
    """Names and codes the generator needs to describe lines."""

    customers_vat: Mapping[uuid.UUID, str | None]
    projects: Mapping[uuid.UUID, Project]
    tasks: Mapping[uuid.UUID, Task]
    employees: Mapping[uuid.UUID, Employee]
    customers_language: Mapping[uuid.UUID, Language] = field(default_factory=dict)
    """The language an order's description is written in; English when unknown."""


@dataclass
class GenerationPlan:
    orders: list[Order] = field(default_factory=list)

    @property
    def booking_count(self) -> int:
        return sum(len(o.booking_ids) for o in self.orders)

    @property
    def supply_count(self) -> int:
        return sum(len(o.supply_ids) for o in self.orders)


def _vat_rate(defaults: InvoicingDefaults, code: str) -> Decimal:
    try:
        return defaults.vat_rates[code]
    except KeyError:
        raise HourbillError.single(
            ErrorCode.NOT_FOUND, f"VAT code {code!r} is not known", "vatCode"
        ) from None


class _Generator:
    def __init__(
        self,
        request: GenerationRequest,
        rates: RateCard,
        defaults: InvoicingDefaults,
        catalog: WorkCatalog,
    ) -> None:
        self.request = request
        self.rates = rates
        self.defaults = defaults
        self.catalog = catalog

    def group_key(self, customer_id: uuid.UUID, project_id: uuid.UUID | None) -> tuple[object, ...]:
        if self.request.grouping is Grouping.PER_PROJECT:
            return (customer_id, project_id)
        return (customer_id, None)

    def price(self, booking: HourBooking) -> Decimal | None:
        if booking.rate is not None:
            return booking.rate
        return self.rates.rate_for(booking.customer_id, booking.project_id, booking.employee_id)

    def work_title(self, project_id: uuid.UUID | None, task_id: uuid.UUID | None) -> str:
        parts = []
        if project_id is not None and project_id in self.catalog.projects:
            parts.append(self.catalog.projects[project_id].name)
        if task_id is not None and task_id in self.catalog.tasks:
            parts.append(self.catalog.tasks[task_id].name)
        return " — ".join(parts) or "Hours"

    def hours_vat(self, customer_id: uuid.UUID) -> str:
        return self.catalog.customers_vat.get(customer_id) or self.defaults.vat_code

    def hours_lines(self, bookings: list[tuple[HourBooking, Decimal]]) -> list[OrderLine]:
        buckets: dict[tuple[Any, ...], list[tuple[HourBooking, Decimal]]] = defaultdict(list)
        for booking, rate in bookings:
            if self.request.granularity is Granularity.PER_BOOKING:
                key: tuple[Any, ...] = (booking.date, booking.id)
            else:
                key = (self._sort_code(booking.project_id, booking.task_id), rate)
            buckets[key].append((booking, rate))
        return [self._hours_line(buckets[key]) for key in sorted(buckets)]

    def _sort_code(
        self, project_id: uuid.UUID | None, task_id: uuid.UUID | None
    ) -> tuple[str, str, str, str]:
        project = self.catalog.projects.get(project_id) if project_id else None
        task = self.catalog.tasks.get(task_id) if task_id else None
        return (
            project.code if project else "",
            task.code if task else "",
            str(project_id or ""),
            str(task_id or ""),
        )

    def _hours_line(self, items: list[tuple[HourBooking, Decimal]]) -> OrderLine:
        first, rate = items[0]
        title = self.work_title(first.project_id, first.task_id)
        if self.request.granularity is Granularity.PER_BOOKING:
            employee = self.catalog.employees.get(first.employee_id)
            who = employee.name if employee else "?"
            detail = f": {first.description}" if first.description else ""
            description = f"{first.date.isoformat()} {who}, {title}{detail}"
        else:
            description = title
        task = self.catalog.tasks.get(first.task_id) if first.task_id else None
        vat_code = self.hours_vat(first.customer_id)
        return OrderLine(
            description=description,
            quantity=sum((b.hours for b, _ in items), Decimal(0)),
            unit_price=rate,
            unit=HOURS_UNIT,
            vat_code=vat_code,
            vat_rate=_vat_rate(self.defaults, vat_code),
            item_code=(
                task.item_code if task and task.item_code else self.defaults.hours_item_code
            ),
            kind=LineKind.HOURS,
            project_id=first.project_id,
            task_id=first.task_id,
            bookings=[BookingRef(b.id, b.hours, r) for b, r in items],
        )

    def supply_lines(self, supplies: list[Supply]) -> list[OrderLine]:
        buckets: dict[tuple[Any, ...], list[Supply]] = defaultdict(list)
        for supply in supplies:
            if self.request.granularity is Granularity.PER_BOOKING:
                key: tuple[Any, ...] = (supply.date, supply.item_code, supply.id)
            else:
                key = (
                    self._sort_code(supply.project_id, supply.task_id),
                    supply.item_code,
                    supply.unit_price,
                    supply.vat_code,
                    supply.unit,
                )
            buckets[key].append(supply)
        return [self._supply_line(buckets[key]) for key in sorted(buckets)]

    def _supply_line(self, items: list[Supply]) -> OrderLine:
        first = items[0]
        descriptions = {s.description for s in items}
        description = (
            first.description if len(descriptions) == 1 and first.description else first.item_code
        )
        return OrderLine(
            description=description,
            quantity=sum((s.quantity for s in items), Decimal(0)),
            unit_price=first.unit_price,
            unit=first.unit,
            vat_code=first.vat_code,
            vat_rate=_vat_rate(self.defaults, first.vat_code),
            item_code=first.item_code,
            kind=LineKind.SUPPLY,
            project_id=first.project_id,
            task_id=first.task_id,
            supplies=[SupplyRef(s.id, s.quantity, s.unit_price) for s in items],
        )


def _sortable(key: tuple[object, ...]) -> tuple[str, ...]:
    return tuple(str(part) for part in key)


def generate_orders(
    request: GenerationRequest,
    bookings: Iterable[HourBooking],
    supplies: Iterable[Supply],
    rates: RateCard,
    defaults: InvoicingDefaults,
    catalog: WorkCatalog,
    today: dt.date,
) -> GenerationPlan:
    """Plan draft orders for every billable booking and supply in the period.

    The caller passes only what is still unbilled. Every billable booking and
    every supply in the period and customer selection lands on exactly one line;
    if any booking cannot be priced, nothing is planned and the error lists them.
    """
    request.validate()
    generator = _Generator(request, rates, defaults, catalog)
    wanted = request.customer_ids

    def selected(customer_id: uuid.UUID, day: dt.date) -> bool:
        in_period = request.period_start <= day <= request.period_end
        return in_period and (not wanted or customer_id in wanted)

    hours: dict[tuple[object, ...], list[tuple[HourBooking, Decimal]]] = defaultdict(list)
    unpriced: list[Problem] = []
    for booking in bookings:
        if not booking.billable or not selected(booking.customer_id, booking.date):
            continue
        rate = generator.price(booking)
        if rate is None:
            unpriced.append(
                Problem(
                    ErrorCode.NO_RATE,
                    f"no rate rule applies to the booking of {booking.date.isoformat()}"
                    f" ({booking.id}); add a default rate rule or a rate",
                    "rateRules",
                )
            )
            continue
        hours[generator.group_key(booking.customer_id, booking.project_id)].append((booking, rate))
    if unpriced:
        raise HourbillError(*unpriced)

    goods: dict[tuple[object, ...], list[Supply]] = defaultdict(list)
    for supply in supplies:
        if selected(supply.customer_id, supply.date):
            goods[generator.group_key(supply.customer_id, supply.project_id)].append(supply)

    plan = GenerationPlan()
    for key in sorted(set(hours) | set(goods), key=_sortable):
        customer_id, project_id = key
        assert isinstance(customer_id, uuid.UUID)
        order = Order(
            customer_id=customer_id,
            project_id=project_id if isinstance(project_id, uuid.UUID) else None,
            order_date=request.order_date or today,
            description=_order_description(
                request,
                generator,
                project_id,
                generator.catalog.customers_language.get(customer_id, Language.EN),
            ),
            period_start=request.period_start,
            period_end=request.period_end,
        )
        for line in generator.hours_lines(hours.get(key, [])):
            order.add_line(line)
        for line in generator.supply_lines(goods.get(key, [])):
            order.add_line(line)
        plan.orders.append(order)
    return plan


def _order_description(
    request: GenerationRequest, generator: _Generator, project_id: object, language: Language
) -> str:
    """The project and period, or "Hours and supplies" and the period, in the language."""
    period = format_period(request.period_start, request.period_end, language)
    if isinstance(project_id, uuid.UUID):
        return f"{generator.work_title(project_id, None)}, {period}"
    return f"{text(language, 'hours_and_supplies')} {period}"


def ensure_something_to_generate(plan: GenerationPlan) -> None:
    if not plan.orders:
        problems = Problems()
        problems.add(
            ErrorCode.NOTHING_TO_GENERATE,
            "there are no unbilled billable bookings or supplies in this selection",
            "periodStart",
        )
        problems.raise_if_any()
