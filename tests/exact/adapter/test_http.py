"""ExactHttp: headers, envelopes, paging, rate-limit headers and the error mapping."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal

import httpx
import pytest
import respx

from application.exact import (
    AccountFields,
    ExactAuthError,
    ExactError,
    ExactNotFoundError,
    ExactThrottledError,
    ExactUnavailableError,
    ExactValidationError,
    SalesInvoiceDraft,
    SalesInvoiceLineDraft,
)
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp, RateLimit
from infrastructure.exact.tokens import StaticAccessTokens
from tests.exact.adapter.builders import (
    API,
    BASE,
    DIVISION,
    ROOT,
    account_row,
    error,
    invoice_row,
    json_response,
    key,
    me_row,
    one,
    page,
)
from tests.exact.adapter.conftest import RotatingTokens

INVOICES = f"{API}/salesinvoice/SalesInvoices"
ACCOUNTS = f"{API}/crm/Accounts"


def draft() -> SalesInvoiceDraft:
    return SalesInvoiceDraft(
        ordered_by=key(1),
        journal="70",
        your_ref="HB-2024-0001",
        invoice_date=dt.date(2024, 8, 12),
        lines=[
            SalesInvoiceLineDraft(
                item_id=key(300),
                description="Consultancy",
                quantity=Decimal("1.5"),
                net_price=Decimal("66.73"),
            )
        ],
    )


# --- requests -------------------------------------------------------------------


async def test_get_sends_bearer_token_accept_json_and_no_body_headers(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.get(f"{ROOT}/current/Me").respond(json={"d": {"results": [me_row()]}})

    await gateway.current_user()

    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer token-1"
    assert request.headers["Accept"] == "application/json"
    assert "Content-Type" not in request.headers
    assert "Prefer" not in request.headers


async def test_post_sends_json_and_asks_for_the_created_entity(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.post(INVOICES).mock(return_value=one(invoice_row(), status=201))

    await gateway.create_sales_invoice(DIVISION, draft())

    request = route.calls.last.request
    assert str(request.url) == f"{BASE}/api/v1/{DIVISION}/salesinvoice/SalesInvoices"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Prefer"] == "return=representation"
    assert request.headers["Authorization"] == "Bearer token-1"


async def test_put_accepts_204_and_200_and_sends_no_prefer(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    url = f"{ACCOUNTS}(guid'{key(1)}')"
    route = exact.put(url).mock(side_effect=[httpx.Response(204), httpx.Response(200)])

    for _ in range(2):
        await gateway.update_account(DIVISION, key(1), AccountFields("Customer 1"))

    assert route.call_count == 2
    assert "Prefer" not in route.calls.last.request.headers


async def test_a_get_without_select_is_refused_before_calling_exact(
    exact: respx.MockRouter, http: ExactHttp
) -> None:
    route = exact.get(ACCOUNTS).respond(json={"d": []})

    with pytest.raises(ValueError, match=r"\$select"):
        await http.request("GET", "crm/Accounts", division=DIVISION, params={"$top": "1"})

    assert route.call_count == 0


@pytest.mark.parametrize("division", [0, -1, True])
async def test_a_division_must_be_a_positive_number(http: ExactHttp, division: int) -> None:
    with pytest.raises(ValueError, match="division"):
        await http.get_all("crm/Accounts", division=division, params={"$select": "ID"})


# --- envelopes --------------------------------------------------------------------


async def test_a_collection_may_be_wrapped_in_results(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(f"{API}/vat/VATCodes").respond(
        json={"d": {"results": [{"Code": "2  ", "Description": "Hoog", "Percentage": 0.21}]}}
    )

    [code] = await gateway.vat_codes(DIVISION)

    assert (code.code, code.percentage) == ("2", Decimal("0.21"))


async def test_a_collection_may_be_a_bare_array(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(f"{API}/vat/VATCodes").mock(
        return_value=json_response(
            {
                "d": [
                    {"Code": "0  ", "Description": "Geen", "Percentage": 0, "IsBlocked": False},
                    {"Code": "AB ", "Description": "FR", "Percentage": Decimal("0.055")},
                ]
            }
        )
    )

    codes = await gateway.vat_codes(DIVISION)

    assert [(c.code, c.percentage) for c in codes] == [
        ("0", Decimal("0")),
        ("AB", Decimal("0.055")),
    ]


async def test_a_single_entity_comes_as_d_object(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(f"{ACCOUNTS}(guid'{key(7)}')").mock(return_value=one(account_row(7)))

    account = await gateway.account(DIVISION, key(7))

    assert account is not None
    assert (account.account_id, account.code, account.name) == (key(7), "7", "Customer 7")


async def test_an_unexpected_envelope_is_unavailable(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(f"{API}/financial/Journals").respond(json={"value": []})

    with pytest.raises(ExactUnavailableError, match="envelope"):
        await gateway.journals(DIVISION)


async def test_a_2xx_that_is_not_json_is_unavailable(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.post(INVOICES).respond(200, text="<html>Object moved</html>")

    with pytest.raises(ExactUnavailableError) as raised:
        await gateway.create_sales_invoice(DIVISION, draft())

    assert raised.value.status == 200


# --- paging -----------------------------------------------------------------------


async def test_paging_follows_next_verbatim_one_request_at_a_time(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    query = "$filter=Name%20eq%20'A'&$select=ID,Code,Name"
    second = f"{ACCOUNTS}?{query}&$skiptoken=guid'{key(60)}'"
    third = f"{ACCOUNTS}?{query}&$skiptoken='10',6,2014"
    pages = {
        None: page([account_row(n) for n in range(1, 61)], next_url=second),
        second: page([account_row(n) for n in range(61, 121)], next_url=third),
        third: page([account_row(121)]),
    }
    in_flight = 0
    most_in_flight = 0
    seen: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most_in_flight
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        await asyncio.sleep(0)
        in_flight -= 1
        url = str(request.url)
        seen.append(url)
        return pages[url if "skiptoken" in url else None]

    exact.get(ACCOUNTS).mock(side_effect=answer)

    accounts = await gateway.find_accounts(DIVISION, name="A")

    assert [a.code for a in accounts] == [str(n) for n in range(1, 122)]
    assert seen[1:] == [second, third]
    assert most_in_flight == 1


async def test_paging_refuses_a_next_link_to_another_site(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(ACCOUNTS).mock(
        return_value=page([account_row(1)], next_url="https://evil.test/api/v1/1/crm/Accounts")
    )

    with pytest.raises(ExactUnavailableError, match="another site"):
        await gateway.find_accounts(DIVISION, name="A")


async def test_paging_stops_when_exact_repeats_a_next_link(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    again = f"{ACCOUNTS}?$select=ID&$skiptoken=guid'{key(1)}'"
    route = exact.get(ACCOUNTS).mock(return_value=page([account_row(1)], next_url=again))

    with pytest.raises(ExactUnavailableError, match="loops"):
        await gateway.find_accounts(DIVISION, name="A")

    assert route.call_count == 2


# --- rate-limit headers -----------------------------------------------------------


async def test_rate_limit_headers_are_recorded_per_division(
    exact: respx.MockRouter, gateway: ExactOnlineGateway, http: ExactHttp
) -> None:
    exact.get(f"{API}/financial/Journals").respond(
        json={"d": {"results": []}},
        headers={
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4766",
            "X-RateLimit-Reset": "1683936000000",
            "X-RateLimit-Minutely-Limit": "60",
            "X-RateLimit-Minutely-Remaining": "58",
            "X-RateLimit-Minutely-Reset": "1683879540000",
        },
    )
    exact.get(f"{ROOT}/current/Me").respond(json={"d": {"results": [me_row()]}})

    await gateway.journals(DIVISION)
    await gateway.current_user()

    assert http.last_rate_limit == {
        DIVISION: RateLimit(
            daily_limit=5000,
            daily_remaining=4766,
            daily_reset=dt.datetime(2023, 5, 13, 0, 0, tzinfo=dt.UTC),
            minutely_limit=60,
            minutely_remaining=58,
            minutely_reset=dt.datetime(2023, 5, 12, 8, 19, tzinfo=dt.UTC),
        )
    }


# --- errors -----------------------------------------------------------------------


async def test_400_is_a_validation_error_with_exacts_multi_line_message(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    message = "Verplicht: Factuur voor\r\nVerplicht: Besteld door"
    route = exact.post(INVOICES).mock(return_value=error(message, 400))

    with pytest.raises(ExactValidationError) as raised:
        await gateway.create_sales_invoice(DIVISION, draft())

    assert raised.value.message == message
    assert raised.value.status == 400
    assert not raised.value.retryable
    assert route.call_count == 1


async def test_400_without_a_body_says_what_happened(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(f"{API}/financial/Journals").respond(400)

    with pytest.raises(ExactValidationError, match=r"^Exact answered HTTP 400 Bad Request$"):
        await gateway.journals(DIVISION)


async def test_401_is_retried_once_with_a_fresh_token(
    exact: respx.MockRouter, gateway: ExactOnlineGateway, tokens: RotatingTokens
) -> None:
    route = exact.post(INVOICES).mock(
        side_effect=[httpx.Response(401), one(invoice_row(3), status=201)]
    )

    invoice = await gateway.create_sales_invoice(DIVISION, draft())

    assert invoice.invoice_id == key(3)
    assert tokens.rejected_tokens == ["token-1"]
    assert [c.request.headers["Authorization"] for c in route.calls] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    assert route.calls[0].request.content == route.calls[1].request.content


async def test_401_twice_is_an_auth_error(
    exact: respx.MockRouter, gateway: ExactOnlineGateway, tokens: RotatingTokens
) -> None:
    login_page = "<html><head><title>Object moved</title></head></html>"
    route = exact.get(f"{API}/financial/Journals").respond(401, html=login_page)

    with pytest.raises(ExactAuthError) as raised:
        await gateway.journals(DIVISION)

    assert raised.value.message == "Exact answered HTTP 401 Unauthorized"
    assert raised.value.status == 401
    assert route.call_count == 2
    assert tokens.rejected_tokens == ["token-1"]


async def test_401_is_final_when_no_fresh_token_exists(exact: respx.MockRouter) -> None:
    route = exact.get(f"{API}/financial/Journals").respond(401)

    async with ExactHttp(StaticAccessTokens("fixed"), base_url=BASE) as http:
        with pytest.raises(ExactAuthError, match="reconnect"):
            await ExactOnlineGateway(http).journals(DIVISION)

    assert route.call_count == 1


async def test_403_is_an_auth_error_naming_the_reason(
    exact: respx.MockRouter, gateway: ExactOnlineGateway, tokens: RotatingTokens
) -> None:
    route = exact.get(f"{API}/financial/Journals").mock(
        return_value=error("Forbidden", 403, Reason="BlockedCustomer")
    )

    with pytest.raises(ExactAuthError) as raised:
        await gateway.journals(DIVISION)

    assert raised.value.message == "Forbidden (Reason: BlockedCustomer)"
    assert raised.value.status == 403
    assert route.call_count == 1
    assert tokens.rejected_tokens == []


async def test_403_without_reason_or_body(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(f"{API}/financial/Journals").respond(403)

    with pytest.raises(ExactAuthError, match=r"^Exact answered HTTP 403 Forbidden$"):
        await gateway.journals(DIVISION)


async def test_404_on_single_gets_is_none(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(f"{ACCOUNTS}(guid'{key(5)}')").mock(return_value=error("Not found", 404))
    exact.get(f"{INVOICES}(guid'{key(6)}')").respond(404)

    assert await gateway.account(DIVISION, key(5)) is None
    assert await gateway.sales_invoice(DIVISION, key(6)) is None


async def test_404_on_a_write_is_not_found(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.post(f"{API}/salesinvoice/PrintedSalesInvoices").mock(
        return_value=error("Record niet gevonden", 404)
    )

    with pytest.raises(ExactNotFoundError, match=r"^Record niet gevonden$"):
        await gateway.process_sales_invoice(DIVISION, key(9))


async def test_429_minutely_retry_at_comes_from_the_minutely_reset(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(f"{API}/financial/Journals").respond(
        429,
        headers={
            "X-RateLimit-Minutely-Limit": "60",
            "X-RateLimit-Minutely-Remaining": "0",
            "X-RateLimit-Minutely-Reset": "1683879540000",
        },
    )

    with pytest.raises(ExactThrottledError) as raised:
        await gateway.journals(DIVISION)

    assert raised.value.retry_at == dt.datetime(2023, 5, 12, 8, 19, tzinfo=dt.UTC)
    assert raised.value.status == 429
    assert raised.value.retryable


async def test_429_daily_retry_at_comes_from_the_daily_reset(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(f"{API}/financial/Journals").respond(
        429,
        headers={
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "1683936000000",
            "X-RateLimit-Minutely-Remaining": "12",
            "X-RateLimit-Minutely-Reset": "1683879540000",
        },
    )

    with pytest.raises(ExactThrottledError) as raised:
        await gateway.journals(DIVISION)

    assert raised.value.retry_at == dt.datetime(2023, 5, 13, 0, 0, tzinfo=dt.UTC)


async def test_429_without_headers_has_no_retry_at(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(f"{API}/financial/Journals").respond(429)

    with pytest.raises(ExactThrottledError) as raised:
        await gateway.journals(DIVISION)

    assert raised.value.retry_at is None
    assert raised.value.message == "Exact answered HTTP 429 Too Many Requests"


async def test_429_falls_back_to_retry_after_seconds(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(f"{API}/financial/Journals").respond(429, headers={"Retry-After": "30"})
    before = dt.datetime.now(dt.UTC)

    with pytest.raises(ExactThrottledError) as raised:
        await gateway.journals(DIVISION)

    assert raised.value.retry_at is not None
    waited = raised.value.retry_at - before
    assert dt.timedelta(seconds=30) <= waited < dt.timedelta(seconds=31)


@pytest.mark.parametrize(
    "message", ["Ongeldige referentie: Besteld door", "Mandatory: Journal\r\nMandatory: Item"]
)
async def test_500_with_exacts_error_body_is_validation(
    exact: respx.MockRouter, gateway: ExactOnlineGateway, message: str
) -> None:
    exact.post(INVOICES).mock(return_value=error(message, 500))

    with pytest.raises(ExactValidationError) as raised:
        await gateway.create_sales_invoice(DIVISION, draft())

    assert (raised.value.message, raised.value.status) == (message, 500)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500, html="<html><body>Runtime Error</body></html>"),
        httpx.Response(500),
        httpx.Response(500, json={"Message": "An error has occurred."}),
        httpx.Response(502, text="Bad Gateway"),
        httpx.Response(503),
        error("Service temporarily unavailable", 503),
    ],
    ids=["500-html", "500-empty", "500-other-json", "502", "503", "503-json"],
)
async def test_other_server_errors_are_unavailable(
    exact: respx.MockRouter, gateway: ExactOnlineGateway, response: httpx.Response
) -> None:
    exact.get(f"{API}/financial/Journals").mock(return_value=response)

    with pytest.raises(ExactUnavailableError) as raised:
        await gateway.journals(DIVISION)

    assert raised.value.status == response.status_code
    assert raised.value.retryable


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("timed out"), httpx.ConnectError("refused"), httpx.RemoteProtocolError("")],
    ids=["timeout", "connect", "dropped"],
)
async def test_transport_failures_are_unavailable(
    exact: respx.MockRouter, gateway: ExactOnlineGateway, failure: Exception
) -> None:
    exact.get(f"{API}/financial/Journals").mock(side_effect=failure)

    with pytest.raises(ExactUnavailableError) as raised:
        await gateway.journals(DIVISION)

    assert raised.value.retryable
    assert isinstance(raised.value.__cause__, httpx.TransportError)


@pytest.mark.parametrize(
    ("outcome", "raised"),
    [
        (error("Verplicht: Journal", 400), ExactValidationError),
        (error("Forbidden", 403), ExactAuthError),
        (httpx.Response(429), ExactThrottledError),
        (error("Ongeldige referentie: Besteld door", 500), ExactValidationError),
        (httpx.Response(500, html="<html/>"), ExactUnavailableError),
        (httpx.Response(503), ExactUnavailableError),
        (httpx.ReadTimeout("timed out"), ExactUnavailableError),
        (httpx.ConnectError("refused"), ExactUnavailableError),
    ],
    ids=["400", "403", "429", "500-json", "500-html", "503", "timeout", "connect"],
)
async def test_a_failed_post_is_never_retried(
    exact: respx.MockRouter,
    gateway: ExactOnlineGateway,
    outcome: httpx.Response | Exception,
    raised: type[ExactError],
) -> None:
    route = exact.post(INVOICES).mock(side_effect=[outcome, one(invoice_row())])

    with pytest.raises(raised):
        await gateway.create_sales_invoice(DIVISION, draft())

    assert route.call_count == 1


async def test_a_failed_get_is_not_retried_either(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.get(f"{API}/financial/Journals").mock(side_effect=[httpx.Response(503), page([])])

    with pytest.raises(ExactUnavailableError):
        await gateway.journals(DIVISION)

    assert route.call_count == 1


def test_rate_limit_headers_absent_means_no_rate_limit() -> None:
    assert RateLimit.from_headers(httpx.Headers({"Content-Type": "application/json"})) is None
    assert RateLimit(minutely_remaining=0).retry_at is None


async def test_guids_in_urls_are_lowercase_canonical(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    invoice = uuid.UUID("C00EE12C-0000-4000-8000-00000000ABCD")
    route = exact.get(f"{INVOICES}(guid'c00ee12c-0000-4000-8000-00000000abcd')").respond(404)

    await gateway.sales_invoice(DIVISION, invoice)

    assert route.call_count == 1
