"""Read side: lists and batched lookups for the API. Each call is its own short transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from application.ports import (
    CustomerFilter,
    OrderFilter,
    Page,
    PageRequest,
    SourceFilter,
    UnitOfWorkFactory,
)
from domain.bookings import HourBooking, Supply
from domain.customers import Customer
from domain.orders import Order
from domain.rates import RateRule
from domain.settings import InvoicingSettings
from domain.vat import VatCode
from domain.work import Employee, Project, Task


class Queries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    async def customers(self, where: CustomerFilter, request: PageRequest) -> Page[Customer]:
        async with self.uow() as uow:
            return await uow.customers.page(where, request)

    async def bookings(self, where: SourceFilter, request: PageRequest) -> Page[HourBooking]:
        async with self.uow() as uow:
            return await uow.bookings.page(where, request)

    async def supplies(self, where: SourceFilter, request: PageRequest) -> Page[Supply]:
        async with self.uow() as uow:
            return await uow.supplies.page(where, request)

    async def orders(self, where: OrderFilter, request: PageRequest) -> Page[Order]:
        async with self.uow() as uow:
            return await uow.orders.page(where, request)

    async def rate_rules(self, request: PageRequest) -> Page[RateRule]:
        async with self.uow() as uow:
            return await uow.rate_rules.page(request)

    async def customers_by_id(self, ids: Sequence[uuid.UUID]) -> list[Customer]:
        async with self.uow() as uow:
            return await uow.customers.get_many(ids)

    async def bookings_by_id(self, ids: Sequence[uuid.UUID]) -> list[HourBooking]:
        async with self.uow() as uow:
            return await uow.bookings.get_many(ids)

    async def supplies_by_id(self, ids: Sequence[uuid.UUID]) -> list[Supply]:
        async with self.uow() as uow:
            return await uow.supplies.get_many(ids)

    async def orders_by_id(self, ids: Sequence[uuid.UUID]) -> list[Order]:
        async with self.uow() as uow:
            return await uow.orders.get_many(ids)

    async def booking_lines(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        async with self.uow() as uow:
            return await uow.bookings.billed_on(ids)

    async def supply_lines(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        async with self.uow() as uow:
            return await uow.supplies.billed_on(ids)

    async def employees(self, ids: Sequence[uuid.UUID] | None = None) -> list[Employee]:
        async with self.uow() as uow:
            return await uow.work.employees(ids)

    async def projects(self, ids: Sequence[uuid.UUID] | None = None) -> list[Project]:
        async with self.uow() as uow:
            return await uow.work.projects(ids)

    async def tasks(self, ids: Sequence[uuid.UUID] | None = None) -> list[Task]:
        async with self.uow() as uow:
            return await uow.work.tasks(ids)

    async def rate_rules_by_id(self, ids: Sequence[uuid.UUID]) -> list[RateRule]:
        wanted = set(ids)
        async with self.uow() as uow:
            return [r for r in await uow.rate_rules.all() if r.id in wanted]

    async def vat_codes(self) -> list[VatCode]:
        async with self.uow() as uow:
            return await uow.vat_codes.all()

    async def invoicing_settings(self) -> InvoicingSettings:
        async with self.uow() as uow:
            settings = await uow.settings.invoicing()
            await uow.commit()
            return settings
