"""Record, change and delete hour bookings and supplies; billed ones are LOCKED."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from application.use_cases.sources import (
    RecordBookingRequest,
    RecordSupplyRequest,
    UpdateBookingRequest,
    UpdateSupplyRequest,
)
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import attempt
from interfaces.graphql.idempotency import idempotency_key, idempotency_key_field
from interfaces.graphql.mutations.payload import CLEAR, DeletePayload, Payload, snake_case
from interfaces.graphql.reader import InputReader, read_id
from interfaces.graphql.types.sources import Booking, Supply


@strawberry.input
class RecordBookingInput:
    employee_id: strawberry.ID
    customer_id: strawberry.ID
    date: dt.date
    hours: Decimal = strawberry.field(description="More than 0, at most 24, 2 decimals.")
    description: str = ""
    project_id: strawberry.ID | None = None
    task_id: strawberry.ID | None = None
    billable: bool = True
    rate: Decimal | None = strawberry.field(
        default=None, description="An explicit hourly rate, overriding the rate rules."
    )
    idempotency_key: str | None = idempotency_key_field()

    def to_request(self) -> RecordBookingRequest:
        read = InputReader()
        request = RecordBookingRequest(
            employee_id=read.id(self.employee_id, "Employee", "employeeId"),
            customer_id=read.id(self.customer_id, "Customer", "customerId"),
            date=self.date,
            hours=read.decimal(self.hours, "hours"),
            description=self.description,
            project_id=read.optional_id(self.project_id, "Project", "projectId"),
            task_id=read.optional_id(self.task_id, "Task", "taskId"),
            billable=self.billable,
            rate=read.optional_decimal(self.rate, "rate"),
        )
        read.check()
        return request


@strawberry.input(description="Fields left out or null stay as they are.")
class UpdateBookingInput:
    id: strawberry.ID
    employee_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None
    date: dt.date | None = None
    hours: Decimal | None = None
    description: str | None = None
    project_id: strawberry.ID | None = None
    task_id: strawberry.ID | None = None
    billable: bool | None = None
    rate: Decimal | None = None
    clear: list[str] | None = CLEAR

    def to_request(self) -> UpdateBookingRequest:
        read = InputReader()
        request = UpdateBookingRequest(
            id=read.id(self.id, "Booking", "id"),
            employee_id=read.optional_id(self.employee_id, "Employee", "employeeId"),
            customer_id=read.optional_id(self.customer_id, "Customer", "customerId"),
            date=self.date,
            hours=read.optional_decimal(self.hours, "hours"),
            description=self.description,
            project_id=read.optional_id(self.project_id, "Project", "projectId"),
            task_id=read.optional_id(self.task_id, "Task", "taskId"),
            billable=self.billable,
            rate=read.optional_decimal(self.rate, "rate"),
            clear=snake_case(self.clear),
        )
        read.check()
        return request


@strawberry.input
class RecordSupplyInput:
    customer_id: strawberry.ID
    date: dt.date
    item_code: str
    quantity: Decimal
    unit_price: Decimal
    vat_code: str
    description: str = ""
    unit: str = "pc"
    project_id: strawberry.ID | None = None
    task_id: strawberry.ID | None = None
    idempotency_key: str | None = idempotency_key_field()

    def to_request(self) -> RecordSupplyRequest:
        read = InputReader()
        request = RecordSupplyRequest(
            customer_id=read.id(self.customer_id, "Customer", "customerId"),
            date=self.date,
            item_code=self.item_code,
            quantity=read.decimal(self.quantity, "quantity"),
            unit_price=read.decimal(self.unit_price, "unitPrice"),
            vat_code=self.vat_code,
            description=self.description,
            unit=self.unit,
            project_id=read.optional_id(self.project_id, "Project", "projectId"),
            task_id=read.optional_id(self.task_id, "Task", "taskId"),
        )
        read.check()
        return request


@strawberry.input(description="Fields left out or null stay as they are.")
class UpdateSupplyInput:
    id: strawberry.ID
    customer_id: strawberry.ID | None = None
    date: dt.date | None = None
    item_code: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    vat_code: str | None = None
    description: str | None = None
    unit: str | None = None
    project_id: strawberry.ID | None = None
    task_id: strawberry.ID | None = None
    clear: list[str] | None = CLEAR

    def to_request(self) -> UpdateSupplyRequest:
        read = InputReader()
        request = UpdateSupplyRequest(
            id=read.id(self.id, "Supply", "id"),
            customer_id=read.optional_id(self.customer_id, "Customer", "customerId"),
            date=self.date,
            item_code=self.item_code,
            quantity=read.optional_decimal(self.quantity, "quantity"),
            unit_price=read.optional_decimal(self.unit_price, "unitPrice"),
            vat_code=self.vat_code,
            description=self.description,
            unit=self.unit,
            project_id=read.optional_id(self.project_id, "Project", "projectId"),
            task_id=read.optional_id(self.task_id, "Task", "taskId"),
            clear=snake_case(self.clear),
        )
        read.check()
        return request


@strawberry.input
class DeleteBookingInput:
    id: strawberry.ID


@strawberry.input
class DeleteSupplyInput:
    id: strawberry.ID


@strawberry.type
class RecordBookingPayload(Payload):
    booking: Booking | None = None


@strawberry.type
class UpdateBookingPayload(Payload):
    booking: Booking | None = None


@strawberry.type
class DeleteBookingPayload(DeletePayload):
    pass


@strawberry.type
class RecordSupplyPayload(Payload):
    supply: Supply | None = None


@strawberry.type
class UpdateSupplyPayload(Payload):
    supply: Supply | None = None


@strawberry.type
class DeleteSupplyPayload(DeletePayload):
    pass


@strawberry.type
class SourceMutations:
    @strawberry.mutation
    async def record_booking(self, info: Info, input: RecordBookingInput) -> RecordBookingPayload:
        return await attempt(
            input,
            RecordBookingPayload,
            lambda: hourbill(info).record_booking.execute(
                input.to_request(), idempotency_key(info, input.idempotency_key)
            ),
            lambda booking: RecordBookingPayload(booking=Booking.from_domain(booking)),
        )

    @strawberry.mutation(description="Change an unbilled booking (a billed one is LOCKED).")
    async def update_booking(self, info: Info, input: UpdateBookingInput) -> UpdateBookingPayload:
        return await attempt(
            input,
            UpdateBookingPayload,
            lambda: hourbill(info).update_booking.execute(input.to_request()),
            lambda booking: UpdateBookingPayload(booking=Booking.from_domain(booking)),
        )

    @strawberry.mutation(description="Delete an unbilled booking (a billed one is LOCKED).")
    async def delete_booking(self, info: Info, input: DeleteBookingInput) -> DeleteBookingPayload:
        return await attempt(
            input,
            DeleteBookingPayload,
            lambda: hourbill(info).delete_booking.execute(read_id(input.id, "Booking", "id")),
            lambda _: DeleteBookingPayload(deleted_id=input.id),
        )

    @strawberry.mutation
    async def record_supply(self, info: Info, input: RecordSupplyInput) -> RecordSupplyPayload:
        return await attempt(
            input,
            RecordSupplyPayload,
            lambda: hourbill(info).record_supply.execute(
                input.to_request(), idempotency_key(info, input.idempotency_key)
            ),
            lambda supply: RecordSupplyPayload(supply=Supply.from_domain(supply)),
        )

    @strawberry.mutation(description="Change an unbilled supply (a billed one is LOCKED).")
    async def update_supply(self, info: Info, input: UpdateSupplyInput) -> UpdateSupplyPayload:
        return await attempt(
            input,
            UpdateSupplyPayload,
            lambda: hourbill(info).update_supply.execute(input.to_request()),
            lambda supply: UpdateSupplyPayload(supply=Supply.from_domain(supply)),
        )

    @strawberry.mutation(description="Delete an unbilled supply (a billed one is LOCKED).")
    async def delete_supply(self, info: Info, input: DeleteSupplyInput) -> DeleteSupplyPayload:
        return await attempt(
            input,
            DeleteSupplyPayload,
            lambda: hourbill(info).delete_supply.execute(read_id(input.id, "Supply", "id")),
            lambda _: DeleteSupplyPayload(deleted_id=input.id),
        )
