"""Immutable results: the schedule of every route, what was dropped, and the cost per term."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from solver.routing.model import Routes


class Status(StrEnum):
    """Outcome of a solve, as checked by the evaluator (never the engine's own word)."""

    FEASIBLE = "feasible"
    """Every rule holds; the routes may be used."""
    NO_SOLUTION = "no_solution"
    """No solution passing the evaluator was found within the time limit."""


@dataclass(frozen=True, slots=True)
class Stop:
    """One served job: when the vehicle arrives, starts service and leaves (seconds)."""

    job: int
    arrival_s: int
    start_s: int
    departure_s: int
    lateness_s: int


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """A vehicle's day: departure from its start, the stops, the return to its end."""

    vehicle: int
    departure_s: int
    stops: tuple[Stop, ...]
    return_s: int
    distance_m: int

    @property
    def duration_s(self) -> int:
        """Paid time from leaving the start to reaching the end."""
        return self.return_s - self.departure_s

    @property
    def jobs(self) -> tuple[int, ...]:
        """Job indices in visiting order."""
        return tuple(s.job for s in self.stops)


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """Cost per named term, in grosze (each term rounded half up from exact scaled units).

    ``travel`` is distance times the vehicle's rate per km, ``time`` the route duration times its
    hourly rate, ``lateness`` the seconds after each soft deadline times the job's rate,
    ``fixed`` the fixed cost of every used vehicle, ``drop`` the penalties of unserved jobs.
    """

    travel_gr: int = 0
    time_gr: int = 0
    lateness_gr: int = 0
    fixed_gr: int = 0
    drop_gr: int = 0

    @property
    def total_gr(self) -> int:
        """Sum of all terms."""
        return self.travel_gr + self.time_gr + self.lateness_gr + self.fixed_gr + self.drop_gr


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What the evaluator found for a set of routes; ``violations`` empty means feasible."""

    routes: tuple[RoutePlan, ...]
    dropped: tuple[int, ...]
    costs: CostBreakdown
    violations: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        """No rule is broken."""
        return not self.violations

    @property
    def route_jobs(self) -> Routes:
        """Job indices per vehicle, usable as a warm start."""
        return tuple(r.jobs for r in self.routes)

    @property
    def distance_m(self) -> int:
        """Total distance of all routes."""
        return sum(r.distance_m for r in self.routes)

    @property
    def vehicles_used(self) -> int:
        """Number of vehicles that leave their start."""
        return sum(1 for r in self.routes if r.stops)


@dataclass(frozen=True, slots=True)
class RoutingResult:
    """A checked solve: the evaluator's verdict on the best routes found, plus provenance."""

    status: Status
    evaluation: Evaluation
    engine: str
    runtime_s: float

    @property
    def routes(self) -> tuple[RoutePlan, ...]:
        """Scheduled routes, one per vehicle (empty routes included)."""
        return self.evaluation.routes

    @property
    def dropped(self) -> tuple[int, ...]:
        """Jobs left unserved."""
        return self.evaluation.dropped

    @property
    def costs(self) -> CostBreakdown:
        """Per-term cost breakdown."""
        return self.evaluation.costs
