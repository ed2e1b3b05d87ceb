"""Depot placement on matrices: maximal covering, set covering, p-median and fixed-charge location.

Rows are demand points ``i`` (weight ``w_i``), columns are candidate sites ``j``. The covering
models take a boolean matrix ``covers[i, j]`` ("site j reaches point i within the target"); the
median models take an integer cost matrix ``cost[i, j]`` (seconds or grosze per unit of weight).
Every model accepts sites forced open (existing depots that stay) and forced closed (sites that
cannot host a depot). Results are immutable :class:`PlacementResult` objects holding the chosen
columns, the objective, a proven bound, the relative gap and a named status.

Engines, chosen by measurement on 1,000 towns x 2,500 points (``bench/placement.py``):

* covering models: pre-reductions (drop dominated columns, merge identical rows, drop rows a
  forced site already covers), a greedy incumbent, then SCIP with that incumbent as a hint.
  SCIP proves these in seconds; CP-SAT on 2 workers left a 12 % gap (maxcover) or no bound
  at all (setcover) after 60 s;
* median models: a greedy + interchange incumbent, a Lagrangian lower bound by subgradient
  (numpy, one dense pass per iteration), reduced-cost fixing of sites that cannot be in any
  better solution, then SCIP on the classic formulation over the sites left. When the sites
  left are too many for the time limit, the Lagrangian bound and the gap are reported instead.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray
from ortools.linear_solver import pywraplp

logger = logging.getLogger(__name__)

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# SCIP solves the exact median model only over at most this many sites after fixing: beyond it
# the classic formulation (points x sites assignment variables) outgrows the time limits in use.
MAX_EXACT_SITES = 120
# The subgradient loop hands over to SCIP once fixing leaves this few sites.
EARLY_EXACT_SITES = 40


class PlacementStatus(StrEnum):
    """How far a placement is proven."""

    OPTIMAL = "optimal"  # bound equals objective
    FEASIBLE = "feasible"  # stopped at the time limit; ``gap`` says how far from proven


class PlacementInfeasibleError(ValueError):
    """No choice of open sites satisfies the model; ``rows`` are the demand points at fault."""

    def __init__(self, reason: str, rows: Sequence[int]) -> None:
        super().__init__(reason)
        self.rows = tuple(rows)


@dataclass(frozen=True, slots=True)
class PlacementResult:
    """An immutable placement.

    Attributes
    ----------
    model
        ``"maxcover"``, ``"setcover"``, ``"pmedian"`` or ``"fixedcost"``.
    chosen
        Open sites (column indices, ascending), forced-open ones included.
    assignment
        Per demand point, the chosen site that serves it (nearest, or covering), -1 if none.
    objective
        Covered weight (maxcover, maximised), number of sites (setcover), weighted cost
        (pmedian) or opening + weighted cost (fixedcost).
    bound
        Proven bound on the objective: upper for maxcover, lower for the others.
    gap
        ``|objective - bound| / max(|objective|, 1)``; 0 when proven optimal.
    status
        :class:`PlacementStatus`.
    runtime_s
        Wall time of the call.
    engine
        What proved the bound: ``"scip"``, ``"greedy"`` (it covered everything coverable),
        ``"forced"``/``"reduction"`` (nothing left to choose), ``"lagrangian"`` or
        ``"lagrangian+scip"``.
    sites_after_reduction, demand_after_reduction
        Size of the model the exact engine saw after pre-reductions and fixing.
    """

    model: str
    chosen: tuple[int, ...]
    assignment: tuple[int, ...] = field(repr=False)
    objective: int
    bound: float
    gap: float
    status: PlacementStatus
    runtime_s: float
    engine: str
    sites_after_reduction: int
    demand_after_reduction: int

    def __post_init__(self) -> None:
        if list(self.chosen) != sorted(set(self.chosen)):
            raise ValueError(f"chosen must be ascending and distinct, got {self.chosen}")
        if self.gap < 0 or not math.isfinite(self.gap):
            raise ValueError(f"gap must be finite and >= 0, got {self.gap}")
        if self.status is PlacementStatus.OPTIMAL and self.gap > 1e-9:
            raise ValueError(f"status optimal needs gap 0, got {self.gap}")


# --------------------------------------------------------------------------- validation


def _sites(name: str, values: Sequence[int], n_sites: int) -> NDArray[np.intp]:
    arr = np.asarray(sorted(set(int(v) for v in values)), dtype=np.intp)
    bad = arr[(arr < 0) | (arr >= n_sites)]
    if bad.size:
        raise ValueError(f"{name}: site indices {bad.tolist()} outside 0..{n_sites - 1}")
    return arr


def _check_common(
    shape: tuple[int, ...],
    weight: IntArray,
    forced_open: Sequence[int],
    forced_closed: Sequence[int],
    time_limit_s: float,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    if len(shape) != 2 or shape[0] == 0 or shape[1] == 0:
        raise ValueError(f"matrix must be 2-D (demand, sites) and non-empty, got shape {shape}")
    if weight.shape != (shape[0],):
        raise ValueError(f"weight must have shape ({shape[0]},), got {weight.shape}")
    if weight.dtype.kind not in "iu" or (weight < 0).any():
        raise ValueError("weight must be non-negative integers")
    if not time_limit_s > 0:
        raise ValueError(f"time_limit_s must be > 0, got {time_limit_s}")
    fo = _sites("forced_open", forced_open, shape[1])
    fc = _sites("forced_closed", forced_closed, shape[1])
    both = np.intersect1d(fo, fc)
    if both.size:
        raise ValueError(f"sites {both.tolist()} are both forced open and forced closed")
    return fo, fc


def _check_k(k: int, fo: NDArray[np.intp], fc: NDArray[np.intp], n_sites: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if k < fo.size:
        raise ValueError(f"k={k} is fewer than the {fo.size} forced-open sites")
    if k > n_sites - fc.size:
        raise ValueError(f"k={k} exceeds the {n_sites - fc.size} sites not forced closed")


def _gap(objective: float, bound: float) -> float:
    return abs(objective - bound) / max(abs(objective), 1.0)


# --------------------------------------------------------------------------- covering models


@dataclass(frozen=True, slots=True)
class _Reduced:
    """A covering instance after reductions: kept columns/rows and the row weights."""

    cols: NDArray[np.intp]  # original indices of the columns kept (forced-open excluded)
    cover: BoolArray  # (rows kept, cols kept)
    weight: IntArray  # merged row weights
    covered_by_forced: BoolArray  # per original row


def _dominated_columns(cover: BoolArray) -> BoolArray:
    """Columns whose covered set is inside another column's (ties: keep the lowest index).

    A dominated site can be swapped for its dominator in any covering solution without losing
    coverage, so dropping it keeps an optimum.
    """
    a = cover.astype(np.float32)
    inter = a.T @ a  # |N_j ∩ N_j'|, exact in float32 below 2**24 rows
    size = np.diag(inter).copy()
    subset = inter >= size[:, None] - 0.5  # N_j ⊆ N_j'
    np.fill_diagonal(subset, False)
    bigger = size[None, :] > size[:, None]
    equal_earlier = (size[None, :] == size[:, None]) & (
        np.arange(size.size)[None, :] < np.arange(size.size)[:, None]
    )
    return np.asarray((subset & (bigger | equal_earlier)).any(axis=1))


def _reduce_cover(
    covers: BoolArray, weight: IntArray, fo: NDArray[np.intp], fc: NDArray[np.intp]
) -> _Reduced:
    n_sites = covers.shape[1]
    covered_by_forced = np.asarray(covers[:, fo].any(axis=1), dtype=np.bool_)
    free = np.setdiff1d(np.arange(n_sites), np.concatenate([fo, fc]))
    rows = np.flatnonzero(~covered_by_forced & covers[:, free].any(axis=1))
    sub = covers[np.ix_(rows, free)]
    keep = ~_dominated_columns(sub) if free.size else np.zeros(0, bool)
    sub = sub[:, keep]
    packed = np.packbits(sub, axis=1)
    _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    merged = np.zeros(first.size, dtype=np.int64)
    np.add.at(merged, inverse.ravel(), weight[rows])
    logger.debug(
        "covering reduced from %d x %d to %d x %d", *covers.shape, first.size, int(keep.sum())
    )
    return _Reduced(free[keep], sub[first], merged, covered_by_forced)


def _implied_rows(cover: BoolArray) -> BoolArray:
    """Rows whose covering set strictly contains another row's: covering that row covers them.

    Rows arrive distinct (identical ones are merged), so containment is strict.
    """
    a = cover.astype(np.float32)
    inter = a @ a.T  # |N_i ∩ N_i'|
    size = np.diag(inter).copy()
    contains = inter >= size[None, :] - 0.5  # N_i' ⊆ N_i
    np.fill_diagonal(contains, False)
    return np.asarray(contains.any(axis=1))


def _greedy_cover(cover: BoolArray, weight: IntArray, k: int) -> list[int]:
    """Add the column covering the most uncovered weight, k times (or until nothing is gained)."""
    left = weight.astype(np.float64).copy()
    picked: list[int] = []
    for _ in range(k):
        gain = left @ cover
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        picked.append(j)
        left[cover[:, j]] = 0.0
    return picked


def _assign_cover(covers: BoolArray, chosen: Sequence[int]) -> tuple[int, ...]:
    if not chosen:
        return tuple([-1] * covers.shape[0])
    cols = np.asarray(chosen)
    sub = covers[:, cols]
    first = np.where(sub.any(axis=1), cols[np.argmax(sub, axis=1)], -1)
    return tuple(int(v) for v in first)


def _scip(time_limit_s: float) -> pywraplp.Solver:
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:
        raise RuntimeError("SCIP is not available in this OR-Tools build")
    solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
    # Objectives here are integers: stop only when the bound is within 1 of the incumbent,
    # not at SCIP's default 0.01 % relative gap, so "optimal" means proven.
    solver.SetSolverSpecificParametersAsString("limits/gap = 0\nlimits/absgap = 0.999\n")
    return solver


_MIP_STATUS = {
    pywraplp.Solver.OPTIMAL: "OPTIMAL",
    pywraplp.Solver.FEASIBLE: "FEASIBLE",
    pywraplp.Solver.INFEASIBLE: "INFEASIBLE",
    pywraplp.Solver.UNBOUNDED: "UNBOUNDED",
    pywraplp.Solver.ABNORMAL: "ABNORMAL",
    pywraplp.Solver.NOT_SOLVED: "NOT_SOLVED",
}


def _solved(status: int, model: str) -> bool:
    """Name and check a SCIP status: True with a solution, False when time ran out without one.

    Raises
    ------
    RuntimeError
        On any other status (the models here are never infeasible or unbounded once validated).
    """
    if status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return True
    if status == pywraplp.Solver.NOT_SOLVED:
        return False
    raise RuntimeError(f"{model}: SCIP returned {_MIP_STATUS.get(status, status)}")


def _cover_mip(
    cover: BoolArray, weight: IntArray | None, k: int | None, hint: list[int], time_limit_s: float
) -> tuple[list[int], float, str]:
    """Solve a reduced covering model with SCIP, starting from ``hint``.

    ``weight`` and ``k`` given: maximal covering with at most ``k`` columns. Both None: set
    covering. Returns the columns picked, the proven bound and the engine name; when SCIP finds
    nothing within the time, the hint is returned with the trivial bound.
    """
    solver = _scip(time_limit_s)
    x = [solver.BoolVar(f"x{j}") for j in range(cover.shape[1])]
    objective = solver.Objective()
    if weight is None:
        for row in cover:
            solver.Add(solver.Sum([x[j] for j in np.flatnonzero(row)]) >= 1)
        for xj in x:
            objective.SetCoefficient(xj, 1)
        objective.SetMinimization()
        trivial = 1.0
    else:
        # y_i continuous: at an optimum y_i = min(1, covering x's), integral once x is.
        for i, row in enumerate(cover):
            y = solver.NumVar(0, 1, f"y{i}")
            solver.Add(y <= solver.Sum([x[j] for j in np.flatnonzero(row)]))
            objective.SetCoefficient(y, float(weight[i]))
        solver.Add(solver.Sum(x) <= k)
        objective.SetMaximization()
        trivial = float(weight.sum())
    solver.SetHint(x, [1.0 if j in hint else 0.0 for j in range(len(x))])
    if not _solved(solver.Solve(), "setcover" if weight is None else "maxcover"):
        return hint, trivial, "greedy"
    found = [j for j in range(len(x)) if x[j].solution_value() > 0.5]
    # SCIP stopped early may hold a worse answer than the hint (even the empty one) and an
    # unset bound (+-1e20): keep the better answer and never report a bound beyond the trivial.
    if weight is None:
        return (
            (found if len(found) <= len(hint) else hint),
            max(objective.BestBound(), trivial),
            "scip",
        )
    covered = [float(weight[cover[:, cols].any(axis=1)].sum()) for cols in (found, hint)]
    return (
        (found if covered[0] >= covered[1] else hint),
        min(objective.BestBound(), trivial),
        "scip",
    )


def _cover_result(
    model: str,
    covers: BoolArray,
    chosen: list[int],
    objective: int,
    bound: float,
    engine: str,
    reduced: tuple[int, int],
    start: float,
) -> PlacementResult:
    # Objectives are integers, so a fractional bound rounds towards the objective.
    bound = float(math.floor(bound + 1e-6) if model == "maxcover" else math.ceil(bound - 1e-6))
    gap = _gap(objective, bound)
    return PlacementResult(
        model=model,
        chosen=tuple(chosen),
        assignment=_assign_cover(covers, chosen),
        objective=objective,
        bound=bound,
        gap=gap,
        status=PlacementStatus.OPTIMAL if gap < 1e-9 else PlacementStatus.FEASIBLE,
        runtime_s=time.perf_counter() - start,
        engine=engine,
        sites_after_reduction=reduced[0],
        demand_after_reduction=reduced[1],
    )


def max_cover(
    covers: BoolArray,
    weight: IntArray,
    k: int,
    *,
    forced_open: Sequence[int] = (),
    forced_closed: Sequence[int] = (),
    time_limit_s: float = 60.0,
) -> PlacementResult:
    """Open at most ``k`` sites covering the most demand weight.

    Formulation (Church and ReVelle 1974)::

        max  sum_i w_i y_i
        s.t. y_i <= sum_{j: covers[i,j]} x_j      for every demand point i
             sum_j x_j <= k
             x_j = 1 (j forced open), x_j = 0 (j forced closed), x binary, 0 <= y <= 1

    Fewer than ``k`` sites are opened only when they already cover every coverable point.

    Raises
    ------
    ValueError
        On shapes, negative weights, bad site indices or ``k`` out of range.
    """
    start = time.perf_counter()
    covers = np.asarray(covers, dtype=bool)
    weight = np.asarray(weight)
    fo, fc = _check_common(covers.shape, weight, forced_open, forced_closed, time_limit_s)
    _check_k(k, fo, fc, covers.shape[1])
    red = _reduce_cover(covers, weight, fo, fc)
    base = int(weight[red.covered_by_forced].sum())
    free_k = min(k - fo.size, red.cols.size)
    picked = _greedy_cover(red.cover, red.weight, free_k)
    if len(picked) < free_k or red.weight.size == 0:  # all coverable demand is covered
        bound, engine = float(base + red.weight.sum()), "greedy"
    elif free_k == 0:  # the forced-open sites use up k
        bound, engine = float(base), "forced"
    else:
        picked, bound, engine = _cover_mip(red.cover, red.weight, free_k, picked, time_limit_s)
        bound += base
    chosen = sorted([*fo.tolist(), *red.cols[picked].tolist()])
    covered = int(weight[covers[:, chosen].any(axis=1)].sum()) if chosen else 0
    return _cover_result(
        "maxcover",
        covers,
        chosen,
        covered,
        bound,
        engine,
        (int(red.cols.size), int(red.weight.size)),
        start,
    )


def set_cover(
    covers: BoolArray,
    *,
    forced_open: Sequence[int] = (),
    forced_closed: Sequence[int] = (),
    time_limit_s: float = 60.0,
) -> PlacementResult:
    """Open the fewest sites so that every demand point is covered.

    Formulation (Toregas et al. 1971)::

        min  sum_j x_j
        s.t. sum_{j: covers[i,j]} x_j >= 1        for every demand point i
             x_j = 1 (j forced open), x_j = 0 (j forced closed), x binary

    Before solving, dominated sites, duplicate points and points implied by another (their
    covering set contains the other's) are dropped; none of these changes the optimum.

    Raises
    ------
    PlacementInfeasibleError
        When some demand points are covered by no site that may open (``rows`` lists them).
    ValueError
        On shapes or bad site indices.
    """
    start = time.perf_counter()
    covers = np.asarray(covers, dtype=bool)
    ones = np.ones(covers.shape[0] if covers.ndim == 2 else 0, dtype=np.int64)
    fo, fc = _check_common(covers.shape, ones, forced_open, forced_closed, time_limit_s)
    allowed = np.ones(covers.shape[1], bool)
    allowed[fc] = False
    lost = np.flatnonzero(~covers[:, allowed].any(axis=1))
    if lost.size:
        raise PlacementInfeasibleError(
            f"setcover: {lost.size} demand points are within reach of no open-able site "
            f"(first rows: {lost[:10].tolist()})",
            lost.tolist(),
        )
    red = _reduce_cover(covers, ones, fo, fc)
    rows = red.cover[~_implied_rows(red.cover)]
    if rows.shape[0] == 0:
        picked: list[int] = []
        bound, engine = 0.0, "reduction"
    else:
        greedy = _greedy_cover(rows, np.ones(rows.shape[0], np.int64), red.cols.size)
        picked, bound, engine = _cover_mip(rows, None, None, greedy, time_limit_s)
    chosen = sorted([*fo.tolist(), *red.cols[picked].tolist()])
    if not covers[:, chosen].any(axis=1).all():
        raise RuntimeError("setcover: the chosen sites leave demand uncovered")
    return _cover_result(
        "setcover",
        covers,
        chosen,
        len(chosen),
        fo.size + bound,
        engine,
        (int(red.cols.size), int(rows.shape[0])),
        start,
    )


# --------------------------------------------------------------------------- median models


@dataclass(frozen=True, slots=True)
class _Median:
    """A median instance in float64 (weighted costs) with its fixed sites."""

    wc: NDArray[np.float64]  # (demand, sites) weight x cost
    open_cost: NDArray[np.float64]  # (sites,), zeros for the p-median
    k: int | None  # number of sites to open; None: as many as pay off (fixed-charge)
    forced_open: NDArray[np.intp]
    allowed: BoolArray  # sites not forced closed


def _total(inst: _Median, sites: Sequence[int]) -> float:
    cols = np.asarray(sites, dtype=np.intp)
    return float(inst.wc[:, cols].min(axis=1).sum() + inst.open_cost[cols].sum())


def _nearest_two(
    wc: NDArray[np.float64], sites: NDArray[np.intp]
) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.float64]]:
    """Per demand point: the cheapest open site's cost, that site, and the second-cheapest cost."""
    sub = wc[:, sites]
    order = np.argsort(sub, axis=1)[:, :2]
    rows = np.arange(sub.shape[0])
    d1 = sub[rows, order[:, 0]]
    d2 = sub[rows, order[:, 1]] if sites.size > 1 else np.full(sub.shape[0], np.inf)
    return d1, sites[order[:, 0]], d2


def _local_search(inst: _Median, start: list[int], deadline: float) -> list[int]:
    """Best-improvement add / drop / swap moves (Teitz-Bart interchange) until none improves.

    Each move is evaluated for every candidate site at once from the nearest and second-nearest
    open costs, so a full neighbourhood costs one dense pass per open site.
    """
    current = sorted(start)
    fixed = set(inst.forced_open.tolist())
    value = _total(inst, current)
    while time.perf_counter() < deadline:
        cols = np.asarray(current, dtype=np.intp)
        d1, near, d2 = _nearest_two(inst.wc, cols)
        outside = inst.allowed.copy()
        outside[cols] = False
        best_value = value
        best_move: tuple[int | None, int | None] | None = None
        if inst.k is None and outside.any():  # add
            totals = np.minimum(inst.wc, d1[:, None]).sum(axis=0) + inst.open_cost
            totals += inst.open_cost[cols].sum()
            totals[~outside] = np.inf
            j = int(np.argmin(totals))
            if totals[j] < best_value - 1e-6:
                best_value, best_move = float(totals[j]), (None, j)
        for r in cols.tolist():
            if r in fixed:
                continue
            without = np.where(near == r, d2, d1)
            rest = inst.open_cost[cols].sum() - inst.open_cost[r]
            if inst.k is None and cols.size > 1:  # drop
                dropped = float(without.sum() + rest)
                if dropped < best_value - 1e-6:
                    best_value, best_move = dropped, (r, None)
            if outside.any():  # swap r out, j in
                totals = np.minimum(inst.wc, without[:, None]).sum(axis=0) + inst.open_cost + rest
                totals[~outside] = np.inf
                j = int(np.argmin(totals))
                if totals[j] < best_value - 1e-6:
                    best_value, best_move = float(totals[j]), (r, j)
        if best_move is None:
            break
        out, into = best_move
        current = sorted([s for s in current if s != out] + ([into] if into is not None else []))
        value = best_value
    return current


def _greedy_median(inst: _Median) -> list[int]:
    """Add the site that lowers the total most, until k sites (or no site pays off)."""
    current = inst.forced_open.tolist()
    d1 = inst.wc[:, inst.forced_open].min(axis=1) if current else np.full(inst.wc.shape[0], np.inf)
    while inst.k is None or len(current) < inst.k:
        totals = np.minimum(inst.wc, d1[:, None]).sum(axis=0) + inst.open_cost
        totals[~inst.allowed] = np.inf
        totals[current] = np.inf
        j = int(np.argmin(totals))
        if not np.isfinite(totals[j]):
            break
        if inst.k is None and current and totals[j] >= d1.sum():
            break
        current.append(j)
        d1 = np.minimum(d1, inst.wc[:, j])
    return sorted(current)


@dataclass(frozen=True, slots=True)
class _Lagrangian:
    bound: float
    rho: NDArray[np.float64]  # open_cost + sum_i min(0, wc_ij - u_i) at the best multipliers
    incumbent: list[int]
    incumbent_value: float


def _lagrangian_pick(inst: _Median, rho: NDArray[np.float64]) -> NDArray[np.intp]:
    """Sites open in the relaxed problem: forced ones plus the cheapest reduced costs."""
    free = inst.allowed.copy()
    free[inst.forced_open] = False
    idx = np.flatnonzero(free)
    if inst.k is None:
        extra = idx[rho[idx] < 0]
    else:
        need = inst.k - inst.forced_open.size
        extra = idx[np.argpartition(rho[idx], need - 1)[:need]] if need > 0 else idx[:0]
    return np.concatenate([inst.forced_open, extra]).astype(np.intp)


def _subgradient(
    inst: _Median, incumbent: list[int], deadline: float, max_iter: int = 3000
) -> _Lagrangian:
    """Lagrangian bound relaxing "each point is served once" (Beasley 1993).

    ``L(u) = sum_i u_i + min over sites of sum_j x_j (f_j + sum_i min(0, w_i c_ij - u_i))``,
    a valid lower bound for any ``u``; the relaxed choice of sites also seeds new incumbents.
    """
    wc = inst.wc
    ub = _total(inst, incumbent)
    best = incumbent
    d_sorted = np.sort(wc[:, inst.allowed], axis=1)
    u = d_sorted[:, min(1, d_sorted.shape[1] - 1)].copy()
    buf = np.empty_like(wc)
    best_lb, best_rho = -np.inf, np.zeros(wc.shape[1])
    step, stall = 2.0, 0
    seen: set[tuple[int, ...]] = set()
    for it in range(max_iter):
        np.subtract(wc, u[:, None], out=buf)
        np.minimum(buf, 0.0, out=buf)
        rho = buf.sum(axis=0) + inst.open_cost
        rho[~inst.allowed] = np.inf
        picked = _lagrangian_pick(inst, rho)
        lb = float(u.sum() + rho[picked].sum())
        if lb > best_lb + 1e-9 * max(1.0, abs(lb)):
            best_lb, best_rho, stall = lb, rho.copy(), 0
        else:
            stall += 1
            if stall >= 20:
                step, stall = step / 2, 0
        key = tuple(sorted(picked.tolist()))
        if key and key not in seen:
            seen.add(key)
            value = _total(inst, key)
            if value < ub:
                ub, best = value, list(key)
        if math.ceil(best_lb - 1e-6) >= ub or step < 1e-5 or time.perf_counter() > deadline:
            break
        if it % 50 == 49:  # few sites left after fixing: the exact model is quicker from here
            allowed, _ = _fix_sites(inst, _Lagrangian(best_lb, best_rho, best, ub))
            if allowed.sum() <= EARLY_EXACT_SITES:
                break
        served = (wc[:, picked] < u[:, None]).sum(axis=1)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0:
            break
        u += step * (ub - lb) / norm * g
    return _Lagrangian(best_lb, best_rho, best, ub)


def _fix_sites(inst: _Median, lag: _Lagrangian) -> tuple[BoolArray, NDArray[np.intp]]:
    """Reduced-cost fixing: sites that cannot be in a solution cheaper than the incumbent.

    Returns the sites still allowed and the free sites proven open in any better solution.
    Objectives are integers, so a bound ``b`` with ``ceil(b) >= incumbent`` rules a choice out.
    """
    ub = lag.incumbent_value
    rho = lag.rho
    picked = _lagrangian_pick(inst, rho)
    in_pick = np.zeros(rho.size, bool)
    in_pick[picked] = True
    free = inst.allowed.copy()
    free[inst.forced_open] = False
    if inst.k is None:
        open_bound = lag.bound + np.maximum(rho, 0.0)
        close_bound = lag.bound - np.minimum(rho, 0.0)
    else:
        chosen_free = picked[inst.forced_open.size :]
        worst_in = rho[chosen_free].max() if chosen_free.size else np.inf
        others = rho[free & ~in_pick]
        best_out = others.min() if others.size else np.inf
        open_bound = lag.bound + rho - worst_in
        close_bound = lag.bound - rho + best_out
    ruled_out = free & ~in_pick & (np.ceil(open_bound - 1e-6) >= ub)
    ruled_out[lag.incumbent] = False
    must_open = np.flatnonzero(free & in_pick & (np.ceil(close_bound - 1e-6) >= ub))
    return inst.allowed & ~ruled_out, must_open


def _scip_median(
    inst: _Median,
    sites: NDArray[np.intp],
    must_open: NDArray[np.intp],
    hint: list[int],
    time_limit_s: float,
) -> tuple[list[int], float, float] | None:
    """The classic formulation over ``sites`` with SCIP; None when SCIP found no solution.

    Returns (open sites, objective, proven bound).
    """
    solver = _scip(time_limit_s)
    x = {int(j): solver.BoolVar(f"x{j}") for j in sites}
    fixed = set(inst.forced_open.tolist()) | set(must_open.tolist())
    for j in fixed:
        x[j].SetLb(1)
    if inst.k is not None:
        solver.Add(solver.Sum(list(x.values())) == inst.k)
    objective = solver.Objective()
    for j in sites:
        objective.SetCoefficient(x[int(j)], float(inst.open_cost[j]))
    sub = inst.wc[:, sites]
    cap = sub[:, [i for i, j in enumerate(sites) if int(j) in fixed]].min(axis=1) if fixed else None
    for i in range(sub.shape[0]):
        row = solver.Constraint(1, 1)
        for pos in np.flatnonzero(sub[i] <= cap[i]) if cap is not None else range(sites.size):
            j = int(sites[pos])
            z = solver.NumVar(0, 1, "")
            row.SetCoefficient(z, 1)
            solver.Add(z <= x[j])
            objective.SetCoefficient(z, float(sub[i, pos]))
    objective.SetMinimization()
    solver.SetHint([x[j] for j in x], [1.0 if j in hint else 0.0 for j in x])
    if not _solved(solver.Solve(), "median"):
        return None
    chosen = sorted(j for j, var in x.items() if var.solution_value() > 0.5)
    return chosen, objective.Value(), objective.BestBound()


def _solve_median(
    model: str, inst: _Median, time_limit_s: float, start: float, hint: Sequence[int] = ()
) -> PlacementResult:
    deadline = start + time_limit_s
    incumbent = _local_search(inst, _greedy_median(inst), deadline)
    if hint:  # a caller's start (e.g. a covering layout) competes with the greedy one
        hinted = _local_search(inst, sorted({*hint, *inst.forced_open.tolist()}), deadline)
        if _total(inst, hinted) < _total(inst, incumbent):
            incumbent = hinted
    lag = _subgradient(inst, incumbent, start + 0.5 * time_limit_s)
    incumbent = _local_search(inst, lag.incumbent, deadline)
    value = _total(inst, incumbent)
    bound, engine = lag.bound, "lagrangian"
    allowed, must_open = _fix_sites(inst, _Lagrangian(lag.bound, lag.rho, incumbent, value))
    sites = np.flatnonzero(allowed)
    logger.debug(
        "%s: Lagrangian bound %.0f, incumbent %.0f, %d sites left after fixing",
        model,
        lag.bound,
        value,
        sites.size,
    )
    if math.ceil(bound - 1e-6) < value and sites.size <= MAX_EXACT_SITES:
        left = deadline - time.perf_counter()
        out = _scip_median(inst, sites, must_open, incumbent, left) if left > 1 else None
        if out is not None:
            chosen, mip_value, mip_bound = out
            engine = "lagrangian+scip"
            if mip_value < value - 1e-6:
                incumbent, value = chosen, _total(inst, chosen)
            bound = max(bound, min(value, mip_bound))
    objective = round(value)
    if math.ceil(bound - 1e-6) >= objective:
        bound = float(objective)
    gap = _gap(objective, bound)
    cols = np.asarray(incumbent, dtype=np.intp)
    assignment = cols[np.argmin(inst.wc[:, cols], axis=1)]
    return PlacementResult(
        model=model,
        chosen=tuple(int(j) for j in incumbent),
        assignment=tuple(int(j) for j in assignment),
        objective=objective,
        bound=bound,
        gap=gap,
        status=PlacementStatus.OPTIMAL if gap < 1e-9 else PlacementStatus.FEASIBLE,
        runtime_s=time.perf_counter() - start,
        engine=engine,
        sites_after_reduction=int(sites.size),
        demand_after_reduction=int(inst.wc.shape[0]),
    )


def _median_instance(
    cost: IntArray,
    weight: IntArray,
    open_cost: IntArray | None,
    k: int | None,
    forced_open: Sequence[int],
    forced_closed: Sequence[int],
    time_limit_s: float,
) -> _Median:
    cost = np.asarray(cost)
    weight = np.asarray(weight)
    fo, fc = _check_common(cost.shape, weight, forced_open, forced_closed, time_limit_s)
    if cost.dtype.kind not in "iu" or (cost < 0).any():
        raise ValueError("cost must be non-negative integers")
    if k is not None:
        _check_k(k, fo, fc, cost.shape[1])
    oc = np.zeros(cost.shape[1]) if open_cost is None else np.asarray(open_cost)
    if oc.shape != (cost.shape[1],) or (oc < 0).any():
        raise ValueError(f"open_cost must be non-negative with shape ({cost.shape[1]},)")
    allowed = np.ones(cost.shape[1], bool)
    allowed[fc] = False
    wc = weight.astype(np.float64)[:, None] * cost.astype(np.float64)
    if wc.sum() + oc.sum() >= 2.0**53:
        raise ValueError("weight x cost totals exceed 2**53; use coarser units")
    return _Median(wc, oc.astype(np.float64), k, fo, allowed)


def p_median(
    cost: IntArray,
    weight: IntArray,
    k: int,
    *,
    forced_open: Sequence[int] = (),
    forced_closed: Sequence[int] = (),
    time_limit_s: float = 60.0,
) -> PlacementResult:
    """Open exactly ``k`` sites minimising the weighted cost of serving each point from its
    cheapest open site.

    Formulation (Hakimi 1964; ReVelle and Swain 1970)::

        min  sum_i sum_j w_i c_ij z_ij
        s.t. sum_j z_ij = 1                 for every demand point i
             z_ij <= x_j                    for every i, j
             sum_j x_j = k
             x_j = 1 (forced open), x_j = 0 (forced closed), x binary, z >= 0

    Raises
    ------
    ValueError
        On shapes, negative costs or weights, bad site indices or ``k`` out of range.
    """
    start = time.perf_counter()
    inst = _median_instance(cost, weight, None, k, forced_open, forced_closed, time_limit_s)
    return _solve_median("pmedian", inst, time_limit_s, start)


def fixed_charge(
    cost: IntArray,
    weight: IntArray,
    open_cost: IntArray,
    *,
    forced_open: Sequence[int] = (),
    forced_closed: Sequence[int] = (),
    time_limit_s: float = 60.0,
    hint: Sequence[int] = (),
) -> PlacementResult:
    """Open the sites that minimise opening cost plus weighted service cost (uncapacitated
    facility location). ``hint``: open sites of a known solution, a second start.

    Formulation (Balinski 1965)::

        min  sum_j f_j x_j + sum_i sum_j w_i c_ij z_ij
        s.t. sum_j z_ij = 1                 for every demand point i
             z_ij <= x_j                    for every i, j
             x_j = 1 (forced open), x_j = 0 (forced closed), x binary, z >= 0

    ``cost`` and ``open_cost`` must be in the same unit (grosze) over the same horizon.

    Raises
    ------
    ValueError
        On shapes, negative costs or weights, or bad site indices.
    """
    start = time.perf_counter()
    inst = _median_instance(cost, weight, open_cost, None, forced_open, forced_closed, time_limit_s)
    _sites("hint", hint, inst.wc.shape[1])
    return _solve_median("fixedcost", inst, time_limit_s, start, hint)
