"""The Exact Online REST transport: one request path, envelopes, errors and paging.

Every call goes through `ExactHttp.request`: it builds the URL, adds the bearer
token and the headers Exact needs, asks the rate budget (when it has one) before
sending, records the rate-limit headers, retries once after an unexpected 401
with a fresh token, and turns every failure into one of the port's typed errors.

With a budget, a 429 is retried too, after waiting for the reset, at most
`MAX_THROTTLED_RETRIES` times: Exact did not process the refused call, so even a
POST is safe to send again. Nothing else is ever retried: Exact blocks a key
after ten errors per endpoint and hour, and a re-sent POST can create a second
invoice (the outbox decides what to re-send, after looking the reference up).
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from application.exact import (
    ExactAuthError,
    ExactError,
    ExactNotFoundError,
    ExactThrottledError,
    ExactUnavailableError,
    ExactValidationError,
)
from infrastructure.exact import codec, odata
from infrastructure.exact.tokens import AccessTokens

if TYPE_CHECKING:
    from infrastructure.exact.budget import RateBudget

DEFAULT_BASE_URL = "https://start.exactonline.nl"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
MAX_THROTTLED_RETRIES = 3
"""With a budget: how often one request is sent again after a 429 before giving up."""

Row = dict[str, Any]


# --- rate limits --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The ``X-RateLimit-*`` headers of one response (None: header absent).

    Limits are per app and division: `daily_*` resets at 00:00 UTC, `minutely_*`
    at the next whole minute. A minutely 429 carries only the minutely headers,
    a daily 429 only the daily ones. Reset times are aware UTC datetimes.
    """

    daily_limit: int | None = None
    daily_remaining: int | None = None
    daily_reset: dt.datetime | None = None
    minutely_limit: int | None = None
    minutely_remaining: int | None = None
    minutely_reset: dt.datetime | None = None

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> RateLimit | None:
        limit = cls(
            daily_limit=_int_header(headers, "X-RateLimit-Limit"),
            daily_remaining=_int_header(headers, "X-RateLimit-Remaining"),
            daily_reset=_epoch_ms_header(headers, "X-RateLimit-Reset"),
            minutely_limit=_int_header(headers, "X-RateLimit-Minutely-Limit"),
            minutely_remaining=_int_header(headers, "X-RateLimit-Minutely-Remaining"),
            minutely_reset=_epoch_ms_header(headers, "X-RateLimit-Minutely-Reset"),
        )
        return None if limit == cls() else limit

    @property
    def retry_at(self) -> dt.datetime | None:
        """When calls are accepted again after a 429: the exhausted limit's reset."""
        if self.daily_remaining == 0 and self.daily_reset is not None:
            return self.daily_reset
        return self.minutely_reset or self.daily_reset


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _epoch_ms_header(headers: httpx.Headers, name: str) -> dt.datetime | None:
    millis = _int_header(headers, name)
    if millis is None:
        return None
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)


def _retry_after(headers: httpx.Headers) -> dt.datetime | None:
    """``Retry-After`` (seconds or an HTTP date); Exact sending it is unconfirmed."""
    value = headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(value))
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


# --- envelopes ----------------------------------------------------------------


def collection(payload: Any) -> tuple[list[Row], str | None]:
    """``{"d":{"results":[…],"__next":…}}`` or ``{"d":[…]}`` to (rows, next URL)."""
    body = payload.get("d") if isinstance(payload, dict) else None
    if isinstance(body, list):
        return _rows(body), None
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        next_url = body.get("__next")
        return _rows(body["results"]), next_url if isinstance(next_url, str) and next_url else None
    raise ExactUnavailableError("Exact answered with an unexpected collection envelope")


def entity(payload: Any) -> Row:
    """``{"d":{…}}`` (also ``{"d":{"results":[{…}]}}`` and ``{"d":[{…}]}``) to one row."""
    body = payload.get("d") if isinstance(payload, dict) else None
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        body = body["results"]
    if isinstance(body, list):
        body = body[0] if len(body) == 1 else None
    if isinstance(body, dict):
        return body
    raise ExactUnavailableError("Exact answered with an unexpected entity envelope")


def _rows(values: list[Any]) -> list[Row]:
    if not all(isinstance(value, dict) for value in values):
        raise ExactUnavailableError("Exact answered with a collection of non-objects")
    return values


def _decode(response: httpx.Response) -> Any:
    try:
        return codec.loads(response.content)
    except ValueError as error:
        raise ExactUnavailableError(
            f"Exact answered HTTP {response.status_code} without a readable JSON body",
            status=response.status_code,
        ) from error


# --- errors -------------------------------------------------------------------


def _error_body(response: httpx.Response) -> tuple[bool, str | None]:
    """(is it Exact's JSON error envelope, its message text)."""
    if not response.content.strip():
        return False, None
    try:
        payload = codec.loads(response.content)
    except ValueError:
        return False, None  # HTML (a login page), plain text, …
    if not isinstance(payload, dict):
        return False, None
    error = payload.get("error")
    if isinstance(error, dict):
        message = error.get("message")
        value = message.get("value") if isinstance(message, dict) else message
        text = value.strip() if isinstance(value, str) else ""
        return True, text or None
    if isinstance(error, str):  # OAuth style: {"error": …, "error_description": …}
        description = payload.get("error_description")
        return True, f"{error}: {description}" if isinstance(description, str) else error
    return False, None


def error_for(response: httpx.Response) -> ExactError:
    """The port's error for a failed response, with Exact's own message when it sent one."""
    status = response.status_code
    is_envelope, message = _error_body(response)
    text = message or f"Exact answered HTTP {status} {response.reason_phrase}".rstrip()
    if status == 400:
        return ExactValidationError(text, status=status)
    if status == 401:
        return ExactAuthError(text, status=status)
    if status == 403:
        reason = response.headers.get("Reason")
        return ExactAuthError(f"{text} (Reason: {reason})" if reason else text, status=status)
    if status == 404:
        return ExactNotFoundError(text, status=status)
    if status == 429:
        limits = RateLimit.from_headers(response.headers)
        retry_at = (limits.retry_at if limits else None) or _retry_after(response.headers)
        return ExactThrottledError(text, retry_at=retry_at)
    if status == 500 and is_envelope:
        return ExactValidationError(text, status=status)  # Exact's business validation
    if status == 408 or status >= 500:
        return ExactUnavailableError(text, status=status)
    if 400 <= status < 500:
        return ExactValidationError(text, status=status)
    return ExactUnavailableError(f"Exact answered an unexpected HTTP {status}", status=status)


# --- the transport ------------------------------------------------------------


class ExactHttp:
    """Requests to Exact's REST API at `{base_url}/api/v1`, with `tokens` for auth.

    Pass `client` to share a connection pool (it is then not closed here), and
    `budget` to keep within Exact's rate limits (None: no budgeting, a 429 is
    raised at once).
    """

    def __init__(
        self,
        tokens: AccessTokens,
        *,
        base_url: str = DEFAULT_BASE_URL,
        client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        budget: RateBudget | None = None,
        max_throttled_retries: int = MAX_THROTTLED_RETRIES,
    ) -> None:
        self._tokens = tokens
        self.budget = budget
        self.max_throttled_retries = max_throttled_retries
        self.base_url = base_url.rstrip("/")
        self.api_root = f"{self.base_url}/api/v1"
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        self.last_rate_limit: dict[int | None, RateLimit] = {}
        """The rate-limit headers last seen per division (None: no division, current/Me)."""

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> ExactHttp:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def url(self, path: str, *, division: int | None) -> str:
        """`{root}/{division}/{path}`, or `{root}/{path}` without a division."""
        if division is None:
            return f"{self.api_root}/{path}"
        if isinstance(division, bool) or not isinstance(division, int) or division <= 0:
            raise ValueError(f"not an Exact division: {division!r}")
        return f"{self.api_root}/{division}/{path}"

    async def request(
        self,
        method: str,
        path: str,
        *,
        division: int | None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """One call to Exact; a 2xx response, or the port's typed error.

        `path` is relative to the division (``crm/Accounts``) or, to follow
        paging, a ``__next`` URL exactly as Exact sent it. GETs must `$select`.
        """
        url = self._target(method, path, division=division, params=params)
        headers = {"Accept": "application/json"}
        content: bytes | None = None
        if json is not None:
            content = codec.dumps(json).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if method == "POST":
            headers["Prefer"] = "return=representation"

        token = await self._tokens.access_token()
        refreshed = False
        throttled = 0
        while True:
            response = await self._send(method, url, headers, content, token, division)
            if response.status_code == 401 and not refreshed:
                refreshed = True
                token = await self._tokens.rejected(token)
                continue
            if response.status_code == 429 and self.budget is not None:
                limits = RateLimit.from_headers(response.headers)
                retry_at = (limits.retry_at if limits else None) or _retry_after(response.headers)
                await self.budget.exhausted(division, limits, retry_at)
                if throttled < self.max_throttled_retries:
                    throttled += 1  # not processed by Exact: the same request again
                    continue
            if not response.is_success:
                raise error_for(response)
            return response

    def _target(
        self,
        method: str,
        path: str,
        *,
        division: int | None,
        params: Mapping[str, str] | None,
    ) -> str:
        if "://" in path:  # a __next link: followed verbatim, but only to Exact itself
            if params:
                raise ValueError("a __next link already carries its query")
            if not _same_origin(path, self.api_root):
                raise ExactUnavailableError(f"Exact sent a __next link to another site: {path}")
            return path
        if method == "GET" and "$select" not in (params or {}):
            raise ValueError(f"GET {path} without $select: name the fields to fetch")
        url = self.url(path, division=division)
        return f"{url}?{odata.query_string(params)}" if params else url

    async def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        content: bytes | None,
        token: str,
        division: int | None,
    ) -> httpx.Response:
        if self.budget is not None:
            await self.budget.acquire(division)
        try:
            response = await self._client.request(
                method,
                url,
                headers={**headers, "Authorization": f"Bearer {token}"},
                content=content,
            )
        except httpx.TimeoutException as error:
            raise ExactUnavailableError(f"Exact did not answer in time ({method} {url})") from error
        except httpx.TransportError as error:
            raise ExactUnavailableError(
                f"Could not reach Exact ({method} {url}): {error!r}"
            ) from error
        limits = RateLimit.from_headers(response.headers)
        if limits is not None:
            self.last_rate_limit[division] = limits
        if self.budget is not None:
            await self.budget.observe(division, limits)
        return response

    # --- helpers on top of `request` ----------------------------------------

    async def get_page(
        self,
        path: str,
        *,
        division: int | None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[list[Row], str | None]:
        """One page of a collection and its ``__next`` link (None on the last page)."""
        response = await self.request("GET", path, division=division, params=params)
        return collection(_decode(response))

    async def get_all(
        self, path: str, *, division: int | None, params: Mapping[str, str]
    ) -> list[Row]:
        """Every row, following ``__next`` verbatim, one request at a time."""
        rows, next_url = await self.get_page(path, division=division, params=params)
        seen: set[str] = set()
        while next_url is not None:
            if next_url in seen:
                raise ExactUnavailableError(f"Exact's paging loops on {next_url}")
            seen.add(next_url)
            page, next_url = await self.get_page(next_url, division=division)
            rows.extend(page)
        return rows

    async def get_one(
        self, path: str, *, division: int | None, params: Mapping[str, str]
    ) -> Row | None:
        """One entity, or None when Exact answers 404."""
        try:
            response = await self.request("GET", path, division=division, params=params)
        except ExactNotFoundError:
            return None
        return entity(_decode(response))

    async def post(self, path: str, *, division: int, body: Mapping[str, Any]) -> Row:
        """Create: any 2xx with the new entity in ``d``."""
        response = await self.request("POST", path, division=division, json=body)
        return entity(_decode(response))

    async def put(self, path: str, *, division: int, body: Mapping[str, Any]) -> None:
        """Update: 204 with an empty body (a 200 is accepted too)."""
        await self.request("PUT", path, division=division, json=body)

    async def delete(self, path: str, *, division: int) -> None:
        await self.request("DELETE", path, division=division)


def _same_origin(url: str, root: str) -> bool:
    first, second = urlsplit(url), urlsplit(root)
    return (first.scheme, first.netloc.lower()) == (second.scheme, second.netloc.lower())
