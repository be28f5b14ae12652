"""The Query type: paginated lists with filters, reference data and `node(id:)`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable
from typing import TypeVar

import strawberry

from application.ports import CustomerFilter, OrderFilter, SourceFilter
from domain.errors import HourbillError
from domain.orders import OrderStatus as DomainOrderStatus
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import ClientError
from interfaces.graphql.node import resolve_node
from interfaces.graphql.reader import read_id
from interfaces.graphql.relay import DEFAULT_PAGE_SIZE, Connection, Node, connection, page_request
from interfaces.graphql.types.customers import Customer
from interfaces.graphql.types.enums import OrderStatus
from interfaces.graphql.types.exact import ExactConnection
from interfaces.graphql.types.orders import Order
from interfaces.graphql.types.sources import Booking, Supply
from interfaces.graphql.types.work import Employee, InvoicingSettings, Project, RateRule, VatCode

T = TypeVar("T")

FIRST = strawberry.argument(description=f"Page size, at most 500; {DEFAULT_PAGE_SIZE} by default.")
AFTER = strawberry.argument(description="The endCursor of the previous page.")


async def answer(query: Awaitable[T]) -> T:
    try:
        return await query
    except HourbillError as error:
        raise ClientError.from_error(error) from None


def filter_id(value: strawberry.ID | None, type_name: str, field: str) -> uuid.UUID | None:
    try:
        return None if value is None else read_id(value, type_name, field)
    except HourbillError as error:
        raise ClientError.from_error(error) from None


def source_filter(
    customer_id: strawberry.ID | None,
    period_start: dt.date | None,
    period_end: dt.date | None,
    billed: bool | None,
    employee_id: strawberry.ID | None = None,
) -> SourceFilter:
    return SourceFilter(
        customer_id=filter_id(customer_id, "Customer", "customerId"),
        period_start=period_start,
        period_end=period_end,
        billed=billed,
        employee_id=filter_id(employee_id, "Employee", "employeeId"),
    )


@strawberry.type
class CoreQueries:
    @strawberry.field(description="Customers by code; `search` matches code or name.")
    async def customers(
        self,
        info: Info,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        search: str | None = None,
    ) -> Connection[Customer]:
        request = page_request(first, after)
        page = await answer(hourbill(info).queries.customers(CustomerFilter(search), request))
        return connection(page, Customer.from_domain)

    @strawberry.field(description="Hour bookings by date; `billed` null means both.")
    async def bookings(
        self,
        info: Info,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        customer_id: strawberry.ID | None = None,
        period_start: dt.date | None = None,
        period_end: dt.date | None = None,
        billed: bool | None = None,
        employee_id: strawberry.ID | None = None,
    ) -> Connection[Booking]:
        request = page_request(first, after)
        where = source_filter(customer_id, period_start, period_end, billed, employee_id)
        page = await answer(hourbill(info).queries.bookings(where, request))
        return connection(page, Booking.from_domain)

    @strawberry.field(description="Supplies by date; `billed` null means both.")
    async def supplies(
        self,
        info: Info,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        customer_id: strawberry.ID | None = None,
        period_start: dt.date | None = None,
        period_end: dt.date | None = None,
        billed: bool | None = None,
    ) -> Connection[Supply]:
        request = page_request(first, after)
        where = source_filter(customer_id, period_start, period_end, billed)
        page = await answer(hourbill(info).queries.supplies(where, request))
        return connection(page, Supply.from_domain)

    @strawberry.field(description="Orders by number; the period filters on the order date.")
    async def orders(
        self,
        info: Info,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        customer_id: strawberry.ID | None = None,
        period_start: dt.date | None = None,
        period_end: dt.date | None = None,
        status: OrderStatus | None = None,  # type: ignore[valid-type]
    ) -> Connection[Order]:
        request = page_request(first, after)
        where = OrderFilter(
            customer_id=filter_id(customer_id, "Customer", "customerId"),
            period_start=period_start,
            period_end=period_end,
            status=DomainOrderStatus(status) if status is not None else None,
        )
        page = await answer(hourbill(info).queries.orders(where, request))
        return connection(page, Order.from_domain)

    @strawberry.field
    async def rate_rules(
        self, info: Info, first: int | None = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[RateRule]:
        page = await answer(hourbill(info).queries.rate_rules(page_request(first, after)))
        return connection(page, RateRule.from_domain)

    @strawberry.field
    async def vat_codes(self, info: Info) -> list[VatCode]:
        return [VatCode.from_domain(v) for v in await hourbill(info).queries.vat_codes()]

    @strawberry.field
    async def employees(self, info: Info) -> list[Employee]:
        found = await hourbill(info).queries.employees()
        return [Employee.from_domain(e) for e in sorted(found, key=lambda e: e.code)]

    @strawberry.field(description="Projects, of one customer when `customerId` is given.")
    async def projects(self, info: Info, customer_id: strawberry.ID | None = None) -> list[Project]:
        wanted = filter_id(customer_id, "Customer", "customerId")
        found = await hourbill(info).queries.projects()
        chosen = [p for p in found if wanted is None or p.customer_id == wanted]
        return [Project.from_domain(p) for p in sorted(chosen, key=lambda p: p.code)]

    @strawberry.field
    async def invoicing_settings(self, info: Info) -> InvoicingSettings:
        return InvoicingSettings.from_domain(await hourbill(info).queries.invoicing_settings())

    @strawberry.field(description="The Exact Online connection: status, user, token health.")
    async def exact_connection(self, info: Info) -> ExactConnection:
        return ExactConnection.from_status(await hourbill(info).exact_connector.status())

    @strawberry.field(description="Any object by its global id; null when it does not exist.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)
