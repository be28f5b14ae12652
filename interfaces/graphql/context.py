"""The context resolvers see: the facade and this operation's DataLoaders.

Strawberry builds one context per HTTP request but only one per websocket
connection. `OperationScope` gives every operation its own copy with fresh
loaders, and a subscription renews them for every event it delivers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension

from application.service import Hourbill
from domain.access import Principal
from interfaces.graphql.loaders import Loaders


@dataclass
class Context:
    hourbill: Hourbill
    request: Request | WebSocket | None = None
    response: Response | WebSocket | None = None
    connection_params: dict[str, Any] | None = None
    principal: Principal | None = None
    """The API key this operation acts as (set by the HTTP guard or at `connection_init`)."""
    api_key: str | None = field(default=None, repr=False)
    """A websocket's key, to check it again for every operation (revoked: refused)."""
    correlation_id: str | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.hourbill)

    def for_operation(self) -> Context:
        return replace(self)

    def renew_loaders(self) -> None:
        self.loaders = Loaders(self.hourbill)


class OperationScope(SchemaExtension):
    """Runs every operation with a context of its own: loaders are never shared."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            self.execution_context.context = context.for_operation()
        yield


Info: TypeAlias = strawberry.Info[Context, None]


def hourbill(info: Info) -> Hourbill:
    return info.context.hourbill


def loaders(info: Info) -> Loaders:
    return info.context.loaders
