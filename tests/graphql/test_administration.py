"""The Exact administration through GraphQL over HTTP: pickers, saving, line mappings.

Exact is the in-memory fake over the sandbox's demo administration (division 123456,
journal 70, items UREN/SUPPORT/MATERIAAL/BOEKEN, VAT codes 0/1/2/5).
"""

from __future__ import annotations

import pytest

from application.exact import ExactAuthError, ExactUnavailableError
from infrastructure.exact.fake import FakeExactGateway
from tests.graphql import seed
from tests.graphql.api import Api, codes
from tests.graphql.ids import unknown_id

PICKERS = """query($division: Int) {
  exactAdministration {
    divisions { options { code description active } selected errors { field code message } }
    journals(division: $division) {
      division options { code description } selected errors { field code message }
    }
    items(division: $division) {
      division options { code description unit vatCode } selected errors { field code message }
    }
    vatCodes(division: $division) {
      division options { code description percentage } selected errors { field code message }
    }
  }
}"""

SAVE = """mutation($input: SaveExactAdministrationInput!) {
  saveExactAdministration(input: $input) {
    invoicingSettings {
      exactDivision exactJournal exactDefaultItem exactDefaultVatCode attachPdf
    }
    errors { field code message }
  }
}"""

SETTINGS = """{
  invoicingSettings {
    defaultVatCode exactDivision exactJournal exactDefaultItem exactDefaultVatCode attachPdf
  }
}"""

SAVE_MAPPING = """mutation($input: SaveLineMappingInput!) {
  saveLineMapping(input: $input) {
    lineMapping {
      id scope key exactItemCode exactVatCode task { code } project { code }
    }
    errors { field code message }
  }
}"""

DELETE_MAPPING = """mutation($input: DeleteLineMappingInput!) {
  deleteLineMapping(input: $input) { deletedId errors { field code message } }
}"""

MAPPINGS = """query($scope: LineMappingScope) {
  lineMappings(scope: $scope) { id scope key exactItemCode exactVatCode task { code } }
}"""


async def configure(api: Api) -> None:
    await api.ok(SAVE, division=123456, journal="70", defaultItem="UREN", defaultVatCode="2")


# --- pickers -----------------------------------------------------------------------


async def test_pickers_list_exact_with_the_saved_choices_selected(api: Api) -> None:
    await configure(api)

    pickers = (await api.data(PICKERS))["exactAdministration"]

    assert pickers["divisions"] == {
        "options": [
            {"code": 123456, "description": "Hourbill Demo B.V.", "active": True},
            {"code": 654321, "description": "Hourbill Holding B.V.", "active": True},
        ],
        "selected": 123456,
        "errors": [],
    }
    journals = pickers["journals"]
    assert journals["division"] == 123456
    assert [j["code"] for j in journals["options"]] == ["70", "71"]
    assert journals["selected"] == "70"
    items = pickers["items"]
    assert [i["code"] for i in items["options"]] == ["BOEKEN", "MATERIAAL", "SUPPORT", "UREN"]
    assert {"code": "UREN", "description": "Gewerkte uren", "unit": "uur", "vatCode": "2"} in (
        items["options"]
    )
    assert items["selected"] == "UREN"
    vat = pickers["vatCodes"]
    assert [(v["code"], v["percentage"]) for v in vat["options"]] == [
        ("0", "0"),
        ("1", "9"),
        ("2", "21"),
        ("5", "0"),
    ]
    assert vat["selected"] == "2"


async def test_pickers_of_another_division_select_nothing(api: Api) -> None:
    await configure(api)

    pickers = (await api.data(PICKERS, division=654321))["exactAdministration"]

    assert pickers["journals"]["division"] == 654321
    assert [j["code"] for j in pickers["journals"]["options"]] == ["70"]
    assert pickers["journals"]["selected"] is None
    assert [i["code"] for i in pickers["items"]["options"]] == ["UREN"]


async def test_before_a_division_is_picked_only_the_divisions_are_listed(api: Api) -> None:
    pickers = (await api.data(PICKERS))["exactAdministration"]

    assert len(pickers["divisions"]["options"]) == 2
    assert pickers["divisions"]["selected"] is None
    for name in ("journals", "items", "vatCodes"):
        assert pickers[name]["options"] == []
        assert codes(pickers[name]["errors"]) == {("division", "NOT_CONFIGURED")}


async def test_a_division_the_user_cannot_open_is_an_error_on_division(api: Api) -> None:
    pickers = (await api.data(PICKERS, division=999999))["exactAdministration"]

    assert codes(pickers["journals"]["errors"]) == {("division", "UNKNOWN_IN_EXACT")}
    assert pickers["journals"]["division"] == 999999


async def test_a_division_that_is_no_positive_number_is_out_of_range_on_division(
    api: Api, exact_gateway: FakeExactGateway
) -> None:
    pickers = (await api.data(PICKERS, division=-44235))["exactAdministration"]

    for name in ("journals", "items", "vatCodes"):
        assert codes(pickers[name]["errors"]) == {("division", "OUT_OF_RANGE")}
        assert pickers[name]["division"] == -44235
    assert exact_gateway.calls == ["divisions"]


async def test_exact_down_is_shown_on_the_picker_that_failed(
    api: Api, exact_gateway: FakeExactGateway
) -> None:
    await configure(api)
    exact_gateway.fail_next("items", ExactUnavailableError("Service Unavailable", status=503))

    body = await api.execute(PICKERS)

    assert "errors" not in body
    pickers = body["data"]["exactAdministration"]
    assert pickers["items"]["options"] == []
    assert pickers["items"]["errors"] == [
        {"field": None, "code": "EXACT_UNAVAILABLE", "message": "Service Unavailable"}
    ]
    assert [j["code"] for j in pickers["journals"]["options"]] == ["70", "71"]
    assert pickers["items"]["selected"] is None


async def test_exact_not_connected_is_not_configured(
    api: Api, exact_gateway: FakeExactGateway
) -> None:
    message = "Exact Online is not connected: connect (or reconnect) it first"
    exact_gateway.fail_next("divisions", ExactAuthError(message))

    body = await api.execute(
        "{ exactAdministration { divisions { options { code } errors { field code message } } } }"
    )

    assert "errors" not in body
    assert body["data"]["exactAdministration"]["divisions"] == {
        "options": [],
        "errors": [{"field": None, "code": "NOT_CONFIGURED", "message": message}],
    }


async def test_an_unexpected_failure_is_masked(api: Api, exact_gateway: FakeExactGateway) -> None:
    """A bug (not an Exact error) stays a top-level, masked error."""

    async def broken() -> None:
        raise RuntimeError("secret internals")

    exact_gateway.divisions = broken  # type: ignore[method-assign]

    body = await api.execute("{ exactAdministration { divisions { errors { code } } } }")

    assert [e["message"] for e in body["errors"]] == ["Unexpected error."]
    assert "secret internals" not in str(body)


# --- saving the administration ---------------------------------------------------------


async def test_save_answers_and_keeps_the_settings(api: Api) -> None:
    payload = await api.ok(
        SAVE,
        division=123456,
        journal="70",
        defaultItem="UREN",
        defaultVatCode="2",
        attachPdf=True,
    )

    expected = {
        "exactDivision": 123456,
        "exactJournal": "70",
        "exactDefaultItem": "UREN",
        "exactDefaultVatCode": "2",
        "attachPdf": True,
    }
    assert payload["invoicingSettings"] == expected
    settings = (await api.data(SETTINGS))["invoicingSettings"]
    assert settings == {"defaultVatCode": "21", **expected}


async def test_save_names_each_bad_field_and_changes_nothing(api: Api) -> None:
    await configure(api)

    errors = await api.errors(SAVE, journal="20", defaultItem="NOPE", defaultVatCode="7")

    assert codes(errors) == {
        ("journal", "INVALID"),
        ("defaultItem", "UNKNOWN_IN_EXACT"),
        ("defaultVatCode", "UNKNOWN_IN_EXACT"),
    }
    settings = (await api.data(SETTINGS))["invoicingSettings"]
    assert (settings["exactJournal"], settings["exactDefaultItem"]) == ("70", "UREN")


async def test_an_empty_code_is_required(api: Api) -> None:
    errors = await api.errors(SAVE, division=123456, defaultVatCode=" ")

    assert codes(errors) == {("defaultVatCode", "REQUIRED")}
    assert (await api.data(SETTINGS))["invoicingSettings"]["exactDivision"] is None


async def test_a_new_division_rechecks_the_saved_journal(api: Api) -> None:
    await api.ok(SAVE, division=123456, journal="71")

    errors = await api.errors(SAVE, division=654321)

    assert codes(errors) == {("journal", "UNKNOWN_IN_EXACT")}
    payload = await api.ok(SAVE, division=654321, journal="70")
    assert payload["invoicingSettings"]["exactDivision"] == 654321


async def test_save_while_exact_is_down_is_a_typed_error(
    api: Api, exact_gateway: FakeExactGateway
) -> None:
    exact_gateway.fail_next("divisions", ExactUnavailableError("Gateway Timeout", status=504))

    errors = await api.errors(SAVE, division=123456)

    assert codes(errors) == {(None, "EXACT_UNAVAILABLE")}


# --- line mappings ---------------------------------------------------------------------


@pytest.fixture
async def task_id(api: Api) -> str:
    customer = await seed.customer(api)
    project = await seed.project(api, customer)
    return await seed.task(api, project, code="SUP", name="Support")


async def test_a_task_maps_to_an_exact_item_and_vat_code(api: Api, task_id: str) -> None:
    await configure(api)

    payload = await api.ok(
        SAVE_MAPPING, scope="TASK", key=task_id, exactItemCode="SUPPORT", exactVatCode="2"
    )

    mapping = payload["lineMapping"]
    assert mapping["scope"] == "TASK"
    assert mapping["key"] == task_id
    assert mapping["task"] == {"code": "SUP"}
    assert mapping["project"] is None
    assert (mapping["exactItemCode"], mapping["exactVatCode"]) == ("SUPPORT", "2")
    listed = (await api.data(MAPPINGS))["lineMappings"]
    assert [m["id"] for m in listed] == [mapping["id"]]


async def test_saving_again_replaces_the_codes(api: Api, task_id: str) -> None:
    await configure(api)
    first = await api.ok(SAVE_MAPPING, scope="TASK", key=task_id, exactItemCode="SUPPORT")

    second = await api.ok(SAVE_MAPPING, scope="TASK", key=task_id, exactVatCode="1")

    assert second["lineMapping"]["id"] == first["lineMapping"]["id"]
    assert second["lineMapping"]["exactItemCode"] is None
    assert second["lineMapping"]["exactVatCode"] == "1"


@pytest.mark.parametrize(
    ("scope", "key", "expected"),
    [
        ("TASK", "not-an-id", ("key", "INVALID")),
        ("TASK", unknown_id("Project"), ("key", "INVALID")),
        ("TASK", unknown_id("Task"), ("key", "NOT_FOUND")),
        ("PROJECT", unknown_id("Project"), ("key", "NOT_FOUND")),
        ("VAT", "6", ("key", "NOT_FOUND")),
        ("ITEM", " ", ("key", "REQUIRED")),
    ],
)
async def test_a_bad_key_is_an_error_on_key(
    api: Api, scope: str, key: str, expected: tuple[str, str]
) -> None:
    await configure(api)

    errors = await api.errors(SAVE_MAPPING, scope=scope, key=key, exactVatCode="2")

    assert codes(errors) == {expected}
    assert (await api.data(MAPPINGS))["lineMappings"] == []


async def test_codes_unknown_in_exact_are_errors_on_their_fields(api: Api) -> None:
    await configure(api)

    errors = await api.errors(
        SAVE_MAPPING, scope="ITEM", key="BOEK", exactItemCode="NOPE", exactVatCode="7"
    )

    assert codes(errors) == {
        ("exactItemCode", "UNKNOWN_IN_EXACT"),
        ("exactVatCode", "UNKNOWN_IN_EXACT"),
    }


async def test_a_vat_mapping_with_an_item_is_invalid(api: Api) -> None:
    await configure(api)

    errors = await api.errors(
        SAVE_MAPPING, scope="VAT", key="9", exactItemCode="UREN", exactVatCode="1"
    )

    assert codes(errors) == {("exactItemCode", "INVALID")}


async def test_mapping_before_the_division_is_picked_is_not_configured(api: Api) -> None:
    errors = await api.errors(SAVE_MAPPING, scope="ITEM", key="BOEK", exactItemCode="BOEKEN")

    assert codes(errors) == {(None, "NOT_CONFIGURED")}


async def test_mappings_are_listed_per_scope(api: Api, task_id: str) -> None:
    await configure(api)
    await api.ok(SAVE_MAPPING, scope="TASK", key=task_id, exactItemCode="SUPPORT")
    await api.ok(SAVE_MAPPING, scope="VAT", key="9", exactVatCode="1")
    await api.ok(SAVE_MAPPING, scope="ITEM", key="BOEK", exactItemCode="BOEKEN")

    every = (await api.data(MAPPINGS))["lineMappings"]
    vat = (await api.data(MAPPINGS, scope="VAT"))["lineMappings"]

    assert [(m["scope"], m["key"]) for m in every] == [
        ("ITEM", "BOEK"),
        ("TASK", task_id),
        ("VAT", "9"),
    ]
    assert vat == [
        {
            "id": vat[0]["id"],
            "scope": "VAT",
            "key": "9",
            "exactItemCode": None,
            "exactVatCode": "1",
            "task": None,
        }
    ]


async def test_delete_removes_a_mapping(api: Api) -> None:
    await configure(api)
    saved = await api.ok(SAVE_MAPPING, scope="ITEM", key="BOEK", exactItemCode="BOEKEN")
    mapping_id = saved["lineMapping"]["id"]

    payload = await api.ok(DELETE_MAPPING, id=mapping_id)

    assert payload["deletedId"] == mapping_id
    assert (await api.data(MAPPINGS))["lineMappings"] == []


@pytest.mark.parametrize(
    ("mapping_id", "expected"),
    [(unknown_id("LineMapping"), ("id", "NOT_FOUND")), ("nonsense", ("id", "INVALID"))],
)
async def test_deleting_what_is_not_there_is_a_typed_error(
    api: Api, mapping_id: str, expected: tuple[str, str]
) -> None:
    assert codes(await api.errors(DELETE_MAPPING, id=mapping_id)) == {expected}
