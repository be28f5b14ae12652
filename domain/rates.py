"""Rate rules: which hourly rate applies to a booking. The most specific rule wins."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from domain.money import checked_decimal


@dataclass(eq=False)
class RateRule:
    """An hourly rate for any combination of customer, project and employee.

    A rule with none of the three is the default. Specificity: more dimensions
    win; among rules with as many dimensions, project beats customer beats
    employee (see docs/adr/0004-rate-rule-precedence.md).
    """

    rate: Decimal
    customer_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    employee_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        self.rate = checked_decimal(self.rate, "rate", places=4, minimum=Decimal(0))

    @property
    def dimensions(self) -> tuple[uuid.UUID | None, uuid.UUID | None, uuid.UUID | None]:
        return (self.customer_id, self.project_id, self.employee_id)

    @property
    def specificity(self) -> tuple[int, int, int, int]:
        present = [d is not None for d in self.dimensions]
        customer, project, employee = present
        return (sum(present), int(project), int(customer), int(employee))

    def matches(
        self, customer_id: uuid.UUID, project_id: uuid.UUID | None, employee_id: uuid.UUID
    ) -> bool:
        return (
            (self.customer_id is None or self.customer_id == customer_id)
            and (self.project_id is None or self.project_id == project_id)
            and (self.employee_id is None or self.employee_id == employee_id)
        )


class RateCard:
    """All rate rules, resolved per booking; lookups are cached per combination."""

    def __init__(self, rules: Iterable[RateRule]) -> None:
        self._rules = sorted(rules, key=lambda r: r.specificity, reverse=True)
        self._cache: dict[tuple[uuid.UUID, uuid.UUID | None, uuid.UUID], Decimal | None] = {}

    def rate_for(
        self, customer_id: uuid.UUID, project_id: uuid.UUID | None, employee_id: uuid.UUID
    ) -> Decimal | None:
        key = (customer_id, project_id, employee_id)
        if key not in self._cache:
            self._cache[key] = next(
                (r.rate for r in self._rules if r.matches(customer_id, project_id, employee_id)),
                None,
            )
        return self._cache[key]
