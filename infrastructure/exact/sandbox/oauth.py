"""Exact's OAuth2 server, rules included.

- Authorization codes live 3 minutes and work once.
- Access tokens live 600 s; `expires_in` is sent as a string.
- A refresh returns a new refresh token and kills the old one; using the old
  one again gets 401 "Old refresh token used.".
- A refresh earlier than 570 s after the access token was issued gets 401
  "Access token not expired" and changes nothing.
- A refresh token unused for 30 days expires (400 invalid_request).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

from infrastructure.exact.sandbox.clock import SandboxClock

ACCESS_TOKEN_SECONDS = 600
EARLIEST_REFRESH_SECONDS = 570
CODE_SECONDS = 180
REFRESH_TOKEN_IDLE = dt.timedelta(days=30)
_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass
class ClientApp:
    client_id: uuid.UUID
    client_secret: str
    redirect_uris: list[str]
    webhook_secret: str
    name: str = "Hourbill"

    def accepts(self, redirect_uri: str) -> bool:
        """Registered URIs match exactly; one ending in ``*`` matches as a prefix."""
        return any(
            redirect_uri == uri or (uri.endswith("*") and redirect_uri.startswith(uri[:-1]))
            for uri in self.redirect_uris
        )


@dataclass
class Grant:
    """One authorisation of one app by the user: a chain of token pairs."""

    client_id: uuid.UUID
    user_id: uuid.UUID
    access_token: str = ""
    access_issued: dt.datetime = _NEVER
    refresh_token: str = ""
    refresh_last_used: dt.datetime = _NEVER
    old_refresh_tokens: set[str] = field(default_factory=set)
    revoked: bool = False


@dataclass
class _Code:
    client_id: uuid.UUID
    redirect_uri: str
    issued: dt.datetime
    used: bool = False


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


class OAuthServer:
    def __init__(self, clock: SandboxClock, user_id: uuid.UUID) -> None:
        self.clock = clock
        self.user_id = user_id
        self.clients: dict[uuid.UUID, ClientApp] = {}
        self._codes: dict[str, _Code] = {}
        self._grants: list[Grant] = []
        self._by_access: dict[str, tuple[Grant, dt.datetime]] = {}
        """Every access token handed out: its grant and when it was issued."""
        self._by_refresh: dict[str, Grant] = {}
        self.refreshes = 0
        """How many refresh grants succeeded: tests count single-flight refreshes."""

    def register(self, app: ClientApp) -> ClientApp:
        self.clients[app.client_id] = app
        return app

    # --- /api/oauth2/auth -------------------------------------------------------

    def authorize(self, params: dict[str, str]) -> str:
        """The URL the user's browser is sent back to (code and state attached)."""
        app = self._client(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if not app.accepts(redirect_uri):
            raise OAuthError(400, "invalid_request", "The redirect URI is not registered")
        if params.get("response_type") != "code":
            raise OAuthError(400, "unsupported_response_type", "Use response_type=code")
        code = f"stampNL001.{secrets.token_urlsafe(24)}!{secrets.token_urlsafe(8)}"
        self._codes[code] = _Code(app.client_id, redirect_uri, self.clock.now())
        query = {"code": code}
        if "state" in params:
            query["state"] = params["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return f"{redirect_uri}{separator}{urlencode(query)}"

    # --- /api/oauth2/token ------------------------------------------------------

    def token(self, form: dict[str, str]) -> dict[str, str]:
        app = self._client(form.get("client_id", ""))
        if not secrets.compare_digest(form.get("client_secret", ""), app.client_secret):
            raise OAuthError(400, "invalid_client", "Invalid client credentials")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(app, form)
        if grant_type == "refresh_token":
            return self._refresh(app, form.get("refresh_token", ""))
        raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type {grant_type}")

    def _exchange_code(self, app: ClientApp, form: dict[str, str]) -> dict[str, str]:
        code = self._codes.get(form.get("code", ""))
        now = self.clock.now()
        if code is None or code.used or code.client_id != app.client_id:
            raise OAuthError(400, "invalid_grant", "Invalid or already used authorization code")
        code.used = True
        if (now - code.issued).total_seconds() > CODE_SECONDS:
            raise OAuthError(400, "invalid_grant", "The authorization code has expired")
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError(400, "invalid_grant", "The redirect URI does not match")
        grant = Grant(app.client_id, self.user_id)
        self._grants.append(grant)
        return self._issue(grant)

    def _refresh(self, app: ClientApp, token: str) -> dict[str, str]:
        grant = self._by_refresh.get(token)
        now = self.clock.now()
        if grant is None or grant.client_id != app.client_id or grant.revoked:
            raise OAuthError(
                400, "invalid_grant", "Token is not allowed, because of invalid or empty chainId"
            )
        if token != grant.refresh_token:
            raise OAuthError(401, "unauthorized_client", "Old refresh token used.")
        expires_at = grant.refresh_last_used + REFRESH_TOKEN_IDLE
        if now > expires_at:
            raise OAuthError(
                400,
                "invalid_request",
                f"The refresh token expired at {_exact_time(expires_at)} and it is now "
                f"{_exact_time(now)}",
            )
        if (now - grant.access_issued).total_seconds() < EARLIEST_REFRESH_SECONDS:
            raise OAuthError(401, "invalid_request", "Access token not expired.")
        grant.old_refresh_tokens.add(token)
        self.refreshes += 1
        return self._issue(grant)

    def _issue(self, grant: Grant) -> dict[str, str]:
        now = self.clock.now()
        grant.access_token = f"AAEAA{secrets.token_urlsafe(48)}"
        grant.refresh_token = f"Gcp7!IAAAA{secrets.token_urlsafe(40)}"
        grant.access_issued = grant.refresh_last_used = now
        self._by_access[grant.access_token] = (grant, now)
        self._by_refresh[grant.refresh_token] = grant
        return {
            "access_token": grant.access_token,
            "token_type": "Bearer",
            "expires_in": str(ACCESS_TOKEN_SECONDS),
            "refresh_token": grant.refresh_token,
        }

    # --- API calls --------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> Grant | None:
        """The grant behind a `Bearer` header, if the access token is still alive."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        token = authorization[7:].strip()
        found = self._by_access.get(token)
        if found is None or found[0].revoked:
            return None
        grant, issued = found
        if (self.clock.now() - issued).total_seconds() >= ACCESS_TOKEN_SECONDS:
            return None
        return grant

    def mint(self, client_id: uuid.UUID) -> dict[str, str]:
        """A fresh token pair without the browser dance (control API, fixtures)."""
        grant = Grant(self._client(str(client_id)).client_id, self.user_id)
        self._grants.append(grant)
        return self._issue(grant)

    def expire_access_tokens(self) -> None:
        """Make every access token look issued 600 s ago (refresh allowed now)."""
        shift = dt.timedelta(seconds=ACCESS_TOKEN_SECONDS)
        for grant in self._grants:
            grant.access_issued -= shift
        for token, (grant, issued) in self._by_access.items():
            self._by_access[token] = (grant, issued - shift)

    def _client(self, client_id: str) -> ClientApp:
        try:
            app = self.clients.get(uuid.UUID(client_id))
        except ValueError:
            app = None
        if app is None:
            raise OAuthError(
                400, "invalid_client", f"Client with identifier '{client_id}' not found"
            )
        return app


def _exact_time(moment: dt.datetime) -> str:
    """Exact's US-style timestamp in error texts: 10/11/2022 9:18:20 PM."""
    hour = moment.hour % 12 or 12
    suffix = "AM" if moment.hour < 12 else "PM"
    return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment:%M:%S} {suffix}"
