"""The dispatch engine behind the API's ``Planner`` protocol.

The service's world snapshot and the ticket go to :func:`dispatch.propose.propose`, which
inserts the ticket into the engineers' booked routes; its options come back as proposals that
carry the engine's legs, the moves they make to other visits and their reasons.
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatch.engine import default_travel
from dispatch.propose import Option, propose
from dispatch.store.plans import ProposedOption
from dispatch.world import TicketState, WorldSnapshot
from solver.travel.model import TravelModel


class EnginePlanner:
    """Plans one ticket with the real engine against the service's world."""

    def __init__(self, travel: TravelModel | None = None) -> None:
        self.travel = travel or default_travel()

    def plan(self, world: WorldSnapshot, ticket: TicketState) -> Sequence[ProposedOption]:
        """Ranked options: the engine's recommendation first, then its alternatives.

        Raises
        ------
        Infeasible
            With the engine's reason when the ticket cannot be served at all.
        """
        return [proposal(option, ticket.id) for option in propose(world, ticket, self.travel)]


def proposal(option: Option, ticket: str) -> ProposedOption:
    """An engine option as the service stores it: its own legs give when the part (or the
    engineer) leaves, arrives and the work ends."""
    own = [leg for leg in option.legs if leg.ticket == ticket and leg.kind != "return"]
    work = next(
        (
            leg
            for leg in own
            if leg.kind in ("visit", "deliver", "parcel")
            and (option.engineer is None or leg.vehicle == option.engineer)
        ),
        None,
    )
    return ProposedOption(
        mode=option.mode,
        depot_id=option.depot or "",
        sku=option.sku,
        engineer_id=option.engineer,
        depart_at=min([leg.depart for leg in own] + [option.eta]),
        arrival_at=option.eta,
        finish_at=max(work.finish, option.eta) if work is not None else option.eta,
        cost_gr=max(option.cost_gr, 0),  # below 0 when re-timing the route saves more than
        # the visit adds (a route with a gap, left by a ticket taken out to be re-planned)
        reason=option.why,
        source=option.source,
        legs=option.legs,
        moves=option.moves,
        route_key=option.route,
    )


def engine_planner() -> EnginePlanner:
    """The factory ``Settings.planner`` names: the engine on the embedded road network.

    The road network and the calendar load here, at start-up, not in the first request.
    """
    return EnginePlanner()
