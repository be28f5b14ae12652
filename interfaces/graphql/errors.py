"""Errors: typed `UserError`s in payloads, client errors at the top level, the rest masked.

A mutation that cannot be carried out answers with `errors: [UserError!]!` in its
payload. A query given bad arguments raises a `ClientError` (a top-level error
with `extensions.code`). Anything else is a bug: it stays a top-level error and
its message is replaced, so internals never leak.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Collection, Iterator
from typing import TypeVar

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.utils.str_converters import to_camel_case

from domain.errors import ErrorCode as DomainErrorCode
from domain.errors import HourbillError
from interfaces.correlation import INTERNAL, UNEXPECTED, current_correlation_id

ErrorCode = strawberry.enum(
    DomainErrorCode,
    name="ErrorCode",
    description="What went wrong, for clients to switch on; mirrors the domain's error codes.",
)


@strawberry.type(description="A problem with the input of a mutation; nothing was changed.")
class UserError:
    field: str | None = strawberry.field(
        description="The camelCase name of the input field at fault; null when no one field is."
    )
    message: str
    code: ErrorCode  # type: ignore[valid-type]


def input_fields(input: object) -> frozenset[str]:
    """The camelCase GraphQL names of a Strawberry input's fields (none without an input)."""
    if input is None:
        return frozenset()
    return frozenset(to_camel_case(f.name) for f in dataclasses.fields(input))  # type: ignore[arg-type]


def user_errors(error: HourbillError, fields: Collection[str]) -> list[UserError]:
    """One UserError per problem; `field` is null unless it names one of the input's fields."""
    return [
        UserError(field=p.field if p.field in fields else None, message=p.message, code=p.code)
        for p in error.problems
    ]


class ClientError(GraphQLError):
    """A top-level error caused by the client's arguments; shown, never masked."""

    def __init__(self, message: str, code: DomainErrorCode, field: str | None = None) -> None:
        super().__init__(message, extensions={"code": code.value, "field": field})

    @classmethod
    def from_error(cls, error: HourbillError) -> ClientError:
        first = error.problems[0]
        return cls(str(error), first.code, first.field)


def is_unexpected(error: GraphQLError) -> bool:
    """Mask errors that came from an exception other than a GraphQL (client) error."""
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


class MaskWithCorrelationId(MaskErrors):
    """The masked message with `extensions: {code: INTERNAL, correlationId}`; the log has more."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": INTERNAL, "correlationId": current_correlation_id()},
        )


def mask_unexpected_errors() -> MaskErrors:
    return MaskWithCorrelationId(should_mask_error=is_unexpected, error_message=UNEXPECTED)


PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


def refusal_code(error: GraphQLError) -> str:
    return PARSE_FAILED if isinstance(error, GraphQLSyntaxError) else VALIDATION_FAILED


class CodeRefusals(SchemaExtension):
    """An operation refused before it ran has a code too (ADR 0008).

    A syntax error is GRAPHQL_PARSE_FAILED; anything else GraphQL refuses up front
    (unknown fields, a value not of its type such as a malformed Date, bad variables,
    the depth, alias and token limits) GRAPHQL_VALIDATION_FAILED. Errors of the
    execution (with a `path`) keep their own: typed client errors, masked bugs.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        for error in getattr(self.execution_context.result, "errors", None) or ():
            extensions = error.extensions or {}
            if error.path is None and "code" not in extensions and not is_unexpected(error):
                error.extensions = {**extensions, "code": refusal_code(error)}


T = TypeVar("T")
P = TypeVar("P")


async def attempt(
    input: object,
    failed: Callable[..., P],
    action: Callable[[], Awaitable[T]],
    succeeded: Callable[[T], P],
) -> P:
    """Run the command for `input`; its HourbillError becomes the payload's typed errors."""
    try:
        result = await action()
    except HourbillError as error:
        return failed(errors=user_errors(error, input_fields(input)))
    return succeeded(result)
