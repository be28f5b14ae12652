"""Printing: concept invoices and specification reports as PDF, one order or many at once.

The use case reads everything a document needs in one short transaction,
builds the document values (domain/documents.py) and hands them to the
`DocumentRenderer` port. Rendering is CPU work, so it runs in a thread and
never blocks the server's event loop.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from application.ports import UnitOfWork, UnitOfWorkFactory
from application.use_cases._base import distinct_ids
from domain.customers import Customer, Language
from domain.documents import (
    MAX_BATCH,
    Document,
    DocumentHeader,
    InvoiceNumbers,
    OrderSources,
    document_header,
    invoice_document,
    specification_report,
)
from domain.errors import ErrorCode, HourbillError, not_found
from domain.invoices import Invoice, InvoiceState
from domain.orders import Order
from domain.settings import InvoicingSettings

PDF = "application/pdf"


class DocumentRenderer(Protocol):
    """Lays documents out as one PDF; each document starts on a new page."""

    def render(self, documents: Sequence[Document]) -> bytes: ...


@dataclass(frozen=True)
class RenderedPdf:
    file_name: str
    content: bytes
    order_numbers: tuple[int, ...] = ()
    """The orders in the file, in print order."""
    media_type: str = PDF


@dataclass(frozen=True)
class _Loaded:
    orders: list[Order]
    customers: dict[uuid.UUID, Customer]
    settings: InvoicingSettings
    invoices: dict[uuid.UUID, Invoice]


def _numbers(invoice: Invoice | None) -> InvoiceNumbers | None:
    if invoice is None or invoice.state is InvoiceState.DELETED:
        return None
    return InvoiceNumbers(
        reference=invoice.reference,
        exact_order_number=invoice.exact_order_number,
        invoice_number=invoice.exact_invoice_number,
    )


class PrintDocuments:
    """Concept invoices, specifications and the invoice PDF that goes to Exact."""

    def __init__(self, uow: UnitOfWorkFactory, renderer: DocumentRenderer) -> None:
        self.uow = uow
        self.renderer = renderer

    # -- orders -------------------------------------------------------------------------

    async def check(self, order_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        """What printing these orders would refuse (none, twice, too many, unknown), unprinted."""
        ids = _checked(order_ids)
        async with self.uow() as uow:
            found = {o.id for o in await uow.orders.get_many(ids)}
        _require_all(ids, found)
        return ids

    async def concept_invoices(
        self, order_ids: Sequence[uuid.UUID], language: Language | None = None
    ) -> RenderedPdf:
        """One concept invoice per order, in the order given, in one PDF."""
        ids = _checked(order_ids)
        async with self.uow() as uow:
            loaded = await _load(uow, ids)
        documents: list[Document] = [
            invoice_document(self._header(loaded, order, language), order, loaded.settings)
            for order in loaded.orders
        ]
        return await self._render(documents, loaded.orders, "concept-invoice")

    async def specifications(
        self, order_ids: Sequence[uuid.UUID], language: Language | None = None
    ) -> RenderedPdf:
        """The specification report of each order, in the order given, in one PDF."""
        ids = _checked(order_ids)
        async with self.uow() as uow:
            loaded = await _load(uow, ids)
            sources = await _sources(uow, loaded.orders)
        documents: list[Document] = [
            specification_report(self._header(loaded, order, language), order, sources)
            for order in loaded.orders
        ]
        return await self._render(documents, loaded.orders, "specification")

    # -- invoices -----------------------------------------------------------------------

    async def invoice_specification(
        self, invoice_id: uuid.UUID, language: Language | None = None
    ) -> RenderedPdf:
        """The specification of an invoice's order, headed with the invoice's numbers."""
        order_id = await self._order_of(invoice_id)
        return await self.specifications([order_id], language)

    async def invoice_pdf(self, invoice_id: uuid.UUID) -> RenderedPdf:
        """The invoice (no concept mark) followed by its specification: what Exact gets."""
        order_id = await self._order_of(invoice_id)
        async with self.uow() as uow:
            loaded = await _load(uow, [order_id], field="invoiceId")
            sources = await _sources(uow, loaded.orders)
        order = loaded.orders[0]
        header = self._header(loaded, order, None)
        documents: list[Document] = [
            invoice_document(header, order, loaded.settings, concept=False),
            specification_report(header, order, sources),
        ]
        return await self._render(documents, loaded.orders, "invoice")

    async def _order_of(self, invoice_id: uuid.UUID) -> uuid.UUID:
        async with self.uow() as uow:
            invoice = await uow.invoices.get(invoice_id)
        if invoice is None:
            raise not_found("invoice", invoice_id, "invoiceId")
        if invoice.order_id is None:
            raise HourbillError.single(
                ErrorCode.INVALID_STATE,
                f"invoice {invoice.reference} was deleted and its order released: "
                "there is nothing left to specify",
                "invoiceId",
            )
        return invoice.order_id

    # -- shared -------------------------------------------------------------------------

    @staticmethod
    def _header(loaded: _Loaded, order: Order, language: Language | None) -> DocumentHeader:
        return document_header(
            order,
            loaded.customers[order.customer_id],
            loaded.settings,
            _numbers(loaded.invoices.get(order.id)),
            language,
        )

    async def _render(
        self, documents: list[Document], orders: list[Order], kind: str
    ) -> RenderedPdf:
        content = await asyncio.to_thread(self.renderer.render, documents)
        numbers = tuple(o.number or 0 for o in orders)
        name = f"{kind}-{numbers[0]}.pdf" if len(numbers) == 1 else f"{kind}s-{len(numbers)}.pdf"
        return RenderedPdf(name, content, numbers)


def _checked(order_ids: Sequence[uuid.UUID], field: str = "orderIds") -> list[uuid.UUID]:
    ids = distinct_ids(order_ids, field)
    if len(ids) > MAX_BATCH:
        raise HourbillError.single(
            ErrorCode.OUT_OF_RANGE, f"print at most {MAX_BATCH} orders at once", field
        )
    return ids


async def _load(uow: UnitOfWork, ids: list[uuid.UUID], field: str = "orderIds") -> _Loaded:
    found = {o.id: o for o in await uow.orders.get_many(ids)}
    _require_all(ids, found, field)
    orders = [found[i] for i in ids]
    customers = {
        c.id: c for c in await uow.customers.get_many(list({o.customer_id for o in orders}))
    }
    return _Loaded(
        orders=orders,
        customers=customers,
        settings=await uow.settings.invoicing(),
        invoices=await uow.invoices.by_orders(ids),
    )


def _require_all(
    ids: list[uuid.UUID], found: Collection[uuid.UUID], field: str = "orderIds"
) -> None:
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise HourbillError.single(ErrorCode.NOT_FOUND, f"no order {', '.join(missing)}", field)


async def _sources(uow: UnitOfWork, orders: list[Order]) -> OrderSources:
    booking_ids = [b for o in orders for line in o.lines for b in line.booking_ids]
    supply_ids = [s for o in orders for line in o.lines for s in line.supply_ids]
    bookings = {b.id: b for b in await uow.bookings.get_many(booking_ids)}
    supplies = {s.id: s for s in await uow.supplies.get_many(supply_ids)}
    project_ids = {p for b in bookings.values() if (p := b.project_id) is not None}
    project_ids |= {p for o in orders for line in o.lines if (p := line.project_id) is not None}
    task_ids = [t for b in bookings.values() if (t := b.task_id) is not None]
    employee_ids = list({b.employee_id for b in bookings.values()})
    return OrderSources(
        bookings=bookings,
        supplies=supplies,
        employees={e.id: e for e in await uow.work.employees(employee_ids)},
        projects={p.id: p for p in await uow.work.projects(list(project_ids))},
        tasks={t.id: t for t in await uow.work.tasks(list(set(task_ids)))},
    )
