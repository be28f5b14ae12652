"""Hour bookings and supplies: what orders are generated from."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import strawberry

from domain.bookings import HourBooking
from domain.bookings import Supply as DomainSupply
from interfaces.graphql.context import Info, loaders
from interfaces.graphql.ids import global_id
from interfaces.graphql.loaders import load_as
from interfaces.graphql.relay import Node
from interfaces.graphql.types.customers import Customer
from interfaces.graphql.types.work import Employee, Project, Task


@strawberry.type
class Source(Node):
    """What bookings and supplies share: a customer, a date, maybe a project task."""

    date: dt.date
    description: str
    key: strawberry.Private[uuid.UUID]
    customer_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID | None]
    task_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await load_as(loaders(info).customer, self.customer_id, Customer.from_domain)

    @strawberry.field
    async def project(self, info: Info) -> Project | None:
        return await load_as(loaders(info).project, self.project_id, Project.from_domain)

    @strawberry.field
    async def task(self, info: Info) -> Task | None:
        return await load_as(loaders(info).task, self.task_id, Task.from_domain)


def _line_id(line_id: uuid.UUID | None) -> strawberry.ID | None:
    return None if line_id is None else strawberry.ID(global_id("OrderLine", line_id))


@strawberry.type(description="Hours an employee worked for a customer. Locked once billed.")
class Booking(Source):
    hours: Decimal
    billable: bool
    rate: Decimal | None = strawberry.field(
        description="An explicit hourly rate; null means the rate rules decide."
    )
    employee_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def employee(self, info: Info) -> Employee | None:
        return await load_as(loaders(info).employee, self.employee_id, Employee.from_domain)

    @strawberry.field(description="True when the booking is on an order line.")
    async def billed(self, info: Info) -> bool:
        return await loaders(info).booking_line.load(self.key) is not None

    @strawberry.field(description="The order line the booking is billed on, if any.")
    async def order_line_id(self, info: Info) -> strawberry.ID | None:
        return _line_id(await loaders(info).booking_line.load(self.key))

    @classmethod
    def from_domain(cls, booking: HourBooking) -> Booking:
        return cls(
            id=strawberry.ID(global_id("Booking", booking.id)),
            key=booking.id,
            date=booking.date,
            description=booking.description,
            customer_id=booking.customer_id,
            project_id=booking.project_id,
            task_id=booking.task_id,
            hours=booking.hours,
            billable=booking.billable,
            rate=booking.rate,
            employee_id=booking.employee_id,
        )


@strawberry.type(description="Material sold on a customer's task. Locked once billed.")
class Supply(Source):
    item_code: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_code: str

    @strawberry.field(description="True when the supply is on an order line.")
    async def billed(self, info: Info) -> bool:
        return await loaders(info).supply_line.load(self.key) is not None

    @strawberry.field(description="The order line the supply is billed on, if any.")
    async def order_line_id(self, info: Info) -> strawberry.ID | None:
        return _line_id(await loaders(info).supply_line.load(self.key))

    @classmethod
    def from_domain(cls, supply: DomainSupply) -> Supply:
        return cls(
            id=strawberry.ID(global_id("Supply", supply.id)),
            key=supply.id,
            date=supply.date,
            description=supply.description,
            customer_id=supply.customer_id,
            project_id=supply.project_id,
            task_id=supply.task_id,
            item_code=supply.item_code,
            quantity=supply.quantity,
            unit=supply.unit,
            unit_price=supply.unit_price,
            vat_code=supply.vat_code,
        )
