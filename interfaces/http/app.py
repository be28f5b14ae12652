"""The Starlette application: GraphQL over HTTP and graphql-transport-ws, and a health check."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from html import escape

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import ASGIApp
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from application.exact import ExactError
from application.service import Hourbill
from domain.access import Role
from domain.errors import HourbillError
from interfaces.correlation import current_correlation_id
from interfaces.graphql.context import Context
from interfaces.graphql.schema import schema as hourbill_schema
from interfaces.http.correlation import CorrelationId
from interfaces.http.document_urls import DOCUMENTS_PATH
from interfaces.http.documents import document_routes
from interfaces.http.guard import ApiKeyGuard, bearer, principal_of
from interfaces.http.limits import DEFAULT_MAX_REQUEST_BYTES, RequestSizeLimit
from interfaces.http.webhooks import exact_webhooks

ShutdownHook = Callable[[], Awaitable[None]]
"""A coroutine run when the server starts or stops."""


class HourbillGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view, speaking only graphql-transport-ws on websockets."""

    def __init__(
        self,
        schema: BaseSchema,
        hourbill: Hourbill,
        *,
        graphiql: bool,
        allowed_origins: Sequence[str] = (),
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
            allowed_origins=allowed_origins,
        )
        self.hourbill = hourbill

    async def create_websocket_response(
        self, request: WebSocket, subprotocol: str | None
    ) -> WebSocket:
        """Refuse the handshake (HTTP 403) when the client speaks no protocol we offer."""
        if subprotocol is None:
            return request
        return await super().create_websocket_response(request, subprotocol)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return Context(self.hourbill, request, response, principal=principal_of(request.scope))

    async def on_ws_connect(self, context: Context) -> None:
        """Authenticate in `connection_init`: `{"Authorization": "Bearer hb_…"}`.

        No key, or an unknown or revoked one: the socket is closed with 4403
        (graphql-transport-ws's Forbidden) before any operation can start.
        """
        params = context.connection_params or {}
        header = params.get("Authorization", params.get("authorization"))
        token = bearer(header) if isinstance(header, str) else None
        principal = await self.hourbill.authenticate.execute(token) if token else None
        if principal is None:
            raise ConnectionRejectionError()
        context.principal = principal
        context.api_key = token


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def exact_callback(hourbill: Hourbill) -> Callable[[Request], Awaitable[HTMLResponse]]:
    """Where Exact sends the administrator's browser back: `?code=…&state=…`.

    No API key here (it is the browser coming back from Exact): the single-use state
    stands in for one, bound to the admin key that started; every attempt is audited.
    """

    async def callback(request: Request) -> HTMLResponse:
        params = request.query_params
        if "error" in params:
            reason = params.get("error_description") or params["error"]
            return _page(400, "Exact Online was not connected", f"Exact answered: {reason}")
        try:
            status = await hourbill.complete_exact_connection.execute(
                params.get("code", ""),
                params.get("state", ""),
                correlation_id=current_correlation_id(),
            )
        except HourbillError as error:
            return _page(400, "Exact Online was not connected", str(error))
        except ExactError as error:
            code = 502 if error.retryable else 400
            return _page(code, "Exact Online was not connected", f"Exact answered: {error.message}")
        who = f"{status.user_name} ({status.user_email})" if status.user_name else "the user"
        return _page(
            200,
            "Exact Online is connected",
            f"Connected as {who}; current division {status.current_division}. "
            "You can close this window.",
        )

    return callback


def _page(status: int, title: str, text: str) -> HTMLResponse:
    body = (
        f"<!doctype html><html><head><meta charset=utf-8><title>{escape(title)}</title></head>"
        f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status)


def create_app(
    hourbill: Hourbill,
    *,
    graphiql: bool = True,
    on_shutdown: list[ShutdownHook] | None = None,
    schema: BaseSchema = hourbill_schema,
    allowed_origins: Sequence[str] = (),
    on_startup: list[ShutdownHook] | None = None,
    mounts: Sequence[tuple[str, ASGIApp]] = (),
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
) -> Starlette:
    """The API at `/graphql` (GET, POST, websocket), the PDFs at `/documents`, and `/healthz`.

    `on_startup` and `on_shutdown` hooks run when the server starts and stops
    (e.g. to close the database); `mounts` adds other ASGI apps under a path
    (the embedded Exact sandbox). A POST /graphql body above `max_request_bytes`
    gets 413 before it is parsed. Every request gets a correlation id
    (interfaces/http/correlation.py).
    """
    graphql = HourbillGraphQL(schema, hourbill, graphiql=graphiql, allowed_origins=allowed_origins)
    starting = list(on_startup or [])
    stopping = list(on_shutdown or [])

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        for hook in starting:
            await hook()
        try:
            yield
        finally:
            for hook in stopping:
                await hook()

    public = ["/healthz", "/exact/callback", "/exact/webhooks"]
    guard = Middleware(
        ApiKeyGuard,
        authenticate=hourbill.authenticate,
        public_paths=public,
        public_prefixes=[path for path, _ in mounts],
        role_prefixes=[(DOCUMENTS_PATH, Role.BILLER)],
        ide_path="/graphql" if graphiql else None,
    )
    return Starlette(
        middleware=[Middleware(CorrelationId), guard],
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/exact/callback", exact_callback(hourbill), methods=["GET"]),
            Route(
                "/exact/webhooks",
                exact_webhooks(hourbill.handle_exact_webhook),
                methods=["POST"],
            ),
            Route(
                "/graphql", RequestSizeLimit(graphql, max_request_bytes), methods=["GET", "POST"]
            ),
            WebSocketRoute("/graphql", graphql),
            Mount(DOCUMENTS_PATH, routes=document_routes(hourbill.print_documents)),
            *(Mount(path, app) for path, app in mounts),
        ],
        lifespan=lifespan,
    )
