"""The control API: what a test (or a person) does to the sandbox from outside.

- ``POST /control/reset`` (``{"demo": false}`` for an empty sandbox)
- ``POST /control/seed`` an administration; ``GET /control/state`` to inspect it
- ``GET|DELETE /control/requests``: the request log
- ``POST /control/divisions/{division}/invoices/{id}/process``: print it in "Exact"
- ``GET|POST /control/clock``: ``{"advance": s}``, ``{"scale": x}``, ``{"set": iso}``
- ``GET|POST|DELETE /control/faults``; ``PUT /control/limits``
- ``POST /control/clients`` (register an app), ``POST /control/tokens`` (mint a pair),
  ``POST /control/tokens/expire``; ``GET /control/webhooks`` (deliveries)
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from infrastructure.exact import codec
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.administration import SandboxError
from infrastructure.exact.sandbox.oauth import ClientApp, OAuthError
from infrastructure.exact.sandbox.sandbox import Sandbox

Handler = Callable[[Request], Awaitable[Response]]


def control_routes(sandbox: Sandbox) -> list[Route]:
    control = _Control(sandbox)
    return [
        Route("/reset", control.reset, methods=["POST"]),
        Route("/seed", control.seed, methods=["POST"]),
        Route("/state", control.state, methods=["GET"]),
        Route("/requests", control.requests, methods=["GET", "DELETE"]),
        Route(
            "/divisions/{division:int}/invoices/{invoice_id}/process",
            control.process,
            methods=["POST"],
        ),
        Route("/clock", control.clock, methods=["GET", "POST"]),
        Route("/faults", control.faults, methods=["GET", "POST", "DELETE"]),
        Route("/limits", control.limits, methods=["GET", "PUT"]),
        Route("/clients", control.clients, methods=["POST"]),
        Route("/tokens", control.tokens, methods=["POST"]),
        Route("/tokens/expire", control.expire_tokens, methods=["POST"]),
        Route("/webhooks", control.webhooks, methods=["GET"]),
    ]


def _reply(body: Any, status: int = 200) -> Response:
    return Response(codec.dumps(_plain(body)), status, media_type="application/json")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items() if str(key)[:1] != "_"}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    body = codec.loads(raw)
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


class _Control:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    async def reset(self, request: Request) -> Response:
        body = await _body(request)
        self.sandbox.reset(demo=body.get("demo"))
        return _reply({"reset": True, "demo": self.sandbox.config.demo})

    async def seed(self, request: Request) -> Response:
        return await _guarded(lambda body: self.sandbox.seed(body), request)

    async def state(self, request: Request) -> Response:
        division = int(
            request.query_params.get("division")
            or self.sandbox.administration.current_division
            or 0
        )
        entity = request.query_params.get("entity", schema.INVOICES.path)
        if entity.lower() not in schema.ENTITY_SETS:
            return _reply({"error": f"unknown entity set {entity}"}, 404)
        try:
            return _reply({"rows": self.sandbox.rows(division, entity)})
        except SandboxError as error:
            return _reply({"error": error.message}, error.status)

    async def requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.sandbox.requests.clear()
            return _reply({"cleared": True})
        limit = int(request.query_params.get("limit") or 1000)
        entries = list(self.sandbox.requests)[-limit:]
        return _reply({"requests": [entry.describe() for entry in entries]})

    async def process(self, request: Request) -> Response:
        try:
            invoice_id = uuid.UUID(request.path_params["invoice_id"])
            result = self.sandbox.process_invoice(request.path_params["division"], invoice_id)
        except ValueError:
            return _reply({"error": "not an invoice id"}, 400)
        except SandboxError as error:
            return _reply({"error": error.message}, error.status)
        return _reply(result)

    async def clock(self, request: Request) -> Response:
        if request.method == "POST":
            body = await _body(request)
            clock = self.sandbox.clock
            if "set" in body:
                clock.set(dt.datetime.fromisoformat(body["set"]))
            if "advance" in body:
                clock.advance(float(body["advance"]))
            if "scale" in body:
                clock.set_scale(float(body["scale"]))
        clock = self.sandbox.clock
        return _reply({"now": clock.now(), "local": clock.local_now(), "scale": clock.scale})

    async def faults(self, request: Request) -> Response:
        plan = self.sandbox.faults
        if request.method == "POST":
            return await _guarded(lambda body: plan.add_from_json(body).describe(), request, 201)
        if request.method == "DELETE":
            plan.clear()
        return _reply({"faults": [fault.describe() for fault in plan.faults]})

    async def limits(self, request: Request) -> Response:
        if request.method == "PUT":
            body = await _body(request)
            self.sandbox.set_limits(minutely=body.get("minutely"), daily=body.get("daily"))
        return _reply(asdict(self.sandbox.limits.limits))

    async def clients(self, request: Request) -> Response:
        def register(body: dict[str, Any]) -> dict[str, Any]:
            app = ClientApp(
                uuid.UUID(body["client_id"]) if body.get("client_id") else uuid.uuid4(),
                str(body["client_secret"]),
                list(body["redirect_uris"]),
                str(body["webhook_secret"]),
                str(body.get("name", "App")),
            )
            self.sandbox.register_client(app)
            return {"client_id": app.client_id}

        return await _guarded(register, request, 201)

    async def tokens(self, request: Request) -> Response:
        def mint(body: dict[str, Any]) -> dict[str, str]:
            return self.sandbox.mint_tokens(uuid.UUID(body["client_id"]))

        return await _guarded(mint, request, 201)

    async def expire_tokens(self, _: Request) -> Response:
        with self.sandbox.lock:
            self.sandbox.oauth.expire_access_tokens()
        return _reply({"expired": True})

    async def webhooks(self, _: Request) -> Response:
        return _reply({"deliveries": [asdict(item) for item in self.sandbox.webhooks.deliveries]})


async def _guarded(
    action: Callable[[dict[str, Any]], Any], request: Request, status: int = 200
) -> Response:
    """Run a control action on the JSON body; bad input is a 400 with the reason."""
    try:
        return _reply(action(await _body(request)), status)
    except (KeyError, TypeError, ValueError) as error:
        return _reply({"error": f"{type(error).__name__}: {error}"}, 400)
    except (SandboxError, OAuthError) as error:
        return _reply({"error": str(error)}, getattr(error, "status", 400))
