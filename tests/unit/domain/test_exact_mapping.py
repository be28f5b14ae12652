"""Per-line mapping: a mapping's own rules, and which Exact codes a line resolves to."""

from __future__ import annotations

import uuid

import pytest

from domain.errors import ErrorCode
from domain.exact_mapping import ExactLineCodes, LineMapping, LineMappings, MappingScope
from domain.orders import OrderLine
from tests.factories import OrderLineFactory
from tests.unit.helpers import raises_problems

TASK = uuid.UUID("00000000-0000-4000-8000-00000000000a")
PROJECT = uuid.UUID("00000000-0000-4000-8000-00000000000b")


def line(**changes: object) -> OrderLine:
    values: dict[str, object] = {
        "task_id": TASK,
        "project_id": PROJECT,
        "item_code": "ADVIES",
        "vat_code": "21",
        "position": 1,
    }
    line: OrderLine = OrderLineFactory(**{**values, **changes})
    return line


def task(item: str | None = None, vat: str | None = None) -> LineMapping:
    return LineMapping(MappingScope.TASK, str(TASK), item, vat)


def project(item: str | None = None, vat: str | None = None) -> LineMapping:
    return LineMapping(MappingScope.PROJECT, str(PROJECT), item, vat)


def item(item: str | None = None, vat: str | None = None) -> LineMapping:
    return LineMapping(MappingScope.ITEM, "ADVIES", item, vat)


def vat(code: str) -> LineMapping:
    return LineMapping(MappingScope.VAT, "21", None, code)


def resolve(*mappings: LineMapping, **changes: object) -> ExactLineCodes:
    return LineMappings(mappings).resolve(line(**changes), "UREN", "2")


# --- one mapping ---------------------------------------------------------------


def test_codes_and_key_are_trimmed_and_a_blank_code_is_none() -> None:
    mapping = LineMapping(MappingScope.ITEM, "  ADVIES ", " SUPPORT ", "   ")

    assert (mapping.key, mapping.exact_item_code, mapping.exact_vat_code) == (
        "ADVIES",
        "SUPPORT",
        None,
    )


def test_a_task_or_project_key_is_stored_as_the_canonical_id() -> None:
    mapping = LineMapping(MappingScope.TASK, str(TASK).upper(), "UREN")

    assert mapping.key == str(TASK)


@pytest.mark.parametrize("scope", [MappingScope.TASK, MappingScope.PROJECT])
def test_a_task_or_project_key_must_be_an_id(scope: MappingScope) -> None:
    with raises_problems((ErrorCode.INVALID, "key")):
        LineMapping(scope, "T-10", "UREN")


def test_a_mapping_needs_a_key_and_a_code() -> None:
    with raises_problems((ErrorCode.REQUIRED, "key"), (ErrorCode.REQUIRED, "exactItemCode")):
        LineMapping(MappingScope.ITEM, " ", None, " ")


def test_a_vat_mapping_names_no_item() -> None:
    with raises_problems((ErrorCode.INVALID, "exactItemCode")):
        LineMapping(MappingScope.VAT, "21", "UREN", "2")


def test_remap_replaces_both_codes() -> None:
    mapping = task("SUPPORT", "2")

    mapping.remap(None, "1")

    assert (mapping.exact_item_code, mapping.exact_vat_code) == (None, "1")


def test_an_invalid_remap_changes_nothing() -> None:
    mapping = task("SUPPORT", "2")

    with raises_problems((ErrorCode.REQUIRED, "exactItemCode")):
        mapping.remap(" ", None)

    assert (mapping.exact_item_code, mapping.exact_vat_code) == ("SUPPORT", "2")


# --- resolution ----------------------------------------------------------------


def test_without_mappings_the_defaults_apply() -> None:
    assert resolve() == ExactLineCodes("UREN", "2")


def test_the_task_beats_the_project_the_item_and_the_vat_code() -> None:
    mappings = (task("T", "0"), project("P", "1"), item("I", "5"), vat("9"))

    assert resolve(*mappings) == ExactLineCodes("T", "0")


def test_the_project_beats_the_item_and_the_vat_code() -> None:
    mappings = (project("P", "1"), item("I", "5"), vat("9"))

    assert resolve(*mappings) == ExactLineCodes("P", "1")


def test_the_item_code_beats_the_vat_code() -> None:
    assert resolve(item("I", "5"), vat("9")) == ExactLineCodes("I", "5")


def test_the_line_vat_code_maps_only_the_vat_code() -> None:
    assert resolve(vat("9")) == ExactLineCodes("UREN", "9")


def test_item_and_vat_code_are_resolved_each_on_its_own() -> None:
    """A VAT-only task mapping takes the item from the next rule that names one."""
    mappings = (task(vat="0"), project(item="P"), item("I", "5"))

    assert resolve(*mappings) == ExactLineCodes("P", "0")


def test_an_item_only_task_mapping_keeps_the_default_vat_code() -> None:
    assert resolve(task(item="T")) == ExactLineCodes("T", "2")


def test_mappings_of_other_tasks_projects_items_and_vat_codes_do_not_apply() -> None:
    other = str(uuid.uuid4())
    mappings = (
        LineMapping(MappingScope.TASK, other, "X"),
        LineMapping(MappingScope.PROJECT, other, "X"),
        LineMapping(MappingScope.ITEM, "OTHER", "X"),
        LineMapping(MappingScope.VAT, "9", None, "X"),
    )

    assert resolve(*mappings) == ExactLineCodes("UREN", "2")


def test_a_manual_line_without_task_project_or_item_gets_its_vat_mapping() -> None:
    codes = resolve(item("I"), vat("9"), task_id=None, project_id=None, item_code=None)

    assert codes == ExactLineCodes("UREN", "9")


def test_a_line_nothing_covers_is_not_configured() -> None:
    mappings = LineMappings([])

    with raises_problems(
        (ErrorCode.NOT_CONFIGURED, "exactDefaultItem"),
        (ErrorCode.NOT_CONFIGURED, "exactDefaultVatCode"),
    ) as error:
        mappings.resolve(line(description="Ontwerp"), None, None)

    assert "line 1 (Ontwerp)" in str(error.value)


def test_mappings_cover_a_line_without_defaults() -> None:
    mappings = LineMappings([task("T"), vat("9")])

    assert mappings.resolve(line(), None, None) == ExactLineCodes("T", "9")


def test_a_missing_default_vat_code_is_reported_on_its_own() -> None:
    with raises_problems((ErrorCode.NOT_CONFIGURED, "exactDefaultVatCode")):
        LineMappings([task("T")]).resolve(line(), None, None)
