"""The audit log: every mutation, who asked for it, when, and how it ended."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, replace

from domain.access import Principal, Role


class AuditOutcome(enum.StrEnum):
    PENDING = "PENDING"
    """Recorded before the mutation ran; it stays so if the process died meanwhile."""
    SUCCEEDED = "SUCCEEDED"
    REJECTED = "REJECTED"
    """Refused with typed errors (bad input, wrong state); nothing changed."""
    FORBIDDEN = "FORBIDDEN"
    """The key's role may not do this; nothing ran."""
    FAILED = "FAILED"
    """An unexpected error; see the server log under the correlation id."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: uuid.UUID
    at: dt.datetime
    action: str
    """The mutation (`createCustomer`), or `exact.callback`, `cli.keys.create`, ..."""
    actor_key_id: uuid.UUID | None
    actor_name: str
    actor_role: Role | None
    arguments: str
    """The input as JSON, with secrets replaced by "***"."""
    outcome: AuditOutcome = AuditOutcome.PENDING
    error_codes: tuple[str, ...] = ()
    correlation_id: str | None = None
    finished_at: dt.datetime | None = None

    @classmethod
    def start(
        cls,
        action: str,
        actor: Principal | None,
        arguments: str,
        at: dt.datetime,
        *,
        actor_name: str | None = None,
        correlation_id: str | None = None,
    ) -> AuditEntry:
        return cls(
            id=uuid.uuid4(),
            at=at,
            action=action,
            actor_key_id=actor.key_id if actor else None,
            actor_name=actor.name if actor else (actor_name or "anonymous"),
            actor_role=actor.role if actor else None,
            arguments=arguments,
            correlation_id=correlation_id,
        )

    def finished(
        self, outcome: AuditOutcome, at: dt.datetime, error_codes: tuple[str, ...] = ()
    ) -> AuditEntry:
        return replace(self, outcome=outcome, error_codes=error_codes, finished_at=at)
