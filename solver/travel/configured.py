"""The travel model the product runs on: OSRM when ``DISPATCH_ROADS`` names a dataset.

``DISPATCH_ROADS=DIR/NAME.osrm`` (built by ``dispatch roads build``): OSRM over that extract, with
the authored network for rush hours and as the fallback; a network file there, or nothing: the
road network (``RoadTravel.default()``). Loaded once per process.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from solver.travel.model import TravelModel
from solver.travel.road import OSRM_SUFFIX, ROADS_ENV, RoadTravel


@cache
def configured_travel() -> TravelModel:
    """The configured travel model; see the module docstring.

    Raises
    ------
    ValueError
        ``DISPATCH_ROADS`` names an OSRM dataset that is incomplete, or OSRM cannot run here.
    """
    override = os.environ.get(ROADS_ENV, "")
    if override.endswith(OSRM_SUFFIX):
        from solver.travel.osrm import OsrmTravel

        return OsrmTravel(Path(override), RoadTravel.default())
    return RoadTravel.default()
