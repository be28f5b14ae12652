"""factory-boy factories for the domain objects, with realistic defaults for 2026.

They only build objects (domain classes validate themselves on construction);
saving is up to the caller, e.g. `store.customers[c.id] = c` or a use case.
Related objects are passed as parameters, for instance
`HourBookingFactory(customer=acme, employee=anna, task=design)`: the ids follow.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import factory

from domain.bookings import HourBooking, Supply
from domain.customers import Customer, Language
from domain.orders import LineKind, Order, OrderLine, OrderStatus
from domain.rates import RateRule
from domain.vat import VatCode
from domain.work import Employee, Project, Task

CITIES = ["Utrecht", "Rotterdam", "Groningen", "Amsterdam", "Leiden", "Gouda"]


class VatCodeFactory(factory.Factory):
    class Meta:
        model = VatCode

    code = "21"
    description = "BTW hoog 21%"
    percentage = Decimal("21")


class CustomerFactory(factory.Factory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"Klant {n} B.V.")
    vat_number = factory.Sequence(lambda n: f"NL{800000000 + n:09d}B01")
    email = factory.Sequence(lambda n: f"facturen{n}@klant.example")
    address_line = factory.Sequence(lambda n: f"Stationsplein {n % 200 + 1}")
    postcode = "3511 ED"
    city = factory.Iterator(CITIES)
    country = "NL"
    language = Language.NL
    vat_code = None


class EmployeeFactory(factory.Factory):
    class Meta:
        model = Employee

    code = factory.Sequence(lambda n: f"E{n:03d}")
    name = factory.Iterator(["Anna de Vries", "Bram Jansen", "Cor Bakker", "Dewi Visser"])


class ProjectFactory(factory.Factory):
    class Meta:
        model = Project

    class Params:
        customer = factory.SubFactory(CustomerFactory)

    customer_id = factory.SelfAttribute("customer.id")
    code = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"Renovatie kantoor {n}")


class TaskFactory(factory.Factory):
    class Meta:
        model = Task

    class Params:
        project = factory.SubFactory(ProjectFactory)

    project_id = factory.SelfAttribute("project.id")
    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Iterator(["Ontwerp", "Bouw", "Oplevering", "Advies"])
    item_code = None


def _project_id(o: factory.builder.Resolver) -> uuid.UUID | None:
    if o.task is not None:
        return o.task.project_id
    return o.project.id if o.project is not None else None


class _SourceFactory(factory.Factory):
    """Shared by bookings and supplies: customer, optional project and task."""

    class Meta:
        abstract = True

    class Params:
        customer = factory.SubFactory(CustomerFactory)
        project = None
        task = None

    customer_id = factory.LazyAttribute(
        lambda o: o.project.customer_id if o.project is not None else o.customer.id
    )
    project_id = factory.LazyAttribute(_project_id)
    task_id = factory.LazyAttribute(lambda o: o.task.id if o.task is not None else None)
    date = factory.Sequence(lambda n: dt.date(2026, 3, 2) + dt.timedelta(days=n % 28))


class HourBookingFactory(_SourceFactory):
    class Meta:
        model = HourBooking

    class Params:
        employee = factory.SubFactory(EmployeeFactory)

    employee_id = factory.SelfAttribute("employee.id")
    hours = Decimal("7.50")
    description = "Werkzaamheden op locatie"
    billable = True
    rate = None


class SupplyFactory(_SourceFactory):
    class Meta:
        model = Supply

    item_code = "MAT-KABEL"
    quantity = Decimal("12.5")
    unit_price = Decimal("3.95")
    vat_code = "21"
    description = "Installatiekabel 3x2,5mm²"
    unit = "m"


class RateRuleFactory(factory.Factory):
    """A default rule (no customer, project or employee) unless ids are given."""

    class Meta:
        model = RateRule

    rate = Decimal("95.00")
    customer_id = None
    project_id = None
    employee_id = None


class OrderLineFactory(factory.Factory):
    class Meta:
        model = OrderLine

    description = "Advieswerkzaamheden"
    quantity = Decimal("8")
    unit_price = Decimal("95.00")
    vat_code = "21"
    vat_rate = Decimal("21")
    unit = "hour"
    item_code = None
    discount_percent = Decimal("0")
    kind = LineKind.MANUAL


class OrderFactory(factory.Factory):
    """A draft order; `OrderFactory(line_count=3)` adds three lines, positions 1..n."""

    class Meta:
        model = Order

    class Params:
        customer = factory.SubFactory(CustomerFactory)

    customer_id = factory.SelfAttribute("customer.id")
    order_date = dt.date(2026, 4, 1)
    description = "Uren maart 2026"
    reference = None
    period_start = dt.date(2026, 3, 1)
    period_end = dt.date(2026, 3, 31)
    status = OrderStatus.DRAFT
    number = factory.Sequence(lambda n: n + 1)
    lines = factory.LazyFunction(list)

    @factory.post_generation
    def line_count(obj: Order, create: bool, extracted: int | None, **kwargs: object) -> None:
        for _ in range(extracted or 0):
            obj.lines.append(OrderLineFactory())
        for position, line in enumerate(obj.lines, start=1):
            line.position = position
