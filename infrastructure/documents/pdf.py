"""`DocumentRenderer` on fpdf2: concept invoices, invoices and specifications as one PDF.

Each document starts on a new page and numbers its own pages ("Pagina 2 van 5"),
so a batch of fifty invoices reads as fifty invoices. fpdf2 knows only one
total-pages alias for the whole file, so the footers are drawn last: once every
document is laid out, each page is visited again and gets its footer with the
page count of its own document. The output is deterministic: the creation date
is the latest document date, not the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from domain.customers import Language
from domain.documents import Document, InvoiceDocument
from domain.locale import text
from infrastructure.documents.blocks import footer
from infrastructure.documents.canvas import Canvas
from infrastructure.documents.invoice import draw_invoice, invoice_title
from infrastructure.documents.specification import draw_specification, specification_title

CREATOR = "Hourbill"
LANGUAGE_TAGS = {Language.NL: "nl-NL", Language.EN: "en-GB"}


@dataclass(frozen=True, slots=True)
class _Placed:
    document: Document
    first_page: int
    last_page: int


class FpdfRenderer:
    """Lays documents out on A4 with the vendored DejaVu Sans; see ADR 0017."""

    def render(self, documents: Sequence[Document]) -> bytes:
        if not documents:
            raise ValueError("nothing to render: give at least one document")
        canvas = Canvas()
        try:
            placed = [self._draw(canvas, document) for document in documents]
            _footers(canvas, placed)
            _metadata(canvas, documents)
            return bytes(canvas.output())
        finally:
            canvas.close()

    @staticmethod
    def _draw(canvas: Canvas, document: Document) -> _Placed:
        running_head = f"{_label(document)} · {document.header.customer.name}"
        if isinstance(document, InvoiceDocument):
            language = document.header.language
            mark = text(language, "concept_mark") if document.is_concept else None
            first = canvas.begin_document(running_head, watermark=mark)
            draw_invoice(canvas, document)
        else:
            first = canvas.begin_document(running_head)
            draw_specification(canvas, document)
        return _Placed(document, first, canvas.page)


def _footers(canvas: Canvas, placed: list[_Placed]) -> None:
    """Every page's footer, counting the pages of its own document."""
    last = canvas.page
    for item in placed:
        pages = item.last_page - item.first_page + 1
        for page in range(item.first_page, item.last_page + 1):
            canvas.revisit(page)
            footer(canvas, item.document.header, page - item.first_page + 1, pages)
    canvas.page = last


def _label(document: Document) -> str:
    """What a document is called in the running head and the PDF's title: "Factuur 1042"."""
    if isinstance(document, InvoiceDocument):
        return f"{invoice_title(document)} {document.header.order_number}"
    return specification_title(document)


def _metadata(canvas: Canvas, documents: Sequence[Document]) -> None:
    first = documents[0]
    titles = [_label(d) for d in documents]
    shown = ", ".join(titles[:3]) + (f" (+{len(titles) - 3})" if len(titles) > 3 else "")
    canvas.set_title(shown)
    if first.header.company.name:
        canvas.set_author(first.header.company.name)
    canvas.set_creator(CREATOR)
    canvas.set_lang(LANGUAGE_TAGS[first.header.language])
    latest = max(d.header.order_date for d in documents)
    canvas.set_creation_date(dt.datetime.combine(latest, dt.time(), tzinfo=dt.UTC))
