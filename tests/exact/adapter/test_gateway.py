"""ExactOnlineGateway: endpoints, $select, filters, payload shapes and mapping."""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from decimal import Decimal

import httpx
import pytest
import respx

from application.exact import (
    AccountDraft,
    AccountFields,
    ExactAccount,
    ExactDivision,
    ExactGlAccount,
    ExactItem,
    ExactJournal,
    ExactPaymentCondition,
    ExactSalesInvoice,
    ExactSalesInvoiceLine,
    ExactUser,
    ExactValidationError,
    InvoiceStatus,
    ProcessedInvoice,
    SalesInvoiceDraft,
    SalesInvoiceLineDraft,
    WebhookSubscription,
)
from infrastructure.exact.gateway import ExactOnlineGateway
from tests.exact.adapter.builders import (
    API,
    DIVISION,
    ROOT,
    Row,
    account_row,
    body_of,
    invoice_line_row,
    invoice_row,
    json_response,
    key,
    me_row,
    one,
    page,
)

INVOICES = f"{API}/salesinvoice/SalesInvoices"
ACCOUNTS = f"{API}/crm/Accounts"
SYNC_ACCOUNTS = f"{API}/sync/CRM/Accounts"
WEBHOOKS = f"{API}/webhooks/WebhookSubscriptions"


def draft(*lines: SalesInvoiceLineDraft, **overrides: object) -> SalesInvoiceDraft:
    values: dict[str, object] = {
        "ordered_by": key(1),
        "journal": "70",
        "your_ref": "HB-2024-0001",
        "invoice_date": dt.date(2024, 8, 12),
        "lines": list(lines) or [line()],
        "description": "Hours August",
    }
    values.update(overrides)
    return SalesInvoiceDraft(**values)  # type: ignore[arg-type]


def line(**overrides: object) -> SalesInvoiceLineDraft:
    values: dict[str, object] = {
        "item_id": key(300),
        "description": "Consultancy",
        "quantity": Decimal("1.5"),
        "net_price": Decimal("66.73"),
    }
    values.update(overrides)
    return SalesInvoiceLineDraft(**values)  # type: ignore[arg-type]


# --- administration ---------------------------------------------------------------


async def test_current_user_reads_the_first_result_of_current_me(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.get(f"{ROOT}/current/Me").respond(json={"d": {"results": [me_row(654321)]}})

    user = await gateway.current_user()

    assert user == ExactUser(
        user_id=key(900),
        full_name="Ada Admin",
        email="ada@example.test",
        current_division=654321,
        language="nl-NL",
    )
    params = route.calls.last.request.url.params
    assert params["$select"] == "UserID,FullName,Email,CurrentDivision,LanguageCode"


async def test_divisions_are_read_in_the_current_division_found_once(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    me = exact.get(f"{ROOT}/current/Me").respond(json={"d": {"results": [me_row(654321)]}})
    divisions = exact.get(f"{ROOT}/654321/system/Divisions").respond(
        json={
            "d": {
                "results": [
                    {"Code": 654321, "Description": "Hourbill BV", "Status": 1},
                    {"Code": 777, "Description": "Old BV", "Status": 2},
                ]
            }
        }
    )

    first = await gateway.divisions()
    second = await gateway.divisions()

    assert (
        first
        == second
        == [
            ExactDivision(code=654321, description="Hourbill BV", active=True),
            ExactDivision(code=777, description="Old BV", active=False),
        ]
    )
    assert (me.call_count, divisions.call_count) == (1, 2)
    assert divisions.calls.last.request.url.params["$select"] == "Code,Description,Status"


async def test_reference_data_is_mapped_with_trimmed_codes_and_exact_numbers(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(f"{API}/financial/Journals").respond(
        json={
            "d": {
                "results": [
                    {"ID": str(key(10)), "Code": "70", "Description": "Verkoopboek", "Type": 20},
                    {
                        "ID": str(key(11)),
                        "Code": "71",
                        "Description": "Oud",
                        "Type": 20,
                        "IsBlocked": True,
                    },
                ]
            }
        }
    )
    exact.get(f"{API}/logistics/Items").respond(
        json={
            "d": {
                "results": [
                    {
                        "ID": str(key(300)),
                        "Code": "UREN",
                        "Description": "Consultancy",
                        "IsSalesItem": True,
                        "SalesVatCode": "2  ",
                        "GLRevenue": str(key(400)),
                        "Unit": "uur",
                    },
                    {
                        "ID": str(key(301)),
                        "Code": "KM",
                        "Description": "Kilometers",
                        "IsSalesItem": False,
                        "SalesVatCode": None,
                        "GLRevenue": "00000000-0000-0000-0000-000000000000",
                        "Unit": "",
                    },
                ]
            }
        }
    )
    exact.get(f"{API}/financial/GLAccounts").mock(
        return_value=page(
            [{"ID": str(key(400)), "Code": "8000  ", "Description": "Omzet", "Type": 110}]
        )
    )
    exact.get(f"{API}/cashflow/PaymentConditions").mock(
        return_value=page([{"Code": "30 ", "Description": "30 dagen", "PaymentDays": 30}])
    )

    assert await gateway.journals(DIVISION) == [
        ExactJournal(key(10), "70", "Verkoopboek", 20, blocked=False),
        ExactJournal(key(11), "71", "Oud", 20, blocked=True),
    ]
    assert await gateway.items(DIVISION) == [
        ExactItem(key(300), "UREN", "Consultancy", True, "2", key(400), "uur"),
        ExactItem(key(301), "KM", "Kilometers", False, None, None, None),
    ]
    assert await gateway.gl_accounts(DIVISION) == [ExactGlAccount(key(400), "8000", "Omzet", 110)]
    assert await gateway.payment_conditions(DIVISION) == [
        ExactPaymentCondition("30", "30 dagen", 30)
    ]


async def test_every_get_names_its_fields(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("current/Me"):
            return json_response({"d": {"results": [me_row()]}})
        if path.endswith("')"):
            return httpx.Response(404)
        return page([])

    exact.get(url__startswith=ROOT).mock(side_effect=answer)

    await gateway.current_user()
    await gateway.divisions()
    await gateway.journals(DIVISION)
    await gateway.items(DIVISION)
    await gateway.vat_codes(DIVISION)
    await gateway.gl_accounts(DIVISION)
    await gateway.payment_conditions(DIVISION)
    await gateway.account(DIVISION, key(1))
    await gateway.find_accounts(DIVISION, code="1")
    await gateway.accounts_changed_since(DIVISION, 1)
    await gateway.sales_invoices_by_reference(DIVISION, ["HB-1"])
    await gateway.sales_invoices(DIVISION, [key(1)])
    await gateway.sales_invoice(DIVISION, key(1))
    await gateway.webhook_subscriptions(DIVISION)

    gets = [call.request for call in exact.calls if call.request.method == "GET"]
    assert len(gets) == 14
    assert all(request.url.params.get("$select") for request in gets)


# --- accounts -----------------------------------------------------------------------


async def test_account_is_mapped_with_trimmed_code_and_local_dates(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.get(f"{ACCOUNTS}(guid'{key(1068)}')").mock(
        return_value=one(
            account_row(
                1068,
                Code="              1068",
                Name="Bakkerij O'Brien",
                VATNumber="NL001234567B01",
                Email="",
                ChamberOfCommerce="  ",
                Modified="/Date(1782405060220)/",
            )
        )
    )

    account = await gateway.account(DIVISION, key(1068))

    assert account == ExactAccount(
        account_id=key(1068),
        code="1068",
        fields=AccountFields(
            name="Bakkerij O'Brien",
            vat_number="NL001234567B01",
            email=None,
            address_line="Dorpsstraat 1",
            postcode="1234 AB",
            city="Utrecht",
            country="NL",
            chamber_of_commerce=None,
        ),
        status="C",
        modified=dt.datetime.combine(dt.date(2026, 6, 25), dt.time(16, 31, 0, 220000)),
    )
    assert route.calls.last.request.url.params["$select"] == (
        "ID,Code,Name,VATNumber,Email,AddressLine1,Postcode,City,Country,"
        "ChamberOfCommerce,Status,Modified"
    )


async def test_find_accounts_escapes_quotes_and_combines_filters_with_and(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.get(ACCOUNTS).mock(return_value=page([account_row(25)]))

    [found] = await gateway.find_accounts(
        DIVISION, code="25", vat_number="NL001234567B01", name="O'Brien & Zn. + Co"
    )

    assert found.code == "25"
    request = route.calls.last.request
    assert request.url.params["$filter"] == (
        "trim(Code) eq '25' and VATNumber eq 'NL001234567B01' and Name eq 'O''Brien & Zn. + Co'"
    )
    raw = request.url.raw_path.decode()
    assert "Name%20eq%20'O''Brien%20%26%20Zn.%20%2B%20Co'" in raw


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"code": " 25 "}, "trim(Code) eq '25'"),
        ({"vat_number": "BE0123456789"}, "VATNumber eq 'BE0123456789'"),
        ({"name": "''"}, "Name eq ''''''"),
    ],
)
async def test_find_accounts_by_one_criterion(
    exact: respx.MockRouter,
    gateway: ExactOnlineGateway,
    criteria: dict[str, str],
    expected: str,
) -> None:
    route = exact.get(ACCOUNTS).mock(return_value=page([]))

    assert await gateway.find_accounts(DIVISION, **criteria) == []
    assert route.calls.last.request.url.params["$filter"] == expected


async def test_find_accounts_without_criteria_is_refused(gateway: ExactOnlineGateway) -> None:
    with pytest.raises(ValueError, match="needs"):
        await gateway.find_accounts(DIVISION)


async def test_accounts_changed_since_reads_one_sync_page(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.get(SYNC_ACCOUNTS).mock(
        return_value=page(
            [account_row(1, Timestamp=17), account_row(2, Timestamp="387")],
        )
    )

    changes = await gateway.accounts_changed_since(DIVISION, 5)

    assert [a.account_id for a in changes.accounts] == [key(1), key(2)]
    assert (changes.next_timestamp, changes.complete) == (387, True)
    params = route.calls.last.request.url.params
    assert params["$filter"] == "Timestamp gt 5"
    assert params["$select"].split(",")[-1] == "Timestamp"
    assert "Modified" in params["$select"].split(",")


async def test_accounts_changed_since_with_nothing_new_keeps_the_timestamp(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(SYNC_ACCOUNTS).mock(return_value=page([]))

    changes = await gateway.accounts_changed_since(DIVISION, 4242)

    assert changes.accounts == []
    assert (changes.next_timestamp, changes.complete) == (4242, True)


async def test_a_sync_page_with_next_is_not_complete(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.get(SYNC_ACCOUNTS).mock(
        return_value=page([account_row(1, Timestamp=9)], next_url=f"{SYNC_ACCOUNTS}?$skiptoken=9L")
    )

    changes = await gateway.accounts_changed_since(DIVISION, 1)

    assert (changes.next_timestamp, changes.complete) == (9, False)


async def test_ten_thousand_accounts_arrive_through_sync_in_eleven_calls(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    feed = [account_row(n, Timestamp=100 + 3 * n) for n in range(1, 10_001)]

    def answer(request: httpx.Request) -> httpx.Response:
        match = re.fullmatch(r"Timestamp gt (\d+)", request.url.params["$filter"])
        assert match is not None
        after = int(match.group(1))
        newer = [row for row in feed if row["Timestamp"] > after]
        rows = newer[:1000]
        more = len(newer) > 1000
        return page(rows, next_url=f"{SYNC_ACCOUNTS}?$skiptoken={after}L" if more else None)

    route = exact.get(SYNC_ACCOUNTS).mock(side_effect=answer)

    accounts: dict[uuid.UUID, ExactAccount] = {}
    timestamp = 1
    while True:
        changes = await gateway.accounts_changed_since(DIVISION, timestamp)
        accounts.update((a.account_id, a) for a in changes.accounts)
        timestamp = changes.next_timestamp
        if changes.complete:
            break

    assert len(accounts) == 10_000
    assert accounts[key(10_000)].code == "10000"
    assert timestamp == 100 + 3 * 10_000
    assert route.call_count == 11  # ten full pages, then an empty one that ends the feed


async def test_create_account_posts_a_customer_with_a_padded_code(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.post(ACCOUNTS).mock(
        return_value=one(account_row(25, Name="Acme", VATNumber="NL1"), status=201)
    )

    account = await gateway.create_account(
        DIVISION,
        AccountDraft(AccountFields(name="Acme", vat_number="NL1", city="Utrecht"), code="25"),
    )

    assert body_of(route.calls.last.request) == {
        "Name": "Acme",
        "VATNumber": "NL1",
        "City": "Utrecht",
        "Status": "C",
        "Code": "                25",
    }
    assert (account.account_id, account.code, account.name) == (key(25), "25", "Acme")
    assert route.call_count == 1


async def test_create_account_without_code_lets_exact_choose(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.post(ACCOUNTS).mock(return_value=one(account_row(26)))

    await gateway.create_account(DIVISION, AccountDraft(AccountFields(name="Acme")))

    assert body_of(route.calls.last.request) == {"Name": "Acme", "Status": "C"}


async def test_update_account_puts_the_set_fields(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.put(f"{ACCOUNTS}(guid'{key(25)}')").respond(204)

    result = await gateway.update_account(
        DIVISION, key(25), AccountFields(name="Acme BV", email="", postcode="1234 AB")
    )

    assert result is None
    assert body_of(route.calls.last.request) == {
        "Name": "Acme BV",
        "Email": "",
        "Postcode": "1234 AB",
    }


# --- sales invoices -----------------------------------------------------------------


async def test_create_sales_invoice_is_one_post_with_nested_lines(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.post(INVOICES).mock(
        return_value=one(invoice_row(3, YourRef="HB-2024-0001", OrderNumber=19), status=200)
    )

    invoice = await gateway.create_sales_invoice(
        DIVISION,
        draft(
            line(),
            line(
                item_id=key(301),
                description="Travel",
                quantity=Decimal("12"),
                net_price=Decimal("0.23"),
                vat_code="2",
                gl_account_id=key(401),
                unit_code="km",
            ),
            payment_condition="30",
            order_number=19,
        ),
    )

    assert route.call_count == 1
    assert len(exact.calls) == 1
    request = route.calls.last.request
    assert body_of(request) == {
        "Type": 8020,
        "Journal": "70",
        "OrderedBy": str(key(1)),
        "YourRef": "HB-2024-0001",
        "InvoiceDate": "2024-08-12",
        "Description": "Hours August",
        "PaymentCondition": "30",
        "OrderNumber": 19,
        "SalesInvoiceLines": [
            {
                "Item": str(key(300)),
                "Quantity": Decimal("1.5"),
                "NetPrice": Decimal("66.73"),
                "Description": "Consultancy",
            },
            {
                "Item": str(key(301)),
                "Quantity": 12,
                "NetPrice": Decimal("0.23"),
                "Description": "Travel",
                "VATCode": "2",
                "GLAccount": str(key(401)),
                "UnitCode": "km",
            },
        ],
    }
    assert b'"Quantity":1.5,"NetPrice":66.73' in request.content
    assert invoice == ExactSalesInvoice(
        invoice_id=key(3),
        your_ref="HB-2024-0001",
        order_number=19,
        invoice_number=None,
        status=InvoiceStatus.OPEN,
        journal="70",
        ordered_by=key(1),
        amount_excl_vat=Decimal("100.10"),
        vat_amount=Decimal("21.02"),
        amount_incl_vat=Decimal("121.12"),
        lines=(),
    )


async def test_create_sales_invoice_without_lines_never_reaches_exact(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.post(INVOICES).mock(return_value=one(invoice_row()))

    with pytest.raises(ExactValidationError, match="line"):
        await gateway.create_sales_invoice(DIVISION, draft(lines=[]))

    assert route.call_count == 0


async def test_amounts_come_back_exact(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.post(INVOICES).mock(
        return_value=httpx.Response(
            201,
            content=(
                b'{"d":{"InvoiceID":"'
                + str(key(4)).encode()
                + b'","OrderedBy":"'
                + str(key(1)).encode()
                + b'","Journal":"70","Status":20,"OrderNumber":5,"InvoiceNumber":null,'
                b'"YourRef":"HB-4","AmountFCExclVat":0.1,"VATAmountFC":0.021,'
                b'"AmountFC":1234567890.12}}'
            ),
        )
    )

    invoice = await gateway.create_sales_invoice(DIVISION, draft())

    assert invoice.amount_excl_vat == Decimal("0.1")
    assert invoice.vat_amount == Decimal("0.021")
    assert invoice.amount_incl_vat == Decimal("1234567890.12")


def refs_in(filter_text: str) -> list[str]:
    quoted = re.findall(r"YourRef eq '((?:[^']|'')*)'", filter_text)
    return [ref.replace("''", "'") for ref in quoted]


async def test_invoices_by_reference_are_read_in_batches_of_forty(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    refs = [f"HB-{n}" for n in range(500)] + ["O'Brien-1"]

    def answer(request: httpx.Request) -> httpx.Response:
        asked = refs_in(request.url.params["$filter"])
        known = [ref for ref in asked if ref != "HB-7"]
        return page([invoice_row(refs.index(ref) + 1, YourRef=ref) for ref in known])

    route = exact.get(INVOICES).mock(side_effect=answer)

    found = await gateway.sales_invoices_by_reference(DIVISION, [*refs, "HB-1"])

    assert route.call_count == 13  # ceil(501 / 40)
    filters = [call.request.url.params["$filter"] for call in route.calls]
    assert all(f.count(" or ") <= 39 for f in filters)
    assert filters[0].startswith("YourRef eq 'HB-0' or YourRef eq 'HB-1' or ")
    assert filters[-1].endswith("YourRef eq 'O''Brien-1'")
    assert len(found) == 500
    assert "HB-7" not in found
    assert found["O'Brien-1"].invoice_id == key(501)
    assert found["HB-42"].your_ref == "HB-42"
    assert route.calls.last.request.url.params["$select"] == (
        "InvoiceID,YourRef,OrderNumber,InvoiceNumber,Status,Journal,OrderedBy,"
        "AmountFCExclVat,VATAmountFC,AmountFC"
    )


async def test_invoices_by_id_are_read_in_batches_of_forty(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    ids = [key(n) for n in range(1, 501)]

    def answer(request: httpx.Request) -> httpx.Response:
        asked = re.findall(r"InvoiceID eq guid'([0-9a-f-]+)'", request.url.params["$filter"])
        return page([invoice_row(uuid.UUID(i).int, InvoiceNumber=uuid.UUID(i).int) for i in asked])

    route = exact.get(INVOICES).mock(side_effect=answer)

    found = await gateway.sales_invoices(DIVISION, ids)

    assert route.call_count == 13
    assert len(found) == 500
    assert found[key(123)].invoice_number == 123
    first = route.calls[0].request.url.params["$filter"]
    assert first.startswith(f"InvoiceID eq guid'{key(1)}' or InvoiceID eq guid'{key(2)}'")
    assert first.count("InvoiceID eq") == 40


async def test_no_keys_no_calls(exact: respx.MockRouter, gateway: ExactOnlineGateway) -> None:
    route = exact.get(INVOICES).mock(return_value=page([]))

    assert await gateway.sales_invoices(DIVISION, []) == {}
    assert await gateway.sales_invoices_by_reference(DIVISION, []) == {}
    assert route.call_count == 0


async def test_sales_invoice_expands_its_lines(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    route = exact.get(f"{INVOICES}(guid'{key(8)}')").mock(
        return_value=one(
            invoice_row(
                8,
                Status=50,
                InvoiceNumber=24000017,
                SalesInvoiceLines={
                    "results": [
                        invoice_line_row(2, GLAccount=None, VATCode=None),
                        invoice_line_row(1),
                    ]
                },
            )
        )
    )

    invoice = await gateway.sales_invoice(DIVISION, key(8))

    assert invoice is not None
    assert invoice.processed
    assert invoice.invoice_number == 24000017
    assert invoice.lines == (
        ExactSalesInvoiceLine(
            line_number=1,
            item_id=key(300),
            description="Consultancy 1",
            quantity=Decimal("1.5"),
            net_price=Decimal("66.73"),
            amount=Decimal("100.10"),
            vat_code="2",
            vat_amount=Decimal("21.02"),
            gl_account_id=key(400),
        ),
        ExactSalesInvoiceLine(
            line_number=2,
            item_id=key(300),
            description="Consultancy 2",
            quantity=Decimal("1.5"),
            net_price=Decimal("66.73"),
            amount=Decimal("100.10"),
            vat_code=None,
            vat_amount=Decimal("21.02"),
            gl_account_id=None,
        ),
    )
    params = route.calls.last.request.url.params
    assert params["$expand"] == "SalesInvoiceLines"
    assert params["$select"].endswith(",AmountFC,SalesInvoiceLines")


async def test_process_sales_invoice_prints_then_reads_the_number(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    printed = exact.post(f"{API}/salesinvoice/PrintedSalesInvoices").mock(
        return_value=one(
            {"InvoiceID": str(key(8)), "Document": str(key(77)), "DocumentCreationSuccess": "ok"}
        )
    )
    header = exact.get(f"{INVOICES}(guid'{key(8)}')").mock(
        return_value=one(invoice_row(8, Status=50, InvoiceNumber=24000017))
    )

    processed = await gateway.process_sales_invoice(DIVISION, key(8))

    assert processed == ProcessedInvoice(
        invoice_id=key(8), document_id=key(77), invoice_number=24000017
    )
    assert body_of(printed.calls.last.request) == {"InvoiceID": str(key(8))}
    assert "$expand" not in header.calls.last.request.url.params
    assert header.calls.last.request.url.params["$select"].startswith("InvoiceID,")


async def test_a_processed_invoice_is_reported_even_if_its_number_cannot_be_read(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.post(f"{API}/salesinvoice/PrintedSalesInvoices").mock(
        return_value=one({"InvoiceID": str(key(8)), "Document": None})
    )
    exact.get(f"{INVOICES}(guid'{key(8)}')").respond(503)

    processed = await gateway.process_sales_invoice(DIVISION, key(8))

    assert processed == ProcessedInvoice(invoice_id=key(8), document_id=None, invoice_number=None)


async def test_attach_document_creates_uploads_and_links(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    documents = exact.post(f"{API}/documents/Documents").mock(
        return_value=one({"ID": str(key(77)), "Subject": "Invoice HB-1"}, status=201)
    )
    attachments = exact.post(f"{API}/documents/DocumentAttachments").mock(
        return_value=one({"ID": str(key(78)), "FileSize": 9}, status=201)
    )
    link = exact.put(f"{INVOICES}(guid'{key(8)}')").respond(204)
    pdf = b"%PDF-1.7\n"

    document = await gateway.attach_document(
        DIVISION, key(8), subject="Invoice HB-1", file_name="HB-1.pdf", content=pdf
    )

    assert document == key(77)
    assert [call.request.url.path.rsplit("/", 1)[-1] for call in exact.calls] == [
        "Documents",
        "DocumentAttachments",
        f"SalesInvoices(guid'{key(8)}')",
    ]
    assert body_of(documents.calls.last.request) == {
        "Subject": "Invoice HB-1",
        "Type": 10,
        "FinancialTransactionEntryID": str(key(8)),
    }
    assert body_of(attachments.calls.last.request) == {
        "Document": str(key(77)),
        "FileName": "HB-1.pdf",
        "Attachment": base64.b64encode(pdf).decode(),
    }
    assert body_of(link.calls.last.request) == {"Document": str(key(77))}


DOCUMENTS = f"{API}/documents/Documents"
ATTACHMENTS = f"{API}/documents/DocumentAttachments"


def attach_routes(
    exact: respx.MockRouter, documents: list[Row], files: list[Row]
) -> dict[str, respx.Route]:
    return {
        "find_documents": exact.get(DOCUMENTS).mock(return_value=page(documents)),
        "create_document": exact.post(DOCUMENTS).mock(
            return_value=one({"ID": str(key(77))}, status=201)
        ),
        "find_attachments": exact.get(ATTACHMENTS).mock(return_value=page(files)),
        "create_attachment": exact.post(ATTACHMENTS).mock(
            return_value=one({"ID": str(key(78))}, status=201)
        ),
        "link_document": exact.put(f"{INVOICES}(guid'{key(8)}')").respond(204),
    }


def calls_made(routes: dict[str, respx.Route]) -> dict[str, int]:
    return {name: route.call_count for name, route in routes.items() if route.call_count}


async def attach_again(gateway: ExactOnlineGateway) -> uuid.UUID:
    return await gateway.attach_document(
        DIVISION,
        key(8),
        subject="Invoice HB-1",
        file_name="HB-1.pdf",
        content=b"%PDF-1.7\n",
        look_first=True,
    )


async def test_looking_first_finds_the_earlier_document_by_invoice_and_subject(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    routes = attach_routes(
        exact, [{"ID": str(key(70))}], [{"ID": str(key(71)), "FileName": "x.pdf"}]
    )

    document = await attach_again(gateway)

    assert document == key(70)
    assert calls_made(routes) == {
        "find_documents": 1,
        "find_attachments": 1,
        "create_attachment": 1,
        "link_document": 1,
    }
    documents = routes["find_documents"].calls.last.request.url.params
    assert documents["$filter"] == (
        f"FinancialTransactionEntryID eq guid'{key(8)}' and Subject eq 'Invoice HB-1'"
    )
    assert documents["$select"] == "ID"
    files = routes["find_attachments"].calls.last.request.url.params
    assert files["$filter"] == f"Document eq guid'{key(70)}'"
    assert files["$select"] == "ID,FileName", "never the base64 content"
    assert body_of(routes["create_attachment"].calls.last.request)["Document"] == str(key(70))
    assert body_of(routes["link_document"].calls.last.request) == {"Document": str(key(70))}


async def test_looking_first_sends_no_file_that_is_there_and_links_again(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    routes = attach_routes(
        exact, [{"ID": str(key(70))}], [{"ID": str(key(71)), "FileName": "HB-1.pdf"}]
    )

    assert await attach_again(gateway) == key(70)
    assert calls_made(routes) == {"find_documents": 1, "find_attachments": 1, "link_document": 1}


async def test_looking_first_and_finding_nothing_creates_everything(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    routes = attach_routes(exact, [], [])

    assert await attach_again(gateway) == key(77)
    assert calls_made(routes) == {
        "find_documents": 1,
        "create_document": 1,
        "create_attachment": 1,
        "link_document": 1,
    }, "a new document has no files to look for"


# --- webhooks -------------------------------------------------------------------


def webhook_row(n: int, topic: str = "SalesInvoices") -> Row:
    return {"ID": str(key(n)), "CallbackURL": f"https://hourbill.test/hooks/{n}", "Topic": topic}


async def test_webhooks_are_listed_subscribed_and_unsubscribed(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    listing = exact.get(WEBHOOKS).mock(return_value=page([webhook_row(1, "Accounts")]))
    creating = exact.post(WEBHOOKS).mock(return_value=one(webhook_row(2), status=201))
    deleting = exact.delete(f"{WEBHOOKS}(guid'{key(1)}')").respond(204)

    assert await gateway.webhook_subscriptions(DIVISION) == [
        WebhookSubscription(key(1), "Accounts", "https://hourbill.test/hooks/1")
    ]
    assert await gateway.subscribe(
        DIVISION, "SalesInvoices", "https://hourbill.test/hooks/2"
    ) == WebhookSubscription(key(2), "SalesInvoices", "https://hourbill.test/hooks/2")
    await gateway.unsubscribe(DIVISION, key(1))

    assert listing.calls.last.request.url.params["$select"] == "ID,CallbackURL,Topic"
    assert body_of(creating.calls.last.request) == {
        "CallbackURL": "https://hourbill.test/hooks/2",
        "Topic": "SalesInvoices",
    }
    assert deleting.call_count == 1


async def test_unsubscribing_twice_is_fine(
    exact: respx.MockRouter, gateway: ExactOnlineGateway
) -> None:
    exact.delete(f"{WEBHOOKS}(guid'{key(1)}')").mock(
        side_effect=[httpx.Response(204), httpx.Response(404)]
    )

    await gateway.unsubscribe(DIVISION, key(1))
    await gateway.unsubscribe(DIVISION, key(1))
