"""An A4 page for Hourbill's documents: fonts, colours, spacing and page breaks.

Page breaks are ours, not fpdf2's: automatic breaking is off, and every block
asks `ensure(height)` before it draws, so a table row or a totals block is never
cut in two. `header()` (called by fpdf2 on each new page) draws what lies
beneath the content: the concept watermark, and on a document's continuation
pages a running head.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import TTFFont

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVuSans"

PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0
MARGIN = 18.0
TOP = 16.0
CONTENT_BOTTOM = 274.0
"""Content stops here; below lies the footer."""
FOOTER_TOP = 279.0

INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (28, 55, 94)
RULE = (206, 212, 218)
HAIRLINE = (228, 231, 235)
BAND = (241, 243, 246)
WATERMARK = (232, 234, 237)
WHITE = (255, 255, 255)

Colour = tuple[int, int, int]


class Canvas(FPDF):
    """fpdf2 with DejaVu Sans embedded and page breaks left to the layout."""

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(False)
        self.c_margin = 1.2
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.watermark: str | None = None
        self.running_head = ""
        self.document_start = 1
        self._widths: dict[tuple[str, float, str], float] = {}

    # -- documents and pages -------------------------------------------------------------

    def begin_document(self, running_head: str, watermark: str | None = None) -> int:
        """Start a document on a fresh page; returns that page's number."""
        self.watermark = watermark
        self.running_head = running_head
        self.document_start = self.page + 1
        self.add_page()
        return self.page

    def header(self) -> None:
        if self.watermark:
            self._draw_watermark(self.watermark)
        if self.page > self.document_start and self.running_head:
            self.style(7.5, color=MUTED)
            self.put(MARGIN, TOP - 4, self.epw, 4, self.running_head)
            self.line_across(TOP + 1.5, RULE)
            self.set_y(TOP + 6)

    def _draw_watermark(self, mark: str) -> None:
        self.style(110, bold=True, color=WATERMARK)
        width = self.get_string_width(mark)
        centre_x, centre_y = PAGE_WIDTH / 2, PAGE_HEIGHT / 2
        with self.rotation(angle=50, x=centre_x, y=centre_y):
            self.text(centre_x - width / 2, centre_y + 14, mark)

    def ensure(self, height: float) -> bool:
        """Start a new page unless `height` still fits on this one; True when it broke."""
        if self.get_y() + height <= CONTENT_BOTTOM:
            return False
        self.add_page()
        return True

    def revisit(self, page: int) -> None:
        """Draw on an earlier page again (the footers, once the page count is known).

        That page's content stream ended in a graphics state fpdf2 no longer
        tracks, so font, colours and line width are forgotten and set afresh.
        """
        self.page = page
        self.current_font_is_set_on_page = False
        self.font_family = ""
        self.draw_color = None
        self.fill_color = None
        self.line_width = 0
        self.set_fill_color(*WHITE)

    def close(self) -> None:
        """Release the font files (fpdf2 does so in `output()`, not when layout fails)."""
        for font in self.fonts.values():
            if isinstance(font, TTFFont):
                font.close()

    # -- drawing -------------------------------------------------------------------------

    def style(self, size: float, *, bold: bool = False, color: Colour = INK) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def fit(
        self,
        text: str,
        width: float,
        size: float,
        *,
        smallest: float,
        bold: bool = False,
        color: Colour = INK,
    ) -> None:
        """Select the largest size from `size` down to `smallest` at which `text` fits `width`."""
        self.style(size, bold=bold, color=color)
        while size > smallest and self.measure(text) > width - 2 * self.c_margin:
            size -= 0.5
            self.style(size, bold=bold, color=color)

    def line_height(self) -> float:
        return self.font_size * 1.32

    def put(
        self, x: float, y: float, width: float, height: float, text: str, align: str = "L"
    ) -> None:
        """One line of text in a box, placed like `cell()` places it, at a fraction of the cost."""
        if not text:
            return
        left = x + self.c_margin
        if align == "R":
            left = x + width - self.c_margin - self.measure(text)
        self.text(left, y + 0.5 * height + 0.3 * self.font_size, text)

    def measure(self, text: str) -> float:
        """The width of `text` in the current font; remembered, as names and dates recur."""
        key = (self.font_style, self.font_size_pt, text)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = self.get_string_width(text)
        return width

    def wrap(self, text: str, width: float) -> list[str]:
        """`text` broken at spaces (inside a word only when it must) into lines that fit."""
        room = width - 2 * self.c_margin
        lines: list[str] = []
        for paragraph in text.split("\n"):
            if self.measure(paragraph) <= room:
                lines.append(paragraph)
                continue
            space = self.measure(" ")
            current, used = "", 0.0
            for word in paragraph.split(" "):
                size = self.measure(word)
                if current and used + space + size <= room:
                    current, used = f"{current} {word}", used + space + size
                    continue
                if current:
                    lines.append(current)
                while size > room and len(word) > 1:
                    cut = self._fitting_prefix(word, room)
                    lines.append(word[:cut])
                    word = word[cut:]
                    size = self.measure(word)
                current, used = word, size
            lines.append(current)
        return lines

    def _fitting_prefix(self, word: str, room: float) -> int:
        """How many leading characters of `word` fit `room` (at least one)."""
        low, high = 1, len(word) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self.get_string_width(word[:middle]) <= room:
                low = middle
            else:
                high = middle - 1
        return low

    def paragraph(
        self,
        text: str,
        *,
        size: float = 8.5,
        bold: bool = False,
        color: Colour = INK,
        width: float | None = None,
        x: float = MARGIN,
        after: float = 0.0,
    ) -> None:
        """Wrapped text that stays on one page, moving to the next if need be."""
        self.style(size, bold=bold, color=color)
        lines = self.wrap(text, width or self.epw)
        height = self.line_height()
        self.ensure(height * len(lines) + after)
        for line in lines:
            self.put(x, self.get_y(), width or self.epw, height, line)
            self.set_y(self.get_y() + height)
        self.set_y(self.get_y() + after)

    def line_across(self, y: float, color: Colour = RULE, width: float = 0.2) -> None:
        self.rule(MARGIN, PAGE_WIDTH - MARGIN, y, color, width)

    def rule(self, x1: float, x2: float, y: float, color: Colour, width: float = 0.2) -> None:
        self.set_draw_color(*color)
        self.set_line_width(width)
        self.line(x1, y, x2, y)

    def space(self, height: float) -> None:
        self.set_y(self.get_y() + height)
