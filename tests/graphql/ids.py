"""Global ids in tests: make one for a thing that does not exist, or look inside one."""

from __future__ import annotations

import uuid

from interfaces.graphql.ids import global_id, parse_global_id


def unknown_id(type_name: str) -> str:
    return global_id(type_name, uuid.uuid4())


def global_id_of(value: str) -> tuple[str, uuid.UUID]:
    return parse_global_id(value)
