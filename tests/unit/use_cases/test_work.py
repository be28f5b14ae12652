from __future__ import annotations

import uuid
from decimal import Decimal

from application.use_cases.work import (
    CreateEmployee,
    CreateEmployeeRequest,
    CreateProject,
    CreateProjectRequest,
    CreateRateRule,
    CreateRateRuleRequest,
    CreateTask,
    CreateTaskRequest,
    DeleteRateRule,
    SaveVatCode,
    SaveVatCodeRequest,
    UpdateInvoicingSettings,
    UpdateInvoicingSettingsRequest,
)
from domain.errors import ErrorCode
from tests.factories import CustomerFactory, EmployeeFactory, ProjectFactory, RateRuleFactory
from tests.fakes import FakeStore, FakeUnitOfWorkFactory
from tests.unit.conftest import World
from tests.unit.helpers import put, raises_problems, snapshot


async def test_create_employee_saves_it(uow: FakeUnitOfWorkFactory, store: FakeStore) -> None:
    employee = await CreateEmployee(uow).execute(CreateEmployeeRequest("ANNA", "Anna de Vries"))

    assert store.employees[employee.id].name == "Anna de Vries"


async def test_create_employee_with_a_taken_code_is_a_duplicate(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    put(store, EmployeeFactory(code="ANNA"))
    before = snapshot(store)

    with raises_problems((ErrorCode.DUPLICATE, "code")) as info:
        await CreateEmployee(uow).execute(CreateEmployeeRequest("ANNA", "Anna Smit"))

    assert str(info.value) == "employee 'ANNA' already exists"
    assert snapshot(store) == before


async def test_create_employee_without_name_is_required_on_name(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    with raises_problems((ErrorCode.REQUIRED, "name")):
        await CreateEmployee(uow).execute(CreateEmployeeRequest("ANNA", ""))

    assert store.commits == 0


async def test_create_project_saves_it_for_its_customer(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    acme = put(store, CustomerFactory())

    project = await CreateProject(uow).execute(CreateProjectRequest(acme.id, "REN", "Renovatie"))

    assert store.projects[project.id].customer_id == acme.id


async def test_create_project_for_an_unknown_customer_is_not_found_on_customer_id(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "customerId")):
        await CreateProject(uow).execute(CreateProjectRequest(uuid.uuid4(), "REN", "Renovatie"))

    assert store.projects == {}


async def test_project_codes_are_unique_per_customer(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    acme, globex = put(store, CustomerFactory()), put(store, CustomerFactory())
    put(store, ProjectFactory(customer=acme, code="REN"))

    with raises_problems((ErrorCode.DUPLICATE, "code")):
        await CreateProject(uow).execute(CreateProjectRequest(acme.id, "REN", "Nog een"))
    other = await CreateProject(uow).execute(CreateProjectRequest(globex.id, "REN", "Renovatie"))

    assert sorted(p.customer_id == globex.id for p in store.projects.values()) == [False, True]
    assert other.code == "REN"


async def test_create_task_saves_it_on_its_project(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    task = await CreateTask(uow).execute(
        CreateTaskRequest(world.renovation.id, "30", "Oplevering", item_code="OPL")
    )

    saved = store.tasks[task.id]
    assert (saved.project_id, saved.code, saved.item_code) == (world.renovation.id, "30", "OPL")


async def test_create_task_on_an_unknown_project_is_not_found_on_project_id(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "projectId")):
        await CreateTask(uow).execute(CreateTaskRequest(uuid.uuid4(), "10", "Ontwerp"))

    assert store.tasks == {}


async def test_a_task_code_is_unique_within_its_project_only(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    await CreateTask(uow).execute(CreateTaskRequest(world.renovation.id, "30", "Oplevering"))
    before = dict(store.tasks)

    with raises_problems((ErrorCode.DUPLICATE, "code")):
        await CreateTask(uow).execute(CreateTaskRequest(world.renovation.id, "30", "Nog een"))

    assert store.tasks == before


async def test_create_rate_rule_saves_a_rule_for_existing_dimensions(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    rule = await CreateRateRule(uow).execute(
        CreateRateRuleRequest(Decimal("120.50"), world.acme.id, world.renovation.id, world.anna.id)
    )

    assert store.rate_rules[rule.id].dimensions == (
        world.acme.id,
        world.renovation.id,
        world.anna.id,
    )


async def test_create_rate_rule_reports_every_unknown_dimension(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    before = snapshot(store)

    with raises_problems(
        (ErrorCode.NOT_FOUND, "customerId"),
        (ErrorCode.NOT_FOUND, "projectId"),
        (ErrorCode.NOT_FOUND, "employeeId"),
    ):
        await CreateRateRule(uow).execute(
            CreateRateRuleRequest(Decimal("100"), uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
        )

    assert snapshot(store) == before


async def test_a_second_rule_for_the_same_dimensions_is_a_duplicate(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    put(store, RateRuleFactory(rate=Decimal("100"), customer_id=world.acme.id))
    before = snapshot(store)

    with raises_problems((ErrorCode.DUPLICATE, "rate")):
        await CreateRateRule(uow).execute(CreateRateRuleRequest(Decimal("110"), world.acme.id))
    with raises_problems((ErrorCode.DUPLICATE, "rate")):
        await CreateRateRule(uow).execute(CreateRateRuleRequest(Decimal("75")))  # 2nd default

    assert snapshot(store) == before


async def test_rules_differing_in_one_dimension_are_no_duplicates(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    create = CreateRateRule(uow).execute
    await create(CreateRateRuleRequest(Decimal("100"), world.acme.id))
    await create(CreateRateRuleRequest(Decimal("110"), world.acme.id, employee_id=world.anna.id))
    await create(CreateRateRuleRequest(Decimal("120"), world.acme.id, world.renovation.id))

    assert len(store.rate_rules) == 4  # the world's default rule and these three


async def test_rate_rule_for_a_project_of_another_customer_is_a_customer_mismatch(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    """Such a rule could never match a booking: bookings on a project are of its customer."""
    before = snapshot(store)

    with raises_problems((ErrorCode.CUSTOMER_MISMATCH, "projectId")):
        await CreateRateRule(uow).execute(
            CreateRateRuleRequest(Decimal("100"), world.globex.id, world.renovation.id)
        )

    assert snapshot(store) == before


async def test_invalid_rate_is_reported_before_any_lookup(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    with raises_problems((ErrorCode.TOO_PRECISE, "rate")):
        await CreateRateRule(uow).execute(CreateRateRuleRequest(Decimal("99.99999")))

    assert store.commits == 0


async def test_delete_rate_rule_removes_it(
    uow: FakeUnitOfWorkFactory, store: FakeStore, world: World
) -> None:
    assert await DeleteRateRule(uow).execute(world.default_rate.id) == world.default_rate.id
    assert store.rate_rules == {}


async def test_delete_of_an_unknown_rate_rule_is_not_found_on_id(
    uow: FakeUnitOfWorkFactory,
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "id")):
        await DeleteRateRule(uow).execute(uuid.uuid4())


async def test_save_vat_code_creates_a_new_code(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    saved = await SaveVatCode(uow).execute(SaveVatCodeRequest(" 6 ", "BTW 6%", Decimal("6")))

    assert (saved.code, store.vat_codes["6"].percentage) == ("6", Decimal("6"))


async def test_save_vat_code_changes_description_and_percentage_of_an_existing_code(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    saved = await SaveVatCode(uow).execute(SaveVatCodeRequest("9", "BTW laag", Decimal("9.5")))

    stored = store.vat_codes["9"]
    assert (stored.description, stored.percentage) == ("BTW laag", Decimal("9.5"))
    assert saved is stored
    assert sorted(store.vat_codes) == ["0", "21", "9"]


async def test_save_vat_code_needs_a_code_and_a_valid_percentage(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    with raises_problems((ErrorCode.REQUIRED, "code")):
        await SaveVatCode(uow).execute(SaveVatCodeRequest("  ", "leeg", Decimal("6")))
    with raises_problems((ErrorCode.OUT_OF_RANGE, "percentage")):
        await SaveVatCode(uow).execute(SaveVatCodeRequest("X", "te hoog", Decimal("101")))

    assert store.commits == 0


async def test_update_invoicing_settings_changes_vat_code_and_item(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    settings = await UpdateInvoicingSettings(uow).execute(
        UpdateInvoicingSettingsRequest(default_vat_code="9", hours_item_code="UREN")
    )

    assert (settings.default_vat_code, settings.hours_item_code) == ("9", "UREN")
    assert (store.settings.default_vat_code, store.settings.hours_item_code) == ("9", "UREN")


async def test_blank_hours_item_code_clears_it(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    store.settings.hours_item_code = "UREN"

    await UpdateInvoicingSettings(uow).execute(UpdateInvoicingSettingsRequest(hours_item_code=" "))

    assert store.settings.hours_item_code is None


async def test_unknown_default_vat_code_is_not_found_and_nothing_changes(
    uow: FakeUnitOfWorkFactory, store: FakeStore
) -> None:
    before = snapshot(store)

    with raises_problems((ErrorCode.NOT_FOUND, "defaultVatCode")):
        await UpdateInvoicingSettings(uow).execute(
            UpdateInvoicingSettingsRequest(default_vat_code="6", hours_item_code="UREN")
        )

    assert snapshot(store) == before
