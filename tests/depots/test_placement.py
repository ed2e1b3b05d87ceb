"""The placement adapter: towns and sites in, named depots out; stocking items from a layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from depots.placement import (
    DEMO_DIR,
    CustomerSites,
    DemandPoint,
    PlacementParams,
    Town,
    candidate_towns,
    coverage_radius_s,
    load_demo_installed_base,
    load_installed_base,
    place_depots,
    sample_installed_base,
    town_index,
)
from depots.stocking import SkuRate, failure_rates, stock_items
from dispatch.errors import Infeasible, InvalidInput, NotFound
from dispatch.tiers import Tier
from solver.placement import PlacementStatus
from solver.travel.geodesic import GeodesicTravel

# 70 km/h over great circle x 1.25: 56 straight-line km per hour.
TRAVEL = GeodesicTravel(speed_kmh=70.0, detour=1.25)
TIER_4H = Tier.parse("24x7x4")

TOWNS = (
    Town("Gdańsk", 54.352, 18.646, "pomorskie", 470_000),
    Town("Warszawa", 52.230, 21.012, "mazowieckie", 1_700_000),
    Town("Kraków", 50.061, 19.937, "małopolskie", 800_000),
)


def _site(name: str, town: Town, devices: int = 1, tier: str | None = None) -> DemandPoint:
    return DemandPoint(name, town.lat + 0.01, town.lon + 0.01, devices, tier)


def test_candidates_are_the_most_populous_places_without_city_districts() -> None:
    """The five largest are the five big cities; districts like Mokotów never appear."""
    towns = candidate_towns(1000)
    assert [t.name for t in towns[:5]] == ["Warszawa", "Kraków", "Wrocław", "Łódź", "Poznań"]
    assert "Mokotów" not in {t.name for t in towns}
    assert len(towns) == 1000


def test_candidate_count_out_of_range_is_refused() -> None:
    """Zero candidates names the option."""
    with pytest.raises(InvalidInput, match="candidates"):
        candidate_towns(0)


def test_sampled_sites_are_seeded_and_split_devices_by_share() -> None:
    """Same seed, same sites; each site's SKU counts add up to its devices in share ratio."""
    a = sample_installed_base(50, np.random.default_rng(7), sku_shares={"A": 3, "B": 1})
    b = sample_installed_base(50, np.random.default_rng(7), sku_shares={"A": 3, "B": 1})
    assert a.points == b.points
    mix = a.sku_counts[a.points[0].site_id]
    assert mix == {"A": 3.0, "B": 1.0}
    assert all(p.devices == 4 for p in a.points)


def test_installed_base_csv_sums_rows_of_one_site(tmp_path: Path) -> None:
    """Two device rows at S1 (one with devices=2) make 3 devices of two SKUs."""
    path = tmp_path / "base.csv"
    path.write_text(
        "site_id,lat,lon,sku,devices,tier\n"
        "S1,52.2,21.0,AP4000,2,24x7x4\n"
        "S1,52.2,21.0,X465-48P,,24x7x4\n"
        "S2,50.0,19.9,AP4000,1,8x5xNBD\n",
        encoding="utf-8",
    )
    base = load_installed_base(path)
    assert [(p.site_id, p.devices, p.tier) for p in base.points] == [
        ("S1", 3, "24x7x4"),
        ("S2", 1, "8x5xNBD"),
    ]
    assert base.sku_counts["S1"] == {"AP4000": 2.0, "X465-48P": 1.0}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("name\nx\n", "needs a header with lat, lon"),  # wrong columns
        ("lat,lon\n52.2,abc\n", r"base.csv:2.lon: Input should be a valid number"),  # garbled
        ("lat,lon,devices\n52.2,21.0,0\n", r"base.csv:2.devices"),  # no devices
        ("lat,lon\n5.2,21.0\n", "not in Poland"),  # a lost digit
    ],
)
def test_bad_installed_base_names_file_line_and_column(
    tmp_path: Path, body: str, message: str
) -> None:
    """Each bad row is reported with where it is."""
    path = tmp_path / "base.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_installed_base(path)


@pytest.mark.skipif(not (DEMO_DIR / "sites.csv").exists(), reason="demo world not generated")
def test_demo_installed_base_carries_every_device() -> None:
    """The demo world's 6,000 devices sit at its sites, each with a tier."""
    base = load_demo_installed_base()
    assert sum(p.devices for p in base.points) == 6000
    assert all(p.tier for p in base.points)


def test_coverage_radius_is_target_less_handling() -> None:
    """4 h less 30 min of pick-and-pack leaves 12,600 s of driving."""
    assert coverage_radius_s(TIER_4H, PlacementParams(handling_s=1800)) == 12_600


def test_nbd_tier_is_refused_for_coverage() -> None:
    """NBD is met by courier from anywhere, so it cannot define coverage."""
    with pytest.raises(InvalidInput, match="courier"):
        coverage_radius_s(Tier.parse("8x5xNBD"), PlacementParams())


def test_p_median_puts_one_depot_among_the_heaviest_sites() -> None:
    """Ten devices near Kraków outweigh one each near Gdańsk and Warszawa."""
    demand = [_site("G", TOWNS[0]), _site("W", TOWNS[1]), _site("K", TOWNS[2], devices=10)]
    layout = place_depots("pmedian", TOWNS, demand, TRAVEL, k=1)
    assert [t.name for t in layout.depots] == ["Kraków"]
    assert layout.devices_served == (12,)
    assert layout.result.status is PlacementStatus.OPTIMAL


def test_max_cover_counts_only_sites_of_the_tier() -> None:
    """One depot, 4 h tier: Gdańsk's 4-hour site beats Kraków's ten NBD devices."""
    demand = [
        _site("G", TOWNS[0], devices=2, tier="24x7x4"),
        _site("K", TOWNS[2], devices=10, tier="8x5xNBD"),
    ]
    layout = place_depots(
        "maxcover", TOWNS, demand, TRAVEL, k=1, tier=TIER_4H, forced_closed=["Warszawa"]
    )
    assert [t.name for t in layout.depots] == ["Gdańsk"]
    assert (layout.devices_in_tier, layout.devices_covered) == (2, 2)


def test_set_cover_needs_both_ends_of_the_country() -> None:
    """Gdańsk and Kraków are ~490 km apart; with Warszawa closed each needs its own depot."""
    demand = [_site("G", TOWNS[0]), _site("K", TOWNS[2])]
    layout = place_depots(
        "setcover", TOWNS, demand, TRAVEL, tier=TIER_4H, forced_closed=["Warszawa"]
    )
    assert [t.name for t in layout.depots] == ["Gdańsk", "Kraków"]


def test_set_cover_out_of_reach_is_infeasible_naming_the_site() -> None:
    """Only Gdańsk may open, and Kraków is 8 h away: the Kraków site is named."""
    demand = [_site("G", TOWNS[0]), _site("K", TOWNS[2])]
    with pytest.raises(Infeasible, match=r"1 demand points .* \(e.g. K\)"):
        place_depots(
            "setcover", TOWNS, demand, TRAVEL, tier=TIER_4H, forced_closed=["Warszawa", "Kraków"]
        )


def test_fixed_charge_opens_more_depots_when_they_are_cheap() -> None:
    """Free depots: one per site. Dear depots: one for the whole country."""
    demand = [_site(t.name, t, devices=50) for t in TOWNS]
    tickets = [2.5] * len(demand)  # 50 devices at 5 % a year each
    cheap, dear = (
        place_depots(
            "fixedcost",
            TOWNS,
            demand,
            TRAVEL,
            params=PlacementParams(depot_cost_pln_year=cost),
            tickets_per_year=tickets,
        )
        for cost in (0, 10**7)
    )
    assert len(cheap.depots) == 3
    assert [t.name for t in dear.depots] == ["Warszawa"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"model": "median"}, InvalidInput, "model: must be one of"),  # typo in the model
        ({"model": "pmedian"}, InvalidInput, "k: pmedian needs"),  # no k
        ({"model": "setcover"}, InvalidInput, "tier: setcover needs"),  # no tier
        ({"model": "pmedian", "k": 1, "forced_open": ["Zakopane"]}, NotFound, "Zakopane"),
        ({"model": "pmedian", "k": 4}, InvalidInput, "exceeds the 3 sites"),  # too many
        ({"model": "fixedcost"}, InvalidInput, "tickets_per_year: fixedcost needs"),
    ],
)
def test_bad_requests_name_the_problem(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    """Each bad request raises a domain error naming the field or town."""
    demand = [_site("G", TOWNS[0])]
    model = kwargs.pop("model")
    with pytest.raises(error, match=message):
        place_depots(model, TOWNS, demand, TRAVEL, **kwargs)  # type: ignore[arg-type]


def test_stock_items_sum_failures_of_the_sites_each_depot_serves() -> None:
    """Two sites near Gdańsk (2 + 3 APs at 20 per mille) and one near Kraków (4 switches at
    10 per mille): Gdańsk 0.1 failures a year, Kraków 0.04; holding 25 % of value."""
    demand = (_site("G1", TOWNS[0]), _site("G2", TOWNS[0]), _site("K1", TOWNS[2]))
    base = CustomerSites(
        demand,
        {"G1": {"AP": 2.0}, "G2": {"AP": 3.0}, "K1": {"SW": 4.0}},
        "test",
    )
    layout = place_depots("pmedian", TOWNS, demand, TRAVEL, k=2, forced_open=["Gdańsk", "Kraków"])
    skus = {
        "AP": SkuRate("AP", "wireless", 0.020, 250_000, 1.0),
        "SW": SkuRate("SW", "switch", 0.010, 900_000, 1.0),
    }
    items = stock_items(layout, base, skus, failure_rates(skus), holding_rate=0.25)
    got = {(i.depot, i.sku): (round(i.annual_demand, 9), i.holding_gr_year) for i in items}
    assert got == {("Gdańsk", "AP"): (0.1, 62_500), ("Kraków", "SW"): (0.04, 225_000)}


def test_max_cover_with_nothing_in_reach_is_infeasible() -> None:
    """A 1-hour tier leaves 30 min of driving: Kraków's site is far from a Gdańsk-only choice."""
    demand = [_site("K", TOWNS[2], tier="24x7x1")]
    with pytest.raises(Infeasible, match="no 24x7x1 site is within 1800 s"):
        place_depots(
            "maxcover",
            TOWNS,
            demand,
            TRAVEL,
            k=1,
            tier=Tier.parse("24x7x1"),
            forced_closed=["Warszawa", "Kraków"],
        )


NAMESAKES = (
    Town("Leszno", 51.842, 16.574, "wielkopolskie", 63_000),
    Town("Leszno", 52.258, 20.588, "mazowieckie", 3_200),
    Town("Chmielnik", 50.617, 20.750, "świętokrzyskie", 3_900),
    Town("Chmielnik", 49.975, 22.146, "podkarpackie", 3_500),
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Leszno", 0),  # the city dwarfs the village, as in the gazetteer
        ("leszno (MAZOWIECKIE)", 1),  # a voivodeship picks a namesake
        ("Chmielnik (podkarpackie)", 3),
    ],
)
def test_a_forced_town_is_the_one_its_name_means(name: str, expected: int) -> None:
    assert town_index(name, NAMESAKES, "--open") == expected


def test_namesakes_of_like_size_are_refused_listing_them() -> None:
    with pytest.raises(InvalidInput, match=r"świętokrzyskie.*podkarpackie") as info:
        town_index("Chmielnik", NAMESAKES, "--open")
    assert info.value.field == "--open"
    with pytest.raises(NotFound, match="Chmielnik \\(śląskie\\)"):
        town_index("Chmielnik (śląskie)", NAMESAKES, "--open")


def test_max_cover_breaks_ties_by_road_time_and_opens_k() -> None:
    """A 24-hour tier: every town covers every site, so coverage ties everywhere. The one
    depot is the town with the least device-weighted road time (brute force), and k=2 opens
    two, saying the second adds no cover."""
    demand = [
        _site("G", TOWNS[0], devices=1),
        _site("W", TOWNS[1], devices=1),
        _site("K", TOWNS[2], devices=5),
    ]
    seconds, _ = TRAVEL.matrix(
        np.array([[t.lat, t.lon] for t in TOWNS]), np.array([[p.lat, p.lon] for p in demand])
    )
    weighted = (seconds * np.array([1, 1, 5])[None, :]).sum(axis=1)
    tier = Tier.parse("24x7x24")
    one = place_depots("maxcover", TOWNS, demand, TRAVEL, k=1, tier=tier)
    assert [t.name for t in one.depots] == [TOWNS[int(np.argmin(weighted))].name] == ["Kraków"]
    assert one.note == ""
    two = place_depots("maxcover", TOWNS, demand, TRAVEL, k=2, tier=tier)
    assert len(two.depots) == 2
    assert two.note.startswith("1 depot already covers every coverable site")
    assert "the other one adds no cover and is placed" in two.note
    assert two.devices_covered == one.devices_covered == 7


def test_slacost_pays_for_the_depots_the_sla_needs() -> None:
    """Dear depots: fixed cost opens one for the country, leaving two cities' 4-hour sites out
    of reach; slacost opens one per city, the cheapest network with every site within 4 h, and
    refuses when the only town within reach of a site is closed."""
    demand = [_site(t.name, t, devices=50, tier="24x7x4") for t in TOWNS]
    params = PlacementParams(depot_cost_pln_year=10**7)
    tickets = [2.5] * len(demand)
    plain, sla = (
        place_depots(
            m, TOWNS, demand, TRAVEL, tier=TIER_4H, params=params, tickets_per_year=tickets
        )
        for m in ("fixedcost", "slacost")
    )
    assert len(plain.depots) == 1 and plain.devices_covered == 50
    assert len(sla.depots) == 3 and sla.devices_covered == sla.devices_in_tier == 150
    assert sla.result.status is PlacementStatus.OPTIMAL  # 3 depots are the fewest: bound met
    with pytest.raises(Infeasible, match="Kraków"):
        place_depots(
            "slacost",
            TOWNS,
            demand,
            TRAVEL,
            tier=TIER_4H,
            params=params,
            tickets_per_year=tickets,
            forced_closed=["Kraków"],
        )


def test_stock_items_keep_one_unit_where_4_hour_devices_are_served() -> None:
    """Gdańsk serves a 4 h site's APs, Kraków an NBD site's switches: only Gdańsk's item has a
    minimum of one unit."""
    demand = (_site("G1", TOWNS[0], tier="24x7x4"), _site("K1", TOWNS[2], tier="8x5xNBD"))
    base = CustomerSites(demand, {"G1": {"AP": 1.0}, "K1": {"SW": 1.0}}, "test")
    layout = place_depots("pmedian", TOWNS, demand, TRAVEL, k=2, forced_open=["Gdańsk", "Kraków"])
    skus = {
        "AP": SkuRate("AP", "wireless", 0.020, 250_000, 1.0),
        "SW": SkuRate("SW", "switch", 0.010, 900_000, 1.0),
    }
    items = stock_items(layout, base, skus, failure_rates(skus))
    assert {(i.depot, i.min_level) for i in items} == {("Gdańsk", 1), ("Kraków", 0)}
