"""recordBooking, updateBooking, deleteBooking and their typed errors."""

from __future__ import annotations

import pytest

from tests.graphql import documents as doc
from tests.graphql import seed
from tests.graphql.api import Api, codes
from tests.graphql.ids import unknown_id


@pytest.fixture
async def office(api: Api) -> seed.Office:
    return await seed.office(api)


async def test_record_booking_returns_it_with_its_relations(api: Api) -> None:
    customer_id = await seed.customer(api)
    employee_id = await seed.employee(api)
    project_id = await seed.project(api, customer_id)
    task_id = await seed.task(api, project_id)
    payload = await api.ok(
        doc.RECORD_BOOKING,
        employeeId=employee_id,
        customerId=customer_id,
        date="2026-11-02",
        hours="7.25",
        description="Sprint review",
        projectId=project_id,
        taskId=task_id,
        rate="95.5",
    )
    booking = payload["booking"]
    assert booking["hours"] == "7.25"
    assert booking["rate"] == "95.5"
    assert booking["billable"] is True
    assert booking["billed"] is False
    assert booking["orderLineId"] is None
    assert booking["employee"] == {"id": employee_id, "name": "Anna de Vries"}
    assert booking["customer"]["id"] == customer_id
    assert (booking["project"]["id"], booking["task"]["id"]) == (project_id, task_id)


@pytest.mark.parametrize(
    ("hours", "code"),
    [
        ("0", "OUT_OF_RANGE"),
        ("-1", "OUT_OF_RANGE"),
        ("24.01", "OUT_OF_RANGE"),
        ("25", "OUT_OF_RANGE"),
        ("1.005", "TOO_PRECISE"),
        ("seven", "INVALID"),
        ("1e1", "INVALID"),
        ("NaN", "INVALID"),
        ("", "INVALID"),
    ],
)
async def test_record_booking_refuses_bad_hours(
    api: Api, office: seed.Office, hours: str, code: str
) -> None:
    errors = await api.errors(
        doc.RECORD_BOOKING,
        employeeId=office.employee,
        customerId=office.customer,
        date="2026-11-02",
        hours=hours,
    )
    assert codes(errors) == {("hours", code)}


async def test_twenty_four_hours_is_the_most_a_booking_can_have(
    api: Api, office: seed.Office
) -> None:
    await seed.booking(api, office.employee, office.customer, hours="24")


async def test_decimals_must_be_sent_as_strings(api: Api, office: seed.Office) -> None:
    body = await api.execute(
        doc.RECORD_BOOKING,
        input={
            "employeeId": office.employee,
            "customerId": office.customer,
            "date": "2026-11-02",
            "hours": 7.5,
        },
    )
    assert body.get("data") is None
    assert 'Decimal values are sent as strings, e.g. "7.5"' in body["errors"][0]["message"]


async def test_decimal_literals_in_the_document_are_read_exactly(
    api: Api, office: seed.Office
) -> None:
    query = """mutation($e: ID!, $c: ID!) {
      recordBooking(input: {employeeId: $e, customerId: $c, date: "2026-11-02", hours: 0.1}) {
        booking { hours } errors { code } } }"""
    data = await api.data(query, e=office.employee, c=office.customer)
    assert data["recordBooking"]["booking"]["hours"] == "0.1"


async def test_record_booking_reports_unknown_and_mismatched_references(
    api: Api, office: seed.Office
) -> None:
    other_customer = await seed.customer(api, code="OTHER")
    errors = await api.errors(
        doc.RECORD_BOOKING,
        employeeId=unknown_id("Employee"),
        customerId=other_customer,
        date="2026-11-02",
        hours="1",
        projectId=office.project,
    )
    assert codes(errors) == {("employeeId", "NOT_FOUND"), ("projectId", "CUSTOMER_MISMATCH")}


async def test_record_booking_for_an_unknown_customer(api: Api, office: seed.Office) -> None:
    errors = await api.errors(
        doc.RECORD_BOOKING,
        employeeId=office.employee,
        customerId=unknown_id("Customer"),
        date="2026-11-02",
        hours="1",
    )
    assert codes(errors) == {("customerId", "NOT_FOUND")}


async def test_record_booking_reports_every_bad_global_id(api: Api, office: seed.Office) -> None:
    errors = await api.errors(
        doc.RECORD_BOOKING,
        employeeId="garbage",
        customerId=office.employee,
        date="2026-11-02",
        hours="1",
        taskId=office.project,
    )
    assert codes(errors) == {
        ("employeeId", "INVALID"),
        ("customerId", "INVALID"),
        ("taskId", "INVALID"),
    }


async def test_record_booking_refuses_dates_out_of_range(api: Api, office: seed.Office) -> None:
    errors = await api.errors(
        doc.RECORD_BOOKING,
        employeeId=office.employee,
        customerId=office.customer,
        date="1999-12-31",
        hours="1",
    )
    assert codes(errors) == {("date", "OUT_OF_RANGE")}


async def test_a_date_that_is_no_date_is_refused_before_anything_runs(
    api: Api, office: seed.Office
) -> None:
    body = await api.execute(
        doc.RECORD_BOOKING,
        input={
            "employeeId": office.employee,
            "customerId": office.customer,
            "date": "2 november",
            "hours": "1",
        },
    )
    assert body.get("data") is None
    assert "Date" in body["errors"][0]["message"]


async def test_update_booking_changes_and_clears_fields(api: Api, office: seed.Office) -> None:
    booking_id = office.bookings[0]
    payload = await api.ok(
        doc.UPDATE_BOOKING, id=booking_id, hours="6", billable=False, clear=["projectId", "taskId"]
    )
    booking = payload["booking"]
    assert (booking["hours"], booking["billable"]) == ("6", False)
    assert (booking["project"], booking["task"]) == (None, None)


async def test_update_booking_with_bad_hours_changes_nothing(api: Api, office: seed.Office) -> None:
    errors = await api.errors(doc.UPDATE_BOOKING, id=office.bookings[0], hours="30")
    assert codes(errors) == {("hours", "OUT_OF_RANGE")}
    assert (await api.data(doc.NODE, id=office.bookings[0]))["node"]["hours"] == "7.5"


async def test_update_and_delete_of_an_unknown_booking(api: Api) -> None:
    missing = unknown_id("Booking")
    assert codes(await api.errors(doc.UPDATE_BOOKING, id=missing, hours="1")) == {
        ("id", "NOT_FOUND")
    }
    assert codes(await api.errors(doc.DELETE_BOOKING, id=missing)) == {("id", "NOT_FOUND")}


async def test_delete_booking(api: Api, office: seed.Office) -> None:
    payload = await api.ok(doc.DELETE_BOOKING, id=office.bookings[0])
    assert payload["deletedId"] == office.bookings[0]
    assert (await api.data(doc.NODE, id=office.bookings[0]))["node"] is None


async def test_a_billed_booking_is_locked(api: Api, office: seed.Office) -> None:
    (order,) = await seed.generate(api)
    booking_id = office.bookings[0]
    data = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Booking { billed orderLineId } } }", id=booking_id
    )
    assert data["node"] == {"billed": True, "orderLineId": order["lines"][0]["id"]}
    assert codes(await api.errors(doc.UPDATE_BOOKING, id=booking_id, hours="1")) == {
        ("id", "LOCKED")
    }
    assert codes(await api.errors(doc.DELETE_BOOKING, id=booking_id)) == {("id", "LOCKED")}
