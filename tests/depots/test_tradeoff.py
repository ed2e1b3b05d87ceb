"""The depot-count trade-off: coverage and cost per k, and the Pareto front."""

from __future__ import annotations

import pytest

from depots.demand import FailureRates
from depots.placement import CustomerSites, DemandPoint, PlacementParams, Town
from depots.tradeoff import depot_curve, hour_tiers
from dispatch.tiers import Tier
from solver.travel.geodesic import GeodesicTravel

TOWNS = (
    Town("Gdańsk", 54.352, 18.646, "pomorskie", 470_000),
    Town("Warszawa", 52.230, 21.012, "mazowieckie", 1_700_000),
    Town("Kraków", 50.061, 19.937, "małopolskie", 800_000),
)


def test_each_depot_covers_one_more_city_and_costs_its_fixed_cost() -> None:
    """Three 4-hour sites, one in each city, 2 hours apart at least: k depots cover k of them;
    with no failures the cost is k depots' fixed cost and every k is on the front."""
    points = tuple(DemandPoint(t.name, t.lat + 0.01, t.lon + 0.01, 10, "24x7x4") for t in TOWNS)
    base = CustomerSites(points, {p.site_id: {"SW": 10.0} for p in points}, "three cities")
    assert hour_tiers(base) == [Tier.parse("24x7x4")]
    params = PlacementParams(depot_cost_pln_year=100_000)
    curve = depot_curve(TOWNS, base, GeodesicTravel(), FailureRates({"SW": 0.0}), [1, 2, 3], params)
    assert curve.covered_share.tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert curve.total_pln.tolist() == [100_000, 200_000, 300_000]
    assert curve.pareto.all()
