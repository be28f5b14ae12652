"""The printed documents as PDF over HTTP: per order, per invoice, and a selection at once.

Mounted at /documents (see document_urls.py for the paths). Ids are the
GraphQL API's global ids (plain UUIDs are accepted too). `?language=nl|en`
prints in that language instead of the customer's, `?download=1` asks the
browser to save the file instead of showing it. Every answer is `no-store`:
a document shows the order as it is now.

A request that cannot be answered gets `{"errors": [{field, message, code}]}`
with the GraphQL API's error codes: 404 for NOT_FOUND, 409 for INVALID_STATE
(an invoice whose order was released), 400 for any other mistake.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from application.documents import PrintDocuments, RenderedPdf
from domain.customers import Language
from domain.documents import MAX_BATCH
from domain.errors import ErrorCode, HourbillError, Problem, Problems
from interfaces.graphql.ids import parse_global_id
from interfaces.http.document_urls import (
    INVOICE_PDF,
    INVOICE_SPECIFICATION,
    ORDER_CONCEPT_INVOICE,
    ORDER_SPECIFICATION,
    ORDERS_BATCH,
    PrintKind,
)

MAX_BODY = 64 * 1024
"""200 global ids take some 12 KiB of JSON."""
NO_STORE = {"Cache-Control": "no-store"}
PLACEHOLDER = uuid.UUID(int=0)
STATUS = {ErrorCode.NOT_FOUND: 404, ErrorCode.INVALID_STATE: 409}
ONE_ORDER = {"orderIds": "id"}
ONE_INVOICE = {"invoiceId": "id", "orderIds": "id"}
"""The use cases' field names, as these routes name them."""

Render = Callable[[Request], Awaitable[RenderedPdf]]
Handler = Callable[[Request], Awaitable[Response]]
PrintOrders = Callable[[list[uuid.UUID], Language | None], Awaitable[RenderedPdf]]


class BodyTooLarge(HourbillError):
    pass


def document_routes(documents: PrintDocuments) -> list[BaseRoute]:
    """The routes to mount at /documents."""
    batches: dict[PrintKind, PrintOrders] = {
        PrintKind.CONCEPT_INVOICES: documents.concept_invoices,
        PrintKind.SPECIFICATIONS: documents.specifications,
    }
    return [
        _get(ORDER_CONCEPT_INVOICE, _order(documents.concept_invoices), ONE_ORDER),
        _get(ORDER_SPECIFICATION, _order(documents.specifications), ONE_ORDER),
        _get(INVOICE_SPECIFICATION, _invoice_specification(documents), ONE_INVOICE),
        _get(INVOICE_PDF, _invoice_pdf(documents), ONE_INVOICE),
        *(
            _get(ORDERS_BATCH.format(kind=kind.value), _selection(batch), {"orderIds": "ids"})
            for kind, batch in batches.items()
        ),
        *(
            Route(
                ORDERS_BATCH.format(kind=kind.value),
                _serving(_posted_selection(batch), {}),
                methods=["POST"],
            )
            for kind, batch in batches.items()
        ),
    ]


def _get(path: str, render: Render, fields: Mapping[str, str]) -> Route:
    return Route(path, _serving(render, fields), methods=["GET"])


def _serving(render: Render, fields: Mapping[str, str]) -> Handler:
    """The PDF, or the errors of a request that cannot be answered."""

    async def handle(request: Request) -> Response:
        try:
            pdf = await render(request)
        except HourbillError as error:
            return _errors(error, fields)
        return _pdf(pdf, download=request.query_params.get("download") in {"1", "true"})

    return handle


def _order(print_orders: PrintOrders) -> Render:
    async def render(request: Request) -> RenderedPdf:
        problems = Problems()
        order_id = _id(request.path_params["id"], "Order", "id", problems)
        language = _language(request.query_params.get("language"), problems)
        problems.raise_if_any()
        return await print_orders([order_id], language)

    return render


def _invoice_specification(documents: PrintDocuments) -> Render:
    async def render(request: Request) -> RenderedPdf:
        problems = Problems()
        invoice_id = _id(request.path_params["id"], "Invoice", "id", problems)
        language = _language(request.query_params.get("language"), problems)
        problems.raise_if_any()
        return await documents.invoice_specification(invoice_id, language)

    return render


def _invoice_pdf(documents: PrintDocuments) -> Render:
    """What is attached in Exact: always in the customer's language."""

    async def render(request: Request) -> RenderedPdf:
        problems = Problems()
        invoice_id = _id(request.path_params["id"], "Invoice", "id", problems)
        problems.raise_if_any()
        return await documents.invoice_pdf(invoice_id)

    return render


def _selection(print_orders: PrintOrders) -> Render:
    """`?ids=ID1,ID2` (or `ids` repeated) and `?language=`."""

    async def render(request: Request) -> RenderedPdf:
        values = [v for p in request.query_params.getlist("ids") for v in p.split(",")]
        return await _print(print_orders, values, request.query_params.get("language"), "ids")

    return render


def _posted_selection(print_orders: PrintOrders) -> Render:
    """`{"orderIds": [...], "language": "en"}`; `?language=` when the body has none."""

    async def render(request: Request) -> RenderedPdf:
        values, language = await _posted(request)
        return await _print(print_orders, values, language, "orderIds")

    return render


async def _print(
    print_orders: PrintOrders, values: list[str], language_text: str | None, field: str
) -> RenderedPdf:
    values = [v.strip() for v in values if v.strip()]
    if len(values) > MAX_BATCH:
        raise HourbillError.single(
            ErrorCode.OUT_OF_RANGE, f"print at most {MAX_BATCH} orders at once", field
        )
    problems = Problems()
    order_ids = [_id(v, "Order", field, problems) for v in values]
    language = _language(language_text, problems)
    problems.raise_if_any()
    return await print_orders(order_ids, language)


async def _posted(request: Request) -> tuple[list[str], str | None]:
    body = await _body(request)
    try:
        data = json.loads(body)
    except ValueError:
        raise _invalid('the body must be JSON: {"orderIds": [...]}', None) from None
    if not isinstance(data, dict):
        raise _invalid('the body must be a JSON object: {"orderIds": [...]}', None)
    ids = data.get("orderIds")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _invalid("orderIds must be a list of order ids", "orderIds")
    language = data.get("language", request.query_params.get("language"))
    if language is not None and not isinstance(language, str):
        raise _invalid('language must be "nl" or "en"', "language")
    return ids, language


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise _too_large()
            chunks.append(chunk)
    except ClientDisconnect:
        return b""
    return b"".join(chunks)


def _too_large() -> BodyTooLarge:
    return BodyTooLarge(
        Problem(ErrorCode.OUT_OF_RANGE, f"the body may hold at most {MAX_BODY} bytes")
    )


def _invalid(message: str, field: str | None) -> HourbillError:
    return HourbillError.single(ErrorCode.INVALID, message, field)


def _id(value: str, type_name: str, field: str, problems: Problems) -> uuid.UUID:
    """A global id of `type_name`, or a plain UUID; a problem on `field` otherwise."""
    try:
        if len(value) == len(str(PLACEHOLDER)):
            return uuid.UUID(value)
        found_type, ident = parse_global_id(value)
    except ValueError:
        shown = value if len(value) <= 80 else f"{value[:80]}…"
        problems.add(ErrorCode.INVALID, f"{shown!r} is not a valid {type_name} id", field)
        return PLACEHOLDER
    if found_type != type_name:
        problems.add(
            ErrorCode.INVALID, f"{field} must be a {type_name} id, not a {found_type} id", field
        )
        return PLACEHOLDER
    return ident


def _language(value: str | None, problems: Problems) -> Language | None:
    if value is None or value == "":
        return None
    try:
        return Language(value.lower())
    except ValueError:
        problems.add(ErrorCode.INVALID, f"language must be nl or en, not {value!r}", "language")
        return None


def _errors(error: HourbillError, fields: Mapping[str, str]) -> JSONResponse:
    problems = [_renamed(p, fields) for p in error.problems]
    status = 413 if isinstance(error, BodyTooLarge) else STATUS.get(problems[0].code, 400)
    body = {"errors": [{"field": p.field, "message": p.message, "code": p.code} for p in problems]}
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def _renamed(problem: Problem, fields: Mapping[str, str]) -> Problem:
    return replace(problem, field=fields.get(problem.field or "", problem.field))


def _pdf(pdf: RenderedPdf, *, download: bool) -> Response:
    disposition = "attachment" if download else "inline"
    headers = {**NO_STORE, "Content-Disposition": f'{disposition}; filename="{pdf.file_name}"'}
    return Response(pdf.content, media_type=pdf.media_type, headers=headers)
