"""Helpers for the sandbox tests: an authorised client, demo lookups, a webhook receiver."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from infrastructure.exact.sandbox.seed import DEMO_DIVISION, SECOND_DIVISION
from infrastructure.exact.sandbox.server import RunningSandbox

__all__ = ["DEMO_DIVISION", "SECOND_DIVISION"]

REDIRECT_URI = "http://127.0.0.1:8765/exact/callback"
RATE_LIMIT_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Minutely-Limit",
    "X-RateLimit-Minutely-Remaining",
    "X-RateLimit-Minutely-Reset",
)
STREAM_ERROR = (
    "Error processing request stream. The request should be a valid top-level resource object."
)


def authorised(running: RunningSandbox, token: str | None = None) -> httpx.Client:
    """A client on ``{url}/api/v1/`` sending the demo app's bearer token and JSON headers."""
    return httpx.Client(
        base_url=f"{running.api_url}/",
        headers=bearer(token or running.access_token()),
        timeout=10,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def error_text(response: httpx.Response) -> str:
    """`error.message.value` of an Exact error body, checking the envelope on the way."""
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == ""
    assert body["error"]["message"]["lang"] == ""
    value = body["error"]["message"]["value"]
    assert isinstance(value, str)
    return value


def results(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    rows = response.json()["d"]["results"]
    assert isinstance(rows, list)
    return rows


def account_id(api: httpx.Client, code: str, division: int = DEMO_DIVISION) -> str:
    response = api.get(
        f"{division}/crm/Accounts", params={"$filter": f"trim(Code) eq '{code}'", "$select": "ID"}
    )
    [row] = results(response)
    return str(row["ID"])


def item_id(api: httpx.Client, code: str, division: int = DEMO_DIVISION) -> str:
    response = api.get(
        f"{division}/logistics/Items", params={"$filter": f"Code eq '{code}'", "$select": "ID"}
    )
    [row] = results(response)
    return str(row["ID"])


def invoice_body(api: httpx.Client, **overrides: Any) -> dict[str, Any]:
    """Two hours of UREN (21% VAT) for Acme on journal 70."""
    body: dict[str, Any] = {
        "OrderedBy": account_id(api, "ACME"),
        "Journal": "70",
        "YourRef": "HB-1",
        "SalesInvoiceLines": [
            {"Item": item_id(api, "UREN"), "Quantity": 2, "NetPrice": 100.0, "Description": "Uren"}
        ],
    }
    body.update(overrides)
    return body


def post_invoice(api: httpx.Client, **overrides: Any) -> dict[str, Any]:
    response = api.post(
        f"{DEMO_DIVISION}/salesinvoice/SalesInvoices", json=invoice_body(api, **overrides)
    )
    assert response.status_code == 201, response.text
    invoice: dict[str, Any] = response.json()["d"]
    return invoice


def authorization_code(running: RunningSandbox, state: str = "s1") -> str:
    response = httpx.get(
        f"{running.url}/api/oauth2/auth",
        params={
            "client_id": str(running.client_id),
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "state": state,
        },
    )
    assert response.status_code == 302
    [code] = parse_qs(urlsplit(response.headers["location"]).query)["code"]
    return code


def token_request(running: RunningSandbox, **form: str) -> httpx.Response:
    """POST the token endpoint, form-encoded, as the demo app (fields may be overridden)."""
    data = {"client_id": str(running.client_id), "client_secret": running.client_secret} | form
    return httpx.post(f"{running.url}/api/oauth2/token", data=data)


def exchange(running: RunningSandbox, code: str) -> httpx.Response:
    return token_request(
        running, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI
    )


def refresh(running: RunningSandbox, refresh_token: str) -> httpx.Response:
    return token_request(running, grant_type="refresh_token", refresh_token=refresh_token)


def sign_in(running: RunningSandbox) -> dict[str, str]:
    """The whole browser dance: a code, exchanged for a token pair."""
    response = exchange(running, authorization_code(running))
    assert response.status_code == 200, response.text
    pair: dict[str, str] = response.json()
    return pair


def control(running: RunningSandbox, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{running.url}/control/{path}", timeout=10, **kwargs)


def next_minute_ms(moment: dt.datetime) -> int:
    return (int(moment.timestamp()) // 60 + 1) * 60_000


def next_midnight_ms(moment: dt.datetime) -> int:
    day = moment.astimezone(dt.UTC).date() + dt.timedelta(days=1)
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp() * 1000)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `condition` until it holds or `timeout` real seconds passed."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """A plain HTTP server on a loopback port that records every POST it gets."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/exact/webhook"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def bodies(self) -> list[bytes]:
        with self._lock:
            return [item.body for item in self.received]

    def wait_for_count(self, count: int, timeout: float = 5.0) -> list[Received]:
        assert wait_for(lambda: len(self.received) >= count, timeout), self.received
        with self._lock:
            return list(self.received)
