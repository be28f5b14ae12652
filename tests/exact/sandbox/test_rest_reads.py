"""Reads over loopback: current/Me, divisions, envelopes, padded codes, OData, paging,
bulk and sync endpoints, dates, errors and the status codes of writes."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import httpx
import pytest

from infrastructure.exact.sandbox.faults import FaultKind
from infrastructure.exact.sandbox.sandbox import Sandbox, SandboxConfig
from infrastructure.exact.sandbox.server import RunningSandbox, running_sandbox
from tests.exact.sandbox.support import (
    DEMO_DIVISION,
    SECOND_DIVISION,
    account_id,
    authorised,
    control,
    error_text,
    post_invoice,
    results,
)

ACCOUNTS = f"{DEMO_DIVISION}/crm/Accounts"
SELECT_REQUIRED = "Please add a $select or a $top=1 statement to the query string."


def seed_accounts(running: RunningSandbox, count: int, prefix: str = "X") -> list[str]:
    """Add `count` accounts to the demo division through the control API; their IDs."""
    accounts = [{"Code": f"{prefix}{n:05d}", "Name": f"Seeded {n}"} for n in range(count)]
    response = control(
        running, "POST", "seed", json={"divisions": [{"code": DEMO_DIVISION, "accounts": accounts}]}
    )
    assert response.status_code == 200, response.text
    [made] = response.json()["divisions"]
    return [row["ID"] for row in made["accounts"]]


def follow(api: httpx.Client, url: str, params: dict[str, str] | None = None) -> list[Any]:
    """Every page: the first GET, then each `__next` verbatim; returns the pages' rows."""
    pages: list[Any] = []
    response = api.get(url, params=params)
    while True:
        assert response.status_code == 200, response.text
        d = response.json()["d"]
        pages.append(d["results"])
        if "__next" not in d:
            return pages
        response = api.get(d["__next"])


# --- current/Me and divisions -----------------------------------------------------------


def test_current_me_is_the_first_result_with_local_server_time(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    exact_sandbox.sandbox.clock.set(dt.datetime(2026, 6, 25, 14, 30, 10, tzinfo=dt.UTC))

    response = api.get("current/Me")

    [me] = results(response)
    assert me["CurrentDivision"] == DEMO_DIVISION
    assert me["FullName"] == "Sandra Sandbox"
    assert uuid.UUID(me["UserID"])
    # Amsterdam in summer: 16:30 local, two hours ahead of UTC.
    assert me["ServerTime"].startswith("2026-06-25T16:30:1")
    assert me["ServerUtcOffset"] == 7200
    assert me["__metadata"]["type"] == "Exact.Web.Api.System.Me"


def test_current_me_in_winter_is_one_hour_ahead(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    exact_sandbox.sandbox.clock.set(dt.datetime(2026, 1, 15, 9, 0, 5, tzinfo=dt.UTC))

    [me] = results(api.get("current/Me"))

    assert me["ServerTime"].startswith("2026-01-15T10:00:0")
    assert me["ServerUtcOffset"] == 3600


def test_the_sandbox_timezone_is_configurable() -> None:
    sandbox = Sandbox(SandboxConfig(timezone="Europe/London", webhook_validation_delay=0))
    sandbox.clock.set(dt.datetime(2026, 6, 25, 14, 30, 10, tzinfo=dt.UTC))
    with running_sandbox(sandbox) as running, authorised(running) as api:
        [me] = results(api.get("current/Me"))

    assert me["ServerTime"].startswith("2026-06-25T15:30:1")
    assert me["ServerUtcOffset"] == 3600


def test_system_divisions_lists_the_accessible_divisions(api: httpx.Client) -> None:
    rows = results(api.get(f"{DEMO_DIVISION}/system/Divisions", params={"$orderby": "Code"}))

    assert [(row["Code"], row["Description"], row["Current"]) for row in rows] == [
        (DEMO_DIVISION, "Hourbill Demo B.V.", True),
        (SECOND_DIVISION, "Hourbill Holding B.V.", False),
    ]
    assert rows[0]["Status"] == 1
    assert rows[0]["__metadata"]["uri"].endswith(
        f"/api/v1/{DEMO_DIVISION}/system/Divisions({DEMO_DIVISION})"
    )


def test_an_unknown_division_is_403_with_reason_no_division_access(api: httpx.Client) -> None:
    response = api.get("999999/crm/Accounts", params={"$select": "ID"})

    assert response.status_code == 403
    assert response.headers["Reason"] == "NoDivisionAccess"


def test_the_gate_checks_faults_then_token_then_division_then_rate_limit(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    exact_sandbox.sandbox.set_limits(minutely=1)
    assert api.get(ACCOUNTS, params={"$select": "ID"}).status_code == 200
    stranger = {"Authorization": "Bearer nonsense"}

    over_limit = api.get(ACCOUNTS, params={"$select": "ID"})
    bad_division = api.get("999/crm/Accounts", params={"$select": "ID"})
    bad_token = api.get("999/crm/Accounts", headers=stranger)
    exact_sandbox.sandbox.faults.add(FaultKind.ERROR, status=503)
    fault = api.get("999/crm/Accounts", headers=stranger)

    assert over_limit.status_code == 429
    assert bad_division.status_code == 403
    assert bad_token.status_code == 401
    assert fault.status_code == 503


# --- padded codes, envelopes, __metadata --------------------------------------------------


def test_account_codes_are_padded_to_18_with_leading_spaces(api: httpx.Client) -> None:
    rows = results(api.get(ACCOUNTS, params={"$select": "Code", "$orderby": "Code"}))

    codes = [row["Code"] for row in rows]
    assert all(len(code) == 18 for code in codes)
    assert codes[0] == "              1004"
    assert "              ACME" in codes


def test_accounts_filter_on_trim_or_on_the_padded_value(api: httpx.Client) -> None:
    trimmed = results(api.get(ACCOUNTS, params={"$filter": "trim(Code) eq '1005'"}))
    padded = results(api.get(ACCOUNTS, params={"$filter": "Code eq '              1005'"}))
    unpadded = results(api.get(ACCOUNTS, params={"$filter": "Code eq '1005'"}))

    assert [row["Name"] for row in trimmed] == ["Van Dijk Advies"]
    assert [row["ID"] for row in padded] == [row["ID"] for row in trimmed]
    assert unpadded == []


def test_vat_codes_come_as_a_bare_array_with_right_padded_codes_and_fractions(
    api: httpx.Client,
) -> None:
    response = api.get(
        f"{DEMO_DIVISION}/vat/VATCodes", params={"$select": "Code,Percentage", "$orderby": "Code"}
    )

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body["d"], list)  # {"d":[…]}, not {"d":{"results":[…]}}
    assert [(row["Code"], row["Percentage"]) for row in body["d"]] == [
        ("0  ", 0),
        ("1  ", 0.09),
        ("2  ", 0.21),
        ("5  ", 0),
    ]


def test_every_entity_carries_metadata_uri_and_type(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    acme = account_id(api, "ACME")

    response = api.get(f"{ACCOUNTS}(guid'{acme}')")

    assert response.status_code == 200
    d = response.json()["d"]
    assert d["__metadata"] == {
        "uri": f"{exact_sandbox.url}/api/v1/{DEMO_DIVISION}/crm/Accounts(guid'{acme}')",
        "type": "Exact.Web.Api.Models.Account",
    }
    assert d["ID"] == acme
    assert d["Name"] == "Acme Bouw B.V."


def test_invoice_lines_are_deferred_unless_expanded(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    invoice = post_invoice(api)
    path = f"{DEMO_DIVISION}/salesinvoice/SalesInvoices(guid'{invoice['InvoiceID']}')"
    key = f"{exact_sandbox.api_url}/{path}"

    plain = api.get(path)
    expanded = api.get(
        f"{DEMO_DIVISION}/salesinvoice/SalesInvoices",
        params={"$expand": "SalesInvoiceLines", "$select": "InvoiceID,SalesInvoiceLines"},
    )

    assert plain.json()["d"]["SalesInvoiceLines"] == {
        "__deferred": {"uri": f"{key}/SalesInvoiceLines"}
    }
    [row] = results(expanded)
    [line] = row["SalesInvoiceLines"]["results"]
    assert line["LineNumber"] == 1
    assert line["InvoiceID"] == invoice["InvoiceID"]
    assert line["__metadata"]["type"] == "Exact.Web.Api.Models.SalesInvoiceLine"
    deferred = api.get(f"{key}/SalesInvoiceLines")
    assert [item["ID"] for item in results(deferred)] == [line["ID"]]


# --- content negotiation -------------------------------------------------------------------

ATOM_NS = {
    "a": "http://www.w3.org/2005/Atom",
    "d": "http://schemas.microsoft.com/ado/2007/08/dataservices",
    "m": "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata",
}


def test_without_accept_json_the_answer_is_an_atom_feed(
    exact_sandbox: RunningSandbox,
) -> None:
    token = exact_sandbox.access_token()

    response = httpx.get(  # httpx sends "Accept: */*"
        f"{exact_sandbox.api_url}/{ACCOUNTS}",
        params={"$select": "Name,Website", "$orderby": "Name"},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml;type=feed")
    with pytest.raises(json.JSONDecodeError):
        response.json()
    feed = ElementTree.fromstring(response.content)
    entries = feed.findall("a:entry", ATOM_NS)
    names = [
        entry.findtext("a:content/m:properties/d:Name", namespaces=ATOM_NS) for entry in entries
    ]
    assert names[0] == "Acme Bouw B.V."
    assert len(names) == 5
    website = entries[0].find("a:content/m:properties/d:Website", ATOM_NS)
    assert website is not None
    assert website.get(f"{{{ATOM_NS['m']}}}null") == "true"
    assert response.headers["X-RateLimit-Minutely-Remaining"] == "59"


def test_without_accept_json_an_entity_is_an_atom_entry_and_an_error_is_xml(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    acme = account_id(api, "ACME")
    headers = {"Authorization": f"Bearer {exact_sandbox.access_token()}", "Accept": "*/*"}

    entry = httpx.get(f"{exact_sandbox.api_url}/{ACCOUNTS}(guid'{acme}')", headers=headers)
    error = httpx.get(
        f"{exact_sandbox.api_url}/{ACCOUNTS}", params={"$filter": "ID eq 1"}, headers=headers
    )

    assert entry.headers["content-type"].startswith("application/atom+xml;type=entry")
    root = ElementTree.fromstring(entry.content)
    assert root.findtext("a:content/m:properties/d:ID", namespaces=ATOM_NS) == acme
    assert error.status_code == 400
    assert error.headers["content-type"].startswith("application/xml")
    message = ElementTree.fromstring(error.content).findtext("m:message", namespaces=ATOM_NS)
    assert message == (
        "Operator 'eq' incompatible with operand types 'Edm.Guid' and 'Edm.Int32' at position 3."
    )


def test_accept_application_xml_is_refused(exact_sandbox: RunningSandbox) -> None:
    response = httpx.get(
        f"{exact_sandbox.api_url}/{ACCOUNTS}",
        params={"$select": "ID"},
        headers={
            "Authorization": f"Bearer {exact_sandbox.access_token()}",
            "Accept": "application/xml",
        },
    )

    # Exact refuses application/xml; the status is unconfirmed, the sandbox says 406.
    assert response.status_code == 406
    assert response.content == b""


# --- paging -----------------------------------------------------------------------------


def test_following_next_verbatim_pages_60_at_a_time_without_gaps_or_duplicates(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    seeded = seed_accounts(exact_sandbox, 150)
    first = api.get(ACCOUNTS, params={"$select": "ID,Name"})
    next_url = first.json()["d"]["__next"]

    pages = follow(api, ACCOUNTS, {"$select": "ID,Name"})

    assert [len(page) for page in pages] == [60, 60, 35]  # 150 seeded + 5 demo accounts
    ids = [row["ID"] for page in pages for row in page]
    assert len(set(ids)) == len(ids) == 155
    assert set(seeded) <= set(ids)
    assert next_url.startswith(f"{exact_sandbox.url}/api/v1/{DEMO_DIVISION}/crm/Accounts?")
    query = parse_qs(urlsplit(next_url).query)
    assert query["$select"] == ["ID,Name"]
    [skiptoken] = query["$skiptoken"]
    assert skiptoken == f"guid'{pages[0][-1]['ID']}'"


def test_paging_keeps_the_filter_and_order_in_next(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    seed_accounts(exact_sandbox, 130)
    params = {"$select": "Code", "$filter": "startswith(Name, 'Seeded')", "$orderby": "Code desc"}

    pages = follow(api, ACCOUNTS, params)

    codes = [row["Code"].strip() for page in pages for row in page]
    assert [len(page) for page in pages] == [60, 60, 10]
    assert codes == [f"X{n:05d}" for n in reversed(range(130))]


def test_a_top_above_60_still_pages_at_60(exact_sandbox: RunningSandbox, api: httpx.Client) -> None:
    # Unconfirmed for Exact: the sandbox caps a page at 60 and carries what is left of
    # $top into __next.
    seed_accounts(exact_sandbox, 150)
    first = api.get(ACCOUNTS, params={"$select": "ID", "$top": "100"}).json()["d"]

    pages = follow(api, ACCOUNTS, {"$select": "ID", "$top": "100"})

    assert [len(page) for page in pages] == [60, 40]
    assert parse_qs(urlsplit(first["__next"]).query)["$top"] == ["40"]


def test_top_skip_and_orderby(api: httpx.Client) -> None:
    rows = results(
        api.get(
            ACCOUNTS,
            params={"$select": "Name", "$orderby": "Name desc", "$top": "2", "$skip": "1"},
        )
    )

    assert [row["Name"] for row in rows] == ["Tulip Software Limited", "Molen & Co"]
    assert set(rows[0]) == {"__metadata", "Name"}


def test_inlinecount_allpages_gives_count_as_a_string(api: httpx.Client) -> None:
    response = api.get(ACCOUNTS, params={"$select": "ID", "$top": "2", "$inlinecount": "allpages"})

    d = response.json()["d"]
    assert d["__count"] == "5"
    assert len(d["results"]) == 2


def test_count_segment_answers_a_plain_number(api: httpx.Client) -> None:
    everything = api.get(f"{ACCOUNTS}/$count")
    filtered = api.get(f"{ACCOUNTS}/$count", params={"$filter": "Country eq 'NL'"})

    assert everything.status_code == 200
    assert everything.text == "5"
    assert filtered.text == "4"


# --- bulk and sync ----------------------------------------------------------------------


def test_bulk_accounts_pages_1000_at_a_time(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    seed_accounts(exact_sandbox, 1000)

    pages = follow(api, f"{DEMO_DIVISION}/bulk/CRM/Accounts", {"$select": "ID,Code"})

    assert [len(page) for page in pages] == [1000, 5]
    assert len({row["ID"] for page in pages for row in page}) == 1005


def test_bulk_without_select_asks_for_one(api: httpx.Client) -> None:
    response = api.get(f"{DEMO_DIVISION}/bulk/CRM/Accounts")

    assert response.status_code == 400
    assert error_text(response) == SELECT_REQUIRED


def test_bulk_with_top_1_instead_of_select_is_accepted(api: httpx.Client) -> None:
    # The message offers "$top=1" as the alternative; the sandbox takes it at its word.
    response = api.get(f"{DEMO_DIVISION}/bulk/CRM/Accounts", params={"$top": "1"})

    assert len(results(response)) == 1


def test_bulk_is_read_only(api: httpx.Client) -> None:
    response = api.post(f"{DEMO_DIVISION}/bulk/CRM/Accounts", json={"Name": "Nope"})

    assert response.status_code == 405


def test_sync_accounts_filter_on_timestamp_only(api: httpx.Client) -> None:
    url = f"{DEMO_DIVISION}/sync/CRM/Accounts"
    everything = results(
        api.get(url, params={"$filter": "Timestamp gt 1", "$select": "ID,Name,Timestamp"})
    )
    newest = max(row["Timestamp"] for row in everything)
    acme = account_id(api, "ACME")
    assert api.put(f"{ACCOUNTS}(guid'{acme}')", json={"City": "Amersfoort"}).status_code == 204

    changed = results(
        api.get(url, params={"$filter": f"Timestamp gt {newest}L", "$select": "ID,City"})
    )
    by_name = api.get(url, params={"$filter": "Name eq 'Molen & Co'", "$select": "ID"})

    assert len(everything) == 5
    assert [row["Timestamp"] for row in everything] == sorted(
        row["Timestamp"] for row in everything
    )
    assert [(row["ID"], row["City"]) for row in changed] == [(acme, "Amersfoort")]
    assert by_name.status_code == 400
    assert error_text(by_name) == "Only the Timestamp field can be filtered on sync endpoints."


def test_sync_sales_invoices_mix_header_rows_with_line_rows(api: httpx.Client) -> None:
    uren = api.get(
        f"{DEMO_DIVISION}/logistics/Items", params={"$filter": "Code eq 'UREN'", "$select": "ID"}
    ).json()["d"]["results"][0]["ID"]
    first = post_invoice(api, YourRef="A")
    second = post_invoice(
        api,
        YourRef="B",
        SalesInvoiceLines=[
            {"Item": uren, "Quantity": 1, "NetPrice": 10.0},
            {"Item": uren, "Quantity": 3, "NetPrice": 20.0},
        ],
    )

    rows = results(
        api.get(
            f"{DEMO_DIVISION}/sync/SalesInvoice/SalesInvoices",
            params={
                "$filter": "Timestamp gt 1",
                "$select": "Timestamp,InvoiceID,LineNumber,YourRef,AmountFC",
            },
        )
    )

    assert [(row["InvoiceID"], row["LineNumber"], row["YourRef"]) for row in rows] == [
        (first["InvoiceID"], 0, "A"),
        (first["InvoiceID"], 1, "A"),
        (second["InvoiceID"], 0, "B"),
        (second["InvoiceID"], 1, "B"),
        (second["InvoiceID"], 2, "B"),
    ]
    # A header row carries the invoice's total, a line row the line's amount.
    assert [row["AmountFC"] for row in rows] == [242.0, 200.0, 84.7, 10.0, 60.0]
    assert [row["Timestamp"] for row in rows] == sorted(row["Timestamp"] for row in rows)


# --- dates ------------------------------------------------------------------------------


def test_dates_are_local_wall_clock_encoded_as_utc_and_date_only_fields_are_midnight(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    exact_sandbox.sandbox.clock.set(dt.datetime(2026, 6, 25, 14, 31, 0, tzinfo=dt.UTC))

    invoice = post_invoice(api, InvoiceDate="2024-08-12")

    assert invoice["InvoiceDate"] == "/Date(1723420800000)/"  # 2024-08-12T00:00 "UTC"
    created_ms = int(invoice["Created"][len("/Date(") : -len(")/")])
    local_as_utc = dt.datetime(2026, 6, 25, 16, 31, 0, tzinfo=dt.UTC).timestamp() * 1000
    assert 0 <= created_ms - local_as_utc < 5_000  # 16:31 "UTC" for 14:31 GMT
    assert invoice["DueDate"] == "/Date(1726012800000)/"  # Acme pays in 30 days: 2024-09-11


def test_a_datetime_filter_literal_compares_with_the_local_date(api: httpx.Client) -> None:
    post_invoice(api, InvoiceDate="2024-08-12", YourRef="old")
    post_invoice(api, InvoiceDate="2024-09-01", YourRef="new")

    rows = results(
        api.get(
            f"{DEMO_DIVISION}/salesinvoice/SalesInvoices",
            params={
                "$filter": "InvoiceDate ge datetime'2024-09-01T00:00:00'",
                "$select": "YourRef",
            },
        )
    )

    assert [row["YourRef"] for row in rows] == ["new"]


# --- errors and write status codes -------------------------------------------------------


def test_a_bad_guid_literal_is_a_400_with_exacts_message(api: httpx.Client) -> None:
    response = api.get(ACCOUNTS, params={"$filter": "ID eq guid'dsadsds'"})

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert error_text(response) == "Unrecognized 'Edm.Guid' literal 'guid'dsadsds'' in '6'."


def test_a_bad_guid_key_is_a_400(api: httpx.Client) -> None:
    response = api.get(f"{ACCOUNTS}(guid'nope')")

    assert response.status_code == 400
    assert error_text(response) == "Unrecognized 'Edm.Guid' literal 'guid'nope'' in '0'."


def test_an_unknown_key_is_a_404(api: httpx.Client) -> None:
    response = api.get(f"{ACCOUNTS}(guid'{uuid.UUID(int=7)}')")

    assert response.status_code == 404
    assert error_text(response) == "Not found"


def test_an_unknown_entity_set_is_a_404(api: httpx.Client) -> None:
    response = api.get(f"{DEMO_DIVISION}/crm/Nonsense")

    assert response.status_code == 404
    assert error_text(response) == "Resource not found for the segment 'crm/Nonsense'."


def test_an_unknown_property_on_post_is_a_400(api: httpx.Client) -> None:
    response = api.post(ACCOUNTS, json={"Name": "Nieuw B.V.", "Colour": "blue"})

    assert response.status_code == 400
    assert error_text(response) == (
        "The property 'Colour' does not exist on type 'Exact.Web.Api.Models.Account'. "
        "Make sure to only use property names that are defined by the type."
    )


def test_a_value_of_the_wrong_type_is_a_400(api: httpx.Client) -> None:
    response = api.post(ACCOUNTS, json={"Name": "Nieuw B.V.", "GLAccountSales": "not-a-guid"})

    assert response.status_code == 400
    assert "for property 'GLAccountSales' to type 'Edm.Guid'" in error_text(response)


def test_post_answers_2xx_with_the_entity_in_d(api: httpx.Client) -> None:
    response = api.post(ACCOUNTS, json={"Name": "Nieuw B.V.", "Status": "C"})

    # 201 or 200 is unconfirmed for Exact; the sandbox sends 201 (clients accept any 2xx).
    assert response.status_code == 201
    d = response.json()["d"]
    assert d["Name"] == "Nieuw B.V."
    assert d["Code"] == "              1007"  # the next free number, padded
    assert d["IsSales"] is True
    assert d["__metadata"]["uri"].endswith(f"crm/Accounts(guid'{d['ID']}')")


def test_put_and_delete_answer_204_with_an_empty_body(api: httpx.Client) -> None:
    created = api.post(ACCOUNTS, json={"Name": "Tijdelijk"}).json()["d"]
    url = f"{ACCOUNTS}(guid'{created['ID']}')"

    put = api.put(url, json={"City": "Zwolle"})
    city = api.get(url).json()["d"]["City"]
    delete = api.delete(url)

    assert (put.status_code, put.content) == (204, b"")
    assert city == "Zwolle"
    assert (delete.status_code, delete.content) == (204, b"")
    assert api.get(url).status_code == 404


def test_deleted_rows_appear_in_sync_deleted(api: httpx.Client) -> None:
    created = api.post(ACCOUNTS, json={"Name": "Weg"}).json()["d"]
    api.delete(f"{ACCOUNTS}(guid'{created['ID']}')")

    rows = results(
        api.get(
            f"{DEMO_DIVISION}/sync/Deleted",
            params={"$filter": "Timestamp gt 1", "$select": "EntityKey,EntityType"},
        )
    )

    assert rows == [
        {
            "__metadata": rows[0]["__metadata"],
            "EntityKey": created["ID"],
            "EntityType": 2,
        }
    ]


@pytest.mark.parametrize("path", ["crm/accounts", "CRM/ACCOUNTS"])
def test_entity_set_paths_are_case_insensitive(api: httpx.Client, path: str) -> None:
    response = api.get(f"{DEMO_DIVISION}/{path}", params={"$select": "ID"})

    assert len(results(response)) == 5


def test_batch_requests_are_not_served(api: httpx.Client) -> None:
    # No source mentions $batch for Exact: the sandbox treats it as unsupported.
    response = api.post(f"{DEMO_DIVISION}/$batch", content=b"--batch_1--")

    assert response.status_code == 404
    assert error_text(response) == "Resource not found for the segment '$batch'."
