"""Create, change and delete customers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from application.idempotency import Claim, Creation
from application.ports import UnitOfWork
from application.use_cases._base import CreatingUseCase, UseCase, apply_patch, changes, require
from domain.customers import Customer, Language
from domain.errors import ErrorCode, HourbillError
from domain.idempotency import IdempotencyKey


@dataclass(frozen=True)
class CreateCustomerRequest:
    code: str
    name: str
    vat_number: str | None = None
    email: str | None = None
    address_line: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str = "NL"
    language: Language = Language.NL
    vat_code: str | None = None
    chamber_of_commerce: str | None = None


@dataclass(frozen=True)
class UpdateCustomerRequest:
    """A patch: fields left None stay as they are; `clear` names fields to empty."""

    id: uuid.UUID
    code: str | None = None
    name: str | None = None
    vat_number: str | None = None
    email: str | None = None
    address_line: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    language: Language | None = None
    vat_code: str | None = None
    chamber_of_commerce: str | None = None
    clear: frozenset[str] = frozenset()


CLEARABLE = frozenset(
    {"vat_number", "email", "address_line", "postcode", "city", "vat_code", "chamber_of_commerce"}
)


def _duplicate_code(code: str) -> HourbillError:
    return HourbillError.single(
        ErrorCode.DUPLICATE, f"a customer with code {code!r} already exists", "code"
    )


async def _customer(uow: UnitOfWork, ids: tuple[uuid.UUID, ...]) -> Customer | None:
    return await uow.customers.get(ids[0])


CREATE_CUSTOMER = Creation("createCustomer", _customer)


class CreateCustomer(CreatingUseCase):
    async def execute(
        self, request: CreateCustomerRequest, key: IdempotencyKey | None = None
    ) -> Customer:
        return await self.idempotency.once(
            CREATE_CUSTOMER, key, request, lambda claim: self._create(request, claim)
        )

    async def _create(self, request: CreateCustomerRequest, claim: Claim) -> Customer:
        customer = Customer(**vars(request))
        async with self.uow() as uow:
            if await uow.customers.by_code(customer.code) is not None:
                raise _duplicate_code(customer.code)
            if customer.vat_code is not None:
                await require(
                    uow.vat_codes.get(customer.vat_code), "VAT code", customer.vat_code, "vatCode"
                )
            await claim(uow, [customer.id])
            await uow.customers.add(customer)
            await uow.commit()
        return customer


class UpdateCustomer(UseCase):
    async def execute(self, request: UpdateCustomerRequest) -> Customer:
        unknown = request.clear - CLEARABLE
        if unknown:
            raise HourbillError.single(
                ErrorCode.INVALID, f"cannot clear {', '.join(sorted(unknown))}", "clear"
            )
        async with self.uow() as uow:
            customer = await require(uow.customers.get(request.id), "customer", request.id, "id")
            patch = changes(request, skip=("id", "clear"))
            code = patch.get("code")
            is_new_code = isinstance(code, str) and code != customer.code
            if is_new_code and await uow.customers.by_code(str(code)) is not None:
                raise _duplicate_code(str(code))
            vat_code = patch.get("vat_code")
            if isinstance(vat_code, str):
                await require(uow.vat_codes.get(vat_code), "VAT code", vat_code, "vatCode")
            apply_patch(customer, patch, request.clear)
            await uow.commit()
        return customer


class DeleteCustomer(UseCase):
    async def execute(self, customer_id: uuid.UUID) -> uuid.UUID:
        async with self.uow() as uow:
            customer = await require(uow.customers.get(customer_id), "customer", customer_id, "id")
            if await uow.customers.is_referenced(customer_id):
                raise HourbillError.single(
                    ErrorCode.IN_USE,
                    f"customer {customer.code} has projects, bookings, supplies or orders",
                    "id",
                )
            await uow.customers.delete(customer)
            await uow.commit()
        return customer_id
