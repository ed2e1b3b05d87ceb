"""A quote's verdicts on the demo network: reachable, the binding reason, the priced changes;
the extra stock; and the new sites' failures on a stream of their own."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from depots.demand import draw_failures
from depots.placement import candidate_towns
from depots.quote import Prices, Quoter, Reach, SiteVerdict
from depots.quote_sites import QuoteSite, SiteRow, read_sites_csv, sites_from_rows
from depots.quote_year import extra_stock, world_with
from depots.simulation import Network, prepare
from depots.simulation_params import SCENARIO_DIR, SimulationParams
from depots.stocking import load_skus
from dispatch.errors import InvalidInput
from dispatch.tiers import Tier
from dispatch.travel import road_model

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "quote" / "sites_example.csv"


@pytest.fixture(scope="module")
def params() -> SimulationParams:
    return SimulationParams.from_toml(SCENARIO_DIR / "baseline.toml")


@pytest.fixture(scope="module")
def net(params: SimulationParams) -> Network:
    return prepare(params)


@pytest.fixture(scope="module")
def prices(params: SimulationParams) -> Prices:
    skus = load_skus(params.world_dir / "skus.csv")
    return Prices({k: s.unit_value_gr / 100 * params.holding_rate for k, s in skus.items()})


def _sites(net: Network, *rows: SiteRow) -> tuple[QuoteSite, ...]:
    return sites_from_rows(rows, net.skus, lambda i, col: f"row{i}.{col}", net.base.sites)


def _verdicts(
    net: Network, prices: Prices, sites: tuple[QuoteSite, ...], tier: str
) -> tuple[SiteVerdict, ...]:
    towns = candidate_towns(1000)
    quoter = Quoter(net, sites, towns, Reach.measure(net, sites, towns, road_model()), prices)
    return quoter.verdicts(Tier.parse(tier))


def test_a_remote_site_only_a_stock_change_makes_reachable(net: Network, prices: Prices) -> None:
    # Ustrzyki Dolne in the Bieszczady: Rzeszów's depot is within 4 h but holds no NX9610
    # controller; the part is delivered (AHB), so no engineer can help.
    site = SiteRow(site_id="C1", address="38-700 Ustrzyki Dolne", sku="NX9610", service="AHB")
    sites = _sites(net, site)
    (verdict,) = _verdicts(net, prices, sites, "24x7x4")
    assert verdict.status == "with a change"
    assert "no depot within 4 h holds NX9610" in verdict.reason
    (change,) = verdict.changes
    assert change.kind == "stock" and "NX9610 at RZE" in change.text
    assert all(f.kind == "stock" for m in verdict.models for f in m.fixes)
    assert change.cost_pln_year == pytest.approx(prices.unit_pln_year["NX9610"])
    # made, the change does make it reachable
    rze = [d.id for d in net.depots].index("RZE")
    stock = dict(net.stock)
    stock["NX9610"] = stock["NX9610"].copy()
    stock["NX9610"][rze] += 1
    (after,) = _verdicts(net_with(net, stock), prices, sites, "24x7x4")
    assert after.reachable and after.arrival_min is not None and after.arrival_min <= 240
    assert after.arrival_min == pytest.approx(change.arrival_min)


def net_with(net: Network, stock: dict[str, np.ndarray]) -> Network:
    return dataclasses.replace(net, stock=stock)


def test_a_site_no_change_within_limits_reaches(net: Network, prices: Prices) -> None:
    # 2 h delivered: no depot is within 2 h of Ustrzyki Dolne with pick-and-pack; only a new
    # depot would do, which is beyond the limits.
    sites = _sites(net, SiteRow(address="38-700 Ustrzyki Dolne", sku="AP3000", service="AHB"))
    (verdict,) = _verdicts(net, prices, sites, "24x7x2")
    assert verdict.status == "not within limits"
    assert "no depot within 2 h with pick-and-pack" in verdict.reason
    assert verdict.changes == ()


def test_sos_needs_an_on_call_engineer_for_a_24x7_tier(net: Network, prices: Prices) -> None:
    sites = _sites(
        net,
        SiteRow(site_id="P", address="Sanok", sku="AP3000"),
        SiteRow(site_id="P", address="Sanok", sku="X440-G2-24p-10GE4"),
    )
    (tight,) = _verdicts(net, prices, sites, "24x7x2")
    assert "no on-call engineer with the wireless skill within 2 h" in tight.reason
    (change,) = tight.changes  # one engineer with both skills, not two
    assert change.kind == "engineer" and "switch, wireless, on call" in change.text
    (easy,) = _verdicts(net, prices, sites, "8x5xNBD")
    assert easy.reachable and easy.changes == ()


def test_sites_file_groups_rows_and_resolves_places(net: Network) -> None:
    sites = read_sites_csv(EXAMPLE, net.skus, net.base.sites)
    hq = next(s for s in sites if s.id == "HQ")
    assert hq.devices == {"5320-48P-8XE": 4, "AP4000": 12} and hq.voivodeship == "mazowieckie"
    point = next(s for s in sites if s.id == "MOUNTAIN")
    assert (point.lat, point.lon) == (49.1, 22.65)


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("S1,Kraków,,,NOPE,1,SOS", "sites.csv:2.sku", "unknown device model"),
        ("S1,Nowhereville Zzz,,,AP3000,1,SOS", "sites.csv:2.address", ""),
        ("S1,,,,AP3000,1,SOS", "sites.csv:2.address", "give an address, or lat and lon"),
        ("S1,,40.0,10.0,AP3000,1,SOS", "sites.csv:2.lat", "not in Poland"),
        ("S1,Kraków,,,AP3000,0,SOS", "sites.csv:2.devices", ">= 1"),
        ("S1,Kraków,,,AP3000,1,XYZ", "sites.csv:2.service", ""),
        ("S0001,Kraków,,,AP3000,1,SOS", "sites.csv:2.site_id", "installed base"),
    ],
)
def test_bad_rows_are_named(net: Network, tmp_path: Path, row: str, field: str, words: str) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(f"site_id,address,lat,lon,sku,devices,service\n{row}\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as error:
        read_sites_csv(path, net.skus, net.base.sites)
    assert str(error.value).startswith(field) and words in str(error.value)


def test_extra_stock_restores_the_fill_rate(
    net: Network, prices: Prices, params: SimulationParams
) -> None:
    rows = [
        SiteRow(site_id=f"W{k}", address="Warszawa", sku="AP3000", devices=40) for k in range(5)
    ]
    sites = _sites(net, *rows)
    extra = extra_stock(net, sites, road_model(), prices.unit_pln_year, params.returns)
    assert extra.fill_rate_with_sites < extra.fill_rate_now <= extra.fill_rate_after
    assert extra.rows and all(r[1] == "AP3000" and r[3] > 0 for r in extra.rows)
    assert extra.holding_pln_year == pytest.approx(sum(r[3] for r in extra.rows) * 625.0)


def test_new_sites_fail_on_their_own_stream(
    net: Network, params: SimulationParams, tmp_path: Path
) -> None:
    """Existing devices fail exactly as without the new sites (common random numbers)."""
    sites = read_sites_csv(EXAMPLE, net.skus, net.base.sites)
    world = world_with(params, sites, Tier.parse("24x7x4"), tmp_path / "world")
    demand = dataclasses.replace(params.demand, own_stream_sites=tuple(s.id for s in sites))
    grown = prepare(dataclasses.replace(params, world_dir=world, demand=demand))
    draw = [
        draw_failures(
            n.base, n.rates, d, params.start, 60, np.random.default_rng(np.random.SeedSequence(7))
        )
        for n, d in ((net, params.demand), (grown, demand))
    ]
    old = len(net.base.device_serial)
    kept = draw[1].device < old
    assert np.array_equal(draw[1].device[kept], draw[0].device)
    assert np.array_equal(draw[1].accepted_s[kept], draw[0].accepted_s)
    assert (~kept).sum() > 0
