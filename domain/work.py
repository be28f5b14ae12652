"""Projects, tasks and employees: what hours are booked on and by whom."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from domain.errors import ErrorCode, Problems


def _require(problems: Problems, value: str, name: str) -> None:
    if not value.strip():
        problems.add(ErrorCode.REQUIRED, f"{name} is required", name)


@dataclass(eq=False)
class Employee:
    code: str
    name: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        problems = Problems()
        _require(problems, self.code, "code")
        _require(problems, self.name, "name")
        problems.raise_if_any()


@dataclass(eq=False)
class Project:
    customer_id: uuid.UUID
    code: str
    name: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        problems = Problems()
        _require(problems, self.code, "code")
        _require(problems, self.name, "name")
        problems.raise_if_any()


@dataclass(eq=False)
class Task:
    project_id: uuid.UUID
    code: str
    name: str
    item_code: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        problems = Problems()
        _require(problems, self.code, "code")
        _require(problems, self.name, "name")
        problems.raise_if_any()
