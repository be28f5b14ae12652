"""Relay connections over the repositories' forward keyset pages (ADR 0005)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from application.ports import MAX_PAGE_SIZE, Page, PageRequest
from domain.errors import ErrorCode
from interfaces.graphql.errors import ClientError
from interfaces.graphql.ids import MalformedId, decode_cursor, encode_cursor

DEFAULT_PAGE_SIZE = 50

N = TypeVar("N")
D = TypeVar("D")


@strawberry.interface(description="An object with a global id, to be fetched with `node(id:)`.")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many items match the filters.")


def page_request(first: int | None, after: str | None) -> PageRequest:
    """`first` capped at MAX_PAGE_SIZE; a negative `first` or a bad cursor is a ClientError."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if size < 0:
        raise ClientError("first must not be negative", ErrorCode.OUT_OF_RANGE, "first")
    try:
        cursor = None if after is None else decode_cursor(after)
    except MalformedId as error:
        raise ClientError(str(error), ErrorCode.INVALID, "after") from None
    return PageRequest(first=min(size, MAX_PAGE_SIZE), after=cursor)


def connection(page: Page[D], node: Callable[[D], N]) -> Connection[N]:
    edges = [Edge(cursor=encode_cursor(cursor), node=node(item)) for cursor, item in page.edges]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=page.total_count,
    )
