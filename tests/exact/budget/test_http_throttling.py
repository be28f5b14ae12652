"""ExactHttp with a budget: asks it before every call, tells it every response, retries 429s."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from application.exact import ExactThrottledError, ExactUnavailableError, ExactValidationError
from infrastructure.exact.budget import InMemoryRateBudget, Window
from infrastructure.exact.http import MAX_THROTTLED_RETRIES, ExactHttp
from infrastructure.exact.tokens import StaticAccessTokens
from tests.exact.adapter.builders import API, BASE, DIVISION, ROOT, error, me_row, one, page
from tests.exact.budget.conftest import FakeClock

JOURNALS = f"{API}/financial/Journals"
INVOICES = f"{API}/salesinvoice/SalesInvoices"
SELECT = {"$select": "ID"}
NEXT_MINUTE = dt.datetime(2023, 5, 12, 8, 19, tzinfo=dt.UTC)
MIDNIGHT = dt.datetime(2023, 5, 13, tzinfo=dt.UTC)

MINUTELY_429 = {
    "X-RateLimit-Minutely-Limit": "60",
    "X-RateLimit-Minutely-Remaining": "0",
    "X-RateLimit-Minutely-Reset": "1683879540000",  # 08:19:00Z
}
DAILY_429 = {
    "X-RateLimit-Limit": "5000",
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": "1683936000000",  # 2023-05-13T00:00:00Z
}


def ok_headers(minutely_remaining: int = 59, daily_remaining: int = 4999) -> dict[str, str]:
    return {
        "X-RateLimit-Minutely-Limit": "60",
        "X-RateLimit-Minutely-Remaining": str(minutely_remaining),
        "X-RateLimit-Minutely-Reset": "1683879540000",
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": str(daily_remaining),
        "X-RateLimit-Reset": "1683936000000",
    }


def ok(**headers: str) -> httpx.Response:
    response = page([])
    response.headers.update(headers)
    return response


@pytest.fixture
def exact() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def budget(clock: FakeClock) -> InMemoryRateBudget:
    return InMemoryRateBudget(now=clock.now, sleep=clock.sleep)


@pytest.fixture
async def http(exact: respx.MockRouter, budget: InMemoryRateBudget) -> AsyncIterator[ExactHttp]:
    async with ExactHttp(StaticAccessTokens("token"), base_url=BASE, budget=budget) as transport:
        yield transport


async def test_a_429_waits_for_the_reset_and_sends_the_same_request_again(
    exact: respx.MockRouter, http: ExactHttp, clock: FakeClock
) -> None:
    route = exact.get(JOURNALS).mock(
        side_effect=[httpx.Response(429, headers=MINUTELY_429), ok(**ok_headers())]
    )

    rows, _ = await http.get_page("financial/Journals", division=DIVISION, params=SELECT)

    assert rows == []
    assert route.call_count == 2
    assert route.calls[0].request.url == route.calls[1].request.url
    assert clock.sleeps == [35.0]  # 08:18:25 → 08:19:00, Exact's reset
    assert clock.now() == NEXT_MINUTE


async def test_gives_up_after_the_bound_with_retry_at(
    exact: respx.MockRouter, http: ExactHttp, clock: FakeClock
) -> None:
    route = exact.get(JOURNALS).mock(return_value=httpx.Response(429))

    with pytest.raises(ExactThrottledError) as raised:
        await http.get_page("financial/Journals", division=DIVISION, params=SELECT)

    assert route.call_count == 1 + MAX_THROTTLED_RETRIES == 4
    assert len(clock.sleeps) == MAX_THROTTLED_RETRIES
    assert raised.value.status == 429


async def test_the_bound_can_be_set(
    exact: respx.MockRouter, budget: InMemoryRateBudget, clock: FakeClock
) -> None:
    route = exact.get(JOURNALS).mock(return_value=httpx.Response(429, headers=MINUTELY_429))
    http = ExactHttp(
        StaticAccessTokens("token"), base_url=BASE, budget=budget, max_throttled_retries=1
    )

    with pytest.raises(ExactThrottledError) as raised:
        await http.get_page("financial/Journals", division=DIVISION, params=SELECT)

    await http.aclose()
    assert route.call_count == 2
    assert raised.value.retry_at == NEXT_MINUTE


async def test_a_post_refused_with_429_is_sent_again(
    exact: respx.MockRouter, http: ExactHttp, clock: FakeClock
) -> None:
    created = {"InvoiceID": "00000000-0000-0000-0000-000000000001"}
    route = exact.post(INVOICES).mock(
        side_effect=[httpx.Response(429, headers=MINUTELY_429), one(created, 201)]
    )

    row = await http.post("salesinvoice/SalesInvoices", division=DIVISION, body={"YourRef": "A"})

    assert row == created
    assert route.call_count == 2
    assert route.calls[0].request.content == route.calls[1].request.content


@pytest.mark.parametrize(
    ("response", "raised"),
    [
        (httpx.Response(503), ExactUnavailableError),
        (error("Verplicht: Factuur voor", 500), ExactValidationError),
        (error("Bad request", 400), ExactValidationError),
    ],
    ids=["503", "500-validation", "400"],
)
async def test_a_post_is_never_sent_again_after_another_error(
    exact: respx.MockRouter,
    http: ExactHttp,
    clock: FakeClock,
    response: httpx.Response,
    raised: type[Exception],
) -> None:
    route = exact.post(INVOICES).mock(return_value=response)

    with pytest.raises(raised):
        await http.post("salesinvoice/SalesInvoices", division=DIVISION, body={"YourRef": "A"})

    assert route.call_count == 1
    assert clock.sleeps == []


async def test_a_get_is_not_retried_after_a_5xx_either(
    exact: respx.MockRouter, http: ExactHttp
) -> None:
    route = exact.get(JOURNALS).mock(return_value=httpx.Response(502))

    with pytest.raises(ExactUnavailableError):
        await http.get_page("financial/Journals", division=DIVISION, params=SELECT)

    assert route.call_count == 1


async def test_a_daily_429_is_not_waited_out(
    exact: respx.MockRouter, http: ExactHttp, clock: FakeClock
) -> None:
    route = exact.get(JOURNALS).mock(return_value=httpx.Response(429, headers=DAILY_429))

    with pytest.raises(ExactThrottledError) as raised:
        await http.get_page("financial/Journals", division=DIVISION, params=SELECT)

    assert raised.value.retry_at == MIDNIGHT
    assert route.call_count == 1
    assert clock.sleeps == []


async def test_the_budget_is_asked_before_sending(
    exact: respx.MockRouter, http: ExactHttp, budget: InMemoryRateBudget, clock: FakeClock
) -> None:
    route = exact.get(JOURNALS).mock(return_value=ok(**ok_headers(minutely_remaining=0)))
    await http.get_page("financial/Journals", division=DIVISION, params=SELECT)

    await http.get_page("financial/Journals", division=DIVISION, params=SELECT)

    assert route.call_count == 2
    assert clock.sleeps == [35.0]  # the second call waited for the reset, then went


async def test_every_response_is_observed(
    exact: respx.MockRouter, http: ExactHttp, budget: InMemoryRateBudget
) -> None:
    exact.get(JOURNALS).mock(return_value=ok(**ok_headers(40, 3000)))

    await http.get_page("financial/Journals", division=DIVISION, params=SELECT)

    state = await budget.state(DIVISION)
    assert state.minutely == Window(60, 40, int(NEXT_MINUTE.timestamp() * 1000))
    assert state.daily == Window(5000, 3000, int(MIDNIGHT.timestamp() * 1000))


async def test_current_me_has_a_budget_of_its_own(
    exact: respx.MockRouter, http: ExactHttp, budget: InMemoryRateBudget
) -> None:
    response = one({"results": [me_row()]})
    response.headers.update(ok_headers(10, 100))
    exact.get(f"{ROOT}/current/Me").mock(return_value=response)

    await http.get_one("current/Me", division=None, params=SELECT)

    assert (await budget.state(None)).minutely.remaining == 10
    assert (await budget.state(DIVISION)).minutely.reset_ms is None  # untouched


async def test_without_a_budget_a_429_is_raised_at_once(exact: respx.MockRouter) -> None:
    route = exact.get(JOURNALS).mock(return_value=httpx.Response(429, headers=MINUTELY_429))

    async with ExactHttp(StaticAccessTokens("token"), base_url=BASE) as http:
        with pytest.raises(ExactThrottledError) as raised:
            await http.get_page("financial/Journals", division=DIVISION, params=SELECT)

    assert route.call_count == 1
    assert raised.value.retry_at == NEXT_MINUTE
