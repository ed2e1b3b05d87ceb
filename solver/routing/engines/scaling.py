"""Integer objective coefficients shared by the engines, reduced by their common divisor.

Every engine minimises the evaluator's cost in exact units of 1/18 000 grosz; dividing all
coefficients by their gcd keeps numbers small (a distance-only benchmark becomes "1 per metre",
the scale PyVRP's penalty defaults are tuned for) without changing the optimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from solver.routing.evaluator import COST_SCALE, TIME_PER_S_PER_GR_H, TRAVEL_PER_M_PER_GR_KM
from solver.routing.model import RoutingProblem


@dataclass(frozen=True, slots=True)
class Coefficients:
    """Per-vehicle and per-job objective coefficients in the reduced unit."""

    per_m: tuple[int, ...]
    per_s: tuple[int, ...]
    overtime_per_s: tuple[int, ...]  # extra per second of a route after its overtime start
    fixed: tuple[int, ...]
    lateness_per_s: tuple[int, ...]
    drop: tuple[int | None, ...]


def coefficients(problem: RoutingProblem) -> Coefficients:
    """Objective coefficients of ``problem`` divided by their greatest common divisor."""
    vs, js = problem.vehicles, problem.jobs
    per_m = [v.cost_per_km_gr * TRAVEL_PER_M_PER_GR_KM for v in vs]
    per_s = [v.cost_per_hour_gr * TIME_PER_S_PER_GR_H for v in vs]
    extra = [
        max(0, v.overtime_cost_per_hour_gr - v.cost_per_hour_gr) * TIME_PER_S_PER_GR_H
        if v.has_overtime
        else 0
        for v in vs
    ]
    fixed = [v.fixed_cost_gr * COST_SCALE for v in vs]
    late = [j.lateness_gr_per_s * COST_SCALE if j.deadline_s is not None else 0 for j in js]
    drop = [None if j.drop_penalty_gr is None else j.drop_penalty_gr * COST_SCALE for j in js]
    g = math.gcd(*per_m, *per_s, *extra, *fixed, *late, *(d for d in drop if d is not None)) or 1
    return Coefficients(
        tuple(x // g for x in per_m),
        tuple(x // g for x in per_s),
        tuple(x // g for x in extra),
        tuple(x // g for x in fixed),
        tuple(x // g for x in late),
        tuple(None if d is None else d // g for d in drop),
    )
