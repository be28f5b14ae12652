"""Manual orders, header and line edits, deleting and merging orders."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import strawberry

from application.use_cases.orders import (
    AddOrderLineRequest,
    CreateOrderRequest,
    UpdateOrderLineRequest,
    UpdateOrderRequest,
)
from domain.money import ZERO
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import attempt
from interfaces.graphql.idempotency import idempotency_key, idempotency_key_field
from interfaces.graphql.ids import global_id
from interfaces.graphql.mutations.payload import Payload
from interfaces.graphql.reader import InputReader, read_id
from interfaces.graphql.types.orders import Order


@strawberry.input
class CreateOrderInput:
    customer_id: strawberry.ID
    order_date: dt.date | None = strawberry.field(default=None, description="Today when null.")
    description: str = ""
    reference: str | None = None
    idempotency_key: str | None = idempotency_key_field()

    def to_request(self) -> CreateOrderRequest:
        return CreateOrderRequest(
            customer_id=read_id(self.customer_id, "Customer", "customerId"),
            order_date=self.order_date,
            description=self.description,
            reference=self.reference,
        )


@strawberry.input(description="Fields left out or null stay as they are.")
class UpdateOrderInput:
    id: strawberry.ID
    order_date: dt.date | None = None
    description: str | None = None
    reference: str | None = None

    def to_request(self) -> UpdateOrderRequest:
        return UpdateOrderRequest(
            id=read_id(self.id, "Order", "id"),
            order_date=self.order_date,
            description=self.description,
            reference=self.reference,
        )


@strawberry.input
class AddOrderLineInput:
    order_id: strawberry.ID
    description: str
    quantity: Decimal
    unit_price: Decimal
    unit: str = "pc"
    vat_code: str | None = strawberry.field(
        default=None, description="The default VAT code when null."
    )
    item_code: str | None = None
    discount_percent: Decimal = ZERO

    def to_request(self) -> AddOrderLineRequest:
        read = InputReader()
        request = AddOrderLineRequest(
            order_id=read.id(self.order_id, "Order", "orderId"),
            description=self.description,
            quantity=read.decimal(self.quantity, "quantity"),
            unit_price=read.decimal(self.unit_price, "unitPrice"),
            unit=self.unit,
            vat_code=self.vat_code,
            item_code=self.item_code,
            discount_percent=read.decimal(self.discount_percent, "discountPercent"),
        )
        read.check()
        return request


@strawberry.input(description="Fields left out or null stay as they are; provenance is kept.")
class UpdateOrderLineInput:
    order_id: strawberry.ID
    line_id: strawberry.ID
    description: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    unit: str | None = None
    vat_code: str | None = None
    item_code: str | None = None
    discount_percent: Decimal | None = None

    def to_request(self) -> UpdateOrderLineRequest:
        read = InputReader()
        request = UpdateOrderLineRequest(
            order_id=read.id(self.order_id, "Order", "orderId"),
            line_id=read.id(self.line_id, "OrderLine", "lineId"),
            description=self.description,
            quantity=read.optional_decimal(self.quantity, "quantity"),
            unit_price=read.optional_decimal(self.unit_price, "unitPrice"),
            unit=self.unit,
            vat_code=self.vat_code,
            item_code=self.item_code,
            discount_percent=read.optional_decimal(self.discount_percent, "discountPercent"),
        )
        read.check()
        return request


@strawberry.input
class DeleteOrderLineInput:
    order_id: strawberry.ID
    line_id: strawberry.ID

    def to_ids(self) -> tuple[uuid.UUID, uuid.UUID]:
        read = InputReader()
        ids = (
            read.id(self.order_id, "Order", "orderId"),
            read.id(self.line_id, "OrderLine", "lineId"),
        )
        read.check()
        return ids


@strawberry.input(description="All or nothing: one unknown or locked order and none is deleted.")
class DeleteOrdersInput:
    order_ids: list[strawberry.ID]

    def to_ids(self) -> list[uuid.UUID]:
        return _order_ids(self.order_ids)


@strawberry.input
class MergeOrdersInput:
    order_ids: list[strawberry.ID] = strawberry.field(
        description="At least two orders of one customer; the first one receives the lines."
    )

    def to_ids(self) -> list[uuid.UUID]:
        return _order_ids(self.order_ids)


def _order_ids(values: list[strawberry.ID]) -> list[uuid.UUID]:
    read = InputReader()
    ids = read.ids(values, "Order", "orderIds")
    read.check()
    return ids


@strawberry.type
class CreateOrderPayload(Payload):
    order: Order | None = None


@strawberry.type
class UpdateOrderPayload(Payload):
    order: Order | None = None


@strawberry.type
class AddOrderLinePayload(Payload):
    order: Order | None = None


@strawberry.type
class UpdateOrderLinePayload(Payload):
    order: Order | None = None


@strawberry.type
class DeleteOrderLinePayload(Payload):
    order: Order | None = None


@strawberry.type
class DeleteOrdersPayload(Payload):
    deleted_order_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.type
class MergeOrdersPayload(Payload):
    order: Order | None = strawberry.field(default=None, description="The merged order.")


@strawberry.type
class OrderMutations:
    @strawberry.mutation(description="A new, empty order (not based on bookings).")
    async def create_order(self, info: Info, input: CreateOrderInput) -> CreateOrderPayload:
        return await attempt(
            input,
            CreateOrderPayload,
            lambda: hourbill(info).create_order.execute(
                input.to_request(), idempotency_key(info, input.idempotency_key)
            ),
            lambda order: CreateOrderPayload(order=Order.from_domain(order)),
        )

    @strawberry.mutation
    async def update_order(self, info: Info, input: UpdateOrderInput) -> UpdateOrderPayload:
        return await attempt(
            input,
            UpdateOrderPayload,
            lambda: hourbill(info).update_order.execute(input.to_request()),
            lambda order: UpdateOrderPayload(order=Order.from_domain(order)),
        )

    @strawberry.mutation
    async def add_order_line(self, info: Info, input: AddOrderLineInput) -> AddOrderLinePayload:
        return await attempt(
            input,
            AddOrderLinePayload,
            lambda: hourbill(info).add_order_line.execute(input.to_request()),
            lambda order: AddOrderLinePayload(order=Order.from_domain(order)),
        )

    @strawberry.mutation
    async def update_order_line(
        self, info: Info, input: UpdateOrderLineInput
    ) -> UpdateOrderLinePayload:
        return await attempt(
            input,
            UpdateOrderLinePayload,
            lambda: hourbill(info).update_order_line.execute(input.to_request()),
            lambda order: UpdateOrderLinePayload(order=Order.from_domain(order)),
        )

    @strawberry.mutation(description="Remove a line; its bookings and supplies become unbilled.")
    async def delete_order_line(
        self, info: Info, input: DeleteOrderLineInput
    ) -> DeleteOrderLinePayload:
        return await attempt(
            input,
            DeleteOrderLinePayload,
            lambda: hourbill(info).delete_order_line.execute(*input.to_ids()),
            lambda order: DeleteOrderLinePayload(order=Order.from_domain(order)),
        )

    @strawberry.mutation(description="Delete draft orders; what they billed becomes unbilled.")
    async def delete_orders(self, info: Info, input: DeleteOrdersInput) -> DeleteOrdersPayload:
        return await attempt(
            input,
            DeleteOrdersPayload,
            lambda: hourbill(info).delete_orders.execute(input.to_ids()),
            lambda ids: DeleteOrdersPayload(
                deleted_order_ids=[strawberry.ID(global_id("Order", i)) for i in ids]
            ),
        )

    @strawberry.mutation(description="Merge orders of one customer into the first one given.")
    async def merge_orders(self, info: Info, input: MergeOrdersInput) -> MergeOrdersPayload:
        return await attempt(
            input,
            MergeOrdersPayload,
            lambda: hourbill(info).merge_orders.execute(input.to_ids()),
            lambda order: MergeOrdersPayload(order=Order.from_domain(order)),
        )
