"""The README's administration examples, as written, on the embedded default.

The real server, the real Exact adapter and the embedded sandbox: connect (the
sandbox approves at once), then run every GraphQL example of the README's
"Administration" section in order.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import RunningServer

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "### Administration"


def readme_examples() -> list[str]:
    """The GraphQL operations of the section, one per top-level `{…}` or `mutation {…}`."""
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    after = re.search(r"\n##+ ", text[start + len(SECTION) :])
    end = start + len(SECTION) + after.start() if after else len(text)
    blocks = re.findall(r"```graphql\n(.*?)```", text[start:end], re.S)
    return [op.strip() for block in blocks for op in re.split(r"\n\s*\n", block) if op.strip()]


async def graphql(http: httpx.AsyncClient, query: str) -> dict[str, Any]:
    body: dict[str, Any] = (await http.post("/graphql", json={"query": query})).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def no_errors(value: Any) -> None:
    """No `errors` list anywhere in the answer is non-empty."""
    if isinstance(value, dict):
        assert not value.get("errors"), value
        for item in value.values():
            no_errors(item)
    elif isinstance(value, list):
        for item in value:
            no_errors(item)


async def connect(http: httpx.AsyncClient) -> None:
    started = await graphql(http, "mutation { startExactConnection { authorizeUrl } }")
    approval = await http.get(started["startExactConnection"]["authorizeUrl"])
    assert (await http.get(approval.headers["location"])).status_code == 200


async def test_the_readme_examples_run_on_the_embedded_default(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    await connect(http)
    examples = readme_examples()
    answers: list[dict[str, Any]] = []
    mapping_id = None

    for example in examples:
        if "…" in example:
            assert mapping_id is not None
            example = example.replace("…", mapping_id)
        answer = await graphql(http, example)
        no_errors(answer)
        answers.append(answer)
        saved = answer.get("saveLineMapping", {}).get("lineMapping")
        mapping_id = saved["id"] if saved else mapping_id

    assert len(examples) == 6
    pickers = answers[0]["exactAdministration"]
    assert [j["code"] for j in pickers["journals"]["options"]] == ["70", "71"]
    assert "UREN" in [i["code"] for i in pickers["items"]["options"]]
    assert answers[1]["saveExactAdministration"]["invoicingSettings"] == {
        "exactDivision": 123456,
        "exactJournal": "70",
        "exactDefaultItem": "UREN",
        "exactDefaultVatCode": "2",
        "attachPdf": False,
    }
    listed = answers[4]["lineMappings"]
    assert [(m["scope"], m["key"]) for m in listed] == [("ITEM", "BOEK"), ("VAT", "9")]
    assert answers[5]["deleteLineMapping"]["deletedId"] == mapping_id
    after = await graphql(http, "{ lineMappings { scope key } }")
    assert after["lineMappings"] == [{"scope": "VAT", "key": "9"}]
    picked = await graphql(http, "{ exactAdministration { journals { selected } } }")
    assert picked["exactAdministration"]["journals"]["selected"] == "70"


async def test_pickers_before_connecting_say_so(http: httpx.AsyncClient) -> None:
    data = await graphql(
        http, "{ exactAdministration { divisions { options { code } errors { code } } } }"
    )

    assert data["exactAdministration"]["divisions"] == {
        "options": [],
        "errors": [{"code": "NOT_CONFIGURED"}],
    }
