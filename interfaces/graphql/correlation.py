"""A correlation id per GraphQL operation, for masked errors, the log and the audit log."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension

from interfaces.correlation import correlated, current_correlation_id, new_correlation_id
from interfaces.graphql.context import Context


class CorrelationScope(SchemaExtension):
    """Every websocket operation gets a correlation id of its own.

    Over HTTP the request's id (interfaces/http/correlation.py) is kept; an
    operation run with none (a test executing the schema) gets a new one. The
    operation's context carries it (after `OperationScope` made that context).
    """

    def on_operation(self) -> Iterator[None]:
        request = getattr(self.execution_context.context, "request", None)
        if current_correlation_id() is not None and not isinstance(request, WebSocket):
            yield
            return
        with correlated(new_correlation_id()):
            yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.correlation_id = current_correlation_id()
        yield
