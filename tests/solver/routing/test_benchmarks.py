"""Benchmark readers: DIMACS and Li & Lim conventions, ids kept, malformed files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.routing.benchmarks import read_lilim, read_solomon
from solver.routing.evaluator import evaluate
from solver.routing.params import SolveParams
from solver.routing.solve import solve

DATA = Path(__file__).parent / "data"


def test_solomon_distances_are_truncated_tenths_and_times_scaled():
    """Customer 5 at (3, 4) is 5.0 away -> 50; windows and service times x10."""
    inst = read_solomon(DATA / "tiny_solomon.txt")
    p = inst.problem
    assert inst.scale == 10 and inst.ids == (1, 2, 3, 4, 5)
    assert int(p.distance_m[0, 5]) == 50 and int(p.distance_m[1, 3]) == 141  # 14.142 -> 141
    assert p.jobs[4].windows == ((0, 1000),) and p.jobs[0].service_s == 100
    assert len(p.vehicles) == 3 and p.vehicles[0].capacity == 20


def test_solomon_optimum_of_the_tiny_instance():
    """Capacity 20 fits two 10s, so customer 5 rides alone: spokes 400 + 400, plus 100 -> 90.0."""
    inst = read_solomon(DATA / "tiny_solomon.txt")
    result = solve(inst.problem, SolveParams(time_limit_s=0.3))
    assert result.evaluation.feasible
    assert result.evaluation.distance_m == 900


def test_lilim_pairs_link_pickups_to_their_deliveries():
    """Tasks 1->2 and 3->4 become two pairs carrying 5 each."""
    inst = read_lilim(DATA / "tiny_lilim.txt")
    p = inst.problem
    assert inst.scale == 1000
    assert [(p.jobs[q.pickup].id, p.jobs[q.delivery].id, q.amount) for q in p.pairs] == [
        ("1", "2", 5),
        ("3", "4", 5),
    ]
    result = solve(p, SolveParams(time_limit_s=0.3))
    assert evaluate(p, result.evaluation.route_jobs).feasible


@pytest.mark.parametrize(
    ("reader", "text", "match"),
    [
        # a Li & Lim header given to the Solomon reader
        (read_solomon, "3 10 1\n0 0 0 0 0 10 0 0 0\n", "Solomon"),
        # a pickup naming a delivery that does not exist
        (read_lilim, "1 10 1\n0 0 0 0 0 10 0 0 0\n1 1 1 1 0 10 0 0 9\n", "missing delivery 9"),
    ],
)
def test_malformed_files_are_refused_with_the_reason(tmp_path, reader, text, match):
    """The error names the file and what is wrong."""
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        reader(path)
