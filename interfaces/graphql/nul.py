"""No NUL characters in text: PostgreSQL cannot store them, so no operation may carry one.

Found by fuzzing: a name, search or filter with "\\u0000" got as far as the
database and failed there (a masked error). A NUL is never meaningful in
invoicing text, so an operation with one in a string literal or a variable is
refused with the other validation errors, before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

from interfaces.graphql.errors import VALIDATION_FAILED

NUL = "\x00"
MESSAGE = "Text may not contain NUL characters (\\u0000)"


class _Strings(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[StringValueNode] = []

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if NUL in node.value:
            self.nodes.append(node)


def has_nul(value: object) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, Mapping):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(item) for item in value)
    return False


class RefuseNul(SchemaExtension):
    """Refuses, as a validation error, an operation with a NUL in a string or a variable.

    Checked before the document is validated (an error found here stands instead).
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None and context.graphql_document is not None:
            strings = _Strings()
            visit(context.graphql_document, strings)
            if strings.nodes or has_nul(context.variables):
                refused = GraphQLError(
                    MESSAGE, strings.nodes, extensions={"code": VALIDATION_FAILED}
                )
                context.pre_execution_errors = [refused]
        yield
