"""SQLAlchemy repositories: the application's repository ports on one AsyncSession."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from operator import attrgetter
from typing import Generic, Protocol, TypeVar

from sqlalchemy import (
    Column,
    ColumnElement,
    Select,
    Table,
    exists,
    false,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from application.ports import (
    CustomerFilter,
    OrderFilter,
    Page,
    PageRequest,
    SourceFilter,
    UnbilledSelection,
)
from domain.bookings import HourBooking, Supply
from domain.customers import Customer
from domain.orders import Order
from domain.rates import RateRule
from domain.settings import InvoicingSettings
from domain.vat import VatCode
from domain.work import Employee, Project, Task
from infrastructure.persistence import bulk, provenance
from infrastructure.persistence.pagination import keyset_page
from infrastructure.persistence.tables import (
    ORDER_NUMBER,
    bookings,
    counters,
    customers,
    employees,
    order_line_bookings,
    order_line_supplies,
    orders,
    projects,
    rate_rules,
    supplies,
    tasks,
    vat_codes,
)

T = TypeVar("T")


class Entity(Protocol):
    id: uuid.UUID


E = TypeVar("E", bound=Entity)
S = TypeVar("S", HourBooking, Supply)


class SqlAlchemyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _all(self, query: Select[T]) -> list[T]:
        return list((await self.session.scalars(query)).all())

    async def _first(self, query: Select[T]) -> T | None:
        return (await self.session.scalars(query.limit(1))).first()

    async def _by_ids(self, cls: type[E], table: Table, ids: Sequence[uuid.UUID]) -> list[E]:
        """The rows with these ids, in the order asked for; unknown ids are left out."""
        query = select(cls).where(table.c.id.in_(set(ids)))
        found = {item.id: item for item in await self._all(query)}
        return [found[i] for i in ids if i in found]

    async def _snapshots(
        self, cls: type[T], table: Table, *conditions: ColumnElement[bool]
    ) -> list[T]:
        """Rows by (date, id) as read-only snapshots, made without the ORM.

        A snapshot is a plain instance of the domain class, in no unit of work and
        without ORM state: 100,000 of them load several times faster and lighter
        than ORM instances. Reading works as usual; setting an attribute raises.
        """
        query = select(*table.c).where(*conditions).order_by(table.c.date, table.c.id)
        names = table.c.keys()
        snapshots = []
        for row in await self.session.execute(query):
            snapshot = object.__new__(cls)
            snapshot.__dict__.update(zip(names, row, strict=True))
            snapshots.append(snapshot)
        return snapshots

    async def _add(self, item: object) -> None:
        self.session.add(item)

    async def _delete(self, item: object) -> None:
        await self.session.delete(item)


class SqlAlchemyCustomerRepository(SqlAlchemyRepository):
    async def get(self, customer_id: uuid.UUID) -> Customer | None:
        return await self.session.get(Customer, customer_id)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[Customer]:
        return await self._by_ids(Customer, customers, ids)

    async def by_code(self, code: str) -> Customer | None:
        return await self._first(select(Customer).where(customers.c.code == code))

    async def add(self, customer: Customer) -> None:
        await self._add(customer)

    async def delete(self, customer: Customer) -> None:
        await self._delete(customer)

    async def is_referenced(self, customer_id: uuid.UUID) -> bool:
        referring = (projects, bookings, supplies, orders)
        query = select(or_(*(exists().where(t.c.customer_id == customer_id) for t in referring)))
        return bool(await self.session.scalar(query))

    async def page(self, where: CustomerFilter, request: PageRequest) -> Page[Customer]:
        query = select(Customer)
        if where.search:
            needle = where.search.lower()
            query = query.where(
                or_(
                    customers.c.code.icontains(needle, autoescape=True),
                    customers.c.name.icontains(needle, autoescape=True),
                )
            )
        order = (customers.c.code, customers.c.id)
        return await keyset_page(self.session, query, order, lambda c: (c.code, c.id), request)

    async def all(self) -> list[Customer]:
        return await self._all(select(Customer).order_by(customers.c.code))

    async def by_exact_account(self, account_id: uuid.UUID) -> Customer | None:
        return await self._first(select(Customer).where(customers.c.exact_account_id == account_id))

    async def linked(self) -> dict[uuid.UUID, uuid.UUID]:
        account = customers.c.exact_account_id
        rows = await self.session.execute(
            select(account, customers.c.id).where(account.isnot(None))
        )
        return {account_id: customer_id for account_id, customer_id in rows}


class SqlAlchemyWorkRepository(SqlAlchemyRepository):
    async def employee(self, employee_id: uuid.UUID) -> Employee | None:
        return await self.session.get(Employee, employee_id)

    async def employees(self, ids: Sequence[uuid.UUID] | None = None) -> list[Employee]:
        if ids is None:
            return await self._all(select(Employee).order_by(employees.c.code))
        return await self._by_ids(Employee, employees, ids)

    async def employee_by_code(self, code: str) -> Employee | None:
        return await self._first(select(Employee).where(employees.c.code == code))

    async def add_employee(self, employee: Employee) -> None:
        await self._add(employee)

    async def project(self, project_id: uuid.UUID) -> Project | None:
        return await self.session.get(Project, project_id)

    async def projects(self, ids: Sequence[uuid.UUID] | None = None) -> list[Project]:
        if ids is None:
            return await self._all(select(Project).order_by(projects.c.code, projects.c.id))
        return await self._by_ids(Project, projects, ids)

    async def project_by_code(self, customer_id: uuid.UUID, code: str) -> Project | None:
        return await self._first(
            select(Project).where(projects.c.customer_id == customer_id, projects.c.code == code)
        )

    async def add_project(self, project: Project) -> None:
        await self._add(project)

    async def task(self, task_id: uuid.UUID) -> Task | None:
        return await self.session.get(Task, task_id)

    async def task_by_code(self, project_id: uuid.UUID, code: str) -> Task | None:
        return await self._first(
            select(Task).where(tasks.c.project_id == project_id, tasks.c.code == code)
        )

    async def tasks(self, ids: Sequence[uuid.UUID] | None = None) -> list[Task]:
        if ids is None:
            return await self._all(select(Task).order_by(tasks.c.code, tasks.c.id))
        return await self._by_ids(Task, tasks, ids)

    async def add_task(self, task: Task) -> None:
        await self._add(task)


class _SourceRepository(SqlAlchemyRepository, Generic[S]):
    """Bookings and supplies: sources of order lines, billed when a line refers to them."""

    source: type[S]
    table: Table
    billed_by: Column[uuid.UUID]
    billable: ColumnElement[bool] = true()

    async def get(self, source_id: uuid.UUID) -> S | None:
        return await self.session.get(self.source, source_id)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[S]:
        return await self._by_ids(self.source, self.table, ids)

    async def add(self, source: S) -> None:
        await self._add(source)

    async def delete(self, source: S) -> None:
        await self._delete(source)

    async def billed_on(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        """Source id -> id of the order line that bills it, for billed sources only."""
        query = select(self.billed_by, self.billed_by.table.c.line_id)
        rows = await self.session.execute(query.where(self.billed_by.in_(set(ids))))
        return {source_id: line_id for source_id, line_id in rows}

    def _billed(self) -> ColumnElement[bool]:
        return exists().where(self.billed_by == self.table.c.id)

    async def unbilled(self, selection: UnbilledSelection) -> list[S]:
        conditions = [
            self.billable,
            self.table.c.date.between(selection.period_start, selection.period_end),
            ~self._billed(),
        ]
        if selection.customer_ids:
            conditions.append(self.table.c.customer_id.in_(selection.customer_ids))
        return await self._snapshots(self.source, self.table, *conditions)

    async def page(self, where: SourceFilter, request: PageRequest) -> Page[S]:
        columns = self.table.c
        query = select(self.source)
        if where.customer_id is not None:
            query = query.where(columns.customer_id == where.customer_id)
        if where.period_start is not None:
            query = query.where(columns.date >= where.period_start)
        if where.period_end is not None:
            query = query.where(columns.date <= where.period_end)
        if where.billed is not None:
            query = query.where(self._billed() if where.billed else ~self._billed())
        if where.employee_id is not None:
            employee = columns.get("employee_id")
            query = query.where(false() if employee is None else employee == where.employee_id)
        order = (columns.date, columns.id)
        return await keyset_page(self.session, query, order, attrgetter("date", "id"), request)


class SqlAlchemyBookingRepository(_SourceRepository[HourBooking]):
    source = HourBooking
    table = bookings
    billed_by = order_line_bookings.c.booking_id
    billable = bookings.c.billable


class SqlAlchemySupplyRepository(_SourceRepository[Supply]):
    source = Supply
    table = supplies
    billed_by = order_line_supplies.c.supply_id


class SqlAlchemyRateRuleRepository(SqlAlchemyRepository):
    async def get(self, rule_id: uuid.UUID) -> RateRule | None:
        return await self.session.get(RateRule, rule_id)

    async def all(self) -> list[RateRule]:
        return await self._all(select(RateRule).order_by(rate_rules.c.id))

    async def add(self, rule: RateRule) -> None:
        await self._add(rule)

    async def delete(self, rule: RateRule) -> None:
        await self._delete(rule)

    async def page(self, request: PageRequest) -> Page[RateRule]:
        order = (rate_rules.c.id,)
        return await keyset_page(self.session, select(RateRule), order, lambda r: (r.id,), request)


class SqlAlchemyVatCodeRepository(SqlAlchemyRepository):
    async def all(self) -> list[VatCode]:
        return await self._all(select(VatCode).order_by(vat_codes.c.code))

    async def get(self, code: str) -> VatCode | None:
        return await self.session.get(VatCode, code)

    async def add(self, vat_code: VatCode) -> None:
        await self._add(vat_code)


class SqlAlchemySettingsRepository(SqlAlchemyRepository):
    async def invoicing(self) -> InvoicingSettings:
        defaults = InvoicingSettings()
        settings = await self.session.get(InvoicingSettings, defaults.id)
        if settings is None:
            self.session.add(defaults)
            return defaults
        return settings


class SqlAlchemyOrderRepository(SqlAlchemyRepository):
    async def get(self, order_id: uuid.UUID) -> Order | None:
        order = await self.session.get(Order, order_id)
        if order is not None:
            await provenance.attach(self.session, [order])
        return order

    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[Order]:
        found = await self._by_ids(Order, orders, ids)
        await provenance.attach(self.session, found)
        return found

    async def add(self, order: Order) -> None:
        await self._add(order)

    async def add_many(self, new_orders: Sequence[Order]) -> None:
        await bulk.insert(self.session, new_orders)

    async def delete(self, order: Order) -> None:
        await self._delete(order)

    async def next_numbers(self, count: int) -> list[int]:
        if count <= 0:
            return []
        last = await self.session.scalar(
            update(counters)
            .where(counters.c.name == ORDER_NUMBER)
            .values(value=counters.c.value + count)
            .returning(counters.c.value)
        )
        if last is None:
            raise LookupError(f"the {ORDER_NUMBER!r} counter is missing; run the migrations")
        return list(range(last - count + 1, last + 1))

    async def page(self, where: OrderFilter, request: PageRequest) -> Page[Order]:
        query = select(Order)
        if where.customer_id is not None:
            query = query.where(orders.c.customer_id == where.customer_id)
        if where.status is not None:
            query = query.where(orders.c.status == where.status)
        if where.period_start is not None:
            query = query.where(orders.c.order_date >= where.period_start)
        if where.period_end is not None:
            query = query.where(orders.c.order_date <= where.period_end)
        order = (orders.c.number, orders.c.id)
        page = await keyset_page(self.session, query, order, lambda o: (o.number, o.id), request)
        await provenance.attach(self.session, page.items)
        return page

    async def flush(self) -> None:
        await self.session.flush()
