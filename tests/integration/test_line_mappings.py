"""Line mappings and the Exact administration settings on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from application.administration import (
    SaveExactAdministration,
    SaveExactAdministrationRequest,
    SaveLineMapping,
    SaveLineMappingRequest,
    line_mappings,
)
from domain.errors import ErrorCode, HourbillError
from domain.exact_mapping import ExactLineCodes, LineMapping, MappingScope
from infrastructure.exact.fake import FakeExactGateway
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.factories import OrderLineFactory

TASK = uuid.UUID("00000000-0000-4000-8000-0000000000aa")


def mappings() -> list[LineMapping]:
    return [
        LineMapping(MappingScope.VAT, "9", None, "1"),
        LineMapping(MappingScope.TASK, str(TASK), "SUPPORT", "2"),
        LineMapping(MappingScope.ITEM, "MATERIAAL", "MATERIAAL"),
        LineMapping(MappingScope.ITEM, "BOEK", "BOEKEN", "1"),
    ]


@pytest.fixture
async def saved(uow_factory: SqlAlchemyUnitOfWorkFactory) -> list[LineMapping]:
    made = mappings()
    async with uow_factory() as uow:
        for mapping in made:
            await uow.line_mappings.add(mapping)
        await uow.commit()
    return made


def values(mapping: LineMapping | None) -> tuple[object, ...]:
    assert mapping is not None
    return (
        mapping.id,
        mapping.scope,
        mapping.key,
        mapping.exact_item_code,
        mapping.exact_vat_code,
    )


async def test_mappings_come_back_by_scope_and_key(
    uow_factory: SqlAlchemyUnitOfWorkFactory, saved: list[LineMapping]
) -> None:
    async with uow_factory() as uow:
        found = await uow.line_mappings.all()

    assert [(m.scope, m.key) for m in found] == [
        (MappingScope.ITEM, "BOEK"),
        (MappingScope.ITEM, "MATERIAAL"),
        (MappingScope.TASK, str(TASK)),
        (MappingScope.VAT, "9"),
    ]
    assert sorted(map(values, found), key=str) == sorted(map(values, saved), key=str)
    assert all(isinstance(m.scope, MappingScope) for m in found)


async def test_one_mapping_by_id_and_by_scope_and_key(
    uow_factory: SqlAlchemyUnitOfWorkFactory, saved: list[LineMapping]
) -> None:
    task = saved[1]
    async with uow_factory() as uow:
        by_id = await uow.line_mappings.get(task.id)
        by_key = await uow.line_mappings.by_scope_key(MappingScope.TASK, str(TASK))
        other_scope = await uow.line_mappings.by_scope_key(MappingScope.PROJECT, str(TASK))
        unknown = await uow.line_mappings.get(uuid.uuid4())

    assert values(by_id) == values(task)
    assert by_key is by_id
    assert other_scope is None
    assert unknown is None


async def test_a_remapped_mapping_is_saved_on_commit(
    uow_factory: SqlAlchemyUnitOfWorkFactory, saved: list[LineMapping]
) -> None:
    async with uow_factory() as uow:
        mapping = await uow.line_mappings.by_scope_key(MappingScope.ITEM, "BOEK")
        assert mapping is not None
        mapping.remap(None, "0")
        await uow.commit()

    async with uow_factory() as uow:
        again = await uow.line_mappings.by_scope_key(MappingScope.ITEM, "BOEK")

    assert again is not None
    assert (again.exact_item_code, again.exact_vat_code) == (None, "0")


async def test_a_deleted_mapping_is_gone(
    uow_factory: SqlAlchemyUnitOfWorkFactory, saved: list[LineMapping]
) -> None:
    async with uow_factory() as uow:
        mapping = await uow.line_mappings.get(saved[0].id)
        assert mapping is not None
        await uow.line_mappings.delete(mapping)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.line_mappings.get(saved[0].id) is None
        assert len(await uow.line_mappings.all()) == 3


async def test_nothing_is_kept_without_commit(uow_factory: SqlAlchemyUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.line_mappings.add(LineMapping(MappingScope.ITEM, "BOEK", "BOEKEN"))

    async with uow_factory() as uow:
        assert await uow.line_mappings.all() == []


async def test_a_key_mapped_meanwhile_is_a_duplicate_and_keeps_nothing(
    uow_factory: SqlAlchemyUnitOfWorkFactory, saved: list[LineMapping]
) -> None:
    """The second writer saw the key free, the first committed it: the insert loses."""
    async with uow_factory() as late:
        assert await late.line_mappings.by_scope_key(MappingScope.ITEM, "UREN") is None
        async with uow_factory() as early:
            await early.line_mappings.add(LineMapping(MappingScope.ITEM, "UREN", "UREN"))
            await early.commit()
        with pytest.raises(HourbillError) as error:
            await late.line_mappings.add(LineMapping(MappingScope.ITEM, "UREN", "SUPPORT"))

    assert [(p.code, p.field) for p in error.value.problems] == [(ErrorCode.DUPLICATE, "key")]
    async with uow_factory() as uow:
        winner = await uow.line_mappings.by_scope_key(MappingScope.ITEM, "UREN")
    assert winner is not None
    assert winner.exact_item_code == "UREN"


async def test_the_use_cases_save_settings_and_mappings_that_resolve_lines(
    uow_factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    exact = FakeExactGateway()
    await SaveExactAdministration(uow_factory, exact).execute(
        SaveExactAdministrationRequest(123456, "70", "UREN", "2", attach_pdf=True)
    )
    await SaveLineMapping(uow_factory, exact).execute(
        SaveLineMappingRequest(MappingScope.ITEM, "BOEK", "BOEKEN", "1")
    )
    await SaveLineMapping(uow_factory, exact).execute(
        SaveLineMappingRequest(MappingScope.ITEM, "BOEK", "MATERIAAL")
    )

    async with uow_factory() as uow:
        settings = await uow.settings.invoicing()
        resolved = await line_mappings(uow)
        count = len(await uow.line_mappings.all())

    assert (
        settings.exact_division,
        settings.exact_journal,
        settings.exact_default_item,
        settings.exact_default_vat_code,
        settings.attach_pdf,
    ) == (123456, "70", "UREN", "2", True)
    assert count == 1
    book = OrderLineFactory(item_code="BOEK")
    assert resolved.resolve(book, "UREN", "2") == ExactLineCodes("MATERIAAL", "2")
