from __future__ import annotations

import uuid

import pytest

from domain.errors import ErrorCode, HourbillError, Problems, not_found
from domain.settings import InvoicingSettings
from domain.work import Employee, Project, Task
from tests.unit.helpers import raises_problems


def test_employee_needs_code_and_name_both_reported() -> None:
    with raises_problems((ErrorCode.REQUIRED, "code"), (ErrorCode.REQUIRED, "name")):
        Employee(code=" ", name="")


def test_project_needs_code_and_name() -> None:
    with raises_problems((ErrorCode.REQUIRED, "code"), (ErrorCode.REQUIRED, "name")):
        Project(customer_id=uuid.uuid4(), code="", name=" ")


def test_task_needs_code_and_name() -> None:
    with raises_problems((ErrorCode.REQUIRED, "name")):
        Task(project_id=uuid.uuid4(), code="T1", name="")


def test_invoicing_settings_need_a_default_vat_code() -> None:
    with raises_problems((ErrorCode.REQUIRED, "defaultVatCode")):
        InvoicingSettings(default_vat_code=" ")


def test_invoicing_settings_default_to_the_dutch_high_rate_and_no_hours_item() -> None:
    settings = InvoicingSettings()

    assert (settings.default_vat_code, settings.hours_item_code) == ("21", None)


def test_an_error_without_problems_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="needs at least one problem"):
        HourbillError()


def test_problems_raise_nothing_when_empty() -> None:
    Problems().raise_if_any()


def test_not_found_names_kind_id_and_field() -> None:
    error = not_found("order", 42, "orderId")

    assert [(p.code, p.field, p.message) for p in error.problems] == [
        (ErrorCode.NOT_FOUND, "orderId", "order 42 does not exist")
    ]
