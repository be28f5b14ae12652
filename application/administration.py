"""The Exact administration invoices go to, and which Exact item and VAT code each line gets.

The administrator picks a division, a sales journal, a default item and a default
VAT code from lists read from Exact (`ExactPickers`) and saves them
(`SaveExactAdministration`); a task, project, item code or VAT code can map to
its own Exact item and/or VAT code (`SaveLineMapping`). Every choice is checked
against Exact before it is saved.

Exact is called outside any database transaction: a call may wait for the rate
budget or time out, and no connection should stay idle in a transaction that long.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from application.exact import (
    ExactAdministration,
    ExactAuthError,
    ExactDivision,
    ExactError,
    ExactItem,
    ExactJournal,
    ExactNotFoundError,
    ExactThrottledError,
    ExactValidationError,
    ExactVatCode,
    JournalType,
)
from application.ports import UnitOfWork, UnitOfWorkFactory
from application.use_cases._base import UseCase, require
from domain.errors import ErrorCode, HourbillError, Problems
from domain.exact_mapping import LineMapping, LineMappings, MappingScope
from domain.settings import InvoicingSettings

T = TypeVar("T")
C = TypeVar("C", int, str)


# --- Exact's errors as typed problems -------------------------------------------


_DIVISION_REASONS = ("Reason: NoDivisionAccess", "Reason: DivisionBlocked")
"""403 reasons about the division asked for, not about the connection."""


def exact_problem(error: ExactError, field: str | None = None) -> HourbillError:
    """The HourbillError a client can act on for a failed Exact call.

    Not connected (or refused access): NOT_CONFIGURED; refused access to the
    division named by `field`: UNKNOWN_IN_EXACT on it. Exact down, slow or
    throttling: EXACT_UNAVAILABLE (try again later). Exact refusing the request:
    EXACT_REJECTED, or NOT_FOUND on `field` when it says the thing does not exist.
    """
    if isinstance(error, ExactAuthError):
        if field is not None and any(r in error.message for r in _DIVISION_REASONS):
            return HourbillError.single(ErrorCode.UNKNOWN_IN_EXACT, error.message, field)
        return HourbillError.single(ErrorCode.NOT_CONFIGURED, error.message)
    if isinstance(error, ExactNotFoundError):
        return HourbillError.single(ErrorCode.NOT_FOUND, error.message, field)
    if isinstance(error, ExactValidationError):
        return HourbillError.single(ErrorCode.EXACT_REJECTED, error.message, field)
    if isinstance(error, ExactThrottledError) and error.retry_at is not None:
        message = f"{error.message} (Exact accepts calls again at {error.retry_at.isoformat()})"
        return HourbillError.single(ErrorCode.EXACT_UNAVAILABLE, message)
    return HourbillError.single(ErrorCode.EXACT_UNAVAILABLE, error.message)


async def from_exact(call: Callable[[], Awaitable[T]], field: str | None = None) -> T:
    try:
        return await call()
    except ExactError as error:
        raise exact_problem(error, field) from error


def _no_division() -> HourbillError:
    return HourbillError.single(
        ErrorCode.NOT_CONFIGURED, "Pick the Exact division first", "division"
    )


async def _saved_settings(uow: UnitOfWorkFactory) -> InvoicingSettings:
    async with uow() as work:
        return await work.settings.invoicing()


# --- pickers --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choices(Generic[T, C]):
    """What a picker offers, and which of it is saved."""

    options: list[T]
    selected: C | None
    """The saved choice, when the options are of the saved division; else None."""
    division: int | None = None
    """The division the options were read from (None for the divisions themselves)."""


def usable_journals(journals: Sequence[ExactJournal]) -> list[ExactJournal]:
    return [j for j in journals if j.type == JournalType.SALES and not j.blocked]


def usable_items(items: Sequence[ExactItem]) -> list[ExactItem]:
    return [i for i in items if i.is_sales_item]


def usable_vat_codes(vat_codes: Sequence[ExactVatCode]) -> list[ExactVatCode]:
    return [v for v in vat_codes if not v.blocked]


class ExactPickers:
    """The lists the administrator picks from, read from Exact each time (never stale)."""

    def __init__(self, gateway: ExactAdministration, uow: UnitOfWorkFactory) -> None:
        self.gateway = gateway
        self.uow = uow

    async def divisions(self) -> Choices[ExactDivision, int]:
        """Every division the connected user can open, active or not (see `active`)."""
        settings = await _saved_settings(self.uow)
        found = await from_exact(self.gateway.divisions)
        return Choices(sorted(found, key=lambda d: d.code), settings.exact_division)

    async def journals(self, division: int | None = None) -> Choices[ExactJournal, str]:
        """The division's sales journals that are not blocked; `division`: the saved one."""
        settings, code = await self._division(division)
        found = await from_exact(lambda: self.gateway.journals(code), "division")
        selected = settings.exact_journal if code == settings.exact_division else None
        return Choices(_by_code(usable_journals(found)), selected, code)

    async def items(self, division: int | None = None) -> Choices[ExactItem, str]:
        """The division's sales items."""
        settings, code = await self._division(division)
        found = await from_exact(lambda: self.gateway.items(code), "division")
        selected = settings.exact_default_item if code == settings.exact_division else None
        return Choices(_by_code(usable_items(found)), selected, code)

    async def vat_codes(self, division: int | None = None) -> Choices[ExactVatCode, str]:
        """The division's VAT codes that are not blocked."""
        settings, code = await self._division(division)
        found = await from_exact(lambda: self.gateway.vat_codes(code), "division")
        selected = settings.exact_default_vat_code if code == settings.exact_division else None
        return Choices(_by_code(usable_vat_codes(found)), selected, code)

    async def _division(self, division: int | None) -> tuple[InvoicingSettings, int]:
        if division is not None and division <= 0:
            raise HourbillError.single(
                ErrorCode.OUT_OF_RANGE, f"Division {division} is no Exact division", "division"
            )
        settings = await _saved_settings(self.uow)
        code = division if division is not None else settings.exact_division
        if code is None:
            raise _no_division()
        return settings, code


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


K = TypeVar("K", bound=_Coded)


def _by_code(options: list[K]) -> list[K]:
    return sorted(options, key=lambda o: o.code)


# --- checking codes against Exact -----------------------------------------------


class ExactCodeCheck:
    """Looks codes up in one division, reading each of Exact's lists at most once."""

    def __init__(self, gateway: ExactAdministration, division: int) -> None:
        self.gateway = gateway
        self.division = division
        self._journals: list[ExactJournal] | None = None
        self._items: list[ExactItem] | None = None
        self._vat_codes: list[ExactVatCode] | None = None

    async def journal(self, code: str, field: str, problems: Problems) -> None:
        if self._journals is None:
            self._journals = await from_exact(lambda: self.gateway.journals(self.division))
        found = next((j for j in self._journals if j.code == code), None)
        if found is None:
            problems.add(ErrorCode.UNKNOWN_IN_EXACT, self._unknown("journal", code), field)
        elif found.type != JournalType.SALES:
            problems.add(ErrorCode.INVALID, f"Journal {code} is not a sales journal", field)
        elif found.blocked:
            problems.add(ErrorCode.INVALID, f"Journal {code} is blocked in Exact", field)

    async def item(self, code: str, field: str, problems: Problems) -> None:
        if self._items is None:
            self._items = await from_exact(lambda: self.gateway.items(self.division))
        found = next((i for i in self._items if i.code == code), None)
        if found is None:
            problems.add(ErrorCode.UNKNOWN_IN_EXACT, self._unknown("item", code), field)
        elif not found.is_sales_item:
            problems.add(ErrorCode.INVALID, f"Item {code} is not a sales item in Exact", field)

    async def vat_code(self, code: str, field: str, problems: Problems) -> None:
        if self._vat_codes is None:
            self._vat_codes = await from_exact(lambda: self.gateway.vat_codes(self.division))
        found = next((v for v in self._vat_codes if v.code == code), None)
        if found is None:
            problems.add(ErrorCode.UNKNOWN_IN_EXACT, self._unknown("VAT code", code), field)
        elif found.blocked:
            problems.add(ErrorCode.INVALID, f"VAT code {code} is blocked in Exact", field)

    def _unknown(self, kind: str, code: str) -> str:
        return f"Exact division {self.division} has no {kind} {code!r}"


async def check_division(gateway: ExactAdministration, code: int, problems: Problems) -> bool:
    """True when the division exists and is active; else a problem on `division`."""
    found = next((d for d in await from_exact(gateway.divisions) if d.code == code), None)
    if found is None:
        problems.add(
            ErrorCode.UNKNOWN_IN_EXACT, f"The Exact user cannot open division {code}", "division"
        )
    elif not found.active:
        problems.add(ErrorCode.INVALID, f"Division {code} is not active in Exact", "division")
    return found is not None and found.active


# --- saving the administration ----------------------------------------------------


@dataclass(frozen=True)
class SaveExactAdministrationRequest:
    """Fields left None stay as they are."""

    division: int | None = None
    journal: str | None = None
    default_item: str | None = None
    default_vat_code: str | None = None
    attach_pdf: bool | None = None


_CODE_FIELDS = (
    ("journal", "exact_journal", "journal"),
    ("default_item", "exact_default_item", "defaultItem"),
    ("default_vat_code", "exact_default_vat_code", "defaultVatCode"),
)
"""(request attribute, settings attribute, input field) of each code checked in Exact."""


class SaveExactAdministration(UseCase):
    """Save division, sales journal, default item and VAT code after checking them in Exact.

    Only the given fields change. A new division re-checks the saved journal, item
    and VAT code against it: a code that does not exist there is a problem on its
    field, so the administrator picks again. Any problem: nothing is saved.
    """

    def __init__(self, uow: UnitOfWorkFactory, gateway: ExactAdministration) -> None:
        super().__init__(uow)
        self.gateway = gateway

    async def execute(self, request: SaveExactAdministrationRequest) -> InvoicingSettings:
        codes = _trimmed_codes(request)
        saved = await _saved_settings(self.uow)
        division = request.division if request.division is not None else saved.exact_division
        moving = request.division is not None and request.division != saved.exact_division
        checks = {
            name: codes.get(name, getattr(saved, attr) if moving else None)
            for name, attr, _ in _CODE_FIELDS
        }
        await self._check(division, request.division is not None, checks)
        async with self.uow() as uow:
            settings = await uow.settings.invoicing()
            if settings.exact_division != saved.exact_division:
                raise HourbillError.single(
                    ErrorCode.CONFLICT, "The division was changed meanwhile; try again", "division"
                )
            settings.exact_division = division
            for name, attr, _ in _CODE_FIELDS:
                if name in codes:
                    setattr(settings, attr, codes[name])
            if request.attach_pdf is not None:
                settings.attach_pdf = request.attach_pdf
            await uow.commit()
        return settings

    async def _check(
        self, division: int | None, division_given: bool, codes: dict[str, str | None]
    ) -> None:
        wanted = {name: code for name, code in codes.items() if code is not None}
        if not division_given and not wanted:
            return
        if division is None:
            raise _no_division()
        problems = Problems()
        if division_given and not await check_division(self.gateway, division, problems):
            problems.raise_if_any()
        check = ExactCodeCheck(self.gateway, division)
        if "journal" in wanted:
            await check.journal(wanted["journal"], "journal", problems)
        if "default_item" in wanted:
            await check.item(wanted["default_item"], "defaultItem", problems)
        if "default_vat_code" in wanted:
            await check.vat_code(wanted["default_vat_code"], "defaultVatCode", problems)
        problems.raise_if_any()


def _trimmed_codes(request: SaveExactAdministrationRequest) -> dict[str, str]:
    """The given codes, trimmed; an empty code is REQUIRED (a code cannot be unset)."""
    problems = Problems()
    codes: dict[str, str] = {}
    for name, _, field in _CODE_FIELDS:
        value = getattr(request, name)
        if value is None:
            continue
        if not value.strip():
            problems.add(ErrorCode.REQUIRED, f"{field} must not be empty", field)
        codes[name] = value.strip()
    problems.raise_if_any()
    return codes


# --- line mappings ----------------------------------------------------------------


@dataclass(frozen=True)
class SaveLineMappingRequest:
    scope: MappingScope
    key: str
    """The task or project id (text), Hourbill's item code or Hourbill's VAT code."""
    exact_item_code: str | None = None
    exact_vat_code: str | None = None


class SaveLineMapping(UseCase):
    """Create the mapping for (scope, key), or replace the codes of the existing one.

    The key must exist in Hourbill (task, project, VAT code; an item code is free
    text) and the Exact codes in the saved division.
    """

    def __init__(self, uow: UnitOfWorkFactory, gateway: ExactAdministration) -> None:
        super().__init__(uow)
        self.gateway = gateway

    async def execute(self, request: SaveLineMappingRequest) -> LineMapping:
        candidate = LineMapping(
            request.scope, request.key, request.exact_item_code, request.exact_vat_code
        )
        problems = Problems()
        async with self.uow() as uow:
            await _check_key(uow, candidate, problems)
            division = (await uow.settings.invoicing()).exact_division
        if division is None:
            raise HourbillError.single(
                ErrorCode.NOT_CONFIGURED, "Pick the Exact division before mapping lines"
            )
        check = ExactCodeCheck(self.gateway, division)
        if candidate.exact_item_code is not None:
            await check.item(candidate.exact_item_code, "exactItemCode", problems)
        if candidate.exact_vat_code is not None:
            await check.vat_code(candidate.exact_vat_code, "exactVatCode", problems)
        problems.raise_if_any()
        return await self._save(candidate)

    async def _save(self, candidate: LineMapping) -> LineMapping:
        async with self.uow() as uow:
            mapping = await uow.line_mappings.by_scope_key(candidate.scope, candidate.key)
            if mapping is None:
                mapping = candidate
                await uow.line_mappings.add(mapping)
            else:
                mapping.remap(candidate.exact_item_code, candidate.exact_vat_code)
            await uow.commit()
        return mapping


async def _check_key(uow: UnitOfWork, mapping: LineMapping, problems: Problems) -> None:
    if mapping.scope is MappingScope.TASK:
        found: object = await uow.work.task(uuid.UUID(mapping.key))
    elif mapping.scope is MappingScope.PROJECT:
        found = await uow.work.project(uuid.UUID(mapping.key))
    elif mapping.scope is MappingScope.VAT:
        found = await uow.vat_codes.get(mapping.key)
    else:
        return
    if found is None:
        kind = {"TASK": "task", "PROJECT": "project", "VAT": "VAT code"}[mapping.scope]
        problems.add(ErrorCode.NOT_FOUND, f"{kind} {mapping.key} does not exist", "key")


class DeleteLineMapping(UseCase):
    async def execute(self, mapping_id: uuid.UUID) -> uuid.UUID:
        async with self.uow() as uow:
            mapping = await require(
                uow.line_mappings.get(mapping_id), "line mapping", mapping_id, "id"
            )
            await uow.line_mappings.delete(mapping)
            await uow.commit()
        return mapping_id


class ListLineMappings(UseCase):
    async def execute(self, scope: MappingScope | None = None) -> list[LineMapping]:
        """Every mapping (of one scope when given), by scope and key."""
        async with self.uow() as uow:
            found = await uow.line_mappings.all()
        return [m for m in found if scope is None or m.scope is scope]


async def line_mappings(uow: UnitOfWork) -> LineMappings:
    """The mappings of an open unit of work, ready to resolve order lines (invoicing)."""
    return LineMappings(await uow.line_mappings.all())
