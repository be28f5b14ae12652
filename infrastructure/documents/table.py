"""Tables whose rows never split: long text wraps, the header returns on every new page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from infrastructure.documents.canvas import (
    BAND,
    HAIRLINE,
    INK,
    MARGIN,
    MUTED,
    RULE,
    Canvas,
    Colour,
)

PADDING = 1.1
"""Above and below the text of a row."""


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    width: float = 0.0
    """In mm; 0 takes what the other columns leave."""
    align: Literal["L", "R"] = "L"


@dataclass(frozen=True, slots=True)
class _Cell:
    x: float
    width: float
    align: Literal["L", "R"]
    lines: list[str]


class Table:
    def __init__(self, canvas: Canvas, columns: Sequence[Column], *, size: float = 8.0) -> None:
        self.canvas = canvas
        self.columns = list(columns)
        self.size = size
        fixed = sum(c.width for c in self.columns)
        flexible = [c for c in self.columns if not c.width]
        rest = (canvas.epw - fixed) / len(flexible) if flexible else 0.0
        self.widths = [c.width or rest for c in self.columns]
        self.lefts = [MARGIN + sum(self.widths[:i]) for i in range(len(self.widths))]

    # -- header --------------------------------------------------------------------------

    def begin(self, *, keep: float = 0.0) -> None:
        """The header, on a new page when it and `keep` mm of rows would not fit."""
        self.canvas.ensure(self.header_height() + keep)
        self.draw_header()

    def header_height(self) -> float:
        self.canvas.style(self.size - 0.5, bold=True)
        return self.canvas.line_height() + 2 * PADDING

    def draw_header(self) -> None:
        canvas = self.canvas
        canvas.style(self.size - 0.5, bold=True, color=MUTED)
        height = canvas.line_height() + 2 * PADDING
        top = canvas.get_y()
        canvas.set_fill_color(*BAND)
        canvas.rect(MARGIN, top, canvas.epw, height, style="F")
        for column, x, width in zip(self.columns, self.lefts, self.widths, strict=True):
            canvas.put(x, top + PADDING, width, canvas.line_height(), column.label, column.align)
        canvas.rule(MARGIN, MARGIN + canvas.epw, top + height, RULE, 0.25)
        canvas.set_y(top + height)

    # -- rows ----------------------------------------------------------------------------

    def height(self, cells: Sequence[str], *, span: int = 1, bold: bool = False) -> float:
        return self._height(self._layout(cells, span, bold))

    def row(
        self,
        cells: Sequence[str],
        *,
        span: int = 1,
        bold: bool = False,
        color: Colour = INK,
        rule_above: bool = False,
        separator: bool = True,
    ) -> None:
        """One row; the first cell spans `span` columns. Never split over two pages."""
        layout = self._layout(cells, span, bold)
        height = self._height(layout)
        canvas = self.canvas
        if canvas.ensure(height):
            self.draw_header()
        top = canvas.get_y()
        if rule_above:
            canvas.rule(MARGIN, MARGIN + canvas.epw, top, RULE, 0.25)
        canvas.style(self.size, bold=bold, color=color)
        line_height = canvas.line_height()
        for cell in layout:
            for i, line in enumerate(cell.lines):
                y = top + PADDING + i * line_height
                canvas.put(cell.x, y, cell.width, line_height, line, cell.align)
        if separator:
            canvas.rule(MARGIN, MARGIN + canvas.epw, top + height, HAIRLINE, 0.15)
        canvas.set_y(top + height)

    def keep(self, height: float) -> None:
        """Make sure the next `height` mm of rows land on one page (under a header)."""
        if self.canvas.ensure(height):
            self.draw_header()

    def _layout(self, cells: Sequence[str], span: int, bold: bool) -> list[_Cell]:
        if len(cells) != len(self.columns) - span + 1:
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns spanning {span}")
        self.canvas.style(self.size, bold=bold)
        spans = [(0, span), *((i, i + 1) for i in range(span, len(self.columns)))]
        layout = []
        for text, (start, end) in zip(cells, spans, strict=True):
            width = sum(self.widths[start:end])
            align = self.columns[end - 1].align if end - start == 1 else "L"
            lines = self.canvas.wrap(text, width) if text else []
            layout.append(_Cell(self.lefts[start], width, align, lines))
        return layout

    def _height(self, layout: list[_Cell]) -> float:
        self.canvas.style(self.size)
        lines = max((len(cell.lines) for cell in layout), default=1)
        return max(lines, 1) * self.canvas.line_height() + 2 * PADDING
