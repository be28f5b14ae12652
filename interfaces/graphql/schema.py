"""The schema: queries, mutations for every use case, the order events subscription."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from interfaces.correlation import log_unexpected
from interfaces.graphql.access import AccessControl
from interfaces.graphql.context import OperationScope
from interfaces.graphql.correlation import CorrelationScope
from interfaces.graphql.errors import CodeRefusals, is_unexpected, mask_unexpected_errors
from interfaces.graphql.mutations.access import AccessMutations
from interfaces.graphql.mutations.administration import AdministrationMutations
from interfaces.graphql.mutations.customer_sync import CustomerSyncMutations
from interfaces.graphql.mutations.customers import CustomerMutations
from interfaces.graphql.mutations.exact import ExactMutations
from interfaces.graphql.mutations.generation import GenerationMutations
from interfaces.graphql.mutations.invoice_sync import InvoiceSyncMutations
from interfaces.graphql.mutations.invoices import InvoiceMutations
from interfaces.graphql.mutations.orders import OrderMutations
from interfaces.graphql.mutations.sources import SourceMutations
from interfaces.graphql.mutations.work import WorkMutations
from interfaces.graphql.nul import RefuseNul
from interfaces.graphql.queries import CoreQueries
from interfaces.graphql.queries_access import AccessQueries
from interfaces.graphql.queries_administration import AdministrationQueries
from interfaces.graphql.queries_customer_sync import CustomerSyncQueries
from interfaces.graphql.queries_documents import DocumentQueries
from interfaces.graphql.queries_invoices import InvoiceQueries
from interfaces.graphql.scalars import SCALARS
from interfaces.graphql.subscriptions import Subscription, SubscriptionsOverWebsocketsOnly
from interfaces.graphql.suggestions import HideSuggestions, SuggestionFreeExecutor

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000


@strawberry.type
class Query(
    CoreQueries,
    CustomerSyncQueries,
    AdministrationQueries,
    InvoiceQueries,
    DocumentQueries,
    AccessQueries,
):
    """Each area contributes its query fields as a mixin class in its own module."""


@strawberry.type
class Mutation(
    CustomerMutations,
    CustomerSyncMutations,
    WorkMutations,
    SourceMutations,
    OrderMutations,
    GenerationMutations,
    ExactMutations,
    InvoiceMutations,
    InvoiceSyncMutations,
    AdministrationMutations,
    AccessMutations,
):
    pass


class HourbillSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only unexpected errors, with their correlation id; a client's mistakes are not."""
        for error in errors:
            if error.original_error is not None and is_unexpected(error):
                log_unexpected(error.original_error, f"GraphQL {error.path or ''}")


def build_schema(*, introspection: bool = True, suggestions: bool = True) -> HourbillSchema:
    """The API; production turns off introspection and "Did you mean …?" suggestions."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        OperationScope,
        CorrelationScope,
        CodeRefusals,
        SubscriptionsOverWebsocketsOnly,
        RefuseNul,
        AccessControl,
        partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
        partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        mask_unexpected_errors,
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    if not suggestions:
        extensions.append(HideSuggestions)
    return HourbillSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=None if suggestions else SuggestionFreeExecutor,
        config=StrawberryConfig(scalar_map=SCALARS),
    )


schema = build_schema()
"""The development schema: for `make schema`, the tests and `create_app`'s default."""
