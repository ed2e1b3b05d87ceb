"""PyVRP's search parameters chosen by the time limit."""

import pyvrp

from solver.routing.engines.pyvrp_engine import search_params


def test_runs_under_two_seconds_get_a_short_history_and_fewer_neighbours() -> None:
    for limit in (0.1, 0.95, 1.9):
        params = search_params(limit)
        assert params.ils.history_length == 30
        assert params.neighbourhood.num_neighbours == 30


def test_longer_runs_keep_pyvrps_defaults() -> None:
    for limit in (2.0, 9.95, 60.0):
        assert search_params(limit) == pyvrp.SolveParams()
