"""Readers for the public benchmark formats, producing :class:`RoutingProblem` instances.

- Solomon / Gehring & Homberger VRPTW text files, DIMACS convention: Euclidean distance times 10
  truncated to an integer, travel time equal to distance, all times times 10, objective total
  distance only (vehicles cost nothing, so each costs 1 000 grosze per "km" = 1 per unit).
- Li & Lim PDPTW files: Euclidean distance times 1 000 rounded, times times 1 000, objective
  fewest vehicles, then distance (a fixed cost per vehicle larger than any route set's length).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from solver.routing.model import Job, Pair, RoutingProblem, Vehicle

_DISTANCE_ONLY_GR_PER_KM = 1000
"""Makes the travel term equal the integer distance, so cost is distance."""
_VEHICLE_FIRST_GR = 10**9
"""Fixed cost per vehicle in Li & Lim: exceeds any instance's scaled total distance (~10^7)."""


@dataclass(frozen=True, slots=True)
class BenchmarkInstance:
    """A parsed instance: the problem, the file's id of every job, and the distance scale."""

    name: str
    problem: RoutingProblem
    ids: tuple[int, ...]
    scale: int


def _euclid(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    diff = xy[:, None, :] - xy[None, :, :]
    out: NDArray[np.float64] = np.sqrt((diff**2).sum(axis=2))
    return out


def _numbers(path: Path) -> list[list[float]]:
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split()
        try:
            rows.append([float(p) for p in parts])
        except ValueError:
            continue
    return [r for r in rows if r]


def read_solomon(path: str | Path) -> BenchmarkInstance:
    """Read a Solomon or Gehring & Homberger file (DIMACS convention, distance objective).

    Raises
    ------
    ValueError
        If the file does not have the VEHICLE and CUSTOMER sections with numeric rows.
    """
    path = Path(path)
    rows = _numbers(path)
    if len(rows) < 3 or len(rows[0]) != 2 or any(len(r) != 7 for r in rows[1:]):
        raise ValueError(f"{path.name}: not a Solomon-format file (VEHICLE then 7-column rows)")
    count, capacity = (int(x) for x in rows[0])
    table = np.array(rows[1:])
    dist = np.floor(10 * _euclid(table[:, 1:3]) + 1e-9).astype(np.int64)
    depot = table[0]
    vehicles = tuple(
        Vehicle(
            id=str(k + 1),
            start=0,
            end=0,
            shift_start_s=int(depot[4]) * 10,
            shift_end_s=int(depot[5]) * 10,
            capacity=capacity,
            cost_per_km_gr=_DISTANCE_ONLY_GR_PER_KM,
        )
        for k in range(count)
    )
    jobs = tuple(
        Job(
            id=str(int(r[0])),
            location=i,
            service_s=int(r[6]) * 10,
            windows=((int(r[4]) * 10, int(r[5]) * 10),),
            demand=int(r[3]),
        )
        for i, r in enumerate(table[1:], start=1)
    )
    problem = RoutingProblem(dist.copy(), dist, vehicles, jobs)
    return BenchmarkInstance(path.stem, problem, tuple(int(r[0]) for r in table[1:]), 10)


def read_lilim(path: str | Path) -> BenchmarkInstance:
    """Read a Li & Lim PDPTW file (distances x1000 rounded; vehicles first, then distance).

    Raises
    ------
    ValueError
        If the header or task rows are malformed or a pickup names no matching delivery.
    """
    path = Path(path)
    rows = _numbers(path)
    if len(rows) < 2 or len(rows[0]) != 3 or any(len(r) != 9 for r in rows[1:]):
        raise ValueError(f"{path.name}: not a Li & Lim file (3-number header, 9-column tasks)")
    count, capacity = int(rows[0][0]), int(rows[0][1])
    table = np.array(rows[1:])
    dist = np.rint(1000 * _euclid(table[:, 1:3])).astype(np.int64)
    depot = table[0]
    vehicles = tuple(
        Vehicle(
            id=str(k + 1),
            start=0,
            end=0,
            shift_start_s=int(depot[4]) * 1000,
            shift_end_s=int(depot[5]) * 1000,
            capacity=capacity,
            cost_per_km_gr=_DISTANCE_ONLY_GR_PER_KM,
            fixed_cost_gr=_VEHICLE_FIRST_GR,
        )
        for k in range(count)
    )
    tasks = table[1:]
    ids = tuple(int(r[0]) for r in tasks)
    job_of = {task: j for j, task in enumerate(ids)}
    jobs = tuple(
        Job(
            id=str(task),
            location=j + 1,
            service_s=int(r[6]) * 1000,
            windows=((int(r[4]) * 1000, int(r[5]) * 1000),),
        )
        for j, (task, r) in enumerate(zip(ids, tasks, strict=True))
    )
    pairs = []
    for task, r in zip(ids, tasks, strict=True):
        if int(r[7]) == 0:
            if int(r[8]) not in job_of:
                raise ValueError(f"{path.name}: pickup {task} names missing delivery {int(r[8])}")
            pairs.append(Pair(job_of[task], job_of[int(r[8])], int(r[3])))
    problem = RoutingProblem(dist.copy(), dist, vehicles, jobs, tuple(pairs))
    return BenchmarkInstance(path.stem, problem, ids, 1000)
