"""Solve parameters: time budget, seed and engine choice (frozen, validated, loadable from TOML)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

EngineName = Literal["auto", "pyvrp", "ortools", "insertion"]


@dataclass(frozen=True, slots=True)
class SolveParams:
    """How to solve.

    ``engine="auto"`` uses PyVRP when the problem only has rules PyVRP models exactly (hard
    windows, capacity, pairs, optional jobs, skills) and otherwise OR-Tools (soft deadlines,
    several windows per job, pinned prefixes), after a PyVRP pass on the problem with lateness
    capped when soft deadlines are the only obstacle. ``max_iterations`` bounds the search by
    work instead of time, which makes a run repeatable regardless of machine load.
    """

    time_limit_s: float = 10.0
    seed: int = 0
    engine: EngineName = "auto"
    max_iterations: int | None = None

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise ValueError(f"time_limit_s must be > 0, got {self.time_limit_s}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if self.engine not in get_args(EngineName):
            raise ValueError(f"engine must be one of {get_args(EngineName)}, got {self.engine!r}")
        if self.max_iterations is not None and self.max_iterations < 1:
            raise ValueError(f"max_iterations must be >= 1, got {self.max_iterations}")

    @classmethod
    def from_toml(cls, path: str | Path) -> SolveParams:
        """Load from a TOML file whose keys are this class's fields."""
        with open(path, "rb") as fh:
            return cls(**tomllib.load(fh))
