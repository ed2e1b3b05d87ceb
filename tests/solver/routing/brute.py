"""Exhaustive search over tiny problems: the reference optimum the engines are checked against."""

from __future__ import annotations

import itertools

from solver.routing.evaluator import evaluate
from solver.routing.model import Routes, RoutingProblem


def all_routes(problem: RoutingProblem) -> list[Routes]:
    """Every way to serve a subset of jobs with the vehicles, in every order (tiny n only)."""
    n, k = problem.num_jobs, problem.num_vehicles
    out: list[Routes] = []
    for size in range(n + 1):
        for subset in itertools.combinations(range(n), size):
            for order in itertools.permutations(subset):
                for cuts in itertools.combinations_with_replacement(range(size + 1), k - 1):
                    bounds = (0, *cuts, size)
                    out.append(tuple(order[a:b] for a, b in itertools.pairwise(bounds)))
    return out


def optimum_gr(problem: RoutingProblem) -> int | None:
    """Cheapest feasible total cost in grosze, or None when nothing is feasible."""
    costs = [
        ev.costs.total_gr for r in all_routes(problem) if (ev := evaluate(problem, r)).feasible
    ]
    return min(costs, default=None)
