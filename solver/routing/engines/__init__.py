"""Routing engines behind one interface; each module adapts one external solver."""

from __future__ import annotations

from typing import Protocol

from solver.routing.model import Routes, RoutingProblem


class Engine(Protocol):
    """Improves routes for a :class:`RoutingProblem` within a time limit."""

    name: str

    def unsupported(self, problem: RoutingProblem) -> str | None:
        """Why this engine cannot model ``problem`` exactly, or None if it can."""
        ...

    def solve(
        self,
        problem: RoutingProblem,
        *,
        time_limit_s: float,
        seed: int,
        max_iterations: int | None,
        warm_start: Routes | None,
    ) -> Routes | None:
        """Best routes found within ``time_limit_s`` (None if the engine found none)."""
        ...
