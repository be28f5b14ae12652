"""Per-line mapping: which Exact item and VAT code a line is invoiced with.

A task, a project, a supply item code or a local VAT code can map to an Exact
item and/or Exact VAT code. The administration's defaults apply otherwise.
Resolution is pure; checking that the codes exist in Exact is a pre-flight step.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from domain.errors import ErrorCode, Problems


class MappingScope(StrEnum):
    TASK = "TASK"
    """key: the task id."""
    PROJECT = "PROJECT"
    """key: the project id."""
    ITEM = "ITEM"
    """key: Hourbill's item code (a supply's or a task's item code)."""
    VAT = "VAT"
    """key: Hourbill's VAT code; maps to an Exact VAT code only."""


@dataclass(eq=False)
class LineMapping:
    scope: MappingScope
    key: str
    exact_item_code: str | None = None
    exact_vat_code: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        problems = Problems()
        self.key = self.key.strip()
        if not self.key:
            problems.add(ErrorCode.REQUIRED, "key is required", "key")
        if self.scope in (MappingScope.TASK, MappingScope.PROJECT):
            try:
                self.key = str(uuid.UUID(self.key))
            except ValueError:
                problems.add(ErrorCode.INVALID, "key must be a task or project id", "key")
        self.exact_item_code = (self.exact_item_code or "").strip() or None
        self.exact_vat_code = (self.exact_vat_code or "").strip() or None
        if self.scope is MappingScope.VAT and self.exact_item_code is not None:
            problems.add(ErrorCode.INVALID, "a VAT mapping names no item", "exactItemCode")
        if self.exact_item_code is None and self.exact_vat_code is None:
            problems.add(
                ErrorCode.REQUIRED, "map to an Exact item, a VAT code or both", "exactItemCode"
            )
        problems.raise_if_any()
