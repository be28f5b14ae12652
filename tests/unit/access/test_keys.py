"""API keys: roles, making, checking and revoking keys (domain and use cases, on the fakes)."""

from __future__ import annotations

import datetime as dt

import pytest

from application.access import (
    Authenticate,
    CreateApiKey,
    EnsureDevelopmentKey,
    RevokeApiKey,
)
from domain.access import Role, digest, new_key_secret, token_prefix, valid_name
from domain.errors import ErrorCode, HourbillError
from tests.fakes import FakeStore, FakeUnitOfWorkFactory


class Clock:
    def __init__(self) -> None:
        self.current = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)

    def today(self) -> dt.date:
        return self.current.date()

    def now(self) -> dt.datetime:
        return self.current


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def create(store: FakeStore, clock: Clock) -> CreateApiKey:
    return CreateApiKey(FakeUnitOfWorkFactory(store), clock)


@pytest.fixture
def authenticate(store: FakeStore, clock: Clock) -> Authenticate:
    return Authenticate(FakeUnitOfWorkFactory(store), clock)


@pytest.fixture
def revoke(store: FakeStore, clock: Clock) -> RevokeApiKey:
    return RevokeApiKey(FakeUnitOfWorkFactory(store), clock)


@pytest.mark.parametrize(
    ("role", "required", "allowed"),
    [
        (Role.VIEWER, Role.VIEWER, True),
        (Role.VIEWER, Role.BILLER, False),
        (Role.VIEWER, Role.ADMIN, False),
        (Role.BILLER, Role.VIEWER, True),
        (Role.BILLER, Role.BILLER, True),
        (Role.BILLER, Role.ADMIN, False),
        (Role.ADMIN, Role.VIEWER, True),
        (Role.ADMIN, Role.BILLER, True),
        (Role.ADMIN, Role.ADMIN, True),
    ],
)
def test_each_role_may_do_what_the_roles_below_it_may(
    role: Role, required: Role, allowed: bool
) -> None:
    assert role.allows(required) is allowed


def test_a_new_key_is_random_and_only_its_prefix_and_digest_are_kept() -> None:
    one, two = new_key_secret(), new_key_secret()

    assert one.token != two.token
    assert one.token.startswith(f"hb_{one.prefix}_")
    assert token_prefix(one.token) == one.prefix
    assert one.digest == digest(one.token)
    assert one.token not in one.digest


@pytest.mark.parametrize(
    "token",
    ["", "hb_", "Bearer x", "hb_0123456789ab_short", "xx_0123456789ab_" + "a" * 43, "hb_ABC_x"],
)
def test_malformed_keys_have_no_prefix(token: str) -> None:
    assert token_prefix(token) is None


def test_names_are_tidied_and_must_be_given() -> None:
    assert valid_name("  billing   front-end ") == "billing front-end"
    with pytest.raises(HourbillError) as empty:
        valid_name("   ")
    with pytest.raises(HourbillError) as long:
        valid_name("x" * 81)
    assert empty.value.problems[0].code is ErrorCode.REQUIRED
    assert long.value.problems[0].code is ErrorCode.OUT_OF_RANGE


async def test_a_made_key_authenticates_as_its_name_and_role(
    create: CreateApiKey, authenticate: Authenticate, store: FakeStore
) -> None:
    made = await create.execute("front-end", Role.BILLER, "cli")

    principal = await authenticate.execute(made.token)

    assert principal is not None
    assert (principal.key_id, principal.name, principal.role) == (
        made.key.id,
        "front-end",
        Role.BILLER,
    )
    assert made.token not in repr(store.api_keys), "only the digest is stored"


async def test_a_key_with_a_known_prefix_but_another_secret_is_refused(
    create: CreateApiKey, authenticate: Authenticate
) -> None:
    made = await create.execute("front-end", Role.ADMIN, "cli")
    forged = made.token[:-4] + ("AAAA" if not made.token.endswith("AAAA") else "BBBB")

    assert await authenticate.execute(forged) is None
    assert await authenticate.execute("hb_000000000000_" + "A" * 43) is None
    assert await authenticate.execute("not a key") is None


async def test_a_revoked_key_no_longer_authenticates(
    create: CreateApiKey, authenticate: Authenticate, revoke: RevokeApiKey
) -> None:
    made = await create.execute("laptop", Role.ADMIN, "cli")

    revoked = await revoke.execute(made.key.id)

    assert revoked.revoked_at is not None
    assert await authenticate.execute(made.token) is None


async def test_revoking_twice_or_an_unknown_key_is_a_typed_error(
    create: CreateApiKey, revoke: RevokeApiKey
) -> None:
    made = await create.execute("laptop", Role.ADMIN, "cli")
    await revoke.execute("laptop")

    with pytest.raises(HourbillError) as twice:
        await revoke.execute(made.key.id)
    with pytest.raises(HourbillError) as unknown:
        await revoke.execute("laptop")

    assert twice.value.problems[0].code is ErrorCode.INVALID_STATE
    assert unknown.value.problems[0].code is ErrorCode.NOT_FOUND


async def test_an_active_name_is_unique_but_can_be_reused_after_revoking(
    create: CreateApiKey, revoke: RevokeApiKey
) -> None:
    await create.execute("ci", Role.VIEWER, "cli")
    with pytest.raises(HourbillError) as duplicate:
        await create.execute(" ci ", Role.ADMIN, "cli")
    await revoke.execute("ci")

    again = await create.execute("ci", Role.ADMIN, "cli")

    assert duplicate.value.problems[0].code is ErrorCode.DUPLICATE
    assert again.key.role is Role.ADMIN


async def test_last_used_is_written_at_most_once_a_minute(
    create: CreateApiKey, authenticate: Authenticate, store: FakeStore, clock: Clock
) -> None:
    made = await create.execute("front-end", Role.VIEWER, "cli")
    first_use = clock.now()

    await authenticate.execute(made.token)
    commits = store.commits
    clock.current += dt.timedelta(seconds=30)
    await authenticate.execute(made.token)

    assert store.api_keys[made.key.id].last_used_at == first_use
    assert store.commits == commits, "no write within the minute"
    clock.current += dt.timedelta(seconds=31)
    await authenticate.execute(made.token)
    assert store.api_keys[made.key.id].last_used_at == clock.now()


async def test_the_development_key_is_made_only_when_no_key_is_active(
    create: CreateApiKey, store: FakeStore, authenticate: Authenticate, revoke: RevokeApiKey
) -> None:
    ensure = EnsureDevelopmentKey(create, FakeUnitOfWorkFactory(store))

    made = await ensure.execute()
    assert made is not None
    assert await ensure.execute() is None
    principal = await authenticate.execute(made.token)
    assert principal is not None
    assert principal.role is Role.ADMIN

    await revoke.execute(made.key.id)
    assert await ensure.execute() is not None, "no active key left: a new one"
