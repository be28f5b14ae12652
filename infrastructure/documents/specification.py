"""The specification: per invoice line the bookings and supplies it bills, then per project."""

from __future__ import annotations

import datetime as dt

from domain.customers import Language
from domain.documents import BookingRow, SpecificationLine, SpecificationReport, SupplyRow
from domain.locale import (
    format_date,
    format_hours,
    format_money,
    format_percent,
    format_quantity,
    format_rate,
    format_unit,
    text,
)
from domain.money import ZERO
from infrastructure.documents.blocks import (
    addressee_and_facts,
    facts,
    letterhead,
    title,
    totals_block,
)
from infrastructure.documents.canvas import ACCENT, MUTED, Canvas
from infrastructure.documents.table import Column, Table

SIZE = 7.5
DATE, WHO, WHAT, HOURS, RATE, AMOUNT = 18.0, 25.0, 30.0, 15.0, 19.0, 23.0
QUANTITY = 24.0
TASK = 24.0


def specification_title(report: SpecificationReport) -> str:
    return f"{text(report.header.language, 'specification')} {report.header.order_number}"


def draw_specification(canvas: Canvas, report: SpecificationReport) -> None:
    header = report.header
    letterhead(canvas, header.company)
    addressee_and_facts(canvas, header, facts(header, invoice=False))
    title(canvas, specification_title(report), header.description)
    for line in report.lines:
        _line(canvas, line, header.language)
        canvas.space(6)
    _per_project(canvas, report)


def _line(canvas: Canvas, line: SpecificationLine, language: Language) -> None:
    """Heading, bookings, supplies, then the closing rows with at least the last row above them."""
    own_project = all(b.project in ("", line.project) for b in line.bookings)
    tables: list[tuple[Table, list[list[str]]]] = []
    if line.bookings:
        bookings = _bookings_table(canvas, language, tasks_only=own_project)
        tables.append((bookings, [_booking_cells(b, language, own_project) for b in line.bookings]))
    if line.supplies:
        supplies = _supplies_table(canvas, language)
        tables.append((supplies, [_supply_cells(s, language) for s in line.supplies]))
    closing, closing_rows = _closing(canvas, line, language)
    closing_height = sum(closing.height(cells, bold=bold) for cells, bold in closing_rows)

    if tables:
        first, rows = tables[0]
        lead = first.header_height() + first.height(rows[0])
    else:
        lead = canvas.line_height() + closing_height
    _line_heading(canvas, line, language, lead)
    for index, (table, rows) in enumerate(tables):
        if index:
            canvas.space(2.5)
        last_table = index == len(tables) - 1
        tail = table.height(rows[-1]) + (closing_height if last_table else 0.0)
        table.begin(keep=table.height(rows[0]) if len(rows) > 1 else tail)
        for cells in rows[:-1]:
            table.row(cells)
        table.keep(tail)
        table.row(rows[-1])
    if not line.has_sources:
        canvas.paragraph(text(language, "no_sources"), size=SIZE, color=MUTED, after=1)
    closing.keep(closing_height)
    for cells, bold in closing_rows:
        closing.row(cells, bold=bold, rule_above=bold, separator=not bold)


def _line_heading(canvas: Canvas, line: SpecificationLine, language: Language, lead: float) -> None:
    """The line's heading, on the page where the first `lead` mm below it go."""
    heading = f"{text(language, 'line')} {line.position} · {line.description}"
    if line.project:
        heading += f" · {line.project}"
    canvas.style(9, bold=True)
    heading_height = len(canvas.wrap(heading, canvas.epw)) * canvas.line_height() + 1.5
    canvas.ensure(heading_height + lead)
    canvas.paragraph(heading, size=9, bold=True, color=ACCENT, after=1.5)


def _booking_cells(booking: BookingRow, language: Language, tasks_only: bool) -> list[str]:
    return [
        _date(booking.date, language),
        booking.employee,
        booking.task if tasks_only else _work(booking.project, booking.task),
        booking.description,
        format_hours(booking.hours, language),
        format_rate(booking.rate, language),
        format_money(booking.amount, language),
    ]


def _supply_cells(supply: SupplyRow, language: Language) -> list[str]:
    quantity = format_quantity(supply.quantity, language)
    return [
        _date(supply.date, language),
        supply.item_code,
        supply.description,
        f"{quantity} {format_unit(supply.unit, language)}".strip(),
        format_rate(supply.unit_price, language),
        format_money(supply.amount, language),
    ]


def _closing(
    canvas: Canvas, line: SpecificationLine, language: Language
) -> tuple[Table, list[tuple[list[str], bool]]]:
    """The adjustment (when any) and the line's total, under hours and amount columns."""
    closing = Table(
        canvas,
        [
            Column(""),
            Column(text(language, "hours"), HOURS, "R"),
            Column("", RATE),
            Column(text(language, "amount"), AMOUNT, "R"),
        ],
        size=SIZE,
    )
    rows: list[tuple[list[str], bool]] = []
    if line.adjustment != ZERO:
        label = (
            text(language, "discount_row", percent=format_percent(line.discount_percent, language))
            if line.discount_percent > ZERO
            else text(language, "adjustment_row")
        )
        rows.append(([label, "", "", format_money(line.adjustment, language)], False))
    hours = format_hours(line.hours, language) if line.bookings else ""
    total_label = text(language, "line_total", position=str(line.position))
    rows.append(([total_label, hours, "", format_money(line.amount, language)], True))
    return closing, rows


def _per_project(canvas: Canvas, report: SpecificationReport) -> None:
    language = report.header.language
    canvas.space(2)
    table = Table(
        canvas,
        [
            Column(text(language, "project")),
            Column(text(language, "hours"), 25, "R"),
            Column(text(language, "amount"), 32, "R"),
        ],
        size=8.5,
    )
    canvas.style(10, bold=True)
    canvas.ensure(canvas.line_height() + 30)
    canvas.paragraph(text(language, "per_project"), size=10, bold=True, color=ACCENT, after=1.5)
    table.begin(keep=6)
    for project in report.projects:
        table.row(
            [
                project.project or text(language, "no_project"),
                format_hours(project.hours, language) if project.hours else "",
                format_money(project.amount, language),
            ]
        )
    rows = [
        (text(language, "total_hours"), format_hours(report.hours, language)),
        (text(language, "grand_total"), format_money(report.subtotal, language)),
        (text(language, "vat"), format_money(report.vat_total, language)),
    ]
    totals_block(canvas, rows, (text(language, "total"), format_money(report.total, language)))


def _bookings_table(canvas: Canvas, language: Language, *, tasks_only: bool) -> Table:
    """Bookings of one line; when they all share the line's project, only their tasks."""

    def label(key: str) -> str:
        return text(language, key)

    work = label("task") if tasks_only else f"{label('project')} / {label('task')}"

    return Table(
        canvas,
        [
            Column(label("date"), DATE),
            Column(label("employee"), WHO),
            Column(work, TASK if tasks_only else WHAT),
            Column(label("description")),
            Column(label("hours"), HOURS, "R"),
            Column(label("rate"), RATE, "R"),
            Column(label("amount"), AMOUNT, "R"),
        ],
        size=SIZE,
    )


def _supplies_table(canvas: Canvas, language: Language) -> Table:
    def label(key: str) -> str:
        return text(language, key)

    return Table(
        canvas,
        [
            Column(label("date"), DATE),
            Column(label("item"), WHO),
            Column(label("description")),
            Column(label("quantity"), QUANTITY, "R"),
            Column(label("unit_price"), RATE, "R"),
            Column(label("amount"), AMOUNT, "R"),
        ],
        size=SIZE,
    )


def _work(project: str, task: str) -> str:
    return " / ".join(p for p in (project, task) if p)


def _date(value: dt.date, language: Language) -> str:
    """A booking's date; blank for one that no longer exists (dt.date.min)."""
    return "" if value == dt.date.min else format_date(value, language)
