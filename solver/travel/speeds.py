"""Road-class speeds and access-leg parameters: the calibrated constants of the road model.

Calibrated against the reference driving times in ``bench/data/travel_reference.csv`` as whole
classes (never pair by pair); see ``docs/travel.md`` for the procedure and the figures.
"""

from __future__ import annotations

import hashlib
from dataclasses import astuple, dataclass, fields

import numpy as np
from numpy.typing import NDArray

from solver.travel.network import ROAD_CLASSES


@dataclass(frozen=True, slots=True)
class RoadSpeeds:
    """Average speeds per road class (km/h, including junctions and slowdowns) and access legs.

    Parameters
    ----------
    motorway_kmh, expressway_kmh, national_kmh, regional_kmh, urban_kmh, link_kmh
        Mean travel speed on each class of ``solver.travel.network.ROAD_CLASSES``.
    access_kmh, urban_access_kmh, access_detour
        A point reaches the network by local roads: great-circle distance x ``access_detour`` at
        ``access_kmh`` in the country, at ``urban_access_kmh`` when the leg ends at an urban node
        (see ``urban_min_population``). The same leg links two points directly when that is
        quicker (urban speed if either point's nearest node is urban).
    town_delay_s
        Time to get from a town centre node to the open road, per sqrt(population / 100,000),
        charged when a trip starts or ends at a town node whose city has no modelled arterials.
    urban_min_population
        Towns of at least this many people (and junctions on city arterials) are urban: their
        access legs, delays and arterials slow down in rush hours.
    access_nodes
        How many nearest network nodes each point may join the network at.
    """

    motorway_kmh: float = 120.0
    expressway_kmh: float = 105.0
    national_kmh: float = 60.0
    regional_kmh: float = 58.0
    urban_kmh: float = 32.0
    link_kmh: float = 45.0
    access_kmh: float = 50.0
    urban_access_kmh: float = 30.0
    access_detour: float = 1.35
    town_delay_s: float = 240.0
    urban_min_population: int = 50_000
    access_nodes: int = 4

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not value > 0:
                raise ValueError(f"RoadSpeeds.{f.name} must be > 0, got {value}")
        if self.access_detour < 1.0:
            raise ValueError(f"RoadSpeeds.access_detour must be >= 1, got {self.access_detour}")

    def class_mps(self) -> NDArray[np.float64]:
        """Speed in metres per second for each entry of ``ROAD_CLASSES``."""
        kmh = [getattr(self, f"{name}_kmh") for name in ROAD_CLASSES]
        return np.asarray(kmh, dtype=np.float64) / 3.6

    def key(self) -> str:
        """A short digest of every parameter, part of the on-disk cache key."""
        return hashlib.sha256(repr(astuple(self)).encode()).hexdigest()[:12]
