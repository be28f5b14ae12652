"""Employees, projects, tasks, rate rules, VAT codes and invoicing settings."""

from __future__ import annotations

from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api, codes
from tests.graphql.ids import unknown_id


async def test_create_employee_and_list_employees(api: Api) -> None:
    payload = await api.ok(doc.CREATE_EMPLOYEE, code="ANNA", name="Anna de Vries")
    assert payload["employee"]["name"] == "Anna de Vries"
    await api.ok(doc.CREATE_EMPLOYEE, code="BOB", name="Bob Bakker")
    data = await api.data("{ employees { code name } }")
    assert [e["code"] for e in data["employees"]] == ["ANNA", "BOB"]


async def test_create_employee_refuses_a_duplicate_code_and_blank_names(api: Api) -> None:
    await seed.employee(api, code="ANNA")
    assert codes(await api.errors(doc.CREATE_EMPLOYEE, code="ANNA", name="Anna")) == {
        ("code", "DUPLICATE")
    }
    assert codes(await api.errors(doc.CREATE_EMPLOYEE, code="X", name="")) == {("name", "REQUIRED")}


async def test_create_project_and_task(api: Api) -> None:
    customer_id = await seed.customer(api)
    project = (await api.ok(doc.CREATE_PROJECT, customerId=customer_id, code="WEB", name="Site"))[
        "project"
    ]
    assert project["customer"]["id"] == customer_id
    task = (
        await api.ok(
            doc.CREATE_TASK, projectId=project["id"], code="DEV", name="Build", itemCode="HRS"
        )
    )["task"]
    assert (task["itemCode"], task["project"]["id"]) == ("HRS", project["id"])
    data = await api.data(
        "query($c: ID) { projects(customerId: $c) { code tasks { code } customer { code } } }",
        c=customer_id,
    )
    assert data["projects"] == [
        {"code": "WEB", "tasks": [{"code": "DEV"}], "customer": {"code": "ACME"}}
    ]


async def test_create_project_for_an_unknown_customer(api: Api) -> None:
    errors = await api.errors(
        doc.CREATE_PROJECT, customerId=unknown_id("Customer"), code="WEB", name="Site"
    )
    assert codes(errors) == {("customerId", "NOT_FOUND")}


async def test_create_task_with_a_bad_project_id(api: Api) -> None:
    errors = await api.errors(doc.CREATE_TASK, projectId="????", code="DEV", name="Build")
    assert codes(errors) == {("projectId", "INVALID")}


async def test_create_and_delete_rate_rules(api: Api) -> None:
    customer_id = await seed.customer(api)
    employee_id = await seed.employee(api)
    payload = await api.ok(
        doc.CREATE_RATE_RULE, rate="92.50", customerId=customer_id, employeeId=employee_id
    )
    rule = payload["rateRule"]
    assert rule["rate"] == "92.50"
    assert (rule["customer"]["id"], rule["employee"]["id"], rule["project"]) == (
        customer_id,
        employee_id,
        None,
    )
    listed = await api.data("{ rateRules { totalCount edges { node { id rate } } } }")
    assert listed["rateRules"]["edges"] == [{"node": {"id": rule["id"], "rate": "92.50"}}]
    assert (await api.ok(doc.DELETE_RATE_RULE, id=rule["id"]))["deletedId"] == rule["id"]
    assert (await api.data("{ rateRules { totalCount } }"))["rateRules"]["totalCount"] == 0


async def test_rate_rule_errors(api: Api) -> None:
    await seed.rate_rule(api, "80")
    assert codes(await api.errors(doc.CREATE_RATE_RULE, rate="85")) == {("rate", "DUPLICATE")}
    assert codes(
        await api.errors(doc.CREATE_RATE_RULE, rate="-1", employeeId=await seed.employee(api))
    ) == {("rate", "OUT_OF_RANGE")}
    assert codes(await api.errors(doc.CREATE_RATE_RULE, rate="eighty")) == {("rate", "INVALID")}
    assert codes(
        await api.errors(doc.CREATE_RATE_RULE, rate="85", projectId=unknown_id("Project"))
    ) == {("projectId", "NOT_FOUND")}
    assert codes(await api.errors(doc.DELETE_RATE_RULE, id=unknown_id("RateRule"))) == {
        ("id", "NOT_FOUND")
    }


async def test_save_vat_code_creates_then_changes(api: Api) -> None:
    created = await api.ok(doc.SAVE_VAT_CODE, code="6", description="Oud laag", percentage="6")
    assert created["vatCode"] == {"code": "6", "description": "Oud laag", "percentage": "6"}
    changed = await api.ok(doc.SAVE_VAT_CODE, code="6", description="Laag", percentage="6.50")
    assert changed["vatCode"]["percentage"] == "6.50"
    data = await api.data("{ vatCodes { code percentage } }")
    assert {"code": "6", "percentage": "6.50"} in data["vatCodes"]


async def test_save_vat_code_errors(api: Api) -> None:
    assert codes(
        await api.errors(doc.SAVE_VAT_CODE, code="X", description="X", percentage="101")
    ) == {("percentage", "OUT_OF_RANGE")}
    assert codes(
        await api.errors(doc.SAVE_VAT_CODE, code="X", description="X", percentage="1.234")
    ) == {("percentage", "TOO_PRECISE")}


async def test_update_invoicing_settings(api: Api) -> None:
    payload = await api.ok(doc.UPDATE_INVOICING_SETTINGS, defaultVatCode="9", hoursItemCode="UREN")
    assert payload["invoicingSettings"] == {"defaultVatCode": "9", "hoursItemCode": "UREN"}
    data = await api.data("{ invoicingSettings { defaultVatCode hoursItemCode } }")
    assert data["invoicingSettings"] == {"defaultVatCode": "9", "hoursItemCode": "UREN"}
    cleared = await api.ok(doc.UPDATE_INVOICING_SETTINGS, hoursItemCode="")
    assert cleared["invoicingSettings"]["hoursItemCode"] is None


async def test_update_invoicing_settings_refuses_an_unknown_vat_code(api: Api) -> None:
    errors = await api.errors(doc.UPDATE_INVOICING_SETTINGS, defaultVatCode="99")
    assert codes(errors) == {("defaultVatCode", "NOT_FOUND")}
