"""Who may run which operation, and the audit log of every mutation.

Roles are checked per operation, before anything runs: when one root field of an
operation is beyond the key's role, the whole operation is refused (`FORBIDDEN`)
and nothing executes, so a refused call never changes anything. Every mutation
is written to the audit log before it runs (PENDING) and again with its outcome.

`ROLES` names the role every mutation needs; queries and subscriptions need
VIEWER unless `ROLES` says otherwise. A field missing from `ROLES` needs ADMIN
(deny by default), and a test keeps `ROLES` complete.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.language import DocumentNode, FragmentDefinitionNode
from graphql.utilities import value_from_ast_untyped
from strawberry.extensions import SchemaExtension

from application.access import AuditLog
from domain.access import Principal, Role
from domain.audit import AuditEntry, AuditOutcome
from domain.errors import ErrorCode
from interfaces.graphql.context import Context

BILLER_MUTATIONS = (
    "createCustomer",
    "updateCustomer",
    "deleteCustomer",
    "createEmployee",
    "createProject",
    "createTask",
    "createRateRule",
    "deleteRateRule",
    "recordBooking",
    "updateBooking",
    "deleteBooking",
    "recordSupply",
    "updateSupply",
    "deleteSupply",
    "createOrder",
    "updateOrder",
    "addOrderLine",
    "updateOrderLine",
    "deleteOrderLine",
    "deleteOrders",
    "mergeOrders",
    "previewOrderGeneration",
    "generateOrders",
    "createInvoices",
    "retryInvoices",
    "attachInvoicePdfs",
    "deleteInvoice",
    "syncInvoiceNumbers",
    "processInvoice",
)
"""Customers, work, bookings, supplies, orders, generation, invoicing and documents."""

ADMIN_MUTATIONS = (
    "refreshExactAccounts",
    "linkCustomers",
    "updateCustomersFromExact",
    "updateExactFromCustomers",
    "importExactAccounts",
    "saveVatCode",
    "updateInvoicingSettings",
    "updateCompanyDetails",
    "configureExactConnection",
    "startExactConnection",
    "disconnectExact",
    "subscribeExactWebhooks",
    "unsubscribeExactWebhooks",
    "saveExactAdministration",
    "saveLineMapping",
    "deleteLineMapping",
    "createApiKey",
    "revokeApiKey",
)
"""Settings, the Exact connection and administration, customer sync, API keys."""

ADMIN_QUERIES = ("apiKeys", "auditLog")

ROLES: Mapping[tuple[OperationType, str], Role] = {
    **{(OperationType.MUTATION, name): Role.BILLER for name in BILLER_MUTATIONS},
    **{(OperationType.MUTATION, name): Role.ADMIN for name in ADMIN_MUTATIONS},
    **{(OperationType.QUERY, name): Role.ADMIN for name in ADMIN_QUERIES},
}

WRITING_ARGUMENTS: Mapping[str, tuple[str, Role]] = {
    "customerReconciliation": ("refresh", Role.ADMIN),
}
"""Queries that write when an argument is true: refreshing the Exact mirror is customer sync."""

SECRET_WORDS = ("secret", "token", "password", "apikey", "authorization")
REDACTED = "***"


def required_role(operation: OperationType, field: str, arguments: Mapping[str, Any]) -> Role:
    if operation is OperationType.MUTATION:
        return ROLES.get((operation, field), Role.ADMIN)
    role = ROLES.get((operation, field), Role.VIEWER)
    writing = WRITING_ARGUMENTS.get(field)
    if writing is not None and arguments.get(writing[0]) is True:
        role = max(role, writing[1], key=lambda r: r.rank)
    return role


@dataclass(frozen=True, slots=True)
class RootField:
    name: str
    response_key: str
    arguments: dict[str, Any]


def root_fields(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> list[RootField]:
    """The operation's top-level fields, through fragments, with their argument values."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    found: list[RootField] = []
    for node in _fields(operation.selection_set, fragments, set()):
        name = node.name.value
        if name.startswith("__"):
            continue
        key = node.alias.value if node.alias else name
        found.append(RootField(name, key, _arguments(node, variables or {})))
    return found


def _fields(
    selections: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: set[str],
) -> Iterator[FieldNode]:
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue
            seen.add(name)
            yield from _fields(fragments[name].selection_set, fragments, seen)


def _arguments(node: FieldNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    """Argument values as the client sent them (variables filled in, not coerced)."""
    values = dict(variables)
    return {a.name.value: value_from_ast_untyped(a.value, values) for a in node.arguments or ()}


def redacted(value: Any) -> Any:
    """The value with every secret-looking field replaced by "***"."""
    if isinstance(value, Mapping):
        return {
            key: REDACTED if _secret(key) and item is not None else redacted(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redacted(item) for item in value]
    return value


def _secret(key: object) -> bool:
    lowered = str(key).lower().replace("_", "")
    return any(word in lowered for word in SECRET_WORDS)


def audit_arguments(arguments: Mapping[str, Any]) -> str:
    return json.dumps(redacted(arguments), default=str, sort_keys=True, ensure_ascii=False)


def refusal(message: str, code: ErrorCode, field: str | None = None) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value, "field": field})


class AccessControl(SchemaExtension):
    """Checks the key's role for every root field, then audits mutations."""

    async def on_execute(self) -> Any:
        execution = self.execution_context
        context = execution.context
        if not isinstance(context, Context):  # a bare schema in a unit test
            yield
            return
        document = execution.graphql_document
        operation = _operation(document, execution.operation_name)
        if document is None:
            yield
            return
        if operation is None:  # fail closed: never run what was not checked
            message = "Name the one operation to run (operationName)"
            execution.result = ExecutionResult(
                data=None, errors=[refusal(message, ErrorCode.INVALID, "operationName")]
            )
            yield
            return
        kind = operation.operation
        fields = root_fields(document, operation, execution.variables)
        principal = await _principal(context)
        refused = _refuse(principal, kind, fields, had_key=context.api_key is not None)
        audit = context.hourbill.audit_log
        if refused is not None:
            if kind is OperationType.MUTATION:
                for field in fields:
                    await audit.record(
                        field.name,
                        principal,
                        audit_arguments(field.arguments),
                        AuditOutcome.FORBIDDEN,
                        (str((refused.extensions or {}).get("code", "")),),
                        actor_name=None if principal else "no key",
                        correlation_id=context.correlation_id,
                    )
            if kind is OperationType.SUBSCRIPTION:
                raise refused
            execution.result = ExecutionResult(data=None, errors=[refused])
            yield
            return
        if kind is not OperationType.MUTATION:
            yield
            return
        entries = [
            (
                field,
                await audit.begin(
                    field.name,
                    principal,
                    audit_arguments(field.arguments),
                    correlation_id=context.correlation_id,
                ),
            )
            for field in fields
        ]
        yield
        await _finish(audit, entries, execution.result)


async def _finish(
    audit: AuditLog, entries: list[tuple[RootField, AuditEntry]], result: Any
) -> None:
    data = getattr(result, "data", None) or {}
    failed = {
        str(error.path[0])
        for error in getattr(result, "errors", None) or ()
        if getattr(error, "path", None)
    }
    for field, entry in entries:
        payload = data.get(field.response_key)
        if field.response_key in failed or payload is None:
            await audit.finish(entry, AuditOutcome.FAILED)
            continue
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if errors:
            codes = tuple(sorted({str(e.get("code")) for e in errors if isinstance(e, dict)}))
            await audit.finish(entry, AuditOutcome.REJECTED, codes)
        else:
            await audit.finish(entry, AuditOutcome.SUCCEEDED)


async def _principal(context: Context) -> Principal | None:
    """The operation's key; over a websocket, checked again so a revoked key stops at once."""
    if context.api_key is not None and context.principal is not None:
        context.principal = await context.hourbill.authenticate.execute(context.api_key)
    return context.principal


def _refuse(
    principal: Principal | None, kind: OperationType, fields: list[RootField], had_key: bool
) -> GraphQLError | None:
    if principal is None:
        message = (
            "The API key is unknown or revoked"
            if had_key
            else "Present an API key: Authorization: Bearer hb_…"
        )
        return refusal(message, ErrorCode.UNAUTHENTICATED)
    for field in fields:
        role = required_role(kind, field.name, field.arguments)
        if not principal.may(role):
            return refusal(
                f"{field.name} needs a {role.value.lower()} key; "
                f"this key ({principal.name}) is a {principal.role.value.lower()} key",
                ErrorCode.FORBIDDEN,
                field.name,
            )
    return None


def _operation(document: DocumentNode | None, name: str | None) -> OperationDefinitionNode | None:
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)
