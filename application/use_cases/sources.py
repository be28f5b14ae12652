"""Record, change and delete hour bookings and supplies.

A booking or supply that sits on an order line is locked: changing or deleting
it gets a LOCKED error until its line or order is deleted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from application.idempotency import Claim, Creation
from application.ports import UnitOfWork
from application.use_cases._base import (
    CreatingUseCase,
    UseCase,
    apply_patch,
    changes,
    patched,
    require,
)
from domain.bookings import HourBooking, Supply
from domain.errors import ErrorCode, HourbillError, Problems
from domain.idempotency import IdempotencyKey


@dataclass(frozen=True)
class RecordBookingRequest:
    employee_id: uuid.UUID
    customer_id: uuid.UUID
    date: dt.date
    hours: Decimal
    description: str = ""
    project_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    billable: bool = True
    rate: Decimal | None = None


@dataclass(frozen=True)
class UpdateBookingRequest:
    id: uuid.UUID
    employee_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    date: dt.date | None = None
    hours: Decimal | None = None
    description: str | None = None
    project_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    billable: bool | None = None
    rate: Decimal | None = None
    clear: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RecordSupplyRequest:
    customer_id: uuid.UUID
    date: dt.date
    item_code: str
    quantity: Decimal
    unit_price: Decimal
    vat_code: str
    description: str = ""
    unit: str = "pc"
    project_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None


@dataclass(frozen=True)
class UpdateSupplyRequest:
    id: uuid.UUID
    customer_id: uuid.UUID | None = None
    date: dt.date | None = None
    item_code: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    vat_code: str | None = None
    description: str | None = None
    unit: str | None = None
    project_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    clear: frozenset[str] = frozenset()


CLEARABLE = frozenset({"project_id", "task_id", "rate"})


async def check_references(
    uow: UnitOfWork,
    customer_id: uuid.UUID,
    project_id: uuid.UUID | None,
    task_id: uuid.UUID | None,
    employee_id: uuid.UUID | None = None,
    vat_code: str | None = None,
) -> None:
    """Every id a booking or supply names must exist and fit together."""
    problems = Problems()
    if await uow.customers.get(customer_id) is None:
        problems.add(ErrorCode.NOT_FOUND, f"customer {customer_id} does not exist", "customerId")
    if employee_id is not None and await uow.work.employee(employee_id) is None:
        problems.add(ErrorCode.NOT_FOUND, f"employee {employee_id} does not exist", "employeeId")
    if project_id is not None:
        project = await uow.work.project(project_id)
        if project is None:
            problems.add(ErrorCode.NOT_FOUND, f"project {project_id} does not exist", "projectId")
        elif project.customer_id != customer_id:
            problems.add(
                ErrorCode.CUSTOMER_MISMATCH,
                f"project {project.code} belongs to another customer",
                "projectId",
            )
    if task_id is not None:
        task = await uow.work.task(task_id)
        if task is None:
            problems.add(ErrorCode.NOT_FOUND, f"task {task_id} does not exist", "taskId")
        elif task.project_id != project_id:
            problems.add(ErrorCode.INVALID, "the task belongs to another project", "taskId")
    if vat_code is not None and await uow.vat_codes.get(vat_code) is None:
        problems.add(ErrorCode.NOT_FOUND, f"VAT code {vat_code!r} is not known", "vatCode")
    problems.raise_if_any()


def _locked(kind: str, ident: uuid.UUID) -> HourbillError:
    return HourbillError.single(
        ErrorCode.LOCKED,
        f"{kind} {ident} is on an order; delete its order line or order first",
        "id",
    )


def _check_clear(clear: frozenset[str]) -> None:
    unknown = clear - CLEARABLE
    if unknown:
        raise HourbillError.single(
            ErrorCode.INVALID, f"cannot clear {', '.join(sorted(unknown))}", "clear"
        )


async def _booking(uow: UnitOfWork, ids: tuple[uuid.UUID, ...]) -> HourBooking | None:
    return await uow.bookings.get(ids[0])


async def _supply(uow: UnitOfWork, ids: tuple[uuid.UUID, ...]) -> Supply | None:
    return await uow.supplies.get(ids[0])


RECORD_BOOKING = Creation("recordBooking", _booking)
RECORD_SUPPLY = Creation("recordSupply", _supply)


class RecordBooking(CreatingUseCase):
    async def execute(
        self, request: RecordBookingRequest, key: IdempotencyKey | None = None
    ) -> HourBooking:
        return await self.idempotency.once(
            RECORD_BOOKING, key, request, lambda claim: self._record(request, claim)
        )

    async def _record(self, request: RecordBookingRequest, claim: Claim) -> HourBooking:
        booking = HourBooking(**vars(request))
        async with self.uow() as uow:
            await check_references(
                uow, booking.customer_id, booking.project_id, booking.task_id, booking.employee_id
            )
            await claim(uow, [booking.id])
            await uow.bookings.add(booking)
            await uow.commit()
        return booking


class UpdateBooking(UseCase):
    async def execute(self, request: UpdateBookingRequest) -> HourBooking:
        _check_clear(request.clear)
        async with self.uow() as uow:
            booking = await require(uow.bookings.get(request.id), "booking", request.id, "id")
            if await uow.bookings.billed_on([booking.id]):
                raise _locked("booking", booking.id)
            patch = changes(request, skip=("id", "clear"))
            candidate = patched(booking, patch, request.clear)
            await check_references(
                uow,
                candidate.customer_id,
                candidate.project_id,
                candidate.task_id,
                candidate.employee_id,
            )
            apply_patch(booking, patch, request.clear)
            await uow.commit()
        return booking


class DeleteBooking(UseCase):
    async def execute(self, booking_id: uuid.UUID) -> uuid.UUID:
        async with self.uow() as uow:
            booking = await require(uow.bookings.get(booking_id), "booking", booking_id, "id")
            if await uow.bookings.billed_on([booking_id]):
                raise _locked("booking", booking_id)
            await uow.bookings.delete(booking)
            await uow.commit()
        return booking_id


class RecordSupply(CreatingUseCase):
    async def execute(
        self, request: RecordSupplyRequest, key: IdempotencyKey | None = None
    ) -> Supply:
        return await self.idempotency.once(
            RECORD_SUPPLY, key, request, lambda claim: self._record(request, claim)
        )

    async def _record(self, request: RecordSupplyRequest, claim: Claim) -> Supply:
        supply = Supply(**vars(request))
        async with self.uow() as uow:
            await check_references(
                uow, supply.customer_id, supply.project_id, supply.task_id, vat_code=supply.vat_code
            )
            await claim(uow, [supply.id])
            await uow.supplies.add(supply)
            await uow.commit()
        return supply


class UpdateSupply(UseCase):
    async def execute(self, request: UpdateSupplyRequest) -> Supply:
        _check_clear(request.clear)
        async with self.uow() as uow:
            supply = await require(uow.supplies.get(request.id), "supply", request.id, "id")
            if await uow.supplies.billed_on([supply.id]):
                raise _locked("supply", supply.id)
            patch = changes(request, skip=("id", "clear"))
            candidate = patched(supply, patch, request.clear)
            await check_references(
                uow,
                candidate.customer_id,
                candidate.project_id,
                candidate.task_id,
                vat_code=candidate.vat_code,
            )
            apply_patch(supply, patch, request.clear)
            await uow.commit()
        return supply


class DeleteSupply(UseCase):
    async def execute(self, supply_id: uuid.UUID) -> uuid.UUID:
        async with self.uow() as uow:
            supply = await require(uow.supplies.get(supply_id), "supply", supply_id, "id")
            if await uow.supplies.billed_on([supply_id]):
                raise _locked("supply", supply_id)
            await uow.supplies.delete(supply)
            await uow.commit()
        return supply_id
