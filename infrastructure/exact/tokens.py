"""Where the adapter gets its bearer token, and whom it tells when Exact refuses one."""

from __future__ import annotations

from typing import Protocol

from application.exact import ExactAuthError


class AccessTokens(Protocol):
    async def access_token(self) -> str:
        """A token to send now (refreshing it first when it is about to expire)."""
        ...

    async def rejected(self, token: str) -> str:
        """Exact answered 401 to `token`, unexpectedly.

        Called at most once per request. Returns a fresh token to retry with,
        or raises `ExactAuthError` when there is none (reconnect needed).
        """
        ...


class StaticAccessTokens:
    """One fixed token, for the sandbox and for scripts: a 401 is final."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def access_token(self) -> str:
        return self._token

    async def rejected(self, token: str) -> str:
        raise ExactAuthError("Exact rejected the access token; reconnect to Exact", status=401)
