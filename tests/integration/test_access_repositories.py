"""API keys and the audit log on SQLite and PostgreSQL: keyset pages both ways round,
filters, one active key per name, revoking, and `last_used_at` written at most once a minute."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import TypeVar

import pytest
from sqlalchemy.exc import IntegrityError

from application.access import (
    LAST_USED_RESOLUTION,
    ApiKeys,
    AuditFilter,
    Authenticate,
    CreateApiKey,
    RevokeApiKey,
)
from application.ports import Page, PageRequest, UnitOfWorkFactory
from domain.access import ApiKey, Role, new_key_secret
from domain.audit import AuditEntry, AuditOutcome
from domain.errors import ErrorCode, HourbillError
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory

T = TypeVar("T")
T0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


class MovableClock:
    def __init__(self) -> None:
        self.moment = T0

    def now(self) -> dt.datetime:
        return self.moment

    def today(self) -> dt.date:
        return self.moment.date()


def key(name: str, at: dt.datetime, role: Role = Role.VIEWER) -> ApiKey:
    secret = new_key_secret()
    return ApiKey(uuid.uuid4(), name, role, secret.prefix, secret.digest, at, "tests")


def entry(
    action: str, at: dt.datetime, actor: ApiKey | None = None, **changes: object
) -> AuditEntry:
    started = AuditEntry.start(action, actor.principal() if actor else None, "{}", at)
    return replace(started, **changes)  # type: ignore[arg-type]


async def add_keys(uow_factory: UnitOfWorkFactory, *keys: ApiKey) -> None:
    async with uow_factory() as uow:
        for made in keys:
            await uow.api_keys.add(made)
        await uow.commit()


async def add_entries(uow_factory: UnitOfWorkFactory, *entries: AuditEntry) -> None:
    async with uow_factory() as uow:
        for made in entries:
            await uow.audit_log.add(made)
        await uow.commit()


async def key_pages(
    uow_factory: UnitOfWorkFactory, size: int, include_revoked: bool
) -> list[Page[ApiKey]]:
    pages: list[Page[ApiKey]] = []
    after = None
    while True:
        async with uow_factory() as uow:
            page = await uow.api_keys.page(PageRequest(first=size, after=after), include_revoked)
        pages.append(page)
        if not page.has_next_page:
            return pages
        after = page.edges[-1][0]


async def entry_pages(
    uow_factory: UnitOfWorkFactory, size: int, where: AuditFilter | None = None
) -> list[Page[AuditEntry]]:
    pages: list[Page[AuditEntry]] = []
    after = None
    while True:
        async with uow_factory() as uow:
            page = await uow.audit_log.page(where or AuditFilter(), PageRequest(size, after))
        pages.append(page)
        if not page.has_next_page:
            return pages
        after = page.edges[-1][0]


def items(pages: list[Page[T]]) -> list[T]:
    return [item for page in pages for _, item in page.edges]


async def test_keys_page_oldest_first_through_ties_and_skip_revoked_unless_asked(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    tied = [key(f"tied {n}", T0 + dt.timedelta(seconds=1)) for n in range(3)]
    first, last = key("first", T0), key("last", T0 + dt.timedelta(seconds=2))
    revoked = replace(key("gone", T0 + dt.timedelta(milliseconds=1500)), revoked_at=T0)
    await add_keys(uow_factory, last, *tied, revoked, first)

    everything = await key_pages(uow_factory, 2, include_revoked=True)
    active = await key_pages(uow_factory, 2, include_revoked=False)

    by_id = sorted(tied, key=lambda k: k.id)
    assert [k.name for k in items(everything)] == [
        "first",
        *(k.name for k in by_id),
        "gone",
        "last",
    ]
    assert [k.name for k in items(active)] == ["first", *(k.name for k in by_id), "last"]
    assert [len(p.edges) for p in everything] == [2, 2, 2]
    assert [(p.has_previous_page, p.has_next_page) for p in everything] == [
        (False, True),
        (True, True),
        (True, False),
    ]
    assert {p.total_count for p in everything} == {6}
    assert {p.total_count for p in active} == {5}


async def test_keys_come_back_as_stored(uow_factory: SqlAlchemyUnitOfWorkFactory) -> None:
    made = replace(key("laptop", T0, Role.ADMIN), last_used_at=T0 + dt.timedelta(minutes=3))
    await add_keys(uow_factory, made)

    async with uow_factory() as uow:
        by_id = await uow.api_keys.get(made.id)
        by_prefix = await uow.api_keys.by_prefix(made.prefix)
        by_name = await uow.api_keys.active_by_name("laptop")
        unknown = await uow.api_keys.by_prefix("000000000000")

    assert by_id == by_prefix == by_name == made
    assert unknown is None


async def test_one_active_key_per_name_and_any_number_revoked(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    old = replace(key("worker", T0), revoked_at=T0)
    older = replace(key("worker", T0), revoked_at=T0)
    current = key("worker", T0 + dt.timedelta(seconds=1))
    await add_keys(uow_factory, old, older, current)

    with pytest.raises(IntegrityError):
        await add_keys(uow_factory, key("worker", T0 + dt.timedelta(seconds=2)))
    async with uow_factory() as uow:
        found = await uow.api_keys.active_by_name("worker")
        any_active = await uow.api_keys.any_active()

    assert found == current
    assert any_active is True


async def test_create_revoke_and_authenticate(uow_factory: SqlAlchemyUnitOfWorkFactory) -> None:
    clock = MovableClock()
    made = await CreateApiKey(uow_factory, clock).execute("grid", Role.BILLER, "key:admin")
    authenticate = Authenticate(uow_factory, clock)
    assert await authenticate.execute(made.token) == made.key.principal()

    with pytest.raises(HourbillError) as taken:
        await CreateApiKey(uow_factory, clock).execute(" grid ", Role.VIEWER, "key:admin")
    revoked = await RevokeApiKey(uow_factory, clock).execute(made.key.id)
    with pytest.raises(HourbillError) as again:
        await RevokeApiKey(uow_factory, clock).execute("grid")

    assert taken.value.problems[0].code is ErrorCode.DUPLICATE
    assert again.value.problems[0].code is ErrorCode.NOT_FOUND
    assert revoked.revoked_at == T0
    assert await authenticate.execute(made.token) is None
    assert await authenticate.execute(made.token[:-1] + "x") is None
    async with uow_factory() as uow:
        assert await uow.api_keys.any_active() is False
    listed = await ApiKeys(uow_factory).page(PageRequest(10), include_revoked=True)
    assert [k.revoked_at for _, k in listed.edges] == [T0]


async def test_last_used_is_written_at_most_once_a_minute(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    clock = MovableClock()
    made = await CreateApiKey(uow_factory, clock).execute("busy", Role.VIEWER, "tests")
    authenticate = Authenticate(uow_factory, clock)
    keys = ApiKeys(uow_factory)

    seen = []
    for step in (dt.timedelta(0), dt.timedelta(seconds=59), dt.timedelta(seconds=1)):
        clock.moment += step
        assert await authenticate.execute(made.token) is not None
        found = await keys.get(made.key.id)
        assert found is not None
        seen.append(found.last_used_at)

    assert seen == [T0, T0, T0 + LAST_USED_RESOLUTION]


async def test_entries_page_newest_first_through_ties(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    tied = [entry(f"tied{n}", T0 + dt.timedelta(seconds=1)) for n in range(3)]
    oldest, newest = entry("oldest", T0), entry("newest", T0 + dt.timedelta(seconds=2))
    await add_entries(uow_factory, *tied, newest, oldest)

    pages = await entry_pages(uow_factory, 2)

    by_id = sorted(tied, key=lambda e: e.id, reverse=True)
    assert [e.action for e in items(pages)] == [
        "newest",
        *(e.action for e in by_id),
        "oldest",
    ]
    assert [len(p.edges) for p in pages] == [2, 2, 1]
    assert [(p.has_previous_page, p.has_next_page) for p in pages] == [
        (False, True),
        (True, True),
        (True, False),
    ]
    assert {p.total_count for p in pages} == {5}


async def test_entries_filter_and_keep_their_outcome(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    admin = key("admin", T0, Role.ADMIN)
    at = [T0 + dt.timedelta(minutes=n) for n in range(4)]
    created = entry("createApiKey", at[0], admin)
    rejected = entry("createApiKey", at[1], admin)
    forbidden = entry("revokeApiKey", at[2], None, actor_name="no key")
    cli = entry("cli.keys.revoke", at[3], None, actor_name="cli")
    await add_entries(uow_factory, created, rejected, forbidden, cli)
    async with uow_factory() as uow:
        await uow.audit_log.save(created.finished(AuditOutcome.SUCCEEDED, at[0]))
        await uow.audit_log.save(
            rejected.finished(AuditOutcome.REJECTED, at[1], ("DUPLICATE", "REQUIRED"))
        )
        await uow.audit_log.save(
            forbidden.finished(AuditOutcome.FORBIDDEN, at[2], ("UNAUTHENTICATED",))
        )
        await uow.commit()

    async def actions(**where: object) -> list[str]:
        pages = await entry_pages(uow_factory, 1, AuditFilter(**where))  # type: ignore[arg-type]
        return [e.action for e in items(pages)]

    everything = items(await entry_pages(uow_factory, 10))
    assert everything[1] == forbidden.finished(AuditOutcome.FORBIDDEN, at[2], ("UNAUTHENTICATED",))
    assert everything[2].error_codes == ("DUPLICATE", "REQUIRED")
    assert [e.outcome for e in everything] == [
        AuditOutcome.PENDING,
        AuditOutcome.FORBIDDEN,
        AuditOutcome.REJECTED,
        AuditOutcome.SUCCEEDED,
    ]
    assert await actions(actor_key_id=admin.id) == ["createApiKey", "createApiKey"]
    assert await actions(action="revokeApiKey") == ["revokeApiKey"]
    assert await actions(outcome=AuditOutcome.REJECTED) == ["createApiKey"]
    assert await actions(since=at[1], until=at[3]) == ["revokeApiKey", "createApiKey"]
    assert await actions(action="createApiKey", outcome=AuditOutcome.SUCCEEDED) == ["createApiKey"]


@pytest.mark.parametrize("cursor", ["not a cursor", "WyJ4Il0="])
async def test_a_foreign_cursor_is_a_typed_error(
    uow_factory: SqlAlchemyUnitOfWorkFactory, cursor: str
) -> None:
    async with uow_factory() as uow:
        with pytest.raises(HourbillError) as keys:
            await uow.api_keys.page(PageRequest(10, cursor), include_revoked=True)
        with pytest.raises(HourbillError) as entries:
            await uow.audit_log.page(AuditFilter(), PageRequest(10, cursor))

    assert keys.value.problems[0].code is ErrorCode.INVALID
    assert entries.value.problems[0].code is ErrorCode.INVALID
