"""The fpdf2 renderer, read back with pypdf: what a customer would read on paper."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from domain.customers import Language
from domain.documents import Document, InvoiceNumbers
from domain.locale import format_money, format_percent, format_quantity, text
from infrastructure.documents.pdf import FpdfRenderer
from tests.factories import OrderFactory, OrderLineFactory
from tests.infrastructure.documents.scenario import Scenario, company_settings, scenario


def render(*documents: Document) -> bytes:
    return FpdfRenderer().render(list(documents))


def pages(pdf: bytes) -> list[str]:
    """Each page's text with all whitespace (line breaks of wrapped text too) as one space."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(pdf: bytes) -> str:
    return " ".join(pages(pdf))


def money(amount: Decimal, language: Language = Language.NL) -> str:
    return format_money(amount, language)


# -- the (concept) invoice ------------------------------------------------------------------


@pytest.mark.parametrize("language", [Language.NL, Language.EN])
def test_the_invoice_prints_every_line_and_the_orders_totals(language: Language) -> None:
    world = scenario(language=language)
    content = flat(render(world.invoice()))

    totals = world.order.totals()
    for line in world.order.lines:
        assert line.description in content
        assert money(line.amount, language) in content
    for vat in totals.vat:
        over = text(
            language,
            "vat_over",
            rate=format_percent(vat.rate, language),
            base=money(vat.base, language),
        )
        assert f"{over} {money(vat.amount, language)}" in content
    assert f"{text(language, 'subtotal')} {money(totals.subtotal, language)}" in content
    assert f"{text(language, 'total')} {money(totals.total, language)}" in content
    assert len(totals.vat) == 2, "the scenario bills at 21% and at 9%"


def test_dutch_and_english_differ_in_words_and_in_number_format() -> None:
    world = scenario()
    dutch = flat(render(world.invoice(Language.NL)))
    english = flat(render(world.invoice(Language.EN)))

    assert "Conceptfactuur" in dutch
    assert "Subtotaal € 3.352,32" in dutch
    assert "Btw 21% over € 3.307,32 € 694,54" in dutch
    assert "18,25 uur € 87,50 10% 21% € 1.437,19" in dutch
    assert "Vervaldatum 1 mei 2026" in dutch
    assert "Pagina 1 van 1" in dutch
    assert "Concept invoice" in english
    assert "Subtotal €3,352.32" in english
    assert "VAT 21% on €3,307.32 €694.54" in english
    assert "18.25 hour €87.50 10% 21% €1,437.19" in english
    assert "Due date 1 May 2026" in english
    assert "Page 1 of 1" in english
    for dutch_only in ("Subtotaal", "Omschrijving", "Pagina", "Btw "):
        assert dutch_only not in english
    for english_only in ("Subtotal", "Description", "Page ", "VAT "):
        assert english_only not in dutch


def test_the_header_shows_customer_company_and_the_orders_numbers() -> None:
    world = scenario()
    numbers = InvoiceNumbers(reference="HB-000042", exact_order_number=5512, invoice_number=26001)
    content = flat(render(world.invoice(concept=False, numbers=numbers)))

    for expected in (
        "Vakwerk Advies B.V.",
        "Oudegracht 231",
        "Łódź Ørsted Installaties B.V.",
        "ul. Piotrkowska 104",
        "90-926 Łódź",
        f"Ordernummer {world.order.number}",
        "Factuurnummer 26001",
        "Exact-ordernummer 5512",
        "Uw referentie PO-2026-0042",
        "Onze referentie HB-000042",
        f"Klantnummer {world.customer.code}",
        "Periode 01-03-2026 – 31-03-2026",
        "Datum 1 april 2026",
        "Btw-nummer NL859012345B01",
        "KvK 30281234",
        "IBAN NL91 ABNA 0417 1643 00",
    ):
        assert expected in content


def test_a_concept_invoice_carries_the_concept_mark_on_every_page() -> None:
    world = _long_invoice(lines=70)
    read = pages(render(world.invoice()))

    assert len(read) > 1
    for page in read:
        assert "CONCEPT" in page
        assert "Omschrijving Aantal Eenheid Prijs Korting Btw % Bedrag" in page
    assert text(Language.NL, "concept_note") in read[0]


def test_the_invoice_itself_has_no_concept_mark() -> None:
    world = _long_invoice(lines=70)
    read = pages(render(world.invoice(concept=False)))

    assert len(read) > 1
    assert read[0].count("Factuur") >= 1
    for page in read:
        assert "CONCEPT" not in page
        assert "Conceptfactuur" not in page
    assert text(Language.NL, "concept_note") not in " ".join(read)


def test_a_discount_prints_its_percentage_and_none_is_left_blank() -> None:
    world = scenario()
    content = flat(render(world.invoice()))

    discounted = world.order.lines[1]
    assert discounted.discount_percent == Decimal("10")
    assert f"{money(discounted.unit_price)} 10% 21% {money(discounted.amount)}" in content
    undiscounted = world.order.lines[0]
    assert f"{money(undiscounted.unit_price)} 21% {money(undiscounted.amount)}" in content


@pytest.mark.parametrize(
    ("days", "iban", "expected"),
    [
        (
            30,
            "NL91ABNA0417164300",
            "Wij verzoeken u het bedrag van {total} binnen 30 dagen, uiterlijk 1 mei 2026, "
            "over te maken op NL91 ABNA 0417 1643 00 onder vermelding van {reference}.",
        ),
        (
            14,
            None,
            "Wij verzoeken u het bedrag van {total} binnen 14 dagen, uiterlijk 15 april 2026, "
            "te voldoen onder vermelding van {reference}.",
        ),
        (0, "NL91ABNA0417164300", "Te voldoen bij ontvangst, onder vermelding van {reference}."),
    ],
)
def test_the_payment_terms_follow_the_settings(days: int, iban: str | None, expected: str) -> None:
    world = scenario(settings=company_settings(payment_term_days=days, iban=iban))
    document = world.invoice()
    content = flat(render(document))

    total = money(document.total)
    assert expected.format(total=total, reference=world.order.number) in content


def test_the_payment_reference_is_the_invoice_number_once_known() -> None:
    world = scenario()
    numbers = InvoiceNumbers(reference="HB-000042", invoice_number=26001)
    content = flat(render(world.invoice(concept=False, numbers=numbers)))

    assert "onder vermelding van 26001." in content


# -- the specification ----------------------------------------------------------------------


def test_the_specification_lists_each_lines_bookings_supplies_and_totals() -> None:
    world = scenario(bookings=8)
    report = world.specification()
    content = flat(render(report))

    assert f"Specificatie {world.order.number}" in content
    for line in report.lines:
        assert f"Regel {line.position} · {line.description}" in content
        assert f"Totaal regel {line.position}" in content
        assert money(line.amount) in content
        for booking in line.bookings:
            assert booking.description in content
            assert money(booking.amount) in content
        for supply in line.supplies:
            assert supply.description in content
            assert money(supply.amount) in content
    site = report.lines[1]
    assert f"Korting 10% {money(site.adjustment)}" in content
    assert site.adjustment < 0
    assert text(Language.NL, "no_sources") in content
    hours = format_quantity(report.lines[0].hours, Language.NL)
    assert f"Totaal regel 1 {hours} {money(report.lines[0].amount)}" in content


def test_the_specification_closes_with_project_subtotals_and_the_grand_total() -> None:
    world = scenario(bookings=8)
    report = world.specification()
    content = flat(render(report))

    assert "Per project" in content
    for project in report.projects:
        name = project.project or "Zonder project"
        assert name in content
        assert money(project.amount) in content
    assert "Zonder project" in content
    assert f"Totaal uren {format_quantity(report.hours, Language.NL)}" in content
    assert report.subtotal == world.order.totals().subtotal
    assert f"Totaal excl. btw {money(report.subtotal)}" in content
    assert f"Btw {money(report.vat_total)}" in content
    assert f"Totaal {money(report.total)}" in content


def test_a_specification_in_english() -> None:
    world = scenario(bookings=4, language=Language.EN)
    content = flat(render(world.specification()))

    for expected in ("Specification", "Line 1 · ", "Employee", "Hours", "Rate", "Total line 1"):
        assert expected in content
    assert "Per project" in content
    assert "Total excl. VAT" in content
    assert "Regel" not in content


def test_a_booking_heavy_specification_spans_pages_with_the_table_header_on_each() -> None:
    world = scenario(bookings=320)
    read = pages(render(world.specification()))

    count = len(read)
    assert count >= 5
    for number, page in enumerate(read, start=1):
        assert f"Pagina {number} van {count}" in page
        if "Werkzaamheden op locatie" in page:
            assert "Datum Medewerker Taak Omschrijving Uren Tarief Bedrag" in page
    printed = {int(n) for n in re.findall(r"dag (\d+)", " ".join(read))}
    assert printed == set(range(1, 321)) - {2}, "every booking, once (booking 2 has a long text)"


def test_a_lines_total_never_opens_a_page_without_a_row_of_the_line() -> None:
    for bookings in range(26, 40):
        world = scenario(bookings=bookings)
        running_head = f"Specificatie {world.order.number} · {world.customer.name} "
        for page in pages(render(world.specification()))[1:]:
            body = page.removeprefix(running_head)
            assert not body.startswith(("Uren Bedrag", "Totaal regel", "Korting")), bookings


def test_the_invoice_totals_and_terms_never_open_a_page_without_a_line() -> None:
    for lines in range(20, 30):
        world = _long_invoice(lines)
        running_head = f"CONCEPT Conceptfactuur {world.order.number} · {world.customer.name} "
        for page in pages(render(world.invoice()))[1:]:
            body = page.removeprefix(running_head)
            assert body.startswith("Omschrijving Aantal"), lines


def test_a_batch_restarts_page_numbering_for_each_document() -> None:
    small, large, long = scenario(bookings=4), scenario(bookings=200), _long_invoice(lines=70)
    documents: list[Document] = [
        small.invoice(),
        small.specification(),
        long.invoice(),
        large.specification(Language.EN),
    ]
    counts = [len(pages(render(document))) for document in documents]
    read = pages(render(*documents))

    assert len(read) == sum(counts)
    assert counts[2] > 1
    assert counts[3] > 1
    labels = [
        f"Pagina {i} van {n}" if d.header.language is Language.NL else f"Page {i} of {n}"
        for d, n in zip(documents, counts, strict=True)
        for i in range(1, n + 1)
    ]
    for page, label in zip(read, labels, strict=True):
        assert label in page
    starts = [sum(counts[:i]) for i in range(len(counts))]
    assert "Conceptfactuur" in read[starts[0]]
    assert f"Specificatie {small.order.number}" in read[starts[1]]
    assert f"Ordernummer {long.order.number}" in read[starts[2]]
    assert f"Specification {large.order.number}" in read[starts[3]]
    concept_pages = [*range(starts[1]), *range(starts[2], starts[3])]
    for number, page in enumerate(read):
        assert ("CONCEPT" in page) is (number in concept_pages)


def test_each_document_starts_on_a_new_page() -> None:
    worlds = [scenario(bookings=2, number=700 + i) for i in range(3)]
    read = pages(render(*(w.invoice() for w in worlds)))

    assert len(read) == 3
    for world, page in zip(worlds, read, strict=True):
        assert f"Ordernummer {world.order.number}" in page


def test_unicode_names_survive() -> None:
    world = scenario(customer_name="Łódź Ørsted & Søn — Café Zürich €")
    content = flat(render(world.invoice(), world.specification()))

    for name in ("Łódź Ørsted & Søn — Café Zürich €", "Łukasz Nowak", "Sønderborg", "3x2,5mm²"):
        assert name in content


# -- the file -------------------------------------------------------------------------------


def test_the_pdf_carries_title_creator_and_a_fixed_creation_date() -> None:
    world = scenario()
    pdf = render(world.invoice(), world.specification())
    info = PdfReader(io.BytesIO(pdf)).metadata

    assert info is not None
    assert info.title == f"Conceptfactuur {world.order.number}, Specificatie {world.order.number}"
    assert info.creator == "Hourbill"
    assert info.author == "Vakwerk Advies B.V."
    assert info.creation_date is not None
    assert info.creation_date.date() == world.order.order_date


def test_rendering_is_deterministic() -> None:
    world = scenario(bookings=30)
    documents = [world.invoice(), world.specification()]

    assert render(*documents) == render(*documents)


def test_nothing_to_render_is_an_error() -> None:
    with pytest.raises(ValueError, match="nothing to render"):
        FpdfRenderer().render([])


def _long_invoice(lines: int) -> Scenario:
    world = scenario()
    order = OrderFactory(
        customer=world.customer,
        lines=[OrderLineFactory(description=f"Werkzaamheden week {i}") for i in range(lines)],
        line_count=0,
    )
    return Scenario(order, world.sources, world.customer, world.settings)
