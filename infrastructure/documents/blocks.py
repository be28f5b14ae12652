"""What both documents share: the letterhead, the addressee and facts, the title, the footer."""

from __future__ import annotations

from domain.documents import DocumentHeader
from domain.locale import format_long_date, format_period, text
from domain.settings import CompanyDetails
from infrastructure.documents.canvas import (
    ACCENT,
    FOOTER_TOP,
    INK,
    MARGIN,
    MUTED,
    PAGE_WIDTH,
    RULE,
    TOP,
    Canvas,
)

FACTS_X = 118.0
FACTS_LABEL_WIDTH = 33.0
TOTALS_WIDTH = 92.0
TOTALS_AMOUNT_WIDTH = 30.0


def company_place(company: CompanyDetails) -> list[str]:
    place = " ".join(p for p in (company.postcode, company.city) if p)
    parts = [p for p in (company.address_line, place) if p]
    if company.country != "NL":
        parts.append(company.country)
    return parts


def letterhead(canvas: Canvas, company: CompanyDetails) -> None:
    """The sender, large, with its address and how to reach it, over a rule."""
    canvas.fit(company.name, canvas.epw, 17, smallest=10, bold=True, color=ACCENT)
    canvas.put(MARGIN, TOP, canvas.epw, 8, company.name)
    canvas.style(8, color=MUTED)
    y = TOP + 9.5
    for line in (company_place(company), [p for p in (company.email, company.phone) if p]):
        if line:
            canvas.put(MARGIN, y, canvas.epw, 3.8, "  ·  ".join(line))
            y += 3.8
    canvas.line_across(max(y, TOP + 14) + 2.5, RULE, 0.3)
    canvas.set_y(max(y, TOP + 14) + 9)


def addressee_and_facts(
    canvas: Canvas, header: DocumentHeader, facts: list[tuple[str, str]]
) -> None:
    """The customer's address on the left; the document's numbers and dates on the right."""
    top = canvas.get_y()
    canvas.style(10, bold=True)
    address_width = FACTS_X - MARGIN - 6
    y = top
    for i, line in enumerate([header.customer.name, *header.customer.lines]):
        if i == 1:
            canvas.style(10)
        for part in canvas.wrap(line, address_width):
            canvas.put(MARGIN, y, address_width, 5, part)
            y += 5
    if header.customer.vat_number:
        canvas.style(8, color=MUTED)
        vat_number = f"{text(header.language, 'vat_number')} {header.customer.vat_number}"
        canvas.put(MARGIN, y + 1.5, address_width, 4, vat_number)
        y += 5.5
    fact_y = top
    value_width = PAGE_WIDTH - MARGIN - FACTS_X - FACTS_LABEL_WIDTH
    for label, value in facts:
        canvas.style(8, color=MUTED)
        canvas.put(FACTS_X, fact_y, FACTS_LABEL_WIDTH, 4.6, label)
        canvas.style(8)
        lines = canvas.wrap(value, value_width)
        for i, part in enumerate(lines):
            canvas.put(FACTS_X + FACTS_LABEL_WIDTH, fact_y + i * 4.2, value_width, 4.6, part, "R")
        fact_y += 4.6 + (len(lines) - 1) * 4.2
    canvas.set_y(max(y, fact_y) + 9)


def facts(
    header: DocumentHeader, *, invoice: bool, due_date: str | None = None
) -> list[tuple[str, str]]:
    """Key/value rows for the right-hand column, only those that are known."""
    language = header.language
    rows: list[tuple[str, str | int | None]] = [
        ("date", format_long_date(header.order_date, language)),
        ("invoice_number", header.invoice_number),
        ("order_number", header.order_number),
        ("exact_order_number", header.exact_order_number),
        ("reference", header.reference),
        ("our_reference", header.invoice_reference),
        ("customer_code", header.customer_code),
        ("period", format_period(header.period_start, header.period_end, language)),
        ("due_date", due_date if invoice else None),
    ]
    return [(text(language, key), str(value)) for key, value in rows if value not in (None, "")]


def title(canvas: Canvas, heading: str, subtitle: str, note: str | None = None) -> None:
    canvas.style(18, bold=True, color=ACCENT)
    canvas.put(MARGIN, canvas.get_y(), canvas.epw, 9, heading)
    canvas.space(9.5)
    if subtitle:
        canvas.paragraph(subtitle, size=9.5, color=MUTED)
    if note:
        canvas.space(1)
        canvas.paragraph(note, size=8.5, bold=True, color=ACCENT)
    canvas.space(5)


def totals_block(canvas: Canvas, rows: list[tuple[str, str]], total: tuple[str, str]) -> None:
    """Label/amount rows against the right margin, a rule, the total in bold; kept together."""
    canvas.ensure(totals_height(rows))
    canvas.space(3)
    x = MARGIN + canvas.epw - TOTALS_WIDTH
    canvas.style(8.5)
    for label, amount in rows:
        _total_row(canvas, x, label, amount)
    canvas.space(1)
    canvas.rule(x, MARGIN + canvas.epw, canvas.get_y(), INK, 0.35)
    canvas.space(1.2)
    canvas.style(10, bold=True)
    _total_row(canvas, x, *total, height=6.2)


def totals_height(rows: list[tuple[str, str]]) -> float:
    return 5.2 * len(rows) + 12


def _total_row(canvas: Canvas, x: float, label: str, amount: str, height: float = 5.2) -> None:
    y = canvas.get_y()
    canvas.put(x, y, TOTALS_WIDTH - TOTALS_AMOUNT_WIDTH, height, label)
    canvas.put(x + TOTALS_WIDTH - TOTALS_AMOUNT_WIDTH, y, TOTALS_AMOUNT_WIDTH, height, amount, "R")
    canvas.set_y(y + height)


def footer(canvas: Canvas, header: DocumentHeader, page: int, pages: int) -> None:
    """The sender's registration and bank details, and "page 2 of 5" within the document."""
    company = header.company
    language = header.language
    details = [company.name] if company.name else []
    for key, value in (
        ("vat_number", company.vat_number),
        ("chamber_of_commerce", company.chamber_of_commerce),
        ("iban", spaced_iban(company.iban)),
        ("email", company.email),
        ("phone", company.phone),
    ):
        if value:
            details.append(f"{text(language, key)} {value}")
    canvas.line_across(FOOTER_TOP, RULE, 0.2)
    canvas.style(7, color=MUTED)
    page_label = text(language, "page", page=str(page), pages=str(pages))
    label_width = canvas.get_string_width(page_label) + 2 * canvas.c_margin
    width = canvas.epw - label_width - 4
    for i, line in enumerate(_joined_lines(canvas, details, width)):
        canvas.put(MARGIN, FOOTER_TOP + 1.5 + i * 3.4, width, 3.4, line)
    canvas.put(
        PAGE_WIDTH - MARGIN - label_width, FOOTER_TOP + 1.5, label_width, 3.4, page_label, "R"
    )


def _joined_lines(
    canvas: Canvas, items: list[str], width: float, separator: str = "  ·  "
) -> list[str]:
    """Items joined on as few lines as fit `width`, never breaking inside an item."""
    lines: list[str] = []
    for item in items:
        candidate = f"{lines[-1]}{separator}{item}" if lines else item
        if lines and canvas.get_string_width(candidate) <= width - 2 * canvas.c_margin:
            lines[-1] = candidate
        else:
            lines.append(item)
    return lines


def spaced_iban(iban: str | None) -> str | None:
    """NL91ABNA0417164300 as NL91 ABNA 0417 1643 00, as people read it."""
    if not iban:
        return None
    compact = iban.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
