"""Words, amounts and dates as a customer reads them: Dutch or English.

Documents are printed in the customer's language. Numbers follow that
language's conventions (1.234,56 in Dutch, 1,234.56 in English); amounts are
shown in euros, always with two decimals; nothing here rounds except to cents,
with the same commercial rounding as everywhere else.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from domain.customers import Language
from domain.money import decimals_of, round_money

_NL_MONTHS = "januari februari maart april mei juni juli augustus september oktober november"
_EN_MONTHS = "January February March April May June July August September October November"
MONTHS = {
    Language.NL: [*_NL_MONTHS.split(" "), "december"],
    Language.EN: [*_EN_MONTHS.split(" "), "December"],
}

_SEPARATORS = {Language.NL: (".", ","), Language.EN: (",", ".")}
"""(thousands, decimal) per language."""


def format_number(value: Decimal, language: Language, places: int) -> str:
    """`value` with exactly `places` decimals (rounded half up) and thousands grouped."""
    quantized = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if quantized < 0 else ""
    whole, _, fraction = f"{abs(quantized):f}".partition(".")
    thousands, decimal = _SEPARATORS[language]
    grouped = f"{int(whole):,}".replace(",", thousands)
    return f"{sign}{grouped}{decimal}{fraction}" if places else f"{sign}{grouped}"


def format_money(amount: Decimal, language: Language) -> str:
    """€ 1.234,56 (nl) or €1,234.56 (en); the minus sign before the euro sign."""
    digits = format_number(abs(amount), language, 2)
    sign = "-" if round_money(amount) < 0 else ""
    return f"{sign}€ {digits}" if language is Language.NL else f"{sign}€{digits}"


def format_quantity(value: Decimal, language: Language) -> str:
    """Whole numbers bare (3); otherwise at least two decimals (7,50), at most four."""
    places = decimals_of(value)
    if places == 0:
        return format_number(value, language, 0)
    return format_number(value, language, min(4, max(2, places)))


def format_hours(value: Decimal, language: Language) -> str:
    """Hours always with two decimals (7,50 and 8,00), so a column of them lines up."""
    return format_number(value, language, min(4, max(2, decimals_of(value))))


def format_line_quantity(value: Decimal, unit: str, language: Language) -> str:
    """An invoice line's quantity: as hours when the line is in hours, else as a quantity."""
    if format_unit(unit, Language.EN) in HOUR_UNITS:
        return format_hours(value, language)
    return format_quantity(value, language)


def format_rate(value: Decimal, language: Language) -> str:
    """An hourly rate or unit price: two decimals, more only when it has them (12,3456)."""
    places = decimals_of(value)
    if places <= 2:
        return format_money(value, language)
    digits = format_number(abs(value), language, min(4, places))
    sign = "-" if value < 0 else ""
    return f"{sign}€ {digits}" if language is Language.NL else f"{sign}€{digits}"


def format_percent(value: Decimal, language: Language) -> str:
    """21% or 10,5% (nl) / 10.5% (en): no trailing zeros."""
    places = min(2, decimals_of(value))
    return f"{format_number(value, language, places)}%"


def format_date(value: dt.date, language: Language) -> str:
    """Short, for tables: 03-11-2026 (nl), 3 Nov 2026 (en)."""
    if language is Language.NL:
        return value.strftime("%d-%m-%Y")
    return f"{value.day} {MONTHS[Language.EN][value.month - 1][:3]} {value.year}"


def format_long_date(value: dt.date, language: Language) -> str:
    """For headers: 3 november 2026 (nl), 3 November 2026 (en)."""
    return f"{value.day} {MONTHS[language][value.month - 1]} {value.year}"


def format_period(start: dt.date | None, end: dt.date | None, language: Language) -> str:
    if start is None and end is None:
        return ""
    if start is None or end is None or start == end:
        return format_date(start or end or dt.date.min, language)
    return f"{format_date(start, language)} – {format_date(end, language)}"


UNITS: dict[Language, dict[str, str]] = {
    Language.NL: {"hour": "uur", "hours": "uur", "pc": "stuk", "pcs": "stuks", "day": "dag"},
    Language.EN: {"uur": "hour", "stuk": "pc", "stuks": "pcs", "dag": "day"},
}
"""Units as Hourbill stores them, in the other language; anything else prints as stored."""


HOUR_UNITS = frozenset({"hour", "hours"})


def format_unit(unit: str, language: Language) -> str:
    return UNITS[language].get(unit.strip().lower(), unit)


LABELS: dict[Language, dict[str, str]] = {
    Language.NL: {
        "hours_and_supplies": "Uren en materialen",
        "concept_invoice": "Conceptfactuur",
        "concept_mark": "CONCEPT",
        "concept_note": "Dit is een concept: het definitieve factuurnummer volgt uit Exact Online.",
        "invoice": "Factuur",
        "specification": "Specificatie",
        "order_number": "Ordernummer",
        "invoice_number": "Factuurnummer",
        "exact_order_number": "Exact-ordernummer",
        "reference": "Uw referentie",
        "our_reference": "Onze referentie",
        "date": "Datum",
        "due_date": "Vervaldatum",
        "period": "Periode",
        "customer_code": "Klantnummer",
        "vat_number": "Btw-nummer",
        "chamber_of_commerce": "KvK",
        "iban": "IBAN",
        "description": "Omschrijving",
        "quantity": "Aantal",
        "unit": "Eenheid",
        "unit_price": "Prijs",
        "discount": "Korting",
        "amount": "Bedrag",
        "vat": "Btw",
        "vat_rate": "Btw %",
        "vat_over": "Btw {rate} over {base}",
        "subtotal": "Subtotaal",
        "total": "Totaal",
        "total_due": "Te betalen",
        "payment_terms": (
            "Wij verzoeken u het bedrag van {total} binnen {days} dagen, uiterlijk {due}, "
            "over te maken op {iban} onder vermelding van {reference}."
        ),
        "payment_terms_no_iban": (
            "Wij verzoeken u het bedrag van {total} binnen {days} dagen, uiterlijk {due}, "
            "te voldoen onder vermelding van {reference}."
        ),
        "payment_immediately": "Te voldoen bij ontvangst, onder vermelding van {reference}.",
        "employee": "Medewerker",
        "project": "Project",
        "task": "Taak",
        "hours": "Uren",
        "rate": "Tarief",
        "supplies": "Materialen",
        "item": "Artikel",
        "line": "Regel",
        "line_total": "Totaal regel {position}",
        "project_total": "Totaal project {project}",
        "no_project": "Zonder project",
        "discount_row": "Korting {percent}",
        "adjustment_row": "Aanpassing op de factuurregel",
        "per_project": "Per project",
        "grand_total": "Totaal excl. btw",
        "total_hours": "Totaal uren",
        "no_sources": "Handmatige regel, zonder uren of materialen",
        "page": "Pagina {page} van {pages}",
        "email": "E-mail",
        "phone": "Telefoon",
    },
    Language.EN: {
        "hours_and_supplies": "Hours and supplies",
        "concept_invoice": "Concept invoice",
        "concept_mark": "CONCEPT",
        "concept_note": "This is a concept: the final invoice number comes from Exact Online.",
        "invoice": "Invoice",
        "specification": "Specification",
        "order_number": "Order number",
        "invoice_number": "Invoice number",
        "exact_order_number": "Exact order number",
        "reference": "Your reference",
        "our_reference": "Our reference",
        "date": "Date",
        "due_date": "Due date",
        "period": "Period",
        "customer_code": "Customer number",
        "vat_number": "VAT number",
        "chamber_of_commerce": "Chamber of Commerce",
        "iban": "IBAN",
        "description": "Description",
        "quantity": "Quantity",
        "unit": "Unit",
        "unit_price": "Price",
        "discount": "Discount",
        "amount": "Amount",
        "vat": "VAT",
        "vat_rate": "VAT %",
        "vat_over": "VAT {rate} on {base}",
        "subtotal": "Subtotal",
        "total": "Total",
        "total_due": "Amount due",
        "payment_terms": (
            "Please pay {total} within {days} days, by {due}, to {iban}, quoting {reference}."
        ),
        "payment_terms_no_iban": (
            "Please pay {total} within {days} days, by {due}, quoting {reference}."
        ),
        "payment_immediately": "Payable on receipt, quoting {reference}.",
        "employee": "Employee",
        "project": "Project",
        "task": "Task",
        "hours": "Hours",
        "rate": "Rate",
        "supplies": "Supplies",
        "item": "Item",
        "line": "Line",
        "line_total": "Total line {position}",
        "project_total": "Total project {project}",
        "no_project": "No project",
        "discount_row": "Discount {percent}",
        "adjustment_row": "Adjustment on the invoice line",
        "per_project": "Per project",
        "grand_total": "Total excl. VAT",
        "total_hours": "Total hours",
        "no_sources": "Manual line, without hours or supplies",
        "page": "Page {page} of {pages}",
        "email": "Email",
        "phone": "Phone",
    },
}


def text(language: Language, key: str, **values: str) -> str:
    """A label in the language, with its {placeholders} filled in."""
    label = LABELS[language][key]
    return label.format(**values) if values else label
