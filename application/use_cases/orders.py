"""Manual orders, header edits, line edits, deleting and merging orders."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from application.idempotency import Claim, Creation, Idempotency
from application.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory
from application.use_cases._base import apply_patch, changes, distinct_ids, require
from domain.errors import ErrorCode, HourbillError, Problems
from domain.events import OrderEvent, OrderEventKind
from domain.idempotency import IdempotencyKey
from domain.orders import LineKind, Order, OrderLine
from domain.vat import VatCode


@dataclass(frozen=True)
class CreateOrderRequest:
    customer_id: uuid.UUID
    order_date: dt.date | None = None
    description: str = ""
    reference: str | None = None


@dataclass(frozen=True)
class UpdateOrderRequest:
    id: uuid.UUID
    order_date: dt.date | None = None
    description: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class AddOrderLineRequest:
    order_id: uuid.UUID
    description: str
    quantity: Decimal
    unit_price: Decimal
    unit: str = "pc"
    vat_code: str | None = None
    item_code: str | None = None
    discount_percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class UpdateOrderLineRequest:
    order_id: uuid.UUID
    line_id: uuid.UUID
    description: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    unit: str | None = None
    vat_code: str | None = None
    item_code: str | None = None
    discount_percent: Decimal | None = None


class OrderUseCase:
    def __init__(self, uow: UnitOfWorkFactory, events: EventPublisher) -> None:
        self.uow = uow
        self.events = events

    async def _event(
        self, kind: OrderEventKind, order: Order, merged: Sequence[uuid.UUID] = ()
    ) -> None:
        await self.events.publish(
            [OrderEvent(kind, order.id, order.customer_id, order.number, tuple(merged))]
        )


async def editable_order(uow: UnitOfWork, order_id: uuid.UUID, field: str = "id") -> Order:
    order = await require(uow.orders.get(order_id), "order", order_id, field)
    order.ensure_editable(field)
    return order


async def vat_code(uow: UnitOfWork, code: str | None) -> VatCode:
    wanted = code or (await uow.settings.invoicing()).default_vat_code
    return await require(uow.vat_codes.get(wanted), "VAT code", wanted, "vatCode")


async def _order(uow: UnitOfWork, ids: tuple[uuid.UUID, ...]) -> Order | None:
    return await uow.orders.get(ids[0])


CREATE_ORDER = Creation("createOrder", _order)


class CreateOrder(OrderUseCase):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        events: EventPublisher,
        clock: Clock,
        idempotency: Idempotency | None = None,
    ) -> None:
        super().__init__(uow, events)
        self.clock = clock
        self.idempotency = idempotency or Idempotency(uow, clock)

    async def execute(
        self, request: CreateOrderRequest, key: IdempotencyKey | None = None
    ) -> Order:
        return await self.idempotency.once(
            CREATE_ORDER, key, request, lambda claim: self._create(request, claim)
        )

    async def _create(self, request: CreateOrderRequest, claim: Claim) -> Order:
        order = Order(
            customer_id=request.customer_id,
            order_date=request.order_date or self.clock.today(),
            description=request.description,
            reference=request.reference,
        )
        async with self.uow() as uow:
            await require(
                uow.customers.get(request.customer_id),
                "customer",
                request.customer_id,
                "customerId",
            )
            await claim(uow, [order.id])
            (order.number,) = await uow.orders.next_numbers(1)
            await uow.orders.add(order)
            await uow.commit()
        await self._event(OrderEventKind.CREATED, order)
        return order


class UpdateOrder(OrderUseCase):
    async def execute(self, request: UpdateOrderRequest) -> Order:
        async with self.uow() as uow:
            order = await editable_order(uow, request.id)
            apply_patch(order, changes(request))
            await uow.commit()
        await self._event(OrderEventKind.CHANGED, order)
        return order


class AddOrderLine(OrderUseCase):
    async def execute(self, request: AddOrderLineRequest) -> Order:
        async with self.uow() as uow:
            order = await editable_order(uow, request.order_id, "orderId")
            vat = await vat_code(uow, request.vat_code)
            order.add_line(
                OrderLine(
                    description=request.description,
                    quantity=request.quantity,
                    unit_price=request.unit_price,
                    unit=request.unit,
                    vat_code=vat.code,
                    vat_rate=vat.percentage,
                    item_code=request.item_code,
                    discount_percent=request.discount_percent,
                    kind=LineKind.MANUAL,
                )
            )
            await uow.commit()
        await self._event(OrderEventKind.CHANGED, order)
        return order


class UpdateOrderLine(OrderUseCase):
    """Change a line. Its bookings and supplies stay on it (provenance is kept)."""

    async def execute(self, request: UpdateOrderLineRequest) -> Order:
        async with self.uow() as uow:
            order = await editable_order(uow, request.order_id, "orderId")
            line = order.line(request.line_id)
            patch = changes(request, skip=("order_id", "line_id"))
            if "vat_code" in patch:
                vat = await vat_code(uow, str(patch["vat_code"]))
                patch["vat_rate"] = vat.percentage
            apply_patch(line, patch)
            await uow.commit()
        await self._event(OrderEventKind.CHANGED, order)
        return order


class DeleteOrderLine(OrderUseCase):
    """Remove a line; the bookings and supplies on it become invoiceable again."""

    async def execute(self, order_id: uuid.UUID, line_id: uuid.UUID) -> Order:
        async with self.uow() as uow:
            order = await editable_order(uow, order_id, "orderId")
            order.remove_line(line_id)
            await uow.commit()
        await self._event(OrderEventKind.CHANGED, order)
        return order


class DeleteOrders(OrderUseCase):
    """Delete draft orders with their lines; all they billed becomes invoiceable again.

    All or nothing: one unknown or locked order and none is deleted.
    """

    async def execute(self, order_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        orders = await self._delete(distinct_ids(order_ids, "orderIds"))
        await self.events.publish(
            [OrderEvent(OrderEventKind.DELETED, o.id, o.customer_id, o.number) for o in orders]
        )
        return [o.id for o in orders]

    async def _delete(self, order_ids: list[uuid.UUID]) -> list[Order]:
        async with self.uow() as uow:
            orders = await _load_all(uow, order_ids)
            problems = Problems()
            for order in orders:
                if not order.editable:
                    problems.add(
                        ErrorCode.LOCKED, f"order {order.number} is no longer a draft", "orderIds"
                    )
            problems.raise_if_any()
            for order in orders:
                await uow.orders.delete(order)
            await uow.commit()
        return orders


class MergeOrders(OrderUseCase):
    """Merge orders of one customer into the first one given; the others disappear."""

    async def execute(self, order_ids: Sequence[uuid.UUID]) -> Order:
        ids = distinct_ids(order_ids, "orderIds")
        if len(ids) < 2:
            raise HourbillError.single(
                ErrorCode.INVALID, "merging needs at least two orders", "orderIds"
            )
        async with self.uow() as uow:
            target, *others = await _load_all(uow, ids)
            target.absorb(others)
            for order in others:
                await uow.orders.delete(order)
            await uow.commit()
        merged = [o.id for o in others]
        await self.events.publish(
            [OrderEvent(OrderEventKind.DELETED, o.id, o.customer_id, o.number) for o in others]
            + [
                OrderEvent(
                    OrderEventKind.MERGED,
                    target.id,
                    target.customer_id,
                    target.number,
                    tuple(merged),
                )
            ]
        )
        return target


async def _load_all(uow: UnitOfWork, ids: list[uuid.UUID]) -> list[Order]:
    found = {o.id: o for o in await uow.orders.get_many(ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise HourbillError.single(
            ErrorCode.NOT_FOUND, f"unknown orders: {', '.join(missing)}", "orderIds"
        )
    return [found[i] for i in ids]
