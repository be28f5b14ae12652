from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from domain.errors import ErrorCode
from domain.rates import RateCard, RateRule
from tests.unit.helpers import raises_problems

CUSTOMER = uuid.UUID(int=1)
PROJECT = uuid.UUID(int=2)
EMPLOYEE = uuid.UUID(int=3)
OTHER = uuid.UUID(int=99)


def rule(rate: str, *, c: bool = False, p: bool = False, e: bool = False) -> RateRule:
    return RateRule(
        Decimal(rate),
        customer_id=CUSTOMER if c else None,
        project_id=PROJECT if p else None,
        employee_id=EMPLOYEE if e else None,
    )


ALL_RULES = [
    rule("10"),
    rule("20", e=True),
    rule("30", c=True),
    rule("40", p=True),
    rule("50", c=True, e=True),
    rule("60", p=True, e=True),
    rule("70", c=True, p=True),
    rule("80", c=True, p=True, e=True),
]


def test_rule_without_dimensions_is_the_default_for_every_booking() -> None:
    card = RateCard([rule("85")])

    assert card.rate_for(OTHER, None, OTHER) == Decimal("85")


def test_no_matching_rule_means_no_rate() -> None:
    card = RateCard([rule("30", c=True)])

    assert card.rate_for(OTHER, None, EMPLOYEE) is None


def test_a_rule_matches_only_when_every_dimension_it_names_matches() -> None:
    customer_and_employee = rule("50", c=True, e=True)

    assert customer_and_employee.matches(CUSTOMER, None, EMPLOYEE)
    assert customer_and_employee.matches(CUSTOMER, PROJECT, EMPLOYEE)
    assert not customer_and_employee.matches(CUSTOMER, PROJECT, OTHER)
    assert not customer_and_employee.matches(OTHER, PROJECT, EMPLOYEE)


def test_project_rule_does_not_match_a_booking_without_project() -> None:
    assert not rule("40", p=True).matches(CUSTOMER, None, EMPLOYEE)


@pytest.mark.parametrize(
    ("removed", "expected"),
    [
        # with every rule present, the rule naming all three dimensions wins
        (0, "80"),
        # among two-dimension rules: customer+project > project+employee > customer+employee
        (1, "70"),
        (2, "60"),
        (3, "50"),
        # among one-dimension rules: project > customer > employee
        (4, "40"),
        (5, "30"),
        (6, "20"),
        (7, "10"),
    ],
)
def test_most_specific_rule_wins_and_ties_go_project_then_customer_then_employee(
    removed: int, expected: str
) -> None:
    """Remove the rules from most to least specific; the next one in precedence wins."""
    by_precedence = sorted(ALL_RULES, key=lambda r: r.rate, reverse=True)
    card = RateCard(by_precedence[removed:])

    assert card.rate_for(CUSTOMER, PROJECT, EMPLOYEE) == Decimal(expected)


def test_precedence_does_not_depend_on_the_order_rules_are_given_in() -> None:
    assert RateCard(list(reversed(ALL_RULES))).rate_for(CUSTOMER, PROJECT, EMPLOYEE) == 80
    assert RateCard(ALL_RULES).rate_for(CUSTOMER, None, EMPLOYEE) == 50


def test_two_dimension_rule_beats_any_single_dimension_rule() -> None:
    card = RateCard([rule("40", p=True), rule("50", c=True, e=True)])

    assert card.rate_for(CUSTOMER, PROJECT, EMPLOYEE) == Decimal("50")


def test_rate_rule_specificity_counts_dimensions_then_project_customer_employee() -> None:
    assert rule("1", c=True, p=True, e=True).specificity == (3, 1, 1, 1)
    assert rule("1", p=True).specificity == (1, 1, 0, 0)
    assert rule("1", e=True).specificity == (1, 0, 0, 1)
    assert rule("1").specificity == (0, 0, 0, 0)


def test_rate_rule_rate_is_checked() -> None:
    with raises_problems((ErrorCode.TOO_PRECISE, "rate")):
        RateRule(Decimal("95.12345"))
    with raises_problems((ErrorCode.OUT_OF_RANGE, "rate")):
        RateRule(Decimal("-1"))


def test_rate_card_gives_the_same_answer_on_repeated_lookups() -> None:
    card = RateCard(ALL_RULES)

    assert [card.rate_for(OTHER, None, EMPLOYEE) for _ in range(2)] == [20, 20]
