"""Webhook delivery as Exact does it.

About a second after a subscription is created, Exact sends an empty POST to
the callback URL to check that it answers. Each change to an entity of a
subscribed topic is then POSTed as ``{"Content":{…},"HashCode":"…"}``, where
HashCode is the uppercase hex HMAC-SHA256 of the raw text between
``{"Content":`` and ``,"HashCode":`` keyed with the app's webhook secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from infrastructure.exact import webhook_signature as signature
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.administration import Administration, Change

log = logging.getLogger(__name__)


def sign(content: str, secret: str) -> str:
    return signature.sign(content.encode(), secret)


def signed_body(content: dict[str, Any], secret: str) -> str:
    text = json.dumps(content, separators=(",", ":"))
    return f'{{"Content":{text},"HashCode":"{sign(text, secret)}"}}'


@dataclass(frozen=True)
class Delivery:
    url: str
    topic: str | None
    action: str | None
    key: str | None
    status: int | None
    error: str | None
    at: str


@dataclass(frozen=True)
class _Message:
    url: str
    body: str
    topic: str | None
    action: str | None
    key: str | None
    delay: float = 0.0


class WebhookDispatcher:
    """Turns administration changes into signed POSTs, sent by a background task."""

    def __init__(
        self,
        secret_for: Callable[[uuid.UUID], str | None],
        *,
        validation_delay: float = 1.0,
    ) -> None:
        self.administration: Administration | None = None
        self.secret_for = secret_for
        self.validation_delay = validation_delay
        self.deliveries: deque[Delivery] = deque(maxlen=1000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[_Message] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._pending = 0
        self._idle = threading.Condition()

    def attach(self, administration: Administration) -> None:
        """Listen to this administration's changes (after a reset, the new one)."""
        self.administration = administration
        administration.listeners.append(self.on_change)
        self.deliveries.clear()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        self._worker = self._loop = self._queue = None

    def on_change(self, change: Change) -> None:
        assert self.administration is not None
        division = self.administration.divisions.get(change.division)
        if division is None:
            return
        if change.entity_path == schema.WEBHOOK_SUBSCRIPTIONS.path and change.action == "Create":
            return
        for subscription in list(division.table(schema.WEBHOOK_SUBSCRIPTIONS.path).values()):
            if subscription["Topic"] != change.topic:
                continue
            secret = self.secret_for(subscription["ClientID"])
            if secret is None:
                continue
            content = self._content(change, subscription["ClientID"])
            self._enqueue(
                _Message(
                    subscription["CallbackURL"],
                    signed_body(content, secret),
                    change.topic,
                    change.action,
                    str(change.key),
                )
            )

    def validate(self, callback_url: str) -> None:
        """Queue the empty POST Exact sends after a subscription is created."""
        self._enqueue(_Message(callback_url, "", None, None, None, self.validation_delay))

    def _content(self, change: Change, client_id: uuid.UUID) -> dict[str, Any]:
        assert self.administration is not None
        base = self.administration.base_url.rstrip("/")
        endpoint = f"{base}/api/v1/{change.division}/{change.entity_path}(guid'{change.key}')"
        created = self.administration.clock.local_now().isoformat(timespec="milliseconds")
        return {
            "Topic": change.topic,
            "ClientId": str(client_id),
            "Division": change.division,
            "Action": change.action,
            "Key": str(change.key),
            "ExactOnlineEndpoint": endpoint,
            "EventCreatedOn": created,
        }

    def _enqueue(self, message: _Message) -> None:
        if self._loop is None or self._queue is None:
            return
        with self._idle:
            self._pending += 1
        self._loop.call_soon_threadsafe(self._queue.put_nowait, message)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block (from another thread) until every queued delivery was attempted."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    async def _run(self) -> None:
        assert self._queue is not None
        async with httpx.AsyncClient(timeout=10) as client:
            while True:
                message = await self._queue.get()
                try:
                    if message.delay:
                        await asyncio.sleep(message.delay)
                    await self._send(client, message)
                finally:
                    with self._idle:
                        self._pending -= 1
                        self._idle.notify_all()

    async def _send(self, client: httpx.AsyncClient, message: _Message) -> None:
        status: int | None = None
        error: str | None = None
        try:
            headers = {"Content-Type": "application/json"} if message.body else {}
            response = await client.post(message.url, content=message.body, headers=headers)
            status = response.status_code
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
            log.warning("webhook to %s failed: %s", message.url, error)
        self.deliveries.append(
            Delivery(
                message.url,
                message.topic,
                message.action,
                message.key,
                status,
                error,
                dt.datetime.now(dt.UTC).isoformat(),
            )
        )
