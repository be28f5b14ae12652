"""Exact Online's OAuth2 endpoints: the authorize URL, code exchange and refresh.

`POST {base}/api/oauth2/token` takes a form and answers
``{"access_token", "token_type": "bearer", "expires_in": "600", "refresh_token"}``
(`expires_in` is a string). Its errors are OAuth-style
``{"error", "error_description"}`` bodies and map to the port's errors:

- `ExactGrantRevokedError` (reconnect needed): ``invalid_grant``, "Old refresh
  token used.", "The refresh token expired at …", ``invalid_client``,
  ``unauthorized_client``;
- `ExactRefreshTooEarlyError`: "Access token not expired." (refresh at most
  once per 570 s); nothing changed at Exact;
- `ExactThrottledError` on 429, `ExactUnavailableError` on 5xx, timeouts and
  unreadable answers.

Tokens, codes and the client secret are never logged nor put in a message.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from application.exact import (
    ExactAuthError,
    ExactThrottledError,
    ExactUnavailableError,
)

log = logging.getLogger(__name__)

TOKEN_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
"""Short: a refresh holds the connection's database lock (SQLite waits up to 30 s)."""


class ExactGrantRevokedError(ExactAuthError):
    """The grant is gone (revoked, rotated away, expired, wrong app): reconnect needed."""


class ExactRefreshTooEarlyError(ExactAuthError):
    """Exact refuses a refresh before 570 s after the last one; nothing changed."""


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    """Seconds the access token lives, from when Exact issued it."""


class ExactOAuthClient:
    """The OAuth2 endpoints of one Exact site (`base_url`, e.g. https://start.exactonline.nl)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        *,
        timeout: httpx.Timeout | float = TOKEN_TIMEOUT,
    ) -> None:
        self._http = http
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/api/oauth2/token"

    def authorize_url(self, client_id: str, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "state": state,
                "force_login": "0",
            }
        )
        return f"{self.base_url}/api/oauth2/auth?{query}"

    async def exchange_code(
        self, client_id: str, client_secret: str, redirect_uri: str, code: str
    ) -> TokenPair:
        """The first pair, for a code from the redirect (URL-decoded; valid 3 minutes, once)."""
        return await self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": client_id,
                "client_secret": client_secret,
            }
        )

    async def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> TokenPair:
        """A new pair; the old refresh token is dead from now on (rotation)."""
        return await self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": client_id,
                "client_secret": client_secret,
            }
        )

    async def _token(self, form: dict[str, str]) -> TokenPair:
        grant_type = form["grant_type"]
        try:
            response = await self._http.post(
                self.token_url,
                content=urlencode(form).encode("ascii"),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                },
                timeout=self._timeout,
            )
        except httpx.TimeoutException:
            log.warning("Exact's token endpoint did not answer in time (%s)", grant_type)
            raise ExactUnavailableError(
                f"Exact's token endpoint did not answer in time ({self.token_url})"
            ) from None
        except httpx.TransportError as error:
            log.warning(
                "Could not reach Exact's token endpoint (%s): %s", grant_type, type(error).__name__
            )
            raise ExactUnavailableError(
                f"Could not reach Exact's token endpoint ({self.token_url}): {type(error).__name__}"
            ) from None
        if response.status_code != 200:
            refusal = _error(response)
            log.warning(
                "Exact refused the %s grant: HTTP %s %s",
                grant_type,
                response.status_code,
                refusal.message,
            )
            raise refusal
        pair = _pair(response)
        log.info("Exact issued a token pair (%s, expires in %s s)", grant_type, pair.expires_in)
        return pair


def _pair(response: httpx.Response) -> TokenPair:
    body = _json(response)
    if not isinstance(body, dict):
        raise ExactUnavailableError("Exact's token endpoint answered without a JSON object")
    access, refresh = body.get("access_token"), body.get("refresh_token")
    token_type, expires_in = body.get("token_type"), body.get("expires_in")
    if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
        raise ExactUnavailableError("Exact's token endpoint answered without a token pair")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise ExactUnavailableError(f"Exact sent an unexpected token type: {token_type!r}")
    seconds = _seconds(expires_in)
    if seconds is None:
        raise ExactUnavailableError(f"Exact sent an unreadable expires_in: {expires_in!r}")
    return TokenPair(access, refresh, seconds)


def _seconds(value: Any) -> int | None:
    """`expires_in` arrives as a string ("600"); a number is accepted too."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        seconds = int(value.strip())
        return seconds if seconds > 0 else None
    return None


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeError):
        return None


def _error(
    response: httpx.Response,
) -> ExactAuthError | ExactThrottledError | ExactUnavailableError:
    status = response.status_code
    body = _json(response)
    error = description = ""
    if isinstance(body, dict):
        code, text = body.get("error"), body.get("error_description")
        error = code.strip() if isinstance(code, str) else ""
        description = text.strip() if isinstance(text, str) else ""
    message = description or error or f"Exact's token endpoint answered HTTP {status}"
    if status == 429:
        return ExactThrottledError(message, retry_at=_retry_at(response.headers))
    if status == 408 or status >= 500:
        return ExactUnavailableError(message, status=status)
    lowered = description.lower()
    if "access token not expired" in lowered:
        return ExactRefreshTooEarlyError(message, status=status)
    if (
        error in ("invalid_grant", "invalid_client", "unauthorized_client")
        or "old refresh token used" in lowered
        or "refresh token expired" in lowered
    ):
        return ExactGrantRevokedError(message, status=status)
    if 400 <= status < 500:
        return ExactAuthError(message, status=status)
    return ExactUnavailableError(f"Exact's token endpoint answered HTTP {status}", status=status)


def _retry_at(headers: httpx.Headers) -> dt.datetime | None:
    """The exhausted limit's reset (epoch ms headers), else ``Retry-After`` seconds."""
    for name in ("X-RateLimit-Minutely-Reset", "X-RateLimit-Reset"):
        value = headers.get(name, "").strip()
        if value.isdigit():
            return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    after = headers.get("Retry-After", "").strip()
    if after.isdigit():
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(after))
    return None
