"""The demo world generator: deterministic per seed, the documented sizes, a coherent world."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from depots.demo_world import DEFAULT_SEED, SIZES, DemoWorld, generate, load, write
from dispatch.errors import InvalidInput
from dispatch.places import resolve


@pytest.fixture(scope="session")
def world() -> DemoWorld:
    """The world of the default seed, generated once for the session."""
    return generate(DEFAULT_SEED)


def test_same_seed_gives_the_committed_world_and_another_seed_another(world: DemoWorld) -> None:
    """Determinism: data/demo/ (made by scripts/build_demo_world.py in another process) is
    exactly what the default seed makes now; another seed makes other sites and devices.

    Sites are placed with the gazetteer, so a change to data/geo or dispatch/places.py can
    change the world: then rerun the script and commit data/demo/.
    """
    assert load() == world, "data/demo/ is stale: run scripts/build_demo_world.py"
    other = generate(DEFAULT_SEED + 1)
    assert other.sites != world.sites
    assert other.devices != world.devices


def test_sizes_match_the_documented_ones(world: DemoWorld) -> None:
    """11 depots, 45 engineers, 27 models, 1,200 sites, exactly 6,000 devices."""
    assert world.sizes() == SIZES


def test_every_tier_and_both_services_occur_and_nbd_8x5_is_most_common(world: DemoWorld) -> None:
    """8x5xNBD contracts outnumber every other tier; 24x7x4 is rarer than 8x5xNBD."""
    tiers = Counter(site.tier for site in world.sites)
    assert set(tiers) == {"8x5xNBD", "24x7xNBD", "8x5x8", "24x7x8", "24x7x4"}
    assert tiers.most_common(1)[0][0] == "8x5xNBD"
    assert tiers["24x7x4"] < tiers["8x5xNBD"] / 2
    assert {site.service for site in world.sites} == {"AHB", "SOS"}


def test_kraków_is_central_and_stocks_every_model(world: DemoWorld) -> None:
    """The central warehouse holds at least two units of each of the 27 models."""
    krk = {row.sku: row.units for row in world.stock if row.depot == "KRK"}
    assert next(d for d in world.depots if d.id == "KRK").location == "Kraków"
    assert set(krk) == {s.sku for s in world.skus}
    assert min(krk.values()) >= 2


def test_references_are_consistent(world: DemoWorld) -> None:
    """Substitutes, devices' models and sites, van stock and stock rows name known things."""
    skus = {s.sku for s in world.skus}
    assert all(sub in skus for s in world.skus for sub in s.substitutes.split(";") if sub)
    sites = {s.id for s in world.sites}
    assert all(d.sku in skus and d.site in sites for d in world.devices)
    assert all(v in skus for e in world.engineers for v in e.van_stock.split(";") if v)
    depots = {d.id for d in world.depots}
    assert all(row.depot in depots and row.sku in skus and row.units > 0 for row in world.stock)


def test_every_family_has_skilled_engineers_and_some_are_on_call(world: DemoWorld) -> None:
    """Each product family can be served, and 24x7 tickets have on-call cover."""
    skills = Counter(f for e in world.engineers for f in e.skills.split(";"))
    assert {s.family for s in world.skus} <= set(skills)
    assert 0 < sum(e.on_call for e in world.engineers) < len(world.engineers)


def test_sites_resolve_to_their_town_and_follow_population(world: DemoWorld) -> None:
    """Each site's location text resolves to its town; big cities hold the most sites."""
    for site in world.sites[:200]:
        assert resolve(site.location).name == site.town
    towns = Counter(site.town for site in world.sites)
    assert towns.most_common(1)[0][0] == "Warszawa"


def test_write_then_load_round_trips(world: DemoWorld, tmp_path: Path) -> None:
    """CSV storage loses nothing (floats, booleans, empty van stock)."""
    write(world, tmp_path)
    assert load(tmp_path) == world


def test_loading_a_missing_world_names_the_file(tmp_path: Path) -> None:
    """A missing table is one clear error that says how to rebuild."""
    with pytest.raises(InvalidInput, match=r"skus\.csv.*build_demo_world"):
        load(tmp_path)
