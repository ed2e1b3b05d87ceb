"""The routing model: vehicles, jobs and pickup-delivery pairs over caller-supplied matrices.

Engine-independent and integer-only. Locations are row indices into a travel-time matrix
(``duration_s``) and a distance matrix (``distance_m``) that the caller passes in; every clock
value is seconds since a reference epoch the caller chooses. Money is grosze.

Semantics the evaluator and every engine share:

- A job's hard ``windows`` bound the *start of service*; several disjoint windows are allowed and
  an empty tuple means "any time". A soft ``deadline_s`` also applies to the start of service
  (the engineer's arrival on site); each second later costs ``lateness_gr_per_s``.
- ``demand`` is loaded at the vehicle's start and dropped at the job (Solomon-style delivery).
  A :class:`Pair` loads ``amount`` at its pickup and unloads it at its delivery; the pickup must
  come first on the same vehicle. The load may never exceed the vehicle's capacity.
- A job with ``drop_penalty_gr=None`` is mandatory; otherwise leaving it out costs the penalty.
  Both jobs of a pair are served or dropped together.
- ``pinned[v]`` lists jobs already under way on vehicle ``v``: they stay first, in that order.
- A vehicle with ``overtime_from_s`` pays ``overtime_cost_per_hour_gr`` for the part of its
  route after that time (``shift_end_s`` stays the hard end). On such a vehicle an ``in_shift``
  job must be done, with the drive straight to the vehicle's end, by ``overtime_from_s``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

UNLIMITED = 2**40
"""Stands for "no bound" on capacities and clocks; far below int64 overflow in every sum."""


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One vehicle (an engineer's day): where it starts and ends, when, and what it costs."""

    id: str
    start: int
    end: int
    shift_start_s: int = 0
    shift_end_s: int = UNLIMITED
    capacity: int = UNLIMITED
    skills: frozenset[str] = frozenset()
    cost_per_km_gr: int = 0
    cost_per_hour_gr: int = 0
    fixed_cost_gr: int = 0
    max_duration_s: int | None = None
    overtime_from_s: int | None = None
    overtime_cost_per_hour_gr: int = 0

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < 0:
            raise ValueError(
                f"vehicle {self.id}: start/end must be >= 0, got {self.start}/{self.end}"
            )
        if not 0 <= self.shift_start_s <= self.shift_end_s <= UNLIMITED:
            raise ValueError(
                f"vehicle {self.id}: need 0 <= shift_start_s <= shift_end_s <= {UNLIMITED}, "
                f"got {self.shift_start_s}..{self.shift_end_s}"
            )
        for name in ("capacity", "cost_per_km_gr", "cost_per_hour_gr", "fixed_cost_gr"):
            if getattr(self, name) < 0:
                raise ValueError(
                    f"vehicle {self.id}: {name} must be >= 0, got {getattr(self, name)}"
                )
        if self.max_duration_s is not None and self.max_duration_s < 0:
            raise ValueError(f"vehicle {self.id}: max_duration_s must be >= 0")
        if self.overtime_from_s is not None and not (
            self.shift_start_s <= self.overtime_from_s <= self.shift_end_s
        ):
            raise ValueError(
                f"vehicle {self.id}: overtime_from_s must lie in the shift "
                f"{self.shift_start_s}..{self.shift_end_s}, got {self.overtime_from_s}"
            )
        if self.overtime_cost_per_hour_gr < 0:
            raise ValueError(f"vehicle {self.id}: overtime_cost_per_hour_gr must be >= 0")

    @property
    def has_overtime(self) -> bool:
        """Whether part of this vehicle's time is overtime (priced and ruled apart)."""
        return self.overtime_from_s is not None and self.overtime_from_s < self.shift_end_s


@dataclass(frozen=True, slots=True)
class Job:
    """One stop to serve: a site visit, a part pickup at a depot, or a benchmark customer."""

    id: str
    location: int
    service_s: int = 0
    windows: tuple[tuple[int, int], ...] = ()
    deadline_s: int | None = None
    lateness_gr_per_s: int = 0
    demand: int = 0
    skill: str | None = None
    drop_penalty_gr: int | None = None
    in_shift: bool = False

    def __post_init__(self) -> None:
        if self.location < 0:
            raise ValueError(f"job {self.id}: location must be >= 0, got {self.location}")
        if self.service_s < 0 or self.demand < 0 or self.lateness_gr_per_s < 0:
            raise ValueError(f"job {self.id}: service_s, demand and lateness_gr_per_s must be >= 0")
        previous_late = -1
        for early, late in self.windows:
            if not 0 <= early <= late <= UNLIMITED:
                raise ValueError(
                    f"job {self.id}: window ({early}, {late}) needs 0 <= early <= late"
                )
            if early <= previous_late:
                raise ValueError(f"job {self.id}: windows must be sorted and disjoint")
            previous_late = late
        if self.deadline_s is not None and self.deadline_s < 0:
            raise ValueError(f"job {self.id}: deadline_s must be >= 0, got {self.deadline_s}")
        if self.drop_penalty_gr is not None and self.drop_penalty_gr < 0:
            raise ValueError(f"job {self.id}: drop_penalty_gr must be >= 0")

    @property
    def early_s(self) -> int:
        """Earliest allowed start of service."""
        return self.windows[0][0] if self.windows else 0

    @property
    def late_s(self) -> int:
        """Latest allowed start of service."""
        return self.windows[-1][1] if self.windows else UNLIMITED


@dataclass(frozen=True, slots=True)
class Pair:
    """Pickup then delivery on the same vehicle, carrying ``amount`` between them."""

    pickup: int
    delivery: int
    amount: int = 0

    def __post_init__(self) -> None:
        if self.pickup == self.delivery:
            raise ValueError(f"pair: pickup and delivery are the same job {self.pickup}")
        if self.amount < 0:
            raise ValueError(f"pair ({self.pickup}, {self.delivery}): amount must be >= 0")


@dataclass(frozen=True, slots=True)
class Fleet:
    """The vehicles as arrays, for vectorised screening of which vehicles can take a job."""

    start: NDArray[np.int64]
    end: NDArray[np.int64]
    shift_start_s: NDArray[np.int64]
    shift_end_s: NDArray[np.int64]
    skilled: dict[str, NDArray[np.bool_]]

    @classmethod
    def of(cls, vehicles: tuple[Vehicle, ...], jobs: tuple[Job, ...]) -> Fleet:
        """Arrays for ``vehicles``, with a mask of holders for every skill ``jobs`` require."""
        needed = {j.skill for j in jobs if j.skill is not None}
        return cls(
            np.array([v.start for v in vehicles], dtype=np.int64),
            np.array([v.end for v in vehicles], dtype=np.int64),
            np.array([v.shift_start_s for v in vehicles], dtype=np.int64),
            np.array([v.shift_end_s for v in vehicles], dtype=np.int64),
            {s: np.array([s in v.skills for v in vehicles], dtype=np.bool_) for s in needed},
        )


@dataclass(frozen=True, slots=True)
class Tables:
    """Transposed copies of the matrices, so "from everywhere to place p" is a contiguous row."""

    duration_to_s: NDArray[np.int64]
    distance_to_m: NDArray[np.int64]

    @classmethod
    def of(cls, duration_s: NDArray[np.int64], distance_m: NDArray[np.int64]) -> Tables:
        """Row ``p`` of each table is column ``p`` of the matrix."""
        return cls(np.ascontiguousarray(duration_s.T), np.ascontiguousarray(distance_m.T))


Routes = tuple[tuple[int, ...], ...]
"""Job indices in visiting order, one tuple per vehicle (same order as ``problem.vehicles``)."""


@dataclass(frozen=True, slots=True)
class RoutingProblem:
    """A complete routing instance; construction validates shapes and cross-references.

    Raises
    ------
    ValueError
        Naming the field and the rule broken, e.g. ``jobs[4].location: 57 >= 50 locations``.
    """

    duration_s: NDArray[np.int64]
    distance_m: NDArray[np.int64]
    vehicles: tuple[Vehicle, ...]
    jobs: tuple[Job, ...]
    pairs: tuple[Pair, ...] = ()
    pinned: tuple[tuple[int, ...], ...] = ()
    pair_of: dict[int, int] = field(init=False, repr=False, compare=False)
    fleet: Fleet = field(init=False, repr=False, compare=False)
    tables: Tables = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("duration_s", "distance_m"):
            m = getattr(self, name)
            if m.ndim != 2 or m.shape[0] != m.shape[1]:
                raise ValueError(f"{name}: must be a square matrix, got shape {m.shape}")
            if m.dtype != np.int64:
                raise ValueError(f"{name}: dtype must be int64, got {m.dtype}")
            if m.size and int(m.min()) < 0:
                raise ValueError(f"{name}: entries must be >= 0")
        if self.duration_s.shape != self.distance_m.shape:
            raise ValueError("distance_m: shape must equal duration_s's")
        n_loc = self.duration_s.shape[0]
        if not self.vehicles:
            raise ValueError("vehicles: at least one vehicle is needed")
        for v, veh in enumerate(self.vehicles):
            for place in (veh.start, veh.end):
                if place >= n_loc:
                    raise ValueError(f"vehicles[{v}].start/end: {place} >= {n_loc} locations")
        for j, job in enumerate(self.jobs):
            if job.location >= n_loc:
                raise ValueError(f"jobs[{j}].location: {job.location} >= {n_loc} locations")
        pair_of: dict[int, int] = {}
        for p, pair in enumerate(self.pairs):
            for j in (pair.pickup, pair.delivery):
                if not 0 <= j < len(self.jobs):
                    raise ValueError(f"pairs[{p}]: job {j} out of range")
                if j in pair_of:
                    raise ValueError(f"pairs[{p}]: job {j} is already in pairs[{pair_of[j]}]")
                pair_of[j] = p
            pick, deliv = self.jobs[pair.pickup], self.jobs[pair.delivery]
            if (pick.drop_penalty_gr is None) != (deliv.drop_penalty_gr is None):
                raise ValueError(
                    f"pairs[{p}]: pickup and delivery must both be mandatory or both optional"
                )
        object.__setattr__(self, "pair_of", pair_of)
        object.__setattr__(self, "fleet", Fleet.of(self.vehicles, self.jobs))
        object.__setattr__(self, "tables", Tables.of(self.duration_s, self.distance_m))
        if self.pinned and len(self.pinned) != len(self.vehicles):
            raise ValueError(
                f"pinned: need one tuple per vehicle ({len(self.vehicles)}), got {len(self.pinned)}"
            )
        seen: set[int] = set()
        for v, prefix in enumerate(self.pinned):
            for j in prefix:
                if not 0 <= j < len(self.jobs):
                    raise ValueError(f"pinned[{v}]: job {j} out of range")
                if j in seen:
                    raise ValueError(f"pinned[{v}]: job {j} pinned twice")
                seen.add(j)

    @property
    def num_jobs(self) -> int:
        """Number of jobs."""
        return len(self.jobs)

    @property
    def num_vehicles(self) -> int:
        """Number of vehicles."""
        return len(self.vehicles)

    def prefix(self, vehicle: int) -> tuple[int, ...]:
        """The pinned jobs of ``vehicle`` (empty when nothing is pinned)."""
        return self.pinned[vehicle] if self.pinned else ()

    def can_serve(self, vehicle: int, job: int) -> bool:
        """Whether ``vehicle`` has the skill ``job`` requires."""
        skill = self.jobs[job].skill
        return skill is None or skill in self.vehicles[vehicle].skills

    def has_soft_deadlines(self) -> bool:
        """Whether any lateness is priced (the case hard-window engines cannot model)."""
        return any(j.deadline_s is not None and j.lateness_gr_per_s > 0 for j in self.jobs)
