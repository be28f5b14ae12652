"""API keys and audit entries as an admin sees them: never a key's secret or its hash."""

from __future__ import annotations

import datetime as dt
import json

import strawberry
from strawberry.scalars import JSON

from domain.access import ApiKey as DomainApiKey
from domain.access import Role as DomainRole
from domain.audit import AuditEntry as DomainAuditEntry
from domain.audit import AuditOutcome as DomainAuditOutcome
from interfaces.graphql.ids import global_id
from interfaces.graphql.relay import Node

Role = strawberry.enum(
    DomainRole,
    name="Role",
    description="What an API key may do; each role may do everything the roles before it may.",
)
AuditOutcome = strawberry.enum(
    DomainAuditOutcome, name="AuditOutcome", description="How an audited mutation ended."
)


@strawberry.type(description="An API key: who it is for and what it may do. Never its secret.")
class ApiKey(Node):
    name: str
    role: Role  # type: ignore[valid-type]
    prefix: str = strawberry.field(
        description="The public part of the key (`hb_<prefix>_…`), to recognise it."
    )
    created_at: dt.datetime
    created_by: str = strawberry.field(
        description='Who made it: "key:<name>" (an admin over GraphQL), "cli", "first start".'
    )
    revoked_at: dt.datetime | None = strawberry.field(
        description="Null while the key works; refused from the next request on once set."
    )
    last_used_at: dt.datetime | None = strawberry.field(
        description="Approximate: written at most once a minute."
    )

    @classmethod
    def from_domain(cls, key: DomainApiKey) -> ApiKey:
        return cls(
            id=strawberry.ID(global_id("ApiKey", key.id)),
            name=key.name,
            role=key.role,
            prefix=key.prefix,
            created_at=key.created_at,
            created_by=key.created_by,
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
        )


@strawberry.type(description="Who asked for an audited action.")
class AuditActor:
    key_id: strawberry.ID | None = strawberry.field(
        description="The ApiKey's global id; null for the CLI, the system or a call without a key."
    )
    name: str = strawberry.field(description='The key\'s name, or e.g. "cli", "no key".')
    role: Role | None  # type: ignore[valid-type]


@strawberry.type(description="One audited action: who asked for what, when, and how it ended.")
class AuditEntry:
    id: strawberry.ID
    at: dt.datetime = strawberry.field(description="When it was asked for.")
    finished_at: dt.datetime | None = strawberry.field(description="Null while PENDING.")
    action: str = strawberry.field(
        description="The mutation (`createCustomer`), or `exact.callback`, `cli.keys.create`, …"
    )
    actor: AuditActor
    arguments: JSON = strawberry.field(
        description=(
            "The arguments as sent (variables filled in), as a JSON object; values of "
            'secret-looking fields (secret, token, password, …) are replaced by "***".'
        )
    )
    outcome: AuditOutcome  # type: ignore[valid-type]
    error_codes: list[str] = strawberry.field(
        description=(
            "ErrorCode values: the payload's typed errors when REJECTED, "
            "FORBIDDEN or UNAUTHENTICATED when FORBIDDEN."
        )
    )
    correlation_id: str | None = strawberry.field(
        description="The request's id (X-Request-Id), to find it in the server log."
    )

    @classmethod
    def from_domain(cls, entry: DomainAuditEntry) -> AuditEntry:
        key_id = entry.actor_key_id
        return cls(
            id=strawberry.ID(global_id("AuditEntry", entry.id)),
            at=entry.at,
            finished_at=entry.finished_at,
            action=entry.action,
            actor=AuditActor(
                key_id=None if key_id is None else strawberry.ID(global_id("ApiKey", key_id)),
                name=entry.actor_name,
                role=entry.actor_role,
            ),
            arguments=JSON(_json(entry.arguments)),
            outcome=entry.outcome,
            error_codes=list(entry.error_codes),
            correlation_id=entry.correlation_id,
        )


def _json(text: str) -> object:
    """The stored JSON; text that is none (written by hand) as a JSON string."""
    try:
        return json.loads(text)
    except ValueError:
        return text
