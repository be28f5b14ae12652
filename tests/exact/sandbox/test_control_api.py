"""The control API over loopback: reset, seed, state, request log, processing, clock,
clients and tokens."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx

from infrastructure.exact.sandbox.server import RunningSandbox
from tests.exact.sandbox.support import (
    DEMO_DIVISION,
    REDIRECT_URI,
    authorised,
    bearer,
    control,
    post_invoice,
    refresh,
)


def test_reset_without_demo_empties_the_sandbox_and_with_demo_restores_it(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    post_invoice(api)

    empty = control(exact_sandbox, "POST", "reset", json={"demo": False})
    state = control(exact_sandbox, "GET", "state", params={"division": DEMO_DIVISION})
    demo = control(exact_sandbox, "POST", "reset", json={"demo": True})

    assert empty.json() == {"reset": True, "demo": False}
    assert state.status_code == 403
    assert exact_sandbox.sandbox.administration.divisions.keys() == {DEMO_DIVISION, 654321}
    assert demo.json() == {"reset": True, "demo": True}
    assert exact_sandbox.sandbox.invoices(DEMO_DIVISION) == []
    # The reset forgot every token, so the old one is dead.
    assert api.get("current/Me").status_code == 401


def test_seed_adds_a_division_and_returns_the_ids(exact_sandbox: RunningSandbox) -> None:
    account_id = "11111111-2222-4333-8444-555555555555"
    response = control(
        exact_sandbox,
        "POST",
        "seed",
        json={
            "divisions": [
                {
                    "code": 777,
                    "description": "Seeded B.V.",
                    "gl_accounts": [{"Code": "8000", "Description": "Omzet", "Type": 110}],
                    "journals": [
                        {"Code": "70", "Description": "Verkoop", "FirstInvoiceNumber": 7001}
                    ],
                    "vat_codes": [{"Code": "2", "Description": "21%", "Percentage": 0.21}],
                    "items": [{"Code": "UREN", "Description": "Uren", "GLRevenueCode": "8000"}],
                    "accounts": [{"ID": account_id, "Code": "C1", "Name": "Klant Een"}],
                }
            ]
        },
    )

    assert response.status_code == 200
    [made] = response.json()["divisions"]
    assert made["code"] == 777
    assert made["accounts"] == [{"ID": account_id, "Code": "C1"}]
    assert [row["Code"] for row in made["items"]] == ["UREN"]
    assert uuid.UUID(made["journals"][0]["ID"])
    with authorised(exact_sandbox) as api:
        account = api.get(f"777/crm/Accounts(guid'{account_id}')").json()["d"]
    assert (account["Code"], account["Name"]) == ("                C1", "Klant Een")


def test_a_malformed_seed_is_a_400(exact_sandbox: RunningSandbox) -> None:
    response = control(exact_sandbox, "POST", "seed", json={"divisions": [{"name": "no code"}]})

    assert response.status_code == 400
    assert response.json() == {"error": "KeyError: 'code'"}


def test_state_shows_rows_of_an_entity_set(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    invoice = post_invoice(api, YourRef="STATE-1")

    invoices = control(exact_sandbox, "GET", "state").json()["rows"]
    accounts = control(
        exact_sandbox, "GET", "state", params={"division": DEMO_DIVISION, "entity": "crm/Accounts"}
    ).json()["rows"]
    unknown = control(exact_sandbox, "GET", "state", params={"entity": "crm/Nope"})

    # Without ?division= the state is the current division's.
    assert [(row["InvoiceID"], row["YourRef"]) for row in invoices] == [
        (invoice["InvoiceID"], "STATE-1")
    ]
    assert sorted(row["Name"] for row in accounts)[0] == "Acme Bouw B.V."
    assert unknown.status_code == 404


def test_the_request_log_records_method_path_status_client_division_and_faults(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    control(exact_sandbox, "DELETE", "requests")
    control(exact_sandbox, "POST", "faults", json={"kind": "throttle", "path": "crm/Accounts"})
    api.get(f"{DEMO_DIVISION}/crm/Accounts", params={"$select": "ID"})
    api.get(f"{DEMO_DIVISION}/crm/Accounts", params={"$select": "ID"})
    api.get("999/crm/Accounts")

    entries = control(exact_sandbox, "GET", "requests").json()["requests"]

    assert [
        (e["method"], e["path"], e["status"], e["client_id"], e["division"], e["faults"])
        for e in entries
    ] == [
        ("GET", f"/api/v1/{DEMO_DIVISION}/crm/Accounts", 429, None, None, ["throttle"]),
        (
            "GET",
            f"/api/v1/{DEMO_DIVISION}/crm/Accounts",
            200,
            str(exact_sandbox.client_id),
            DEMO_DIVISION,
            [],
        ),
        ("GET", "/api/v1/999/crm/Accounts", 403, str(exact_sandbox.client_id), 999, []),
    ]
    assert entries[1]["query"] == "%24select=ID"
    assert dt.datetime.fromisoformat(entries[0]["at"]).tzinfo is not None
    assert control(exact_sandbox, "DELETE", "requests").json() == {"cleared": True}
    assert control(exact_sandbox, "GET", "requests").json() == {"requests": []}


def test_processing_an_invoice_as_a_user_would(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    invoice = post_invoice(api)
    url = f"divisions/{DEMO_DIVISION}/invoices/{invoice['InvoiceID']}/process"

    processed = control(exact_sandbox, "POST", url)
    again = control(exact_sandbox, "POST", url)
    unknown = control(
        exact_sandbox, "POST", f"divisions/{DEMO_DIVISION}/invoices/{uuid.uuid4()}/process"
    )
    malformed = control(exact_sandbox, "POST", f"divisions/{DEMO_DIVISION}/invoices/nope/process")

    assert processed.status_code == 200
    assert processed.json()["InvoiceID"] == invoice["InvoiceID"]
    assert uuid.UUID(processed.json()["Document"])
    d = api.get(f"{DEMO_DIVISION}/salesinvoice/SalesInvoices(guid'{invoice['InvoiceID']}')").json()[
        "d"
    ]
    assert (d["Status"], d["InvoiceNumber"]) == (50, 26700001)
    assert again.status_code == 500
    assert again.json() == {"error": "This invoice has been processed and can no longer be changed"}
    assert unknown.status_code == 500
    assert malformed.status_code == 400


def test_processing_from_python(exact_sandbox: RunningSandbox, api: httpx.Client) -> None:
    invoice = post_invoice(api)

    result = exact_sandbox.sandbox.process_invoice(DEMO_DIVISION, uuid.UUID(invoice["InvoiceID"]))

    assert str(result["InvoiceID"]) == invoice["InvoiceID"]
    [row] = exact_sandbox.sandbox.invoices(DEMO_DIVISION)
    assert (row["Status"], row["InvoiceNumber"]) == (50, 26700001)


def test_the_clock_can_be_set_advanced_and_sped_up(exact_sandbox: RunningSandbox) -> None:
    moment = dt.datetime(2026, 6, 25, 14, 31, tzinfo=dt.UTC)

    set_ = control(exact_sandbox, "POST", "clock", json={"set": moment.isoformat()}).json()
    advanced = control(exact_sandbox, "POST", "clock", json={"advance": 3600}).json()
    scaled = control(exact_sandbox, "POST", "clock", json={"scale": 1000}).json()
    now = control(exact_sandbox, "GET", "clock").json()

    def at(reply: dict[str, str]) -> dt.datetime:
        return dt.datetime.fromisoformat(reply["now"])

    assert dt.timedelta() <= at(set_) - moment < dt.timedelta(seconds=2)
    assert set_["local"].startswith("2026-06-25T16:31:0")
    assert dt.timedelta(hours=1) <= at(advanced) - moment < dt.timedelta(hours=1, seconds=2)
    assert (set_["scale"], scaled["scale"]) == (1.0, 1000.0)
    assert at(now) >= at(scaled)


def test_a_fast_clock_expires_tokens_in_real_milliseconds(exact_sandbox: RunningSandbox) -> None:
    token = exact_sandbox.access_token()
    exact_sandbox.sandbox.clock.set_scale(100_000)  # 600 s pass in 6 ms

    dead = httpx.get(f"{exact_sandbox.api_url}/current/Me", headers=bearer(token))

    assert dead.status_code == 401


def test_a_registered_client_can_sign_in(exact_sandbox: RunningSandbox) -> None:
    client_id = "0a0b0c0d-1111-4222-8333-444455556666"
    registered = control(
        exact_sandbox,
        "POST",
        "clients",
        json={
            "client_id": client_id,
            "client_secret": "s3cret",
            "redirect_uris": [REDIRECT_URI],
            "webhook_secret": "hook",
        },
    )
    authorize = httpx.get(
        f"{exact_sandbox.url}/api/oauth2/auth",
        params={"client_id": client_id, "redirect_uri": REDIRECT_URI, "response_type": "code"},
    )

    assert registered.status_code == 201
    assert registered.json() == {"client_id": client_id}
    assert authorize.status_code == 302
    unregistered_uri = httpx.get(
        f"{exact_sandbox.url}/api/oauth2/auth",
        params={
            "client_id": client_id,
            "redirect_uri": "https://evil.example/cb",
            "response_type": "code",
        },
    )
    assert unregistered_uri.status_code == 400


def test_tokens_are_minted_and_expired_on_demand(exact_sandbox: RunningSandbox) -> None:
    minted = control(
        exact_sandbox, "POST", "tokens", json={"client_id": str(exact_sandbox.client_id)}
    )
    pair = minted.json()
    alive = httpx.get(f"{exact_sandbox.api_url}/current/Me", headers=bearer(pair["access_token"]))

    expired = control(exact_sandbox, "POST", "tokens/expire")
    dead = httpx.get(f"{exact_sandbox.api_url}/current/Me", headers=bearer(pair["access_token"]))
    refreshed = refresh(exact_sandbox, pair["refresh_token"])

    assert minted.status_code == 201
    assert pair["expires_in"] == "600"
    assert alive.status_code == 200
    assert expired.json() == {"expired": True}
    assert dead.status_code == 401
    assert refreshed.status_code == 200


def test_tokens_for_an_unknown_client_are_refused(exact_sandbox: RunningSandbox) -> None:
    response = control(exact_sandbox, "POST", "tokens", json={"client_id": str(uuid.uuid4())})

    assert response.status_code == 400
    assert "not found" in response.json()["error"]
