"""A plan as dispatchers and integrations read it: assignments, routes, unassigned, summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatch.timeparse import format_instant


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
