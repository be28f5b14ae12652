"""The Exact Online connection as the administrator sees it: never its secrets."""

from __future__ import annotations

import datetime as dt

import strawberry

from application.exact_connection import ConnectionStatus as DomainConnectionStatus
from application.exact_connection import ExactConnectionStatus

ConnectionStatus = strawberry.enum(
    DomainConnectionStatus,
    name="ExactConnectionStatus",
    description="NOT_CONFIGURED: no app settings; RECONNECT_NEEDED: see `reason`.",
)


@strawberry.type(description="Who is connected to Exact Online, and how healthy the tokens are.")
class ExactConnection:
    status: ConnectionStatus  # type: ignore[valid-type]
    country: str | None
    base_url: str | None
    client_id: str | None
    redirect_url: str | None
    user_name: str | None
    user_email: str | None
    current_division: int | None = strawberry.field(
        description="The division last opened in Exact's web UI; invoicing names its own."
    )
    access_expires_at: dt.datetime | None
    refreshed_at: dt.datetime | None
    refresh_count: int
    reason: str | None = strawberry.field(
        description="Why a reconnect is needed, in Exact's words."
    )

    @classmethod
    def from_status(cls, status: ExactConnectionStatus) -> ExactConnection:
        return cls(
            status=status.status,
            country=status.country,
            base_url=status.base_url,
            client_id=status.client_id,
            redirect_url=status.redirect_url,
            user_name=status.user_name,
            user_email=status.user_email,
            current_division=status.current_division,
            access_expires_at=status.access_expires_at,
            refreshed_at=status.refreshed_at,
            refresh_count=status.refresh_count,
            reason=status.reason,
        )
