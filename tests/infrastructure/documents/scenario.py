"""Real orders with real bookings and supplies, turned into documents by the domain builders."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from domain.customers import Customer, Language
from domain.documents import (
    InvoiceDocument,
    InvoiceNumbers,
    OrderSources,
    SpecificationReport,
    document_header,
    invoice_document,
    specification_report,
)
from domain.orders import BookingRef, LineKind, Order, OrderLine, SupplyRef
from domain.settings import InvoicingSettings
from tests.factories import (
    CustomerFactory,
    EmployeeFactory,
    HourBookingFactory,
    OrderFactory,
    ProjectFactory,
    SupplyFactory,
    TaskFactory,
)

LONG_DESCRIPTION = (
    "Begeleiding van de aanbesteding voor de verbouwing van het hoofdkantoor, inclusief "
    "het opstellen van het programma van eisen, twee overleggen met de architect en de "
    "beoordeling van drie offertes"
)


def company_settings(
    payment_term_days: int = 30, iban: str | None = "NL91ABNA0417164300"
) -> InvoicingSettings:
    return InvoicingSettings(
        payment_term_days=payment_term_days,
        company_name="Vakwerk Advies B.V.",
        company_address_line="Oudegracht 231",
        company_postcode="3511 NK",
        company_city="Utrecht",
        company_vat_number="NL859012345B01",
        company_chamber_of_commerce="30281234",
        company_iban=iban,
        company_email="facturen@vakwerk.example",
        company_phone="030 231 45 67",
    )


@dataclass
class Scenario:
    """An order, what it bills, and who it is for."""

    order: Order
    sources: OrderSources
    customer: Customer
    settings: InvoicingSettings

    def header(self, language: Language | None = None, numbers: InvoiceNumbers | None = None):  # type: ignore[no-untyped-def]
        return document_header(self.order, self.customer, self.settings, numbers, language)

    def invoice(
        self,
        language: Language | None = None,
        *,
        concept: bool = True,
        numbers: InvoiceNumbers | None = None,
    ) -> InvoiceDocument:
        return invoice_document(
            self.header(language, numbers), self.order, self.settings, concept=concept
        )

    def specification(
        self, language: Language | None = None, numbers: InvoiceNumbers | None = None
    ) -> SpecificationReport:
        return specification_report(self.header(language, numbers), self.order, self.sources)


def scenario(
    *,
    bookings: int = 6,
    customer_name: str = "Łódź Ørsted Installaties B.V.",
    language: Language = Language.NL,
    settings: InvoicingSettings | None = None,
    number: int | None = None,
) -> Scenario:
    """An order of four lines: two hour lines (one 10% off), supplies, and a manual line at 9%.

    `bookings` hour bookings are spread over the two hour lines.
    """
    customer = CustomerFactory(
        name=customer_name,
        language=language,
        address_line="ul. Piotrkowska 104",
        postcode="90-926",
        city="Łódź",
        country="PL",
        vat_number="PL7251234567",
    )
    project = ProjectFactory(customer=customer, name="Renovatie hoofdkantoor Sønderborg")
    design, build = (
        TaskFactory(project=project, name="Ontwerp"),
        TaskFactory(project=project, name="Bouw"),
    )
    people = [EmployeeFactory(name=n) for n in ("Anna de Vries", "Bram Jansen", "Łukasz Nowak")]
    employee = itertools.cycle(people)
    hour_rows = [
        HourBookingFactory(
            customer=customer,
            employee=next(employee),
            task=design if i % 2 else build,
            hours=Decimal("7.50") if i % 3 else Decimal("3.25"),
            date=dt.date(2026, 3, 2) + dt.timedelta(days=i % 28),
            description=LONG_DESCRIPTION if i == 1 else f"Werkzaamheden op locatie, dag {i + 1}",
        )
        for i in range(bookings)
    ]
    half = max(1, len(hour_rows) // 2)
    advice = _hours_line("Advieswerkzaamheden ontwerp en bouw", hour_rows[:half], Decimal("95.00"))
    advice.project_id = project.id
    site = _hours_line(LONG_DESCRIPTION, hour_rows[half:], Decimal("87.50"), Decimal("10"))
    site.project_id = project.id
    supplies = [
        SupplyFactory(
            customer=customer, task=build, quantity=Decimal("12.5"), unit_price=Decimal("3.95")
        ),
        SupplyFactory(
            customer=customer,
            task=build,
            item_code="MAT-WCD",
            description="Wandcontactdoos dubbel, wit (€ 14,50 p/st)",
            quantity=Decimal("6"),
            unit="pc",
            unit_price=Decimal("14.50"),
        ),
    ]
    goods = OrderLine(
        description="Materialen",
        quantity=Decimal("1"),
        unit_price=sum((s.quantity * s.unit_price for s in supplies), Decimal(0)),
        vat_code="21",
        vat_rate=Decimal("21"),
        unit="pc",
        kind=LineKind.SUPPLY,
        supplies=[SupplyRef(s.id, s.quantity, s.unit_price) for s in supplies],
    )
    travel = OrderLine(
        description="Reiskosten Utrecht – Łódź",
        quantity=Decimal("1"),
        unit_price=Decimal("45.00"),
        vat_code="9",
        vat_rate=Decimal("9"),
        unit="pc",
    )
    lines = [line for line in (advice, site) if line.bookings] + [goods, travel]
    order = OrderFactory(
        customer=customer,
        reference="PO-2026-0042",
        lines=lines,
        line_count=0,
        **({"number": number} if number is not None else {}),
    )
    sources = OrderSources(
        bookings={b.id: b for b in hour_rows},
        supplies={s.id: s for s in supplies},
        employees={e.id: e for e in people},
        projects={project.id: project},
        tasks={t.id: t for t in (design, build)},
    )
    return Scenario(order, sources, customer, settings or company_settings())


def _hours_line(
    description: str,
    bookings: list,
    rate: Decimal,
    discount: Decimal = Decimal(0),  # type: ignore[type-arg]
) -> OrderLine:
    hours = sum((b.hours for b in bookings), Decimal(0))
    return OrderLine(
        description=description,
        quantity=hours or Decimal(1),
        unit_price=rate,
        vat_code="21",
        vat_rate=Decimal("21"),
        unit="hour",
        discount_percent=discount,
        kind=LineKind.HOURS,
        bookings=[BookingRef(b.id, b.hours, rate) for b in bookings],
    )
