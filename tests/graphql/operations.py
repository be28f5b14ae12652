"""A minimal operation for every root field of the schema, built from the schema itself.

Each operation calls one field with its required arguments only, filled with placeholders
of the right type (input objects with their required fields), and selects `__typename`,
or `errors { code }` of a mutation's payload. Ids are the ids of things that exist when
`ids` knows one of the type the argument names, so that a call that should have been
refused would change something if it ran; otherwise a well-formed id of nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
    is_required_argument,
    is_required_input_field,
)

from interfaces.graphql.schema import schema as hourbill_schema
from tests.graphql.ids import unknown_id

KINDS = ("query", "mutation", "subscription")

SCALARS: Mapping[str, str] = {
    "String": '"x"',
    "Int": "1",
    "Float": "1.5",
    "Boolean": "false",
    "Date": '"2026-11-02"',
    "DateTime": '"2026-11-02T12:00:00+00:00"',
    "Decimal": '"1"',
}
"""A placeholder literal per scalar; a new scalar fails loudly until it is given one."""

ID_ARGUMENTS: Mapping[str, str] = {
    "customerId": "Customer",
    "customerIds": "Customer",
    "employeeId": "Employee",
    "projectId": "Project",
    "taskId": "Task",
    "orderId": "Order",
    "orderIds": "Order",
    "lineId": "OrderLine",
    "invoiceId": "Invoice",
    "invoiceIds": "Invoice",
    "runId": "InvoiceRun",
}
"""What an id argument points at, by its name; `id`/`ids` point at what the field names."""

NODE_TYPES = (
    "Customer",
    "Employee",
    "Project",
    "Task",
    "RateRule",
    "Booking",
    "Supply",
    "Order",
    "OrderLine",
    "Invoice",
    "InvoiceRun",
    "LineMapping",
    "ApiKey",
)


@dataclass(frozen=True)
class RootField:
    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


def graphql_schema() -> GraphQLSchema:
    return hourbill_schema._schema


def root_type(kind: str, schema: GraphQLSchema | None = None) -> GraphQLObjectType:
    schema = schema or graphql_schema()
    found = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[kind]
    assert found is not None, kind
    return found


def root_fields(kind: str | None = None) -> list[RootField]:
    """Every root field of the schema (of one kind), sorted."""
    kinds = KINDS if kind is None else (kind,)
    return [RootField(k, name) for k in kinds for name in sorted(root_type(k).fields)]


IdsOf = Callable[[str], str | None]
"""The global id of an existing thing of a type, or None."""


def operation(field: RootField, ids: IdsOf = lambda _: None) -> str:
    """`kind { field(required arguments) { selection } }`."""
    definition = root_type(field.kind).fields[field.name]
    placeholders = _Placeholders(field.name, ids)
    arguments = ", ".join(
        f"{name}: {placeholders.value(name, argument.type)}"
        for name, argument in definition.args.items()
        if is_required_argument(argument)
    )
    call = f"{field.name}({arguments})" if arguments else field.name
    return f"{field.kind} {{ {call}{selection(definition)} }}"


def selection(definition: GraphQLField) -> str:
    named = get_named_type(definition.type)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(named, GraphQLObjectType) and "errors" in named.fields:
        return " { errors { code } }"
    return " { __typename }"


class _Placeholders:
    def __init__(self, field: str, ids: IdsOf) -> None:
        self.field = field
        self.ids = ids

    def value(self, name: str, kind: GraphQLInputType) -> str:
        if isinstance(kind, GraphQLNonNull):
            return self.value(name, kind.of_type)
        if isinstance(kind, GraphQLList):
            return f"[{self.value(name, kind.of_type)}]"
        if isinstance(kind, GraphQLEnumType):
            return str(next(iter(kind.values)))
        if isinstance(kind, GraphQLInputObjectType):
            fields = ", ".join(
                f"{inner}: {self.value(inner, f.type)}"
                for inner, f in kind.fields.items()
                if is_required_input_field(f)
            )
            return f"{{{fields}}}"
        assert isinstance(kind, GraphQLScalarType), kind
        if kind.name == "ID":
            return json.dumps(self.id_for(name))
        assert kind.name in SCALARS, f"give the scalar {kind.name} a placeholder in SCALARS"
        return SCALARS[kind.name]

    def id_for(self, argument: str) -> str:
        type_name = ID_ARGUMENTS.get(argument) or _named_in(self.field) or "Order"
        return self.ids(type_name) or unknown_id(type_name)


def _named_in(field: str) -> str | None:
    """The node type a field's name mentions (`deleteRateRule` → RateRule), longest first."""
    lowered = field.lower()
    for name in sorted(NODE_TYPES, key=len, reverse=True):
        if name.lower() in lowered:
            return name
    return None
