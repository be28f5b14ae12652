"""No "Did you mean …?" in error messages: a schema explorer's hints, off in production.

graphql-core (3.3) omits every suggestion when validation and execution run with
`hide_suggestions=True` (unknown fields, arguments, types, enum values, input
fields); Strawberry does not pass the flag on. `HideSuggestions` validates with
it (as Strawberry's own ValidationCache replaces the validation step), and
`SuggestionFreeExecutor` executes with it (variables coerced while execution
starts).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

STRAWBERRY_RULES = (MaybeNullValidationRule, OneOfInputValidationRule)
"""The rules Strawberry adds to every validation (strawberry.schema.schema.validate_document)."""


class HideSuggestions(SchemaExtension):
    """Validates the document itself, with graphql-core's `hide_suggestions`."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None and context.graphql_document is not None:
            context.pre_execution_errors = validate(
                context.schema._schema,
                context.graphql_document,
                (*context.validation_rules, *STRAWBERRY_RULES),
                hide_suggestions=True,
            )
        yield


class SuggestionFreeExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, built with `hide_suggestions` (variables and arguments)."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        return super().build(*args, **{**kwargs, "hide_suggestions": True})
