"""createCustomer, updateCustomer, deleteCustomer."""

from __future__ import annotations

import strawberry

from application.use_cases.customers import CreateCustomerRequest, UpdateCustomerRequest
from domain.customers import Language as DomainLanguage
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import attempt
from interfaces.graphql.idempotency import idempotency_key, idempotency_key_field
from interfaces.graphql.mutations.payload import CLEAR, DeletePayload, Payload, snake_case
from interfaces.graphql.reader import read_id
from interfaces.graphql.types.customers import Customer
from interfaces.graphql.types.enums import Language


@strawberry.input
class CreateCustomerInput:
    code: str = strawberry.field(description="Unique; at most 18 letters, digits, '.', '_', '-'.")
    name: str
    vat_number: str | None = None
    email: str | None = None
    address_line: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str = "NL"
    language: Language = DomainLanguage.NL  # type: ignore[valid-type]
    vat_code: str | None = None
    chamber_of_commerce: str | None = None
    idempotency_key: str | None = idempotency_key_field()

    def to_request(self) -> CreateCustomerRequest:
        return CreateCustomerRequest(
            code=self.code,
            name=self.name,
            vat_number=self.vat_number,
            email=self.email,
            address_line=self.address_line,
            postcode=self.postcode,
            city=self.city,
            country=self.country,
            language=self.language,
            vat_code=self.vat_code,
            chamber_of_commerce=self.chamber_of_commerce,
        )


@strawberry.input(description="Fields left out or null stay as they are.")
class UpdateCustomerInput:
    id: strawberry.ID
    code: str | None = None
    name: str | None = None
    vat_number: str | None = None
    email: str | None = None
    address_line: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    language: Language | None = None  # type: ignore[valid-type]
    vat_code: str | None = None
    chamber_of_commerce: str | None = None
    clear: list[str] | None = CLEAR

    def to_request(self) -> UpdateCustomerRequest:
        return UpdateCustomerRequest(
            id=read_id(self.id, "Customer", "id"),
            code=self.code,
            name=self.name,
            vat_number=self.vat_number,
            email=self.email,
            address_line=self.address_line,
            postcode=self.postcode,
            city=self.city,
            country=self.country,
            language=self.language,
            vat_code=self.vat_code,
            chamber_of_commerce=self.chamber_of_commerce,
            clear=snake_case(self.clear),
        )


@strawberry.input
class DeleteCustomerInput:
    id: strawberry.ID


@strawberry.type
class CreateCustomerPayload(Payload):
    customer: Customer | None = None


@strawberry.type
class UpdateCustomerPayload(Payload):
    customer: Customer | None = None


@strawberry.type
class DeleteCustomerPayload(DeletePayload):
    pass


@strawberry.type
class CustomerMutations:
    @strawberry.mutation
    async def create_customer(
        self, info: Info, input: CreateCustomerInput
    ) -> CreateCustomerPayload:
        return await attempt(
            input,
            CreateCustomerPayload,
            lambda: hourbill(info).create_customer.execute(
                input.to_request(), idempotency_key(info, input.idempotency_key)
            ),
            lambda customer: CreateCustomerPayload(customer=Customer.from_domain(customer)),
        )

    @strawberry.mutation
    async def update_customer(
        self, info: Info, input: UpdateCustomerInput
    ) -> UpdateCustomerPayload:
        return await attempt(
            input,
            UpdateCustomerPayload,
            lambda: hourbill(info).update_customer.execute(input.to_request()),
            lambda customer: UpdateCustomerPayload(customer=Customer.from_domain(customer)),
        )

    @strawberry.mutation(description="Delete a customer nothing refers to (else IN_USE).")
    async def delete_customer(
        self, info: Info, input: DeleteCustomerInput
    ) -> DeleteCustomerPayload:
        return await attempt(
            input,
            DeleteCustomerPayload,
            lambda: hourbill(info).delete_customer.execute(read_id(input.id, "Customer", "id")),
            lambda _: DeleteCustomerPayload(deleted_id=input.id),
        )
