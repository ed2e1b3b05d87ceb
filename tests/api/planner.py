"""A deterministic stand-in for the dispatch engine, for API tests only.

Options: every depot with a free unit of the SKU, nearest first, by courier (AHB) or with the
engineer on shift nearest to the site (SOS), who leaves now for the depot and goes on to the
site when the part is packed (two legs). Arrival is 30 min of pick-and-pack plus one whole
minute per km (60 km/h); cost is 1 zł per km. Simple enough to check plans by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from dispatch.errors import Infeasible
from dispatch.plans import Leg
from dispatch.store.plans import ProposedOption
from dispatch.world import Service, TicketState, WorldSnapshot


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

    def plan(self, world: WorldSnapshot, ticket: TicketState) -> Sequence[ProposedOption]:
        self.calls += 1
        now = world.now
        site = ticket.site
        on_shift = [
            e
            for e in world.engineers
            if any(w.start <= now < w.end for w in e.windows if not w.on_call)
        ]
        engineer = min(
            on_shift,
            key=lambda e: km_between(e.home.lat, e.home.lon, site.lat, site.lon),
            default=None,
        )
        ranked = sorted(
            (km_between(d.at.lat, d.at.lon, site.lat, site.lon), d.id)
            for d in world.depots
            if d.stock.get(ticket.sku, 0) > 0
        )
        if not ranked:
            raise Infeasible([f"no depot has a free {ticket.sku}"])
        options = []
        depots = {d.id: d.at for d in world.depots}
        for km, depot_id in ranked:
            depart = now + timedelta(minutes=30)
            arrival = depart + timedelta(minutes=round(km))
            sos = ticket.service is Service.SOS and engineer is not None
            legs: tuple[Leg, ...] = ()
            if sos and engineer is not None:  # to the depot, 5 min to collect, then on
                collect = depart - timedelta(minutes=5)
                legs = (
                    Leg(
                        vehicle=engineer.id, kind="pickup", ticket=ticket.id, ref=ticket.id,
                        origin=engineer.home, destination=depots[depot_id], depart=now,
                        arrive=collect, start=collect, finish=depart, drive_s=0, distance_m=0,
                    ),
                    Leg(
                        vehicle=engineer.id, kind="visit", ticket=ticket.id, ref=ticket.id,
                        origin=depots[depot_id], destination=site, depart=depart,
                        arrive=arrival, start=arrival, finish=arrival + timedelta(hours=1),
                        drive_s=0, distance_m=0,
                    ),
                )  # fmt: skip
            options.append(
                ProposedOption(
                    mode="engineer" if sos else "courier",
                    depot_id=depot_id,
                    sku=ticket.sku,
                    engineer_id=engineer.id if sos and engineer else None,
                    depart_at=depart,
                    arrival_at=arrival,
                    finish_at=arrival + timedelta(hours=1 if sos else 0),
                    cost_gr=round(km * 100),
                    reason=f"{depot_id} is {km:.0f} km from the site",
                    legs=legs,
                )
            )
        return options
