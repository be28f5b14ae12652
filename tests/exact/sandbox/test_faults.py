"""Injected faults over loopback, through the control API and the Python API."""

from __future__ import annotations

import time

import httpx
import pytest

from infrastructure.exact.sandbox.faults import FaultKind
from infrastructure.exact.sandbox.server import RunningSandbox
from tests.exact.sandbox.support import (
    DEMO_DIVISION,
    authorised,
    control,
    invoice_body,
    refresh,
    results,
    sign_in,
)

INVOICES = f"{DEMO_DIVISION}/salesinvoice/SalesInvoices"
ACCOUNTS = f"{DEMO_DIVISION}/crm/Accounts"
SELECT = {"$select": "ID"}


def add_fault(running: RunningSandbox, **fault: object) -> dict[str, object]:
    response = control(running, "POST", "faults", json=fault)
    assert response.status_code == 201, response.text
    described: dict[str, object] = response.json()
    return described


def timed_get(api: httpx.Client) -> tuple[int, float]:
    started = time.perf_counter()
    response = api.get(ACCOUNTS, params=SELECT)
    return response.status_code, time.perf_counter() - started


def test_latency_over_the_control_api_slows_the_matching_call(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    _, baseline = timed_get(api)
    add_fault(exact_sandbox, kind="latency", seconds=0.3, path="crm/Accounts", times=1)

    status, slow = timed_get(api)
    _, after = timed_get(api)

    assert status == 200
    assert slow >= 0.3
    assert slow > baseline + 0.2
    assert after < 0.3  # it fired once


def test_latency_from_python_follows_the_clock_scale(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    exact_sandbox.sandbox.clock.set_scale(10)
    exact_sandbox.sandbox.faults.add(FaultKind.LATENCY, seconds=2.0, path="crm/Accounts")

    status, elapsed = timed_get(api)

    assert status == 200
    assert 0.2 <= elapsed < 1.5  # two sandbox seconds at ten times speed


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_fault_answers_the_status_and_writes_nothing(
    exact_sandbox: RunningSandbox, api: httpx.Client, status: int
) -> None:
    body = invoice_body(api)
    add_fault(exact_sandbox, kind="error", status=status, method="POST", path="SalesInvoices")

    response = api.post(INVOICES, json=body)

    assert response.status_code == status
    assert response.text == "Service Unavailable"
    assert exact_sandbox.sandbox.invoices(DEMO_DIVISION) == []
    assert api.post(INVOICES, json=body).status_code == 201  # times defaults to once
    assert len(exact_sandbox.sandbox.invoices(DEMO_DIVISION)) == 1


def test_a_fault_for_posts_leaves_gets_alone(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    exact_sandbox.sandbox.faults.add(
        FaultKind.ERROR, method="POST", path="salesinvoice/SalesInvoices", times=None
    )

    response = api.get(INVOICES, params={"$select": "InvoiceID"})

    assert response.status_code == 200


def test_a_429_burst_throttles_n_calls_then_lets_them_through(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    add_fault(exact_sandbox, kind="throttle", path="crm/Accounts", times=3)

    statuses = [api.get(ACCOUNTS, params=SELECT) for _ in range(5)]

    assert [response.status_code for response in statuses] == [429, 429, 429, 200, 200]
    assert {response.content for response in statuses[:3]} == {b""}
    # Throttled calls never reached the rate limiter: the first real call is the first counted.
    assert statuses[3].headers["X-RateLimit-Minutely-Remaining"] == "59"
    [fault] = control(exact_sandbox, "GET", "faults").json()["faults"]
    assert (fault["kind"], fault["times"], fault["fired"]) == ("throttle", 3, 3)


def test_a_lost_response_on_a_post_fails_the_client_yet_the_invoice_exists(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    body = invoice_body(api, YourRef="LOST-1")
    add_fault(exact_sandbox, kind="lose_response", method="POST", path="salesinvoice/SalesInvoices")

    with pytest.raises(httpx.RemoteProtocolError):
        api.post(INVOICES, json=body)

    [invoice] = exact_sandbox.sandbox.invoices(DEMO_DIVISION)
    assert invoice["YourRef"] == "LOST-1"
    found = results(
        api.get(INVOICES, params={"$filter": "YourRef eq 'LOST-1'", "$select": "InvoiceID"})
    )
    assert [row["InvoiceID"] for row in found] == [str(invoice["InvoiceID"])]
    [logged] = exact_sandbox.sandbox.api_calls("POST", "SalesInvoices")
    assert logged.faults == ("lose_response",)


def test_a_lost_response_from_python_on_a_put_commits_the_change(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    invoice = api.post(INVOICES, json=invoice_body(api)).json()["d"]
    exact_sandbox.sandbox.faults.add(FaultKind.LOSE_RESPONSE, method="PUT")

    with pytest.raises(httpx.RemoteProtocolError):
        api.put(f"{INVOICES}(guid'{invoice['InvoiceID']}')", json={"Description": "kept"})

    [row] = exact_sandbox.sandbox.invoices(DEMO_DIVISION)
    assert row["Description"] == "kept"


def throttle_pattern(running: RunningSandbox) -> list[int]:
    """Reset (which reseeds the fault plan), then 16 calls under a 50% throttle."""
    control(running, "POST", "reset", json={})
    add_fault(running, kind="throttle", path="crm/Accounts", times=None, probability=0.5)
    with authorised(running) as api:
        return [api.get(ACCOUNTS, params=SELECT).status_code for _ in range(16)]


def test_a_probabilistic_fault_is_reproducible_with_the_seed(
    exact_sandbox: RunningSandbox,
) -> None:
    first = throttle_pattern(exact_sandbox)
    second = throttle_pattern(exact_sandbox)

    assert first == second
    assert set(first) == {200, 429}


def test_a_probabilistic_fault_fires_about_as_often_as_asked(
    exact_sandbox: RunningSandbox,
) -> None:
    exact_sandbox.sandbox.faults.reseed(1234)
    fault = exact_sandbox.sandbox.faults.add(FaultKind.LATENCY, probability=0.25, times=None)

    fired = sum(
        bool(exact_sandbox.sandbox.faults.draw("GET", "/api/v1/x", {FaultKind.LATENCY}))
        for _ in range(400)
    )

    assert fired == fault.fired
    assert 70 <= fired <= 130


def test_a_throttled_token_endpoint_over_the_control_api(exact_sandbox: RunningSandbox) -> None:
    pair = sign_in(exact_sandbox)
    exact_sandbox.sandbox.clock.advance(590)
    add_fault(exact_sandbox, kind="throttle", path="oauth2/token", times=2)

    answers = [refresh(exact_sandbox, pair["refresh_token"]) for _ in range(3)]

    assert [response.status_code for response in answers] == [429, 429, 200]
    assert answers[0].content == b""
    assert answers[2].json()["expires_in"] == "600"


def test_faults_are_listed_and_cleared(exact_sandbox: RunningSandbox) -> None:
    added = add_fault(exact_sandbox, kind="error", status=502, path="crm", times=None)
    exact_sandbox.sandbox.faults.add(FaultKind.LATENCY, seconds=0.1)

    listed = control(exact_sandbox, "GET", "faults").json()["faults"]
    cleared = control(exact_sandbox, "DELETE", "faults")

    assert [fault["kind"] for fault in listed] == ["error", "latency"]
    assert listed[0] == added
    assert (added["status"], added["path"], added["times"], added["fired"]) == (
        502,
        "crm",
        None,
        0,
    )
    assert cleared.json() == {"faults": []}
    assert exact_sandbox.sandbox.faults.faults == []


def test_a_malformed_fault_is_refused(exact_sandbox: RunningSandbox) -> None:
    unknown_kind = control(exact_sandbox, "POST", "faults", json={"kind": "explode"})
    unknown_option = control(
        exact_sandbox, "POST", "faults", json={"kind": "error", "colour": "red"}
    )
    bad_probability = control(
        exact_sandbox, "POST", "faults", json={"kind": "error", "probability": 2}
    )

    assert unknown_kind.status_code == 400
    assert unknown_option.json() == {"error": "ValueError: unknown fault options: colour"}
    assert bad_probability.status_code == 400


def test_a_throttled_answer_says_when_the_quota_resets(
    exact_sandbox: RunningSandbox, api: httpx.Client
) -> None:
    now_ms = int(exact_sandbox.sandbox.clock.now().timestamp() * 1000)
    add_fault(exact_sandbox, kind="throttle", path="crm/Accounts", times=1)
    at_minute = api.get(ACCOUNTS, params=SELECT).headers
    add_fault(exact_sandbox, kind="throttle", path="crm/Accounts", times=1, seconds=2)
    soon = api.get(ACCOUNTS, params=SELECT).headers

    assert at_minute["X-RateLimit-Minutely-Remaining"] == "0"
    assert int(at_minute["X-RateLimit-Minutely-Reset"]) == (now_ms // 60_000 + 1) * 60_000
    assert 0 <= int(soon["X-RateLimit-Minutely-Reset"]) - (now_ms + 2_000) < 1_000
    assert soon["X-RateLimit-Minutely-Limit"] == "60"
