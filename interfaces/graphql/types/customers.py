"""The Customer type."""

from __future__ import annotations

import strawberry

from domain.customers import Customer as DomainCustomer
from interfaces.graphql.ids import global_id
from interfaces.graphql.relay import Node
from interfaces.graphql.types.enums import Language


@strawberry.type(description="Who is billed, and where the invoice goes.")
class Customer(Node):
    code: str
    name: str
    vat_number: str | None
    email: str | None
    address_line: str | None
    postcode: str | None
    city: str | None
    country: str
    language: Language  # type: ignore[valid-type]
    vat_code: str | None = strawberry.field(
        description="VAT code for this customer's hours; the default one when null."
    )
    chamber_of_commerce: str | None
    exact_account_id: strawberry.ID | None = strawberry.field(
        description="Exact's id of the linked account; null until linked or first invoiced."
    )

    @classmethod
    def from_domain(cls, customer: DomainCustomer) -> Customer:
        return cls(
            id=strawberry.ID(global_id("Customer", customer.id)),
            code=customer.code,
            name=customer.name,
            vat_number=customer.vat_number,
            email=customer.email,
            address_line=customer.address_line,
            postcode=customer.postcode,
            city=customer.city,
            country=customer.country,
            language=customer.language,
            vat_code=customer.vat_code,
            chamber_of_commerce=customer.chamber_of_commerce,
            exact_account_id=None
            if customer.exact_account_id is None
            else strawberry.ID(str(customer.exact_account_id)),
        )
