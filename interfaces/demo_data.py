"""Realistic demo data, entered through the use cases like any client would.

Reproducible for a seed: a dozen customers of a small Dutch consultancy, their
projects and tasks, six employees, rate rules at every level of specificity,
three months of weekday bookings (some not billable) and supplies.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from enum import StrEnum

from application.ports import CustomerFilter, PageRequest
from application.service import Hourbill
from application.use_cases.customers import CreateCustomerRequest
from application.use_cases.sources import RecordBookingRequest, RecordSupplyRequest
from application.use_cases.work import (
    CreateEmployeeRequest,
    CreateProjectRequest,
    CreateRateRuleRequest,
    CreateTaskRequest,
    UpdateCompanyDetailsRequest,
)
from domain.customers import Customer, Language
from domain.settings import CompanyDetails
from domain.work import Employee, Project, Task

Projects = list[tuple[Project, list[Task]]]


class DemoSize(StrEnum):
    SMALL = "small"
    LARGE = "large"


CustomerRow = tuple[str, str, str | None, str, str, str, str]

CUSTOMERS: list[CustomerRow] = [
    ("ACME", "Acme Bouw B.V.", "NL812345678B01", "Stationsplein 1", "3511 ED", "Utrecht", "NL"),
    (
        "DELTA",
        "Delta Logistiek B.V.",
        "NL803456789B01",
        "Waalhaven 12",
        "3089 KH",
        "Rotterdam",
        "NL",
    ),
    ("NOORD", "Noorderlicht Zorg", "NL855512345B01", "Herestraat 40", "9711 LM", "Groningen", "NL"),
    (
        "POLDER",
        "Polderwerk Installatie",
        "NL867123456B01",
        "Dijkweg 3",
        "1771 MB",
        "Wieringerwerf",
        "NL",
    ),
    ("TULIP", "Tulip Software Ltd", "GB123456789", "1 Canal Street", "M1 3HE", "Manchester", "GB"),
    ("BRUGGE", "Brugse Bakkerij NV", "BE0123456789", "Markt 7", "8000", "Brugge", "BE"),
    (
        "ZEEWIND",
        "Zeewind Energie B.V.",
        "NL822233344B01",
        "Havenkade 5",
        "4381 AH",
        "Vlissingen",
        "NL",
    ),
    ("KAAS", "Kaashandel Gouda", "NL844455566B01", "Markt 35", "2801 JK", "Gouda", "NL"),
    (
        "FIETS",
        "Fietsfabriek Amsterdam",
        "NL877788899B01",
        "Czaar Peterstraat 2",
        "1018 NW",
        "Amsterdam",
        "NL",
    ),
    ("RIJN", "Rijnland Gemeente", None, "Stadhuisplein 1", "2311 EJ", "Leiden", "NL"),
    ("BERLIN", "Spreeblick GmbH", "DE123456789", "Oranienstraße 8", "10999", "Berlin", "DE"),
    (
        "HAVEN",
        "Havenbedrijf Den Helder",
        "NL899900011B01",
        "Nieuwe Haven 2",
        "1781 AC",
        "Den Helder",
        "NL",
    ),
]
EMPLOYEES = [
    ("JDV", "Jan de Vries"),
    ("SB", "Sanne Bakker"),
    ("PJ", "Pieter Jansen"),
    ("EV", "Emma Visser"),
    ("LS", "Lars Smit"),
    ("FM", "Fatima el Mansouri"),
]
PROJECT_KINDS: list[tuple[str, str, list[tuple[str, str, str | None]]]] = [
    (
        "IMPL",
        "Implementatie",
        [("ANA", "Analyse", None), ("BOUW", "Bouw", None), ("TEST", "Testen", None)],
    ),
    ("SUP", "Support", [("HELP", "Helpdesk", "SUPPORT"), ("ONDH", "Onderhoud", "SUPPORT")]),
]
SUPPLIES = [
    ("KABEL-CAT6", "Netwerkkabel Cat6, 5 m", Decimal("7.95"), "21"),
    ("LAPTOP-STD", "Laptop standaard", Decimal("899.00"), "21"),
    ("BOEK-AGILE", "Handboek Agile werken", Decimal("34.50"), "9"),
    ("LICENTIE", "Softwarelicentie (jaar)", Decimal("240.00"), "21"),
]


COMPANY = UpdateCompanyDetailsRequest(
    CompanyDetails(
        name="Hourbill Demo B.V.",
        address_line="Keizersgracht 123",
        postcode="1015 CJ",
        city="Amsterdam",
        country="NL",
        vat_number="NL859123456B01",
        chamber_of_commerce="81234567",
        iban="NL91ABNA0417164300",
        email="facturen@hourbill-demo.example",
        phone="+31 20 123 4567",
    ),
    payment_term_days=30,
)
"""The sender printed on the demo's documents (the sandbox's demo division has its name)."""


async def load_demo_data(
    hourbill: Hourbill,
    size: DemoSize = DemoSize.SMALL,
    seed: int = 2026,
    *,
    only_if_empty: bool = False,
) -> str:
    existing = await hourbill.queries.customers(CustomerFilter(), PageRequest(first=1))
    if only_if_empty and existing.total_count:
        return f"kept the existing data ({existing.total_count} customers)"
    rng = random.Random(seed)
    await hourbill.update_company_details.execute(COMPANY)
    customers = [await _customer(hourbill, row) for row in CUSTOMERS]
    employees = [
        await hourbill.create_employee.execute(CreateEmployeeRequest(code, name))
        for code, name in EMPLOYEES
    ]
    projects: Projects = []
    for customer in customers:
        for code, name, tasks in PROJECT_KINDS[: rng.randint(1, 2)]:
            project = await hourbill.create_project.execute(
                CreateProjectRequest(customer.id, code, f"{name} {customer.name}")
            )
            projects.append(
                (
                    project,
                    [
                        await hourbill.create_task.execute(
                            CreateTaskRequest(project.id, t, n, item)
                        )
                        for t, n, item in tasks
                    ],
                )
            )
    await _rate_rules(hourbill, customers, employees, projects)
    weeks = 13 if size is DemoSize.SMALL else 52
    bookings = await _bookings(hourbill, employees, projects, rng, weeks)
    supplies = await _supplies(hourbill, projects, rng, weeks)
    return (
        f"{len(customers)} customers, {len(employees)} employees, {len(projects)} projects, "
        f"{bookings} bookings and {supplies} supplies over {weeks} weeks"
    )


async def _customer(hourbill: Hourbill, row: CustomerRow) -> Customer:
    code, name, vat, street, postcode, city, country = row
    return await hourbill.create_customer.execute(
        CreateCustomerRequest(
            code=code,
            name=name,
            vat_number=vat,
            email=f"facturen@{code.lower()}.example",
            address_line=street,
            postcode=postcode,
            city=city,
            country=country,
            language=Language.NL if country in {"NL", "BE"} else Language.EN,
            vat_code="0" if country not in {"NL"} else None,
        )
    )


async def _rate_rules(
    hourbill: Hourbill, customers: list[Customer], employees: list[Employee], projects: Projects
) -> None:
    rules = [
        CreateRateRuleRequest(Decimal("95.00")),
        CreateRateRuleRequest(Decimal("125.00"), employee_id=employees[0].id),
        CreateRateRuleRequest(Decimal("110.00"), customer_id=customers[1].id),
        CreateRateRuleRequest(Decimal("87.50"), project_id=projects[0][0].id),
        CreateRateRuleRequest(
            Decimal("140.00"), customer_id=customers[4].id, employee_id=employees[0].id
        ),
    ]
    for rule in rules:
        await hourbill.create_rate_rule.execute(rule)


def _weekdays(weeks: int) -> list[dt.date]:
    end = dt.date(2026, 10, 30)
    start = end - dt.timedelta(weeks=weeks)
    days = (start + dt.timedelta(days=n) for n in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5]


async def _bookings(
    hourbill: Hourbill,
    employees: list[Employee],
    projects: Projects,
    rng: random.Random,
    weeks: int,
) -> int:
    count = 0
    for day in _weekdays(weeks):
        for employee in employees:
            hours_left = Decimal(rng.choice(["6", "7.5", "8", "8"]))
            while hours_left > 0:
                project, tasks = rng.choice(projects)
                task = rng.choice(tasks)
                hours = min(hours_left, Decimal(rng.choice(["0.5", "1", "1.5", "2", "3", "4"])))
                await hourbill.record_booking.execute(
                    RecordBookingRequest(
                        employee_id=employee.id,
                        customer_id=project.customer_id,
                        date=day,
                        hours=hours,
                        description=f"{task.name} {project.name}",
                        project_id=project.id,
                        task_id=task.id,
                        billable=rng.random() > 0.08,
                    )
                )
                hours_left -= hours
                count += 1
    return count


async def _supplies(hourbill: Hourbill, projects: Projects, rng: random.Random, weeks: int) -> int:
    days = _weekdays(weeks)
    count = weeks * 4
    for _ in range(count):
        project, tasks = rng.choice(projects)
        code, description, price, vat = rng.choice(SUPPLIES)
        await hourbill.record_supply.execute(
            RecordSupplyRequest(
                customer_id=project.customer_id,
                date=rng.choice(days),
                item_code=code,
                quantity=Decimal(rng.randint(1, 10)),
                unit_price=price,
                vat_code=vat,
                description=description,
                project_id=project.id,
                task_id=rng.choice(tasks).id,
            )
        )
    return count
