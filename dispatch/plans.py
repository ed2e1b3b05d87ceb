"""A plan as dispatchers and integrations read it: assignments, routes, unassigned, summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatch.timeparse import format_instant
from dispatch.world import Point


@dataclass(frozen=True, slots=True)
class Alternative:
    """An option that was not chosen, and why it lost."""

    mode: str
    depot: str | None
    engineer: str | None
    eta: datetime | None
    on_time: bool
    cost: float
    why_not: str
    source: str = ""  # parcel, car, depot (engineer picks up), van or meet


@dataclass(frozen=True, slots=True)
class Assignment:
    """How one ticket is served."""

    ticket: str
    mode: str  # courier | dedicated | engineer
    source: str  # depot | van | meet (how the part reaches the engineer) or parcel | car
    depot: str | None
    engineer: str | None
    sku: str
    eta: datetime
    deadline: datetime
    on_time: bool
    cost: float
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True, slots=True)
class RouteStop:
    """One stop on an engineer's day."""

    kind: str  # pickup | visit
    ref: str  # ticket or existing visit id
    at: str  # place name
    arrive: datetime
    depart: datetime
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class Leg:
    """One stretch of a vehicle's day as the engine planned it: the drive from ``origin`` to
    ``destination`` (``depart`` -> ``arrive``), then the work there (``start`` -> ``finish``).

    Kinds: an engineer's ``pickup`` (collect the part at a depot), ``visit`` (work on site) and
    ``return`` (home); a dedicated car's ``deliver`` and ``return`` (to its depot); a courier's
    ``parcel`` (collected at the depot, delivered on site).
    """

    vehicle: str  # engineer id, "car:DEPOT" or "courier:ID"
    kind: str
    ticket: str | None  # the ticket served (None for a return or an existing visit)
    ref: str  # the stop's own id (the ticket's, or an existing visit's)
    origin: Point
    destination: Point
    depart: datetime
    arrive: datetime
    start: datetime
    finish: datetime
    drive_s: int
    distance_m: int
    shape: str | None = None  # the road driven, an encoded polyline, when the model knows it

    def __post_init__(self) -> None:
        if self.kind not in LEG_KINDS:
            raise ValueError(f"leg.kind must be one of {', '.join(LEG_KINDS)}, got {self.kind!r}")
        if not self.depart <= self.arrive <= self.start <= self.finish:
            raise ValueError(
                f"leg {self.kind} {self.ref}: needs depart <= arrive <= start <= finish"
            )


LEG_KINDS = ("pickup", "visit", "return", "deliver", "parcel")


@dataclass(frozen=True, slots=True)
class Move:
    """What a proposal does to another ticket on the same engineer's route."""

    ticket: str
    before: datetime  # its booked start of work
    after: datetime  # its start of work if the proposal is confirmed


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A ticket that cannot be served at all, with the reason."""

    ticket: str
    reason: str


@dataclass(frozen=True, slots=True)
class PlanResult:
    """The engine's answer for a scenario."""

    assignments: tuple[Assignment, ...]
    routes: Mapping[str, tuple[RouteStop, ...]]
    unassigned: tuple[Unassigned, ...]
    runtime_s: float
    transport_cost: float = 0.0  # couriers and dedicated cars, PLN
    engineer_cost: float = 0.0  # engineers' time and km on the routed days, PLN
    path: str = "heuristic"  # which path answered: exact (CP-SAT) or heuristic
    proven_optimal: bool = False  # the exact path proved its answer optimal
    points_bound: int | None = None  # the exact path's bound on weighted on-time points

    @property
    def on_time(self) -> int:
        """Tickets planned to meet their deadline."""
        return sum(a.on_time for a in self.assignments)

    @property
    def cost(self) -> float:
        """Total cost of the plan in PLN: transport plus the engineers' routed days.

        Each assignment's own ``cost`` is its option priced as if planned alone; the total
        uses the routed days instead, where engineers chain visits.
        """
        return round(self.transport_cost + self.engineer_cost, 2)

    def to_json(self) -> dict[str, Any]:
        """The ``dispatch plan --json`` output contract."""
        return {
            "assignments": [_assignment_json(a) for a in self.assignments],
            "routes": {
                engineer: [
                    {
                        "kind": s.kind,
                        "ref": s.ref,
                        "at": s.at,
                        "arrive": format_instant(s.arrive),
                        "depart": format_instant(s.depart),
                        "pinned": s.pinned,
                    }
                    for s in stops
                ]
                for engineer, stops in self.routes.items()
            },
            "unassigned": [{"ticket": u.ticket, "reason": u.reason} for u in self.unassigned],
            "summary": {
                "tickets": len(self.assignments) + len(self.unassigned),
                "on_time": self.on_time,
                "late": len(self.assignments) - self.on_time,
                "unassigned": len(self.unassigned),
                "cost": self.cost,
                "transport_cost": round(self.transport_cost, 2),
                "engineer_cost": round(self.engineer_cost, 2),
                "runtime_s": round(self.runtime_s, 3),
                "path": self.path,
                "proven_optimal": self.proven_optimal,
                "points_bound": self.points_bound,
            },
        }


def _assignment_json(a: Assignment) -> dict[str, Any]:
    return {
        "ticket": a.ticket,
        "mode": a.mode,
        "source": a.source,
        "depot": a.depot,
        "engineer": a.engineer,
        "sku": a.sku,
        "eta": format_instant(a.eta),
        "deadline": format_instant(a.deadline),
        "on_time": a.on_time,
        "cost": a.cost,
        "alternatives": [
            {
                "mode": alt.mode,
                "source": alt.source,
                "depot": alt.depot,
                "engineer": alt.engineer,
                "eta": None if alt.eta is None else format_instant(alt.eta),
                "on_time": alt.on_time,
                "cost": alt.cost,
                "why_not": alt.why_not,
            }
            for alt in a.alternatives
        ],
    }
