"""Per-line mapping: which Exact item and VAT code a line is invoiced with.

A task, a project, a supply item code or a local VAT code can map to an Exact
item and/or Exact VAT code. The administration's defaults apply otherwise.
Resolution is pure; checking that the codes exist in Exact is a pre-flight step.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from domain.errors import ErrorCode, Problems
from domain.orders import OrderLine


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

    def remap(self, exact_item_code: str | None, exact_vat_code: str | None) -> None:
        """Replace both codes (a code left out is cleared); invalid codes change nothing."""
        candidate = LineMapping(self.scope, self.key, exact_item_code, exact_vat_code)
        self.exact_item_code = candidate.exact_item_code
        self.exact_vat_code = candidate.exact_vat_code


@dataclass(frozen=True, slots=True)
class ExactLineCodes:
    """The Exact item and VAT code one order line is pushed with."""

    item_code: str
    vat_code: str


class LineMappings:
    """All mappings, answering for one order line which Exact codes it gets.

    Most specific first: the line's task, then its project, then its item code;
    for the VAT code next the line's own (Hourbill) VAT code; then the defaults.
    The item and the VAT code are resolved each on their own, so a task mapped to
    a VAT code only still gets its item from its project, its item code or the default.
    """

    def __init__(self, mappings: Iterable[LineMapping]) -> None:
        self._by_key = {(m.scope, m.key): m for m in mappings}

    def _chain(self, line: OrderLine) -> list[LineMapping]:
        keys = [
            (MappingScope.TASK, str(line.task_id) if line.task_id else None),
            (MappingScope.PROJECT, str(line.project_id) if line.project_id else None),
            (MappingScope.ITEM, line.item_code),
            (MappingScope.VAT, line.vat_code),
        ]
        return [self._by_key[(s, k)] for s, k in keys if k is not None and (s, k) in self._by_key]

    def resolve(
        self, line: OrderLine, default_item: str | None, default_vat_code: str | None
    ) -> ExactLineCodes:
        """The codes for `line`, or HourbillError(NOT_CONFIGURED) when nothing covers it."""
        chain = self._chain(line)
        item = next((m.exact_item_code for m in chain if m.exact_item_code), default_item)
        vat = next((m.exact_vat_code for m in chain if m.exact_vat_code), default_vat_code)
        problems = Problems()
        if item is None:
            problems.add(
                ErrorCode.NOT_CONFIGURED,
                f"line {line.position} ({line.description}) maps to no Exact item "
                "and no default item is set",
                "exactDefaultItem",
            )
        if vat is None:
            problems.add(
                ErrorCode.NOT_CONFIGURED,
                f"line {line.position} ({line.description}) maps to no Exact VAT code "
                "and no default VAT code is set",
                "exactDefaultVatCode",
            )
        problems.raise_if_any()
        assert item is not None
        assert vat is not None
        return ExactLineCodes(item, vat)
