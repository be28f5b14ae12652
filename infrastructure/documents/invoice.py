"""The (concept) invoice: lines, VAT per rate, the total and how to pay it."""

from __future__ import annotations

from domain.documents import InvoiceDocument
from domain.locale import (
    format_line_quantity,
    format_long_date,
    format_money,
    format_percent,
    format_rate,
    format_unit,
    text,
)
from infrastructure.documents.blocks import (
    addressee_and_facts,
    facts,
    letterhead,
    spaced_iban,
    title,
    totals_block,
    totals_height,
)
from infrastructure.documents.canvas import Canvas
from infrastructure.documents.table import Column, Table

TERMS_WIDTH = 140.0
TERMS_SPACE = 8.0


def invoice_title(document: InvoiceDocument) -> str:
    key = "concept_invoice" if document.is_concept else "invoice"
    return text(document.header.language, key)


def draw_invoice(canvas: Canvas, document: InvoiceDocument) -> None:
    header = document.header
    language = header.language
    letterhead(canvas, header.company)
    due = format_long_date(document.due_date, language)
    addressee_and_facts(canvas, header, facts(header, invoice=True, due_date=due))
    note = text(language, "concept_note") if document.is_concept else None
    title(canvas, invoice_title(document), header.description, note)
    totals = _totals(document)
    terms = _payment_terms(document)
    canvas.style(8.5)
    terms_height = len(canvas.wrap(terms, TERMS_WIDTH)) * canvas.line_height() + TERMS_SPACE
    closing_height = totals_height(totals) + terms_height
    _lines(canvas, document, keep_with_last=closing_height)
    canvas.ensure(closing_height)
    totals_block(canvas, totals, (text(language, "total"), format_money(document.total, language)))
    canvas.space(TERMS_SPACE)
    canvas.paragraph(terms, size=8.5, width=TERMS_WIDTH)


def _lines(canvas: Canvas, document: InvoiceDocument, keep_with_last: float) -> None:
    """The invoice lines; the last one goes to the next page with the totals if they must."""
    language = document.header.language

    def label(key: str) -> str:
        return text(language, key)

    table = Table(
        canvas,
        [
            Column(label("description")),
            Column(label("quantity"), 17, "R"),
            Column(label("unit"), 15),
            Column(label("unit_price"), 22, "R"),
            Column(label("discount"), 17, "R"),
            Column(label("vat_rate"), 14, "R"),
            Column(label("amount"), 25, "R"),
        ],
        size=8.5,
    )
    rows = [
        [
            line.description,
            format_line_quantity(line.quantity, line.unit, language),
            format_unit(line.unit, language),
            format_rate(line.unit_price, language),
            format_percent(line.discount_percent, language) if line.discount_percent else "",
            format_percent(line.vat_rate, language),
            format_money(line.amount, language),
        ]
        for line in document.lines
    ]
    table.begin(keep=table.height(rows[0]) if rows else 0.0)
    for index, cells in enumerate(rows):
        if index == len(rows) - 1:
            table.keep(table.height(cells) + keep_with_last)
        table.row(cells)


def _totals(document: InvoiceDocument) -> list[tuple[str, str]]:
    """Subtotal and VAT per rate ("Btw 21% over € 1.000,00"), above the total."""
    language = document.header.language
    rows = [(text(language, "subtotal"), format_money(document.subtotal, language))]
    for vat in document.vat:
        over = text(
            language,
            "vat_over",
            rate=format_percent(vat.rate, language),
            base=format_money(vat.base, language),
        )
        rows.append((over, format_money(vat.amount, language)))
    return rows


def _payment_terms(document: InvoiceDocument) -> str:
    header = document.header
    language = header.language
    reference = header.payment_reference
    if document.payment_term_days == 0:
        return text(language, "payment_immediately", reference=reference)
    values = {
        "total": format_money(document.total, language),
        "days": str(document.payment_term_days),
        "due": format_long_date(document.due_date, language),
        "reference": reference,
    }
    iban = spaced_iban(header.company.iban)
    if iban:
        return text(language, "payment_terms", iban=iban, **values)
    return text(language, "payment_terms_no_iban", **values)
