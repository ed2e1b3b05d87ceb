"""A deterministic stand-in for the dispatch engine, for API tests only.

Options: every depot with a free unit of the SKU, nearest first, by courier (AHB) or with the
engineer on shift nearest to the site (SOS). Arrival is 30 min of pick-and-pack plus one whole
minute per km (60 km/h); cost is 1 zł per km. Simple enough to check plans by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from api.planning import PlanningTicket, WorldView
from dispatch.errors import Infeasible
from dispatch.store.plans import ProposedOption


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))


class NearestDepotPlanner:
    """Nearest depot with stock first; one option per such depot."""

    def __init__(self) -> None:
        self.calls = 0

    def plan(
        self, ticket: PlanningTicket, world: WorldView, now: datetime
    ) -> Sequence[ProposedOption]:
        self.calls += 1
        on_shift = [e for e in world.engineers if any(s <= now < t for s, t in e.shifts)]
        engineer = min(
            on_shift,
            key=lambda e: km_between(e.home_lat, e.home_lon, ticket.site_lat, ticket.site_lon),
            default=None,
        )
        ranked = sorted(
            (km_between(d.lat, d.lon, ticket.site_lat, ticket.site_lon), d.depot_id)
            for d in world.depots
            if d.free_units.get(ticket.sku, 0) > 0
        )
        if not ranked:
            raise Infeasible([f"no depot has a free {ticket.sku}"])
        options = []
        for km, depot_id in ranked:
            depart = now + timedelta(minutes=30)
            arrival = depart + timedelta(minutes=round(km))
            sos = ticket.product == "SOS" and engineer is not None
            options.append(
                ProposedOption(
                    mode="engineer" if sos else "courier",
                    depot_id=depot_id,
                    sku=ticket.sku,
                    engineer_id=engineer.engineer_id if sos and engineer else None,
                    depart_at=depart,
                    arrival_at=arrival,
                    finish_at=arrival + timedelta(hours=1 if sos else 0),
                    cost_gr=round(km * 100),
                    reason=f"{depot_id} is {km:.0f} km from the site",
                )
            )
        return options
