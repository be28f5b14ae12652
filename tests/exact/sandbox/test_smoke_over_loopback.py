"""The sandbox served by uvicorn answers a real HTTP client over loopback."""

from __future__ import annotations

import httpx

from infrastructure.exact.sandbox.seed import DEMO_DIVISION
from infrastructure.exact.sandbox.server import RunningSandbox


def test_an_authorised_get_returns_accounts_with_padded_codes(
    exact_sandbox: RunningSandbox,
) -> None:
    response = httpx.get(
        f"{exact_sandbox.api_url}/{DEMO_DIVISION}/crm/Accounts",
        params={"$select": "Code,Name", "$filter": "trim(Code) eq 'ACME'"},
        headers={
            "Authorization": f"Bearer {exact_sandbox.access_token()}",
            "Accept": "application/json",
        },
    )

    assert response.status_code == 200
    [account] = response.json()["d"]["results"]
    assert account["Code"] == "              ACME"
    assert account["Name"] == "Acme Bouw B.V."
    assert response.headers["X-RateLimit-Minutely-Remaining"] == "59"
