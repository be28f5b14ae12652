"""customerReconciliation: local customers against Exact's accounts, field by field."""

from __future__ import annotations

import strawberry

from application.customer_sync import ReconciliationFilter
from domain.reconciliation import ReconciliationStatus as DomainReconciliationStatus
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.queries import answer
from interfaces.graphql.relay import DEFAULT_PAGE_SIZE, connection, page_request
from interfaces.graphql.types.customer_sync import (
    CustomerReconciliation,
    CustomerReconciliationConnection,
    ReconciliationCount,
    ReconciliationStatus,
)


@strawberry.type
class CustomerSyncQueries:
    @strawberry.field(
        description=(
            "Every customer against its Exact account, then the accounts no customer is "
            "linked to; by code. The first page (no `after`) first reads what changed in "
            "Exact (usually one call); `refresh` overrides that."
        )
    )
    async def customer_reconciliation(
        self,
        info: Info,
        status: list[ReconciliationStatus] | None = None,  # type: ignore[valid-type]
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        refresh: bool | None = None,
    ) -> CustomerReconciliationConnection:
        request = page_request(first, after)
        where = ReconciliationFilter(
            statuses=frozenset(DomainReconciliationStatus(s) for s in status or ()),
            refresh=refresh,
        )
        report = await answer(hourbill(info).customer_reconciliation.execute(where, request))
        page = connection(report.page, CustomerReconciliation.from_domain)
        return CustomerReconciliationConnection(
            edges=page.edges,
            page_info=page.page_info,
            total_count=page.total_count,
            division=report.division,
            counts=[ReconciliationCount(status=s, count=n) for s, n in report.counts.items()],
            refreshed_at=report.refreshed_at,
        )
