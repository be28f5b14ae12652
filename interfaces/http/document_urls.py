"""Where the printed documents are served: the one place their paths and URLs are made.

The routes (interfaces/http/documents.py) are mounted at `DOCUMENTS_PATH` and
match the templates below; GraphQL hands out absolute URLs built from the
same templates and the base URL of the request that asked for them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, urlencode

from starlette.requests import HTTPConnection

from domain.customers import Language
from interfaces.graphql.ids import global_id

DOCUMENTS_PATH = "/documents"

ORDER_CONCEPT_INVOICE = "/orders/{id}/concept-invoice.pdf"
ORDER_SPECIFICATION = "/orders/{id}/specification.pdf"
INVOICE_SPECIFICATION = "/invoices/{id}/specification.pdf"
INVOICE_PDF = "/invoices/{id}/invoice.pdf"
ORDERS_BATCH = "/orders/{kind}.pdf"


class PrintKind(StrEnum):
    """What a batch prints for each order: its path under /documents/orders/."""

    CONCEPT_INVOICES = "concept-invoices"
    SPECIFICATIONS = "specifications"


@dataclass(frozen=True)
class DocumentUrls:
    base: str
    """Scheme, host and root path of the server, without a trailing slash."""

    @classmethod
    def of(cls, connection: HTTPConnection | None) -> DocumentUrls:
        """URLs on the server the request (HTTP or websocket) came in on; relative without one."""
        if connection is None:
            return cls("")
        base = str(connection.base_url).rstrip("/")
        for socket_scheme, scheme in (("wss://", "https://"), ("ws://", "http://")):
            if base.startswith(socket_scheme):
                base = scheme + base.removeprefix(socket_scheme)
        return cls(base)

    def order_concept_invoice(self, order_id: uuid.UUID) -> str:
        return self._url(ORDER_CONCEPT_INVOICE, "Order", order_id)

    def order_specification(self, order_id: uuid.UUID) -> str:
        return self._url(ORDER_SPECIFICATION, "Order", order_id)

    def invoice_specification(self, invoice_id: uuid.UUID) -> str:
        return self._url(INVOICE_SPECIFICATION, "Invoice", invoice_id)

    def invoice_pdf(self, invoice_id: uuid.UUID) -> str:
        return self._url(INVOICE_PDF, "Invoice", invoice_id)

    def batch(
        self, kind: PrintKind, order_ids: Sequence[uuid.UUID], language: Language | None = None
    ) -> str:
        """One PDF for the orders, in the order given (GET; POST the same path for more)."""
        query = {"ids": ",".join(global_id("Order", i) for i in order_ids)}
        if language is not None:
            query["language"] = language.value
        path = ORDERS_BATCH.format(kind=kind.value)
        return f"{self.base}{DOCUMENTS_PATH}{path}?{urlencode(query, safe=',=')}"

    def _url(self, template: str, type_name: str, ident: uuid.UUID) -> str:
        path = template.format(id=quote(global_id(type_name, ident), safe="="))
        return f"{self.base}{DOCUMENTS_PATH}{path}"
