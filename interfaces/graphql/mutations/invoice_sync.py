"""Invoice numbers from Exact: sync them, process an invoice in Exact, manage the webhooks."""

from __future__ import annotations

import strawberry

from application.invoice_sync import ExactWebhookStatus
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import attempt
from interfaces.graphql.mutations.payload import Payload


@strawberry.type(description="This server's subscription to Exact's sales-invoice events.")
class ExactWebhooks:
    division: int
    topic: str
    callback_url: str = strawberry.field(description="Where Exact posts the events.")
    subscribed: bool
    changed: bool = strawberry.field(
        description="Whether this call subscribed or unsubscribed anything."
    )

    @classmethod
    def from_status(cls, status: ExactWebhookStatus) -> ExactWebhooks:
        return cls(
            division=status.division,
            topic=status.topic,
            callback_url=status.callback_url,
            subscribed=status.subscription_id is not None,
            changed=status.changed,
        )


@strawberry.type
class ExactWebhooksPayload(Payload):
    webhooks: ExactWebhooks | None = None


@strawberry.type
class InvoiceSyncMutations:
    @strawberry.mutation(
        description="Have Exact post sales-invoice changes to this server (idempotent)."
    )
    async def subscribe_exact_webhooks(self, info: Info) -> ExactWebhooksPayload:
        return await attempt(
            None,
            ExactWebhooksPayload,
            lambda: hourbill(info).manage_exact_webhooks.subscribe(),
            lambda status: ExactWebhooksPayload(webhooks=ExactWebhooks.from_status(status)),
        )

    @strawberry.mutation(description="Stop Exact's sales-invoice events; polling goes on.")
    async def unsubscribe_exact_webhooks(self, info: Info) -> ExactWebhooksPayload:
        return await attempt(
            None,
            ExactWebhooksPayload,
            lambda: hourbill(info).manage_exact_webhooks.unsubscribe(),
            lambda status: ExactWebhooksPayload(webhooks=ExactWebhooks.from_status(status)),
        )
