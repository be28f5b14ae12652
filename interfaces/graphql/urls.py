"""Absolute URLs of the printed documents, on the server the operation came in on."""

from __future__ import annotations

from interfaces.graphql.context import Info
from interfaces.http.document_urls import DocumentUrls


def document_urls(info: Info) -> DocumentUrls:
    return DocumentUrls.of(info.context.request)
