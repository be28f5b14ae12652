from __future__ import annotations

import datetime as dt
import uuid

import pytest

from domain.access import Principal, Role
from domain.errors import ErrorCode, HourbillError
from domain.idempotency import SYSTEM, IdempotencyKey, IdempotencyRecord, scope_of


@pytest.mark.parametrize("value", ["k", "x" * 255, "order 2026-04 / run #1", "~!@{}|"])
def test_printable_ascii_keys_up_to_255_characters_are_keys(value: str) -> None:
    assert IdempotencyKey(value).value == value


@pytest.mark.parametrize("value", ["", "   ", "x" * 256, "café", "tab\there", "line\n", "\x7f"])
def test_other_keys_are_invalid_on_the_idempotency_key_field(value: str) -> None:
    with pytest.raises(HourbillError) as invalid:
        IdempotencyKey(value)
    assert [(p.code, p.field) for p in invalid.value.problems] == [
        (ErrorCode.INVALID, "idempotencyKey")
    ]


def test_a_key_belongs_to_the_api_key_that_sent_it_or_to_the_system() -> None:
    principal = Principal(uuid.uuid4(), "partner", Role.BILLER)
    assert IdempotencyKey.of("k", principal) == IdempotencyKey("k", str(principal.key_id))
    assert IdempotencyKey.of("k", None) == IdempotencyKey("k", SYSTEM)
    assert IdempotencyKey.of(None, principal) is None
    assert scope_of(None) == SYSTEM


def test_a_record_matches_only_its_operation_and_request() -> None:
    record = IdempotencyRecord(
        SYSTEM, "k", "createCustomer", "f1", (uuid.uuid4(),), dt.datetime.now(dt.UTC)
    )
    assert record.matches("createCustomer", "f1")
    assert not record.matches("createCustomer", "f2")
    assert not record.matches("createOrder", "f1")
