"""The JSON codec that carries events between server processes."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.events import (
    Event,
    InvoiceEvent,
    InvoiceEventKind,
    InvoiceRunProgressEvent,
    OrderEvent,
    OrderEventKind,
)
from infrastructure.event_codec import VERSION, dumps, from_json, loads, to_json

numbers = st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
counts = st.integers(min_value=0, max_value=10**9)

order_events = st.builds(
    OrderEvent,
    kind=st.sampled_from(OrderEventKind),
    order_id=st.uuids(),
    customer_id=st.uuids(),
    number=numbers,
    merged_order_ids=st.lists(st.uuids(), max_size=5).map(tuple),
)
invoice_events = st.builds(
    InvoiceEvent,
    kind=st.sampled_from(InvoiceEventKind),
    invoice_id=st.uuids(),
    customer_id=st.uuids(),
    state=st.text(),
    number=numbers,
    run_id=st.none() | st.uuids(),
    message=st.none() | st.text(),
)
progress_events = st.builds(
    InvoiceRunProgressEvent, run_id=st.uuids(), total=counts, done=counts, failed=counts
)
events: st.SearchStrategy[Event] = order_events | invoice_events | progress_events


@given(events)
def test_every_event_survives_the_round_trip(event: Event) -> None:
    assert loads(dumps(event)) == event


@given(events)
def test_the_text_is_ascii_so_its_length_is_its_size_in_bytes(event: Event) -> None:
    text = dumps(event)

    assert len(text.encode("utf-8")) == len(text)


def test_the_json_names_its_version_and_type() -> None:
    run_id = uuid.uuid4()

    data = to_json(InvoiceRunProgressEvent(run_id, total=3, done=1, failed=1))

    assert data == {
        "v": VERSION,
        "type": "invoice_run_progress",
        "run": str(run_id),
        "total": 3,
        "done": 1,
        "failed": 1,
    }


def order_json() -> dict[str, object]:
    return to_json(OrderEvent(OrderEventKind.CREATED, uuid.uuid4(), uuid.uuid4(), 7))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({**order_json(), "v": VERSION + 1}, id="newer version"),
        pytest.param({**order_json(), "type": "payment"}, id="unknown type"),
        pytest.param({**order_json(), "type": ["order"]}, id="type not a string"),
        pytest.param({**order_json(), "kind": "ARCHIVED"}, id="unknown kind"),
        pytest.param({**order_json(), "order": "not-a-uuid"}, id="bad uuid"),
        pytest.param({**order_json(), "number": "7"}, id="number as text"),
        pytest.param({**order_json(), "number": True}, id="number as boolean"),
        pytest.param({k: v for k, v in order_json().items() if k != "customer"}, id="missing"),
        pytest.param(["order"], id="not an object"),
    ],
)
def test_what_it_cannot_read_is_ignored_and_logged(
    data: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="infrastructure.event_codec"):
        assert from_json(data) is None
        assert loads(json.dumps(data)) is None
    assert caplog.records


def test_text_that_is_not_json_is_ignored() -> None:
    assert loads("{not json") is None


def test_unknown_extra_fields_are_ignored() -> None:
    event = OrderEvent(OrderEventKind.MERGED, uuid.uuid4(), uuid.uuid4(), 2, (uuid.uuid4(),))

    assert from_json({**to_json(event), "addedLater": 1}) == event
