"""Customers against Exact accounts: the reconciliation rows and what the sync mutations return."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry
from strawberry.utils.str_converters import to_camel_case

from application.customer_sync import AmbiguousMatch as AmbiguousMatchResult
from application.customer_sync import FailedUpdate, Link, SkippedAccount
from domain.errors import ErrorCode, HourbillError, Problem
from domain.reconciliation import AccountSnapshot, Reconciliation
from domain.reconciliation import FieldDifference as DomainFieldDifference
from domain.reconciliation import MatchKind as DomainMatchKind
from domain.reconciliation import ReconciliationStatus as DomainReconciliationStatus
from interfaces.graphql.errors import UserError
from interfaces.graphql.relay import Connection
from interfaces.graphql.types.customers import Customer

ReconciliationStatus = strawberry.enum(
    DomainReconciliationStatus,
    name="ReconciliationStatus",
    description=(
        "LINKED_EQUAL / LINKED_DIFFERENT: linked, and the compared fields agree or not; "
        "NOT_LINKED: no Exact account yet (made when first invoiced); MISSING_IN_EXACT: "
        "linked to an account Exact no longer has; ONLY_IN_EXACT: an account no customer is "
        "linked to."
    ),
)
AccountMatchKind = strawberry.enum(
    DomainMatchKind,
    name="AccountMatchKind",
    description="What a customer and an Exact account share: code, VAT number or name.",
)


def exact_account_id(value: str, field: str) -> uuid.UUID:
    """Exact's own account id (a GUID); a typed INVALID on `field` when it is none."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise HourbillError.single(
            ErrorCode.INVALID, f"{field}: {value!r} is not an Exact account id (a GUID)", field
        ) from None


@strawberry.type(description="An Exact Online account (crm/Accounts), as last read from Exact.")
class ExactAccount:
    account_id: strawberry.ID = strawberry.field(description="Exact's own id of the account.")
    code: str
    name: str
    vat_number: str | None
    email: str | None
    address_line: str | None
    postcode: str | None
    city: str | None
    country: str | None
    chamber_of_commerce: str | None

    @classmethod
    def from_snapshot(cls, account: AccountSnapshot) -> ExactAccount:
        return cls(
            account_id=strawberry.ID(str(account.account_id)),
            code=account.code,
            name=account.name,
            vat_number=account.vat_number,
            email=account.email,
            address_line=account.address_line,
            postcode=account.postcode,
            city=account.city,
            country=account.country,
            chamber_of_commerce=account.chamber_of_commerce,
        )


@strawberry.type(description="A field whose value differs between Hourbill and Exact.")
class FieldDifference:
    field: str = strawberry.field(description="camelCase name of the Customer field.")
    local: str | None
    exact: str | None

    @classmethod
    def from_domain(cls, difference: DomainFieldDifference) -> FieldDifference:
        return cls(
            field=to_camel_case(difference.field), local=difference.local, exact=difference.exact
        )


@strawberry.type(description="An unlinked Exact account that may be this customer's.")
class AccountCandidate:
    account: ExactAccount
    matched_by: AccountMatchKind  # type: ignore[valid-type]


@strawberry.type(description="One customer against its Exact account, or an account alone.")
class CustomerReconciliation:
    status: ReconciliationStatus  # type: ignore[valid-type]
    customer: Customer | None = strawberry.field(description="Null for ONLY_IN_EXACT.")
    account: ExactAccount | None = strawberry.field(
        description="The linked account; the account itself for ONLY_IN_EXACT."
    )
    differences: list[FieldDifference] = strawberry.field(
        description="The fields that differ (LINKED_DIFFERENT)."
    )
    candidates: list[AccountCandidate] = strawberry.field(
        description="Accounts matching a NOT_LINKED customer, strongest match first."
    )

    @classmethod
    def from_domain(cls, row: Reconciliation) -> CustomerReconciliation:
        return cls(
            status=row.status,
            customer=None if row.customer is None else Customer.from_domain(row.customer),
            account=None if row.account is None else ExactAccount.from_snapshot(row.account),
            differences=[FieldDifference.from_domain(d) for d in row.differences],
            candidates=[
                AccountCandidate(
                    account=ExactAccount.from_snapshot(c.account), matched_by=c.matched_by
                )
                for c in row.candidates
            ],
        )


@strawberry.type
class ReconciliationCount:
    status: ReconciliationStatus  # type: ignore[valid-type]
    count: int


@strawberry.type
class CustomerReconciliationConnection(Connection[CustomerReconciliation]):
    division: int = strawberry.field(description="The Exact division compared with.")
    counts: list[ReconciliationCount] = strawberry.field(
        description="Rows per status over the whole administration, whatever the filter."
    )
    refreshed_at: dt.datetime | None = strawberry.field(
        description="When the local copy of Exact's accounts was last brought up to date."
    )


@strawberry.type(description="A customer linked to an Exact account.")
class CustomerLink:
    customer: Customer
    account: ExactAccount
    matched_by: AccountMatchKind | None = strawberry.field(  # type: ignore[valid-type]
        description="How it was matched; null for an explicit link."
    )

    @classmethod
    def from_domain(cls, link: Link) -> CustomerLink:
        return cls(
            customer=Customer.from_domain(link.customer),
            account=ExactAccount.from_snapshot(link.account),
            matched_by=link.matched_by,
        )


@strawberry.type(description="A value several customers or accounts share: nothing was linked.")
class AmbiguousMatch:
    matched_by: AccountMatchKind  # type: ignore[valid-type]
    value: str
    customers: list[Customer]
    accounts: list[ExactAccount]

    @classmethod
    def from_domain(cls, match: AmbiguousMatchResult) -> AmbiguousMatch:
        return cls(
            matched_by=match.matched_by,
            value=match.value,
            customers=[Customer.from_domain(c) for c in match.customers],
            accounts=[ExactAccount.from_snapshot(a) for a in match.accounts],
        )


def problem_error(problem: Problem) -> UserError:
    return UserError(field=None, message=problem.message, code=problem.code)


@strawberry.type(description="A customer whose Exact account was not updated, and why.")
class FailedAccountUpdate:
    customer: Customer
    error: UserError

    @classmethod
    def from_domain(cls, failure: FailedUpdate) -> FailedAccountUpdate:
        return cls(
            customer=Customer.from_domain(failure.customer), error=problem_error(failure.problem)
        )


@strawberry.type(description="An Exact account that could not become a customer as it is.")
class SkippedExactAccount:
    account: ExactAccount
    errors: list[UserError]

    @classmethod
    def from_domain(cls, skipped: SkippedAccount) -> SkippedExactAccount:
        return cls(
            account=ExactAccount.from_snapshot(skipped.account),
            errors=[problem_error(p) for p in skipped.problems],
        )
