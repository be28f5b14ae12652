"""refreshExactAccounts, linkCustomers, updateCustomersFromExact, updateExactFromCustomers,
importExactAccounts."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry

from application.customer_sync import (
    ExactUpdateResult,
    ImportExactAccountsRequest,
    ImportResult,
    LinkCustomersRequest,
    LinkRequest,
    LinkResult,
    RefreshResult,
)
from domain.customers import Customer as DomainCustomer
from domain.errors import HourbillError, Problems
from domain.reconciliation import MatchKind
from interfaces.graphql.context import Info, hourbill
from interfaces.graphql.errors import attempt
from interfaces.graphql.mutations.payload import Payload
from interfaces.graphql.reader import InputReader
from interfaces.graphql.types.customer_sync import (
    AccountMatchKind,
    AmbiguousMatch,
    CustomerLink,
    FailedAccountUpdate,
    SkippedExactAccount,
    exact_account_id,
)
from interfaces.graphql.types.customers import Customer


@strawberry.input
class RefreshExactAccountsInput:
    full: bool = strawberry.field(
        default=False,
        description="Read every account again and drop the ones Exact no longer has.",
    )


@strawberry.type
class RefreshExactAccountsPayload(Payload):
    fetched: int | None = strawberry.field(default=None, description="Accounts new or changed.")
    removed: int | None = strawberry.field(default=None, description="Accounts gone from Exact.")
    calls: int | None = strawberry.field(default=None, description="Exact calls it took.")
    refreshed_at: dt.datetime | None = None

    @classmethod
    def from_result(cls, result: RefreshResult) -> RefreshExactAccountsPayload:
        return cls(
            fetched=result.fetched,
            removed=result.removed,
            calls=result.calls,
            refreshed_at=result.refreshed_at,
        )


@strawberry.input
class CustomerAccountLinkInput:
    customer_id: strawberry.ID
    account_id: strawberry.ID = strawberry.field(description="Exact's id of the account.")


@strawberry.input(
    description=(
        "Either `auto`: link unlinked customers to unlinked accounts that match one-to-one, "
        "trying the kinds in the order given; or `links`: these pairs."
    )
)
class LinkCustomersInput:
    auto: list[AccountMatchKind] | None = None  # type: ignore[valid-type]
    links: list[CustomerAccountLinkInput] | None = None

    def to_request(self) -> LinkCustomersRequest:
        problems, reader = Problems(), InputReader()
        pairs = [(link.customer_id, link.account_id) for link in self.links or ()]
        customers = reader.ids([customer for customer, _ in pairs], "Customer", "links")
        accounts = _guids([account for _, account in pairs], "links", problems)
        _collect(reader, problems)
        problems.raise_if_any()
        links = tuple(LinkRequest(c, a) for c, a in zip(customers, accounts, strict=True))
        return LinkCustomersRequest(auto=tuple(MatchKind(k) for k in self.auto or ()), links=links)


def _guids(values: list[str], field: str, problems: Problems) -> list[uuid.UUID]:
    """Exact's account ids (GUIDs); each one that is none is a problem on `field`."""
    found = []
    for value in values:
        try:
            found.append(exact_account_id(value, field))
        except HourbillError as error:
            problems.extend(error)
            found.append(uuid.UUID(int=0))
    return found


def _collect(reader: InputReader, problems: Problems) -> None:
    try:
        reader.check()
    except HourbillError as error:
        problems.extend(error)


@strawberry.type
class LinkCustomersPayload(Payload):
    linked: list[CustomerLink] = strawberry.field(default_factory=list)
    ambiguous: list[AmbiguousMatch] = strawberry.field(
        default_factory=list, description="Values shared by several customers or accounts."
    )

    @classmethod
    def from_result(cls, result: LinkResult) -> LinkCustomersPayload:
        return cls(
            linked=[CustomerLink.from_domain(link) for link in result.linked],
            ambiguous=[AmbiguousMatch.from_domain(m) for m in result.ambiguous],
        )


@strawberry.input
class CustomerIdsInput:
    customer_ids: list[strawberry.ID]


def _customer_ids(input: CustomerIdsInput) -> list[uuid.UUID]:
    reader = InputReader()
    ids = reader.ids(input.customer_ids, "Customer", "customerIds")
    reader.check()
    return ids


@strawberry.type
class UpdateCustomersFromExactPayload(Payload):
    customers: list[Customer] = strawberry.field(default_factory=list)

    @classmethod
    def from_result(cls, customers: list[DomainCustomer]) -> UpdateCustomersFromExactPayload:
        return cls(customers=[Customer.from_domain(c) for c in customers])


@strawberry.type
class UpdateExactFromCustomersPayload(Payload):
    updated: list[Customer] = strawberry.field(default_factory=list)
    failed: list[FailedAccountUpdate] = strawberry.field(
        default_factory=list,
        description="Accounts Exact did not update; the others were (Exact updates one by one).",
    )

    @classmethod
    def from_result(cls, result: ExactUpdateResult) -> UpdateExactFromCustomersPayload:
        return cls(
            updated=[Customer.from_domain(c) for c in result.updated],
            failed=[FailedAccountUpdate.from_domain(f) for f in result.failed],
        )


@strawberry.input(
    description=(
        "Either `accountIds` (all or nothing) or `all`: every account no customer is linked "
        "to, incrementally (a later run looks only at accounts new or changed since)."
    )
)
class ImportExactAccountsInput:
    account_ids: list[strawberry.ID] | None = None
    all: bool = False

    def to_request(self) -> ImportExactAccountsRequest:
        problems = Problems()
        ids = _guids(self.account_ids or [], "accountIds", problems)
        problems.raise_if_any()
        return ImportExactAccountsRequest(account_ids=tuple(ids), all=self.all)


@strawberry.type
class ImportExactAccountsPayload(Payload):
    customers: list[Customer] = strawberry.field(default_factory=list)
    skipped: list[SkippedExactAccount] = strawberry.field(
        default_factory=list,
        description="Accounts of an `all` import that cannot become customers as they are.",
    )

    @classmethod
    def from_result(cls, result: ImportResult) -> ImportExactAccountsPayload:
        return cls(
            customers=[Customer.from_domain(c) for c in result.imported],
            skipped=[SkippedExactAccount.from_domain(s) for s in result.skipped],
        )


@strawberry.type
class CustomerSyncMutations:
    @strawberry.mutation(description="Read what changed in Exact's accounts since last time.")
    async def refresh_exact_accounts(
        self, info: Info, input: RefreshExactAccountsInput
    ) -> RefreshExactAccountsPayload:
        return await attempt(
            input,
            RefreshExactAccountsPayload,
            lambda: hourbill(info).refresh_exact_accounts.execute(full=input.full),
            RefreshExactAccountsPayload.from_result,
        )

    @strawberry.mutation(description="Link customers to Exact accounts.")
    async def link_customers(self, info: Info, input: LinkCustomersInput) -> LinkCustomersPayload:
        return await attempt(
            input,
            LinkCustomersPayload,
            lambda: hourbill(info).link_customers.execute(input.to_request()),
            LinkCustomersPayload.from_result,
        )

    @strawberry.mutation(
        description="Overwrite linked customers with their Exact account's values."
    )
    async def update_customers_from_exact(
        self, info: Info, input: CustomerIdsInput
    ) -> UpdateCustomersFromExactPayload:
        return await attempt(
            input,
            UpdateCustomersFromExactPayload,
            lambda: hourbill(info).update_customers_from_exact.execute(_customer_ids(input)),
            UpdateCustomersFromExactPayload.from_result,
        )

    @strawberry.mutation(description="Write linked customers' values over their Exact accounts.")
    async def update_exact_from_customers(
        self, info: Info, input: CustomerIdsInput
    ) -> UpdateExactFromCustomersPayload:
        return await attempt(
            input,
            UpdateExactFromCustomersPayload,
            lambda: hourbill(info).update_exact_from_customers.execute(_customer_ids(input)),
            UpdateExactFromCustomersPayload.from_result,
        )

    @strawberry.mutation(description="Create customers, linked, from Exact accounts.")
    async def import_exact_accounts(
        self, info: Info, input: ImportExactAccountsInput
    ) -> ImportExactAccountsPayload:
        return await attempt(
            input,
            ImportExactAccountsPayload,
            lambda: hourbill(info).import_exact_accounts.execute(input.to_request()),
            ImportExactAccountsPayload.from_result,
        )
