"""DataLoaders of the invoicing side, one set per operation (hung on `Loaders.invoicing`)."""

from __future__ import annotations

import uuid

from strawberry.dataloader import DataLoader

from application.invoicing import RunView
from application.service import Hourbill
from domain.invoices import Invoice, InvoiceHistoryEntry

Ids = list[uuid.UUID]


class InvoiceLoaders:
    def __init__(self, hourbill: Hourbill) -> None:
        queries = hourbill.invoice_queries

        async def invoices(ids: Ids) -> list[Invoice | None]:
            found = {i.id: i for i in await queries.by_ids(ids)}
            return [found.get(i) for i in ids]

        async def of_orders(order_ids: Ids) -> list[Invoice | None]:
            found = await queries.by_orders(order_ids)
            return [found.get(i) for i in order_ids]

        async def history(ids: Ids) -> list[list[InvoiceHistoryEntry]]:
            found = await queries.history(ids)
            return [found.get(i, []) for i in ids]

        async def pending(ids: Ids) -> list[bool]:
            found = await queries.pending(ids)
            return [i in found for i in ids]

        async def runs(ids: Ids) -> list[RunView | None]:
            found = await queries.runs(ids)
            return [found.get(i) for i in ids]

        self.invoice = DataLoader[uuid.UUID, Invoice | None](invoices)
        self.of_order = DataLoader[uuid.UUID, Invoice | None](of_orders)
        self.history = DataLoader[uuid.UUID, list[InvoiceHistoryEntry]](history)
        self.pending = DataLoader[uuid.UUID, bool](pending)
        self.run = DataLoader[uuid.UUID, RunView | None](runs)
