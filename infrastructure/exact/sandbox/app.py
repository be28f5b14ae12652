"""The sandbox over HTTP: Exact's REST API, its OAuth2 endpoints and a control API.

Each REST call goes through the same gate, in Exact's order: injected faults,
then the bearer token (401, empty body), the division (403 with a `Reason`
header), the rate limit (429, empty body), and only then the entity set. Answers are
JSON only for ``Accept: application/json``; otherwise Atom XML, as Exact's default
(`infrastructure.exact.sandbox.atom`).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import re
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from infrastructure.exact import codec
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.administration import Caller, Row, SandboxError
from infrastructure.exact.sandbox.atom import negotiate
from infrastructure.exact.sandbox.control import control_routes
from infrastructure.exact.sandbox.faults import AFTER, BEFORE, Fault, FaultKind
from infrastructure.exact.sandbox.oauth import Grant, OAuthError
from infrastructure.exact.sandbox.odata import Edm, ODataError, ODataQuery
from infrastructure.exact.sandbox.sandbox import LoggedRequest, Sandbox
from infrastructure.exact.sandbox.schema import EntitySet

JSON = "application/json; charset=utf-8"
_RESOURCE = re.compile(
    r"^(?P<set>[A-Za-z]+(?:/[A-Za-z]+)*)"
    r"(?:\((?P<key>[^)]*)\))?"
    r"(?:/(?P<nav>\$count|[A-Za-z]+))?$"
)
_GUID_KEY = re.compile(r"^guid'([0-9a-fA-F-]{36})'$")
SELECT_REQUIRED = "Please add a $select or a $top=1 statement to the query string."


def create_sandbox_app(sandbox: Sandbox) -> Starlette:
    api = _Api(sandbox)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await sandbox.webhooks.start()
        try:
            yield
        finally:
            await sandbox.webhooks.stop()

    routes = [
        Route("/api/oauth2/auth", api.authorize, methods=["GET"]),
        Route("/api/oauth2/token", api.token, methods=["POST"]),
        Route("/api/v1/{resource:path}", api.rest, methods=["GET", "POST", "PUT", "DELETE"]),
        Route("/docs/SysAttachment.aspx", api.attachment, methods=["GET"]),
        Mount("/control", routes=control_routes(sandbox)),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


class _LostResponse(Response):
    """Start a response, then drop the connection: the client never sees the outcome."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", JSON.encode()), (b"content-length", b"4096")],
            }
        )
        raise ConnectionAbortedError("sandbox fault: response lost after the write")


class _Api:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    # --- OAuth ----------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        blocked = await self._before(request)
        if blocked is not None:
            return self._logged(request, blocked)
        with self.sandbox.lock:
            try:
                location = self.sandbox.oauth.authorize(dict(request.query_params))
            except OAuthError as error:
                return self._logged(
                    request, Response(error.body["error_description"], error.status)
                )
        return self._logged(request, RedirectResponse(location, status_code=302))

    async def token(self, request: Request) -> Response:
        blocked = await self._before(request)
        if blocked is not None:
            return self._logged(request, blocked)
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        with self.sandbox.lock:
            try:
                body = self.sandbox.oauth.token(form)
            except OAuthError as error:
                return self._logged(request, _json(error.body, error.status))
        return self._logged(request, _json(body, 200))

    # --- REST -------------------------------------------------------------------

    async def rest(self, request: Request) -> Response:
        blocked = await self._before(request)
        if blocked is not None:
            return self._logged(request, blocked)
        accept = request.headers.get("accept")
        with self.sandbox.lock:
            grant = self.sandbox.oauth.authenticate(request.headers.get("authorization"))
            if grant is None:
                return self._logged(request, Response(status_code=401))
            division = None
            try:
                division, resource = self._route(request.path_params["resource"])
                self.sandbox.administration.division(division)
            except SandboxError as error:
                return self._logged(request, negotiate(accept, _error(error)), grant, division)
            verdict = self.sandbox.limits.check(grant.client_id, division)
            if not verdict.allowed:
                response = Response(status_code=429, headers=verdict.headers)
                return self._logged(request, response, grant, division)
            body = await request.body() if request.method in ("POST", "PUT") else b""
            response = self._handle(request, grant, division, resource, body)
            response.headers.update(verdict.headers)
            response = negotiate(accept, response)
        if self._draw(request, AFTER):
            response = _LostResponse()
        return self._logged(request, response, grant, division)

    def _route(self, resource: str) -> tuple[int, str]:
        if resource.lower() == "current/me":
            division = self.sandbox.administration.current_division
            if division is None:
                raise SandboxError(403, "Forbidden", {"Reason": "NoDivisionAccess"})
            return division, resource
        head, _, rest = resource.partition("/")
        if not head.isdigit() or not rest:
            raise SandboxError(404, "Not found")
        return int(head), rest

    def _handle(
        self, request: Request, grant: Grant, division: int, resource: str, body: bytes
    ) -> Response:
        try:
            if resource.lower() == "current/me":
                return self._me(request)
            return self._resource(request, grant, division, resource, body)
        except SandboxError as error:
            return _error(error)
        except ODataError as error:
            return _error(SandboxError(400, error.message))

    def _me(self, request: Request) -> Response:
        me = self.sandbox.administration.me()
        uri = f"{_base(request)}/api/v1/current/Me(guid'{me['UserID']}')"
        row = _serialise(me, {"uri": uri, "type": "Exact.Web.Api.System.Me"})
        return _json({"d": {"results": [row]}}, 200)

    def _resource(
        self, request: Request, grant: Grant, division: int, resource: str, body: bytes
    ) -> Response:
        match = _RESOURCE.match(resource)
        entity_set = schema.ENTITY_SETS.get(match.group("set").lower()) if match else None
        if match is None or entity_set is None:
            raise SandboxError(404, f"Resource not found for the segment '{resource}'.")
        key_text, nav = match.group("key"), match.group("nav")
        view = _View(self.sandbox, request, division, entity_set)
        method = request.method
        if method == "GET":
            if key_text is None:
                return view.collection(count_only=nav == "$count")
            key = _parse_key(entity_set, key_text)
            return view.navigation(key, nav) if nav else view.single(key)
        if method == "POST" and key_text is None:
            payload = _parse_body(body)
            caller = Caller(grant.client_id, grant.user_id)
            row = self.sandbox.administration.create(division, entity_set, payload, caller)
            if entity_set is schema.WEBHOOK_SUBSCRIPTIONS:
                self.sandbox.webhooks.validate(row["CallbackURL"])
            return _json({"d": view.entity(row)}, 201)
        if method in ("PUT", "DELETE") and key_text is not None and nav is None:
            key = _parse_key(entity_set, key_text)
            if method == "PUT":
                self.sandbox.administration.update(division, entity_set, key, _parse_body(body))
            else:
                self.sandbox.administration.delete(division, entity_set, key)
            return Response(status_code=204)
        raise SandboxError(405, f"Method {method} is not allowed on {entity_set.path}")

    # --- attachments, as the download URL Exact hands out ---------------------------

    async def attachment(self, request: Request) -> Response:
        with self.sandbox.lock:
            try:
                wanted = uuid.UUID(request.query_params.get("ID", ""))
            except ValueError:
                return Response(status_code=404)
            for state in self.sandbox.administration.divisions.values():
                row = state.table(schema.DOCUMENT_ATTACHMENTS.path).get(wanted)
                if row is not None:
                    content = base64.b64decode(row["Attachment"])
                    return Response(
                        content,
                        200,
                        media_type="application/pdf",
                        headers={
                            "Content-Disposition": f'attachment; filename="{row["FileName"]}"'
                        },
                    )
        return Response(status_code=404)

    # --- faults and the request log ---------------------------------------------

    async def _before(self, request: Request) -> Response | None:
        fired = self._draw(request, BEFORE)
        for fault in fired:
            if fault.kind is FaultKind.LATENCY:
                await asyncio.sleep(self.sandbox.clock.sleep_seconds(fault.seconds))
        for fault in fired:
            if fault.kind is FaultKind.ERROR:
                return Response("Service Unavailable", fault.status, media_type="text/html")
            if fault.kind is FaultKind.THROTTLE:
                return Response(status_code=429, headers=self._throttled_until(fault.seconds))
        return None

    def _throttled_until(self, seconds: float) -> dict[str, str]:
        """The minutely headers of an exhausted quota (as if another app used it up).

        It resets at the next whole minute, as Exact's does; a throttle fault
        with `seconds` resets that long from now instead, to keep tests short.
        """
        now_ms = int(self.sandbox.clock.now().timestamp() * 1000)
        reset = now_ms + int(seconds * 1000) if seconds > 0 else (now_ms // 60_000 + 1) * 60_000
        return {
            "X-RateLimit-Minutely-Limit": str(self.sandbox.limits.limits.minutely),
            "X-RateLimit-Minutely-Remaining": "0",
            "X-RateLimit-Minutely-Reset": str(reset),
        }

    def _draw(self, request: Request, kinds: set[FaultKind]) -> list[Fault]:
        fired = self.sandbox.faults.draw(request.method, request.url.path, kinds)
        if fired:
            request.state.faults = [*getattr(request.state, "faults", []), *fired]
        return fired

    def _logged(
        self,
        request: Request,
        response: Response,
        grant: Grant | None = None,
        division: int | None = None,
    ) -> Response:
        faults = tuple(fault.kind.value for fault in getattr(request.state, "faults", []))
        self.sandbox.log(
            LoggedRequest(
                self.sandbox.clock.now(),
                request.method,
                request.url.path,
                request.url.query,
                response.status_code,
                grant.client_id if grant else None,
                division,
                faults,
            )
        )
        return response


class _View:
    """Reads of one entity set in one division, serialised as Exact does."""

    def __init__(self, sandbox: Sandbox, request: Request, division: int, entity_set: EntitySet):
        self.administration = sandbox.administration
        self.request = request
        self.division = division
        self.entity_set = entity_set
        self.params = _query_params(request)
        self.base = f"{_base(request)}/api/v1/{division}/{entity_set.path}"
        self._expand: set[str] = set()

    def collection(self, *, count_only: bool) -> Response:
        entity_set, params = self.entity_set, self.params
        if (
            entity_set.select_required
            and not params.get("$select")
            and params.get("$top", "").strip() != "1"
            and not count_only
        ):
            raise SandboxError(400, SELECT_REQUIRED)
        self._check_sync_filter()
        query = self._query(params)
        rows = self.administration.rows(self.division, entity_set)
        if count_only:
            counted = ODataQuery.parse(
                {k: v for k, v in params.items() if k == "$filter"},
                fields=entity_set.fields,
                entity_type=entity_set.entity_type,
                key=entity_set.key,
                page_size=1 << 30,
            ).execute(rows)
            return Response(str(len(counted.rows)), 200, media_type="text/plain")
        result = dataclasses.replace(query, select=None).execute(rows)
        results = [self._decorate(row, query.select) for row in result.rows]
        next_url = result.next_link(self.base, params)
        if entity_set is schema.VAT_CODES and next_url is None and result.count is None:
            return _json({"d": results}, 200)
        envelope: dict[str, Any] = {"results": results}
        if result.count is not None:
            envelope["__count"] = str(result.count)
        if next_url is not None:
            envelope["__next"] = next_url
        return _json({"d": envelope}, 200)

    def single(self, key: Any) -> Response:
        query = self._query({k: v for k, v in self.params.items() if k in ("$select", "$expand")})
        row = self.administration.get(self.division, self.entity_set, key)
        return _json({"d": self._decorate(row, query.select)}, 200)

    def navigation(self, key: Any, nav: str) -> Response:
        if self.entity_set is not schema.INVOICES or nav != "SalesInvoiceLines":
            raise SandboxError(404, f"Resource not found for the segment '{nav}'.")
        self.administration.get(self.division, self.entity_set, key)
        return _json({"d": {"results": [self._line(line) for line in self._lines(key)]}}, 200)

    def entity(self, row: Row) -> dict[str, Any]:
        """A row as a POST response or `d` of a single GET: every field, lines deferred."""
        return self._decorate(row, None)

    def _query(self, params: Mapping[str, str]) -> ODataQuery:
        entity_set = self.entity_set
        options = {k: v for k, v in params.items() if k != "$expand"}
        self._expand = _expand(params, entity_set)
        return ODataQuery.parse(
            options,
            fields=entity_set.fields,
            entity_type=entity_set.entity_type,
            key=entity_set.key,
            page_size=entity_set.page_size,
            navigation=tuple(entity_set.navigation),
        )

    def _check_sync_filter(self) -> None:
        if not self.entity_set.path.startswith("sync/"):
            return
        text = self.params.get("$filter", "")
        names = set(re.findall(r"[A-Za-z_]\w*", re.sub(r"'[^']*'", "", text)))
        names -= {"eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not", "L", "Timestamp"}
        if any(name in self.entity_set.fields for name in names):
            raise SandboxError(400, "Only the Timestamp field can be filtered on sync endpoints.")

    def _decorate(self, row: Mapping[str, Any], select: list[str] | None) -> dict[str, Any]:
        entity_set = self.entity_set
        key = row.get(entity_set.key)
        key_literal = f"guid'{key}'" if isinstance(key, uuid.UUID) else str(key)
        uri = f"{self.base}({key_literal})"
        names = entity_set.fields if select is None else select
        out = _serialise(
            {name: row.get(name) for name in names if name not in entity_set.navigation},
            {"uri": uri, "type": entity_set.entity_type},
        )
        for nav in entity_set.navigation:
            if select is not None and nav not in select:
                continue
            if nav in self._expand and key is not None:
                out[nav] = {"results": [self._line(line) for line in self._lines(key)]}
            else:
                out[nav] = {"__deferred": {"uri": f"{uri}/{nav}"}}
        return out

    def _lines(self, invoice_id: uuid.UUID) -> list[Row]:
        return self.administration.lines_of(self.division, invoice_id)

    def _line(self, line: Row) -> dict[str, Any]:
        lines = schema.INVOICE_LINES
        uri = f"{_base(self.request)}/api/v1/{self.division}/{lines.path}(guid'{line['ID']}')"
        values = {name: line.get(name) for name in schema.INVOICE_LINE_FIELDS}
        return _serialise(values, {"uri": uri, "type": lines.entity_type})


def _expand(params: Mapping[str, str], entity_set: EntitySet) -> set[str]:
    names = {name.strip() for name in params.get("$expand", "").split(",") if name.strip()}
    unknown = names - set(entity_set.navigation)
    if unknown:
        raise SandboxError(
            400,
            f"Could not find a property named '{sorted(unknown)[0]}' on type "
            f"'{entity_set.entity_type}'.",
        )
    return names


def _serialise(row: Mapping[str, Any], metadata: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"__metadata": metadata}
    for name, value in row.items():
        if name.startswith("_"):
            continue
        out[name] = codec.to_wire(value)
    return out


def _parse_key(entity_set: EntitySet, text: str) -> Any:
    edm = entity_set.fields[entity_set.key]
    if edm is Edm.GUID:
        match = _GUID_KEY.match(text.strip())
        if match is None:
            raise SandboxError(400, f"Unrecognized 'Edm.Guid' literal '{text}' in '0'.")
        return uuid.UUID(match.group(1))
    digits = text.strip().rstrip("L")
    if not digits.lstrip("-").isdigit():
        raise SandboxError(400, f"Unrecognized '{edm.value}' literal '{text}' in '0'.")
    return int(digits)


def _parse_body(body: bytes) -> Any:
    try:
        return codec.loads(body or b"null")
    except ValueError:
        raise SandboxError(
            400,
            "Error processing request stream. The request should be a "
            "valid top-level resource object.",
        ) from None


def _query_params(request: Request) -> dict[str, str]:
    return dict(parse_qsl(request.url.query, keep_blank_values=True))


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _json(body: Any, status: int) -> Response:
    return Response(codec.dumps(body), status, media_type=JSON)


def _error(error: SandboxError) -> Response:
    if error.status in (401, 429):
        return Response(status_code=error.status, headers=error.headers)
    body = {"error": {"code": "", "message": {"lang": "", "value": error.message}}}
    return Response(codec.dumps(body), error.status, headers=error.headers, media_type=JSON)
