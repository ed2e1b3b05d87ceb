"""Scenario validation: bounds on every number, ids that must name one thing, acceptance not
after ``now``, and one problem reported once."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.errors import InvalidInputs
from dispatch.scenario import Scenario
from tests.dispatch.docs_scenario import NUMERIC_FIELDS, docs_scenario, with_value


def problems(data: dict[str, Any]) -> list[str]:
    """Every problem ``Scenario.from_dict`` reports, as "field: reason"."""
    with pytest.raises(InvalidInputs) as info:
        Scenario.from_dict(data)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(("path", "name", "cap"), NUMERIC_FIELDS)
def test_a_number_at_its_cap_is_accepted_and_above_it_refused(
    path: tuple[str | int, ...], name: str, cap: float
) -> None:
    """The cap itself is valid; one more is refused naming the field and the cap."""
    Scenario.from_dict(with_value(path, cap))
    too_big = cap + 1 if isinstance(cap, int) else cap * 1.01
    assert problems(with_value(path, too_big)) == [f"{name}: must be <= {cap:g}"]


@pytest.mark.parametrize(("path", "name"), [(path, name) for path, name, _ in NUMERIC_FIELDS])
@pytest.mark.parametrize(
    "value",
    [10**30, -(10**5000), 1e300, float("inf"), float("nan")],
    ids=["1e30 int", "-1e5000 int", "1e300", "inf", "nan"],
)
def test_huge_or_non_finite_numbers_are_refused_naming_the_field(
    path: tuple[str | int, ...], name: str, value: float
) -> None:
    """Values that overflowed the engine's integers and dates are refused up front."""
    (problem,) = problems(with_value(path, value))
    assert problem.startswith(f"{name}: ")


def test_a_ticket_accepted_after_now_is_refused() -> None:
    """A ticket cannot have been accepted in the future of the planning moment."""
    data = docs_scenario()
    data["tickets"][1]["accepted_at"] = "2090-12-05T10:00"
    assert problems(data) == [
        "tickets[1].accepted_at: must not be after now (2026-12-02T10:00:00+01:00)"
    ]


def test_a_ticket_accepted_exactly_now_is_accepted() -> None:
    """Acceptance at ``now`` itself is fine."""
    data = docs_scenario()
    data["tickets"][0]["accepted_at"] = data["now"]
    assert Scenario.from_dict(data).tickets[0].accepted_at == Scenario.from_dict(data).now


def test_a_sku_listed_twice_is_refused_like_other_duplicates() -> None:
    """Two entries for one SKU: the second would silently replace the first."""
    data = docs_scenario()
    data["skus"].append(data["skus"][0] | {"onsite_minutes": 30})
    assert problems(data) == ["skus: id 'X465-48T' appears twice"]


def test_a_visit_with_a_tickets_id_is_refused() -> None:
    """A route stop's ref would name both the visit and the ticket."""
    data = docs_scenario()
    data["engineers"][0]["visits"][0]["id"] = "T2"
    assert problems(data) == ["engineers.E1.visits.T2: id is also a ticket's id"]


def test_two_visits_with_one_id_on_one_engineer_are_refused() -> None:
    """Two stops with one ref on one engineer's day could not be told apart."""
    data = docs_scenario()
    visits = data["engineers"][0]["visits"]
    visits.append(dict(visits[0]))
    assert problems(data) == ["engineers.E1.visits: id 'V1' appears twice"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"onsite_minutes": -90}, "skus[0].onsite_minutes: must be >= 0"),
        ({"family": None}, "skus[0].family: expected a non-empty string, got None"),
    ],
)
def test_one_bad_sku_field_is_reported_once(change: dict[str, Any], problem: str) -> None:
    """The SKU with a bad field still counts as declared: depots, vans and tickets that name it
    are not reported as naming an unknown SKU."""
    data = docs_scenario()
    data["skus"][0].update(change)
    assert problems(data) == [problem]


def test_a_sku_nobody_declared_is_still_unknown() -> None:
    """The cross-check still catches a name no SKU entry gives."""
    data = docs_scenario()
    data["tickets"][1]["sku"] = "NOPE"
    assert problems(data) == ["tickets.T2.sku: unknown SKU 'NOPE'"]
