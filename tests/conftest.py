"""What every test shares: the hypothesis profiles and one tiny world of Poland.

The tiny world is a scenario in the ``dispatch plan`` format (2 depots, 2 engineers, 3 SKUs, no
tickets yet) on Wednesday 2 December 2026 at 10:00. Tests take the ``tiny`` fixture and make
variants with ``dataclasses.replace`` (other depots, engineers or time) and ``tiny.scenario``
(with tickets), so every answer they check can be worked out by hand on a map of Poland.

Hypothesis: ``HYPOTHESIS_PROFILE=ci`` (set by ``.ci/run``) draws the same examples on every run
and prints the blob that reproduces a failure; the default profile draws new examples each time.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from dispatch.engine import plan
from dispatch.plans import Assignment, PlanResult
from dispatch.scenario import Scenario
from dispatch.scenario_snapshot import snapshot
from dispatch.world import TicketState, WorldSnapshot
from solver.travel.geodesic import GeodesicTravel

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

Json = dict[str, Any]


@dataclass(frozen=True)
class Tiny:
    """The tiny world as scenario JSON; every field can be replaced for a variant."""

    now: str = "2026-12-02T10:00"  # a Wednesday
    skus: tuple[Json, ...] = (
        {"sku": "X465-48T", "family": "switch", "onsite_minutes": 90, "substitutes": ["X465-48P"]},
        {"sku": "X465-48P", "family": "switch", "onsite_minutes": 90},
        {"sku": "AP4000", "family": "wireless", "onsite_minutes": 30},
    )
    depots: tuple[Json, ...] = (
        {"id": "KRK", "location": "Kraków", "stock": {"X465-48T": 2, "AP4000": 1},
         "pick_minutes": 20, "courier_cutoff": "16:00", "drivers": 1},
        {"id": "GDN", "location": "Gdańsk", "stock": {"X465-48T": 1},
         "pick_minutes": 20, "courier_cutoff": "16:00", "drivers": 1},
    )  # fmt: skip
    couriers: tuple[Json, ...] = ({"id": "NBD", "delivery_by": "17:00", "price": 60},)
    engineers: tuple[Json, ...] = (
        {"id": "E-RZE", "home": "Rzeszów", "skills": ["switch"], "shift": ["08:00", "18:00"],
         "cost_per_hour": 120},
        {"id": "E-GDY", "home": "Gdynia", "skills": ["switch", "wireless"],
         "shift": ["08:00", "18:00"], "cost_per_hour": 120},
    )  # fmt: skip
    costs: Json = dataclasses.field(
        default_factory=lambda: {
            "dedicated_per_km": 2.5,
            "dedicated_per_hour": 60,
            "engineer_per_km": 1.2,
        }
    )

    def data(self, tickets: list[Json] | tuple[Json, ...] = (), **changes: Any) -> Json:
        """The scenario JSON with these tickets and top-level changes (a deep copy)."""
        base = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data = copy.deepcopy({k: list(v) if isinstance(v, tuple) else v for k, v in base.items()})
        data["tickets"] = list(tickets)
        data.update(copy.deepcopy(changes))
        return data

    def scenario(self, tickets: list[Json] | tuple[Json, ...] = (), **changes: Any) -> Scenario:
        """The validated scenario with these tickets and top-level changes."""
        return Scenario.from_dict(self.data(tickets, **changes))

    def world(self, tickets: list[Json] | tuple[Json, ...] = (), **changes: Any) -> WorldSnapshot:
        """The world snapshot with these tickets and top-level changes, places resolved."""
        return snapshot(self.scenario(tickets, **changes))

    def spec(self, raw: Json) -> TicketState:
        """One ticket dict as a validated, resolved ticket of this world."""
        return self.world([raw]).tickets[0]

    @staticmethod
    def ticket(
        tid: str, service: str, tier: str, site: str, sku: str = "X465-48T", **extra: Any
    ) -> Json:
        """A ticket accepted ten minutes before the world's now."""
        return {"id": tid, "service": service, "tier": tier, "accepted_at": "2026-12-02T09:50",
                "site": site, "sku": sku, **extra}  # fmt: skip

    @staticmethod
    def depot(did: str, location: str, units: int) -> Json:
        """A depot holding ``units`` X465-48T, with one driver."""
        return {"id": did, "location": location, "stock": {"X465-48T": units}, "pick_minutes": 20,
                "courier_cutoff": "16:00", "drivers": 1}  # fmt: skip

    def two_4h_tickets(self, first_site: str) -> list[Json]:
        """A 4 h AHB ticket at ``first_site`` and one in Wrocław accepted five minutes later."""
        return [
            self.ticket("T1", "AHB", "24x7x4", first_site),
            self.ticket("T2", "AHB", "24x7x4", "Wrocław", accepted_at="2026-12-02T09:55"),
        ]

    @staticmethod
    def run(scenario: Scenario) -> PlanResult:
        """Plan on the geodesic travel model (answers follow the rules, not road calibration)."""
        return plan(snapshot(scenario), travel=GeodesicTravel(), time_limit_s=1.0)

    @staticmethod
    def only(result: PlanResult, tid: str) -> Assignment:
        """The assignment of one ticket."""
        (found,) = [a for a in result.assignments if a.ticket == tid]
        return found


@pytest.fixture
def tiny() -> Tiny:
    """The tiny world (see the module docstring)."""
    return Tiny()


@pytest.fixture(scope="session")
def osrm_trunk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An OSRM dataset (CH) of the embedded trunk network plus a street grid around Kraków's
    centre, built once per test worker with the real toolchain; skipped where OSRM cannot run
    (Python < 3.12), with the reason."""
    from dispatch.osm_export import StreetGrid, write_osm
    from dispatch.roads_build import build
    from solver.travel.network import RoadNetwork
    from solver.travel.osrm import osrm_available
    from solver.travel.road import DEFAULT_NETWORK

    missing = osrm_available()
    if missing is not None:
        pytest.skip(missing)
    folder = tmp_path_factory.mktemp("osrm")
    extract = write_osm(
        RoadNetwork.load(DEFAULT_NETWORK), folder / "trunk.osm.pbf", grid=StreetGrid("Kraków")
    )
    return build(extract, folder / "dataset", threads=1)
