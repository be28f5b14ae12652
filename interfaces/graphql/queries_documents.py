"""printUrl: where to GET a selection of orders printed as one PDF."""

from __future__ import annotations

import uuid

import strawberry

from application.service import Hourbill
from domain.documents import MAX_BATCH
from domain.errors import ErrorCode, HourbillError
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import UserError, user_errors
from interfaces.graphql.reader import InputReader
from interfaces.graphql.types.enums import Language
from interfaces.graphql.urls import document_urls
from interfaces.http.document_urls import PrintKind as DomainPrintKind

PrintKind = strawberry.enum(
    DomainPrintKind, name="PrintKind", description="What is printed for each order."
)
FIELDS = frozenset({"orderIds"})


@strawberry.type(description="A URL to GET, or why there is none.")
class PrintUrlResult:
    url: str | None = strawberry.field(
        description="Absolute; `&download=1` saves the file instead of showing it."
    )
    errors: list[UserError]


@strawberry.type
class DocumentQueries:
    @strawberry.field(
        description=f"One PDF of the orders (at most {MAX_BATCH}), in the order given: their "
        "concept invoices or their specifications. The ids are checked, nothing is printed "
        "until the URL is opened. `language` overrides each customer's language."
    )
    async def print_url(
        self,
        info: Info,
        kind: PrintKind,  # type: ignore[valid-type]
        order_ids: list[strawberry.ID],
        language: Language | None = None,  # type: ignore[valid-type]
    ) -> PrintUrlResult:
        try:
            ids = await _selection(hourbill(info), order_ids)
        except HourbillError as error:
            return PrintUrlResult(url=None, errors=user_errors(error, FIELDS))
        return PrintUrlResult(url=document_urls(info).batch(kind, ids, language), errors=[])


async def _selection(app: Hourbill, values: list[strawberry.ID]) -> list[uuid.UUID]:
    """What printing would refuse: too many, malformed, none, twice, or unknown orders."""
    if len(values) > MAX_BATCH:
        raise HourbillError.single(
            ErrorCode.OUT_OF_RANGE, f"print at most {MAX_BATCH} orders at once", "orderIds"
        )
    reader = InputReader()
    parsed = reader.ids(values, "Order", "orderIds")
    reader.check()
    return await app.print_documents.check(parsed)
