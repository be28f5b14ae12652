"""Connecting Exact Online: configure the app, start the OAuth2 dance, disconnect.

The dance ends at the HTTP callback (`/exact/callback`), where Exact sends the
administrator's browser back with a code and the state.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from application.exact_connection import ExactConnectionConfig
from domain.errors import ErrorCode, HourbillError
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import attempt
from interfaces.graphql.mutations.payload import Payload
from interfaces.graphql.types.exact import ExactConnection


@strawberry.input(description="The Exact Online app (from Exact's app center) to connect with.")
class ConfigureExactConnectionInput:
    country: str = strawberry.field(description="nl, be, de, co.uk, com, es or fr")
    client_id: str
    client_secret: str = strawberry.field(description="Stored encrypted; never shown again.")
    redirect_url: str = strawberry.field(description="This server's `/exact/callback` URL.")
    base_url: str | None = strawberry.field(
        default=None, description="Another Exact-compatible server; null: the country's host."
    )

    def to_config(self) -> ExactConnectionConfig:
        return ExactConnectionConfig(
            self.country, self.client_id, self.client_secret, self.redirect_url, self.base_url
        )


@strawberry.type
class ExactConnectionPayload(Payload):
    connection: ExactConnection | None = None


@strawberry.type
class StartExactConnectionPayload(Payload):
    authorize_url: str | None = strawberry.field(
        default=None, description="Send the administrator's browser here to approve."
    )
    expires_at: dt.datetime | None = strawberry.field(
        default=None, description="The state in the URL works once, until then."
    )


@strawberry.type
class ExactMutations:
    @strawberry.mutation
    async def configure_exact_connection(
        self, info: Info, input: ConfigureExactConnectionInput
    ) -> ExactConnectionPayload:
        return await attempt(
            input,
            ExactConnectionPayload,
            lambda: hourbill(info).configure_exact_connection.execute(input.to_config()),
            lambda status: ExactConnectionPayload(connection=ExactConnection.from_status(status)),
        )

    @strawberry.mutation(description="The authorize URL, with a single-use, expiring state.")
    async def start_exact_connection(self, info: Info) -> StartExactConnectionPayload:
        """The state is bound to this admin key: revoked before the callback, it is refused."""
        principal = info.context.principal
        if principal is None:  # AccessControl lets no keyless call get here
            raise HourbillError.single(ErrorCode.UNAUTHENTICATED, "Present an API key")
        return await attempt(
            None,
            StartExactConnectionPayload,
            lambda: hourbill(info).start_exact_connection.execute(principal.key_id),
            lambda start: StartExactConnectionPayload(
                authorize_url=start.authorize_url, expires_at=start.expires_at
            ),
        )

    @strawberry.mutation(description="Forget the tokens; the app settings stay.")
    async def disconnect_exact(self, info: Info) -> ExactConnectionPayload:
        return await attempt(
            None,
            ExactConnectionPayload,
            lambda: hourbill(info).disconnect_exact.execute(),
            lambda status: ExactConnectionPayload(connection=ExactConnection.from_status(status)),
        )
