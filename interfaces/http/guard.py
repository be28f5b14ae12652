"""The API-key guard in front of every HTTP route.

`Authorization: Bearer hb_…` is checked on every request. Without a valid key
nothing answers but what must answer without one: the health check, Exact's
OAuth callback (which carries its own single-use state) and Exact's webhooks
(which carry a signature), plus mounted apps that do their own auth (the
embedded Exact sandbox). GraphiQL's page itself is static and holds no data; the
API calls it makes need a key like any other. Websockets are let through: they
authenticate in `connection_init` (interfaces/http/app.py). The guard puts the
key's `Principal` in the ASGI scope; the GraphQL layer checks roles per field,
and `/documents` needs a biller key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from application.access import Authenticate
from domain.access import Principal, Role
from domain.errors import ErrorCode

log = logging.getLogger(__name__)

PRINCIPAL = "hourbill.principal"
"""Where the guard leaves the request's `Principal` in the ASGI scope."""


def principal_of(scope: Scope) -> Principal | None:
    found = scope.get(PRINCIPAL)
    return found if isinstance(found, Principal) else None


def bearer(authorization: str | None) -> str | None:
    """The key from `Bearer hb_…` (the scheme is case-insensitive); None otherwise."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class ApiKeyGuard:
    def __init__(
        self,
        app: ASGIApp,
        authenticate: Authenticate,
        *,
        public_paths: Sequence[str],
        public_prefixes: Sequence[str] = (),
        role_prefixes: Sequence[tuple[str, Role]] = (),
        ide_path: str | None = None,
    ) -> None:
        self.app = app
        self.authenticate = authenticate
        self.public_paths = frozenset(public_paths)
        self.public_prefixes = tuple(p.rstrip("/") + "/" for p in public_prefixes)
        self.role_prefixes = tuple(role_prefixes)
        self.ide_path = ide_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._public(scope):
            await self.app(scope, receive, send)
            return
        token = bearer(Headers(scope=scope).get("authorization"))
        principal = await self.authenticate.execute(token) if token else None
        path: str = scope["path"]
        if principal is None:
            reason = "no API key" if token is None else "an unknown or revoked API key"
            log.info("refused %s %s: %s", scope["method"], path, reason)
            refusal = _refusal(path, 401, ErrorCode.UNAUTHENTICATED, _unauthenticated(token))
            await refusal(scope, receive, send)
            return
        for prefix, role in self.role_prefixes:
            if (path == prefix or path.startswith(prefix + "/")) and not principal.may(role):
                message = f"This needs a {role.value.lower()} key; {principal.label} is not one"
                await _refusal(path, 403, ErrorCode.FORBIDDEN, message)(scope, receive, send)
                return
        scope[PRINCIPAL] = principal
        await self.app(scope, receive, send)

    def _public(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if path in self.public_paths or path.startswith(self.public_prefixes):
            return True
        return path == self.ide_path and scope["method"] == "GET" and _wants_ide(scope)


def _wants_ide(scope: Scope) -> bool:
    """A browser asking for the GraphiQL page: HTML, and no operation in the URL."""
    accept = Headers(scope=scope).get("accept", "")
    return "text/html" in accept and b"query=" not in scope.get("query_string", b"")


def _unauthenticated(token: str | None) -> str:
    if token is None:
        return "Present an API key: Authorization: Bearer hb_…"
    return "The API key is unknown or revoked"


def _refusal(path: str, status: int, code: ErrorCode, message: str) -> JSONResponse:
    """A GraphQL-shaped error body on /graphql; the documents' shape elsewhere."""
    if path.startswith("/graphql"):
        body = {"errors": [{"message": message, "extensions": {"code": code.value}}]}
    else:
        body = {"errors": [{"field": None, "message": message, "code": code.value}]}
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="hourbill"'
    return JSONResponse(body, status_code=status, headers=headers)
