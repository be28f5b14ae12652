"""`node(id:)`: any entity by its global id, through the operation's DataLoaders."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from domain.access import Role
from domain.errors import ErrorCode
from interfaces.graphql.context import Info, hourbill, loaders
from interfaces.graphql.errors import ClientError
from interfaces.graphql.ids import MalformedId, parse_global_id
from interfaces.graphql.loaders import Loaders, load_as
from interfaces.graphql.relay import Node
from interfaces.graphql.types.access import ApiKey
from interfaces.graphql.types.customers import Customer
from interfaces.graphql.types.invoices import Invoice, InvoiceRun
from interfaces.graphql.types.orders import Order
from interfaces.graphql.types.sources import Booking, Supply
from interfaces.graphql.types.work import Employee, Project, RateRule, Task

Fetch = Callable[[Loaders, uuid.UUID], Awaitable[Node | None]]

FETCHERS: dict[str, Fetch] = {
    "Customer": lambda ld, i: load_as(ld.customer, i, Customer.from_domain),
    "Employee": lambda ld, i: load_as(ld.employee, i, Employee.from_domain),
    "Project": lambda ld, i: load_as(ld.project, i, Project.from_domain),
    "Task": lambda ld, i: load_as(ld.task, i, Task.from_domain),
    "Booking": lambda ld, i: load_as(ld.booking, i, Booking.from_domain),
    "Supply": lambda ld, i: load_as(ld.supply, i, Supply.from_domain),
    "Order": lambda ld, i: load_as(ld.order, i, Order.from_domain),
    "RateRule": lambda ld, i: load_as(ld.rate_rule, i, RateRule.from_domain),
    "Invoice": lambda ld, i: load_as(ld.invoicing.invoice, i, Invoice.from_domain),
    "InvoiceRun": lambda ld, i: load_as(ld.invoicing.run, i, InvoiceRun.from_view),
}


async def resolve_node(info: Info, id: str) -> Node | None:
    """The entity, or null when it does not exist; a malformed id is a ClientError."""
    try:
        type_name, ident = parse_global_id(id)
    except MalformedId as error:
        raise ClientError(str(error), ErrorCode.INVALID, "id") from None
    if type_name == "ApiKey":
        return await _api_key(info, ident)
    fetch = FETCHERS.get(type_name)
    if fetch is None:
        raise ClientError(f"{type_name} objects cannot be fetched by id", ErrorCode.INVALID, "id")
    return await fetch(loaders(info), ident)


async def _api_key(info: Info, ident: uuid.UUID) -> ApiKey | None:
    """Keys are for admins: `node` is a viewer's query, so it checks the role itself."""
    principal = info.context.principal
    if principal is None or not principal.may(Role.ADMIN):
        raise ClientError("ApiKey objects need an admin key", ErrorCode.FORBIDDEN, "id")
    found = await hourbill(info).api_keys.get(ident)
    return None if found is None else ApiKey.from_domain(found)
