"""The Exact administration: pickers, saving division/journal/item/VAT, line mappings.

Exact is `FakeExactGateway` over the sandbox's demo administration: division
123456 (journals 70 and 71 sales, 20 bank, 90 general; items UREN, SUPPORT,
MATERIAAL, BOEKEN; VAT codes 0, 1, 2, 5) and division 654321 (journal 70,
item UREN, VAT code 2).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from application.administration import (
    DeleteLineMapping,
    ExactPickers,
    ListLineMappings,
    SaveExactAdministration,
    SaveExactAdministrationRequest,
    SaveLineMapping,
    SaveLineMappingRequest,
    line_mappings,
)
from application.exact import (
    ExactAuthError,
    ExactDivision,
    ExactNotFoundError,
    ExactThrottledError,
    ExactUnavailableError,
    ExactValidationError,
)
from domain.errors import ErrorCode
from domain.exact_mapping import ExactLineCodes, LineMapping, MappingScope
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.exact.sandbox.seed import seed
from tests.factories import OrderLineFactory
from tests.fakes import FakeStore, FakeUnitOfWorkFactory
from tests.unit.conftest import World
from tests.unit.helpers import raises_problems, snapshot

DEMO = 123456
HOLDING = 654321


class GatewayWithAnInactiveDivision(FakeExactGateway):
    """Exact lists division 111111, archived; the sandbox knows only active ones."""

    async def divisions(self) -> list[ExactDivision]:
        return [*await super().divisions(), ExactDivision(111111, "Oud B.V.", active=False)]


@pytest.fixture
def exact() -> FakeExactGateway:
    gateway = GatewayWithAnInactiveDivision()
    seed(
        gateway.administration,
        {
            "divisions": [
                {
                    "code": DEMO,
                    "journals": [
                        {"Code": "72", "Description": "Geblokkeerd", "Type": 20, "IsBlocked": True}
                    ],
                    "items": [{"Code": "INKOOP", "Description": "Inkoop", "IsSalesItem": False}],
                    "vat_codes": [
                        {"Code": "9", "Description": "Oud", "Percentage": 0, "IsBlocked": True}
                    ],
                }
            ]
        },
    )
    return gateway


def configured(store: FakeStore, **values: object) -> None:
    """Settings as saved before: the demo division with journal 70, UREN and VAT code 2."""
    defaults = {
        "exact_division": DEMO,
        "exact_journal": "70",
        "exact_default_item": "UREN",
        "exact_default_vat_code": "2",
    }
    for name, value in {**defaults, **values}.items():
        setattr(store.settings, name, value)


def exact_settings(store: FakeStore) -> tuple[object, ...]:
    s = store.settings
    return (
        s.exact_division,
        s.exact_journal,
        s.exact_default_item,
        s.exact_default_vat_code,
        s.attach_pdf,
    )


# --- pickers ---------------------------------------------------------------------


async def test_divisions_are_listed_with_the_saved_one_selected(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    configured(store)

    choices = await ExactPickers(exact, uow).divisions()

    assert [(d.code, d.active) for d in choices.options] == [
        (111111, False),
        (DEMO, True),
        (HOLDING, True),
    ]
    assert choices.selected == DEMO


async def test_journals_are_the_sales_journals_not_blocked_of_the_saved_division(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    configured(store)

    choices = await ExactPickers(exact, uow).journals()

    assert [j.code for j in choices.options] == ["70", "71"]
    assert (choices.division, choices.selected) == (DEMO, "70")


async def test_items_are_the_sales_items(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    configured(store)

    choices = await ExactPickers(exact, uow).items()

    assert [i.code for i in choices.options] == ["BOEKEN", "MATERIAAL", "SUPPORT", "UREN"]
    assert choices.selected == "UREN"


async def test_vat_codes_are_those_not_blocked(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    configured(store)

    choices = await ExactPickers(exact, uow).vat_codes()

    assert [v.code for v in choices.options] == ["0", "1", "2", "5"]
    assert choices.selected == "2"


async def test_another_division_is_listed_without_a_selection(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    configured(store)

    choices = await ExactPickers(exact, uow).items(HOLDING)

    assert [i.code for i in choices.options] == ["UREN"]
    assert (choices.division, choices.selected) == (HOLDING, None)


async def test_lists_of_a_division_need_one(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway
) -> None:
    with raises_problems((ErrorCode.NOT_CONFIGURED, "division")):
        await ExactPickers(exact, uow).journals()

    assert exact.calls == []


@pytest.mark.parametrize("division", [0, -44235])
async def test_a_division_that_is_no_positive_number_is_out_of_range(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, division: int
) -> None:
    with raises_problems((ErrorCode.OUT_OF_RANGE, "division")):
        await ExactPickers(exact, uow).journals(division)

    assert exact.calls == []


async def test_a_division_the_user_cannot_open_is_unknown_on_division(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway
) -> None:
    with raises_problems((ErrorCode.UNKNOWN_IN_EXACT, "division")):
        await ExactPickers(exact, uow).vat_codes(999999)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ExactAuthError("Exact Online is not connected"), (ErrorCode.NOT_CONFIGURED, None)),
        (ExactUnavailableError("Bad gateway", status=502), (ErrorCode.EXACT_UNAVAILABLE, None)),
        (ExactThrottledError("Too many requests"), (ErrorCode.EXACT_UNAVAILABLE, None)),
        (ExactValidationError("Bad filter", status=400), (ErrorCode.EXACT_REJECTED, "division")),
        (ExactNotFoundError("Not found", status=404), (ErrorCode.NOT_FOUND, "division")),
    ],
)
async def test_exact_errors_become_typed_problems(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    exact: FakeExactGateway,
    error: Exception,
    expected: tuple[ErrorCode, str | None],
) -> None:
    configured(store)
    exact.fail_next("journals", error)  # type: ignore[arg-type]

    with raises_problems(expected) as info:
        await ExactPickers(exact, uow).journals()

    assert str(error) in str(info.value)


async def test_a_throttled_exact_says_when_to_try_again(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    retry_at = dt.datetime(2026, 11, 30, 12, 1, tzinfo=dt.UTC)
    exact.fail_next("divisions", ExactThrottledError("Too many requests", retry_at=retry_at))

    with raises_problems((ErrorCode.EXACT_UNAVAILABLE, None)) as info:
        await ExactPickers(exact, uow).divisions()

    assert "2026-11-30T12:01:00+00:00" in str(info.value)


# --- saving the administration --------------------------------------------------------


async def save(
    uow: FakeUnitOfWorkFactory, exact: FakeExactGateway, **fields: object
) -> tuple[object, ...]:
    request = SaveExactAdministrationRequest(**fields)  # type: ignore[arg-type]
    settings = await SaveExactAdministration(uow, exact).execute(request)
    return (
        settings.exact_division,
        settings.exact_journal,
        settings.exact_default_item,
        settings.exact_default_vat_code,
        settings.attach_pdf,
    )


async def test_saves_division_journal_item_vat_code_and_attach_pdf(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    saved = await save(
        uow,
        exact,
        division=DEMO,
        journal="70",
        default_item="UREN",
        default_vat_code="2",
        attach_pdf=True,
    )

    assert saved == (DEMO, "70", "UREN", "2", True)
    assert exact_settings(store) == saved
    assert store.commits == 1


async def test_codes_are_trimmed(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    await save(uow, exact, division=DEMO, journal=" 70 ", default_item=" UREN")

    assert exact_settings(store)[:3] == (DEMO, "70", "UREN")


async def test_only_given_fields_change(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    configured(store)

    saved = await save(uow, exact, default_item="SUPPORT")

    assert saved == (DEMO, "70", "SUPPORT", "2", False)
    assert exact.calls == ["items"]


async def test_attach_pdf_alone_asks_nothing_of_exact(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    assert await save(uow, exact, attach_pdf=True) == (None, None, None, None, True)
    assert exact.calls == []


async def test_every_bad_field_is_reported_and_nothing_is_saved(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    before = snapshot(store)

    with raises_problems(
        (ErrorCode.UNKNOWN_IN_EXACT, "journal"),
        (ErrorCode.UNKNOWN_IN_EXACT, "defaultItem"),
        (ErrorCode.UNKNOWN_IN_EXACT, "defaultVatCode"),
    ):
        await save(
            uow, exact, division=DEMO, journal="99", default_item="NOPE", default_vat_code="7"
        )

    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"journal": "20"}, (ErrorCode.INVALID, "journal")),  # a bank journal
        ({"journal": "90"}, (ErrorCode.INVALID, "journal")),  # a general journal
        ({"journal": "72"}, (ErrorCode.INVALID, "journal")),  # blocked
        ({"default_item": "INKOOP"}, (ErrorCode.INVALID, "defaultItem")),  # no sales item
        ({"default_vat_code": "9"}, (ErrorCode.INVALID, "defaultVatCode")),  # blocked
        ({"journal": " "}, (ErrorCode.REQUIRED, "journal")),
        ({"default_item": ""}, (ErrorCode.REQUIRED, "defaultItem")),
    ],
)
async def test_a_code_that_cannot_be_used_is_refused(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    exact: FakeExactGateway,
    fields: dict[str, str],
    expected: tuple[ErrorCode, str],
) -> None:
    configured(store)
    before = snapshot(store)

    with raises_problems(expected):
        await save(uow, exact, **fields)

    assert snapshot(store) == before


async def test_an_unknown_division_is_refused_before_its_codes_are_looked_up(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    with raises_problems((ErrorCode.UNKNOWN_IN_EXACT, "division")):
        await save(uow, exact, division=999999, journal="70")

    assert exact.calls == ["divisions"]
    assert store.commits == 0


async def test_an_inactive_division_is_refused(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    with raises_problems((ErrorCode.INVALID, "division")):
        await save(uow, exact, division=111111)

    assert store.commits == 0


async def test_codes_without_a_division_need_one_first(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    with raises_problems((ErrorCode.NOT_CONFIGURED, "division")):
        await save(uow, exact, journal="70")

    assert exact.calls == []


async def test_a_new_division_rechecks_the_saved_codes_against_it(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    """The holding has journal 70, item UREN and VAT code 2, but no journal 71 or item SUPPORT."""
    configured(store, exact_journal="71", exact_default_item="SUPPORT")
    before = snapshot(store)

    with raises_problems(
        (ErrorCode.UNKNOWN_IN_EXACT, "journal"), (ErrorCode.UNKNOWN_IN_EXACT, "defaultItem")
    ) as info:
        await save(uow, exact, division=HOLDING)

    assert f"division {HOLDING} has no journal '71'" in str(info.value)
    assert snapshot(store) == before


async def test_a_new_division_with_codes_valid_there_is_saved(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    configured(store, exact_journal="71")

    saved = await save(uow, exact, division=HOLDING, journal="70")

    assert saved == (HOLDING, "70", "UREN", "2", False)
    assert exact.calls == ["divisions", "journals", "items", "vat_codes"]


async def test_the_same_division_again_does_not_recheck_the_saved_codes(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    configured(store)

    await save(uow, exact, division=DEMO)

    assert exact.calls == ["divisions"]


async def test_exact_unavailable_while_checking_saves_nothing(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    exact.fail_next("items", ExactUnavailableError("Service unavailable", status=503))

    with raises_problems((ErrorCode.EXACT_UNAVAILABLE, None)):
        await save(uow, exact, division=DEMO, journal="70", default_item="UREN")

    assert store.commits == 0


async def test_a_division_changed_meanwhile_is_a_conflict(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway
) -> None:
    """The journal was checked against the demo division; someone moved to the holding."""
    configured(store)

    class MovedMeanwhile(FakeExactGateway):
        async def journals(self, division: int):  # type: ignore[no-untyped-def]
            store.settings.exact_division = HOLDING
            return await super().journals(division)

    with raises_problems((ErrorCode.CONFLICT, "division")):
        await SaveExactAdministration(uow, MovedMeanwhile()).execute(
            SaveExactAdministrationRequest(journal="71")
        )

    assert store.settings.exact_journal == "70"


# --- line mappings ---------------------------------------------------------------


def mapping_request(scope: MappingScope, key: object, **codes: str) -> SaveLineMappingRequest:
    return SaveLineMappingRequest(scope, str(key), **codes)


async def save_mapping(
    uow: FakeUnitOfWorkFactory,
    exact: FakeExactGateway,
    scope: MappingScope,
    key: object,
    **codes: str,
) -> LineMapping:
    return await SaveLineMapping(uow, exact).execute(mapping_request(scope, key, **codes))


@pytest.fixture
def mapped(store: FakeStore, world: World) -> World:
    configured(store)
    return world


async def test_a_task_maps_to_an_item_and_a_vat_code(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway, mapped: World
) -> None:
    mapping = await save_mapping(
        uow,
        exact,
        MappingScope.TASK,
        mapped.design.id,
        exact_item_code="SUPPORT",
        exact_vat_code="1",
    )

    assert store.line_mappings == {mapping.id: mapping}
    assert (mapping.key, mapping.exact_item_code, mapping.exact_vat_code) == (
        str(mapped.design.id),
        "SUPPORT",
        "1",
    )


@pytest.mark.parametrize(
    ("scope", "key"),
    [
        (MappingScope.PROJECT, "renovation"),
        (MappingScope.ITEM, "BOUW"),
        (MappingScope.ITEM, "a code no task has yet"),
    ],
)
async def test_projects_and_item_codes_map_too(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    exact: FakeExactGateway,
    mapped: World,
    scope: MappingScope,
    key: str,
) -> None:
    real_key = str(mapped.renovation.id) if key == "renovation" else key

    mapping = await save_mapping(uow, exact, scope, real_key, exact_item_code="MATERIAAL")

    assert store.line_mappings[mapping.id].key == real_key


async def test_a_vat_code_maps_to_an_exact_vat_code(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway, mapped: World
) -> None:
    mapping = await save_mapping(uow, exact, MappingScope.VAT, "9", exact_vat_code="1")

    assert (mapping.exact_item_code, mapping.exact_vat_code) == (None, "1")
    assert exact.calls == ["vat_codes"]


async def test_saving_the_same_scope_and_key_replaces_the_codes(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway, mapped: World
) -> None:
    first = await save_mapping(
        uow, exact, MappingScope.TASK, mapped.design.id, exact_item_code="SUPPORT"
    )

    second = await save_mapping(uow, exact, MappingScope.TASK, mapped.design.id, exact_vat_code="0")

    assert second.id == first.id
    assert list(store.line_mappings) == [first.id]
    assert (second.exact_item_code, second.exact_vat_code) == (None, "0")


@pytest.mark.parametrize(
    ("scope", "key", "code"),
    [
        (MappingScope.TASK, uuid.UUID(int=1), ErrorCode.NOT_FOUND),
        (MappingScope.PROJECT, uuid.UUID(int=2), ErrorCode.NOT_FOUND),
        (MappingScope.VAT, "6", ErrorCode.NOT_FOUND),
        (MappingScope.TASK, "T-10", ErrorCode.INVALID),
    ],
)
async def test_the_key_must_exist_in_hourbill(
    uow: FakeUnitOfWorkFactory,
    store: FakeStore,
    exact: FakeExactGateway,
    mapped: World,
    scope: MappingScope,
    key: object,
    code: ErrorCode,
) -> None:
    with raises_problems((code, "key")):
        await save_mapping(uow, exact, scope, key, exact_vat_code="2")

    assert store.line_mappings == {}


async def test_exact_codes_must_exist_in_the_saved_division(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway, mapped: World
) -> None:
    with raises_problems(
        (ErrorCode.UNKNOWN_IN_EXACT, "exactItemCode"), (ErrorCode.UNKNOWN_IN_EXACT, "exactVatCode")
    ):
        await save_mapping(
            uow, exact, MappingScope.ITEM, "BOUW", exact_item_code="NOPE", exact_vat_code="7"
        )

    assert store.line_mappings == {}


async def test_a_bad_key_and_a_bad_code_are_reported_together(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway, mapped: World
) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "key"), (ErrorCode.INVALID, "exactItemCode")):
        await save_mapping(
            uow, exact, MappingScope.TASK, uuid.UUID(int=1), exact_item_code="INKOOP"
        )


async def test_a_blocked_exact_vat_code_is_refused(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway, mapped: World
) -> None:
    with raises_problems((ErrorCode.INVALID, "exactVatCode")):
        await save_mapping(uow, exact, MappingScope.VAT, "21", exact_vat_code="9")


async def test_mapping_lines_needs_the_division_first(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway, world: World
) -> None:
    with raises_problems((ErrorCode.NOT_CONFIGURED, None)):
        await save_mapping(uow, exact, MappingScope.ITEM, "BOUW", exact_item_code="UREN")

    assert exact.calls == []


async def test_a_mapping_without_codes_is_refused_before_anything_is_read(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway, mapped: World
) -> None:
    with raises_problems((ErrorCode.REQUIRED, "exactItemCode")):
        await save_mapping(uow, exact, MappingScope.ITEM, "BOUW")

    assert exact.calls == []


async def test_exact_unavailable_while_mapping_saves_nothing(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway, mapped: World
) -> None:
    exact.fail_next("items", ExactUnavailableError("Gateway timeout", status=504))

    with raises_problems((ErrorCode.EXACT_UNAVAILABLE, None)):
        await save_mapping(uow, exact, MappingScope.ITEM, "BOUW", exact_item_code="UREN")

    assert store.line_mappings == {}


async def test_delete_removes_the_mapping(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway, mapped: World
) -> None:
    mapping = await save_mapping(uow, exact, MappingScope.ITEM, "BOUW", exact_item_code="UREN")

    assert await DeleteLineMapping(uow).execute(mapping.id) == mapping.id
    assert store.line_mappings == {}


async def test_deleting_an_unknown_mapping_is_not_found(uow: FakeUnitOfWorkFactory) -> None:
    with raises_problems((ErrorCode.NOT_FOUND, "id")):
        await DeleteLineMapping(uow).execute(uuid.uuid4())


async def test_mappings_are_listed_by_scope_and_key(
    uow: FakeUnitOfWorkFactory, store: FakeStore, mapped: World
) -> None:
    for mapping in (
        LineMapping(MappingScope.VAT, "9", None, "1"),
        LineMapping(MappingScope.ITEM, "BOUW", "MATERIAAL"),
        LineMapping(MappingScope.ITEM, "ADVIES", "SUPPORT"),
        LineMapping(MappingScope.TASK, str(mapped.design.id), "SUPPORT"),
    ):
        store.line_mappings[mapping.id] = mapping

    everything = await ListLineMappings(uow).execute()
    items = await ListLineMappings(uow).execute(MappingScope.ITEM)

    assert [(m.scope, m.key) for m in everything] == [
        (MappingScope.ITEM, "ADVIES"),
        (MappingScope.ITEM, "BOUW"),
        (MappingScope.TASK, str(mapped.design.id)),
        (MappingScope.VAT, "9"),
    ]
    assert [m.key for m in items] == ["ADVIES", "BOUW"]


async def test_line_mappings_resolve_lines_within_a_unit_of_work(
    uow: FakeUnitOfWorkFactory, store: FakeStore, exact: FakeExactGateway, mapped: World
) -> None:
    """What the invoicing use case does: the saved mappings, then the defaults."""
    await save_mapping(uow, exact, MappingScope.TASK, mapped.build.id, exact_item_code="MATERIAAL")
    await save_mapping(uow, exact, MappingScope.VAT, "9", exact_vat_code="1")
    on_build = OrderLineFactory(task_id=mapped.build.id, vat_code="9", vat_rate=9)
    elsewhere = OrderLineFactory()

    async with uow() as work:
        mappings = await line_mappings(work)

    assert mappings.resolve(on_build, "UREN", "2") == ExactLineCodes("MATERIAAL", "1")
    assert mappings.resolve(elsewhere, "UREN", "2") == ExactLineCodes("UREN", "2")
