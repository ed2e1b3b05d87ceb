"""The simulation: a year's event trace, accounting, stock, engineers, determinism, Dask; and
a day replayed under the demo's rules (seeded arrivals, every ticket accounted for, engineers'
days consistent)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depots.demand import ReturnLoop, day_start_s, draw_tickets
from depots.demo_world import DemoWorld, StockRow, load
from depots.replications import replication, run_replications
from depots.simulation import RunResult, prepare, simulate, simulate_day, workload
from depots.simulation_params import Layout, SimulationParams
from dispatch.errors import InvalidInput
from dispatch.places import resolve
from dispatch.travel import depart_hour_of_week
from solver.travel.road import RoadTravel
from tests.depots.simworld import write_scenario

DAY = date(2026, 12, 2)  # the demo's day, a Wednesday
VERIFY_S = 600  # the tiny scenario verifies every ticket in exactly 10 minutes
# Back a day later; each ticket planned at acceptance (the phase-1 mode these tests pin down).
RETURNS = (
    "[returns]\nmax_days = 0\nrepair_days = 1\ntransfer_days = 0\n[planner]\nmode = 'phase1'\n"
)


@pytest.fixture(scope="module")
def params(tmp_path_factory: pytest.TempPathFactory) -> SimulationParams:
    return SimulationParams.from_toml(write_scenario(tmp_path_factory.mktemp("sim"), RETURNS))


@pytest.fixture(scope="module")
def run(params: SimulationParams) -> RunResult:
    return simulate(params, np.random.default_rng(3), trace=True)


def test_trace_follows_each_ticket_from_failure_to_restock(run: RunResult) -> None:
    trace = run.trace
    assert [at for at, _, _ in trace] == sorted(at for at, _, _ in trace)
    days = [(at, ref) for at, kind, ref in trace if kind == "day"]
    start = date(2027, 3, 1)
    assert days[:7] == [
        (day_start_s(start + timedelta(days=k)), (start + timedelta(days=k)).isoformat())
        for k in range(7)
    ]
    assert len(run.tickets) >= 5
    for row in run.tickets.itertuples():
        mine = [(at, kind) for at, kind, ref in trace if ref == row.ticket]
        failed = row.submitted_s
        expected = [(failed, "fail"), (failed + VERIFY_S, "accept")]
        if row.status == "unassigned":
            expected.append((failed + VERIFY_S, "unassigned"))
        else:
            outcome = "late" if row.status == "late" else "planned"
            expected += [(failed + VERIFY_S, outcome), (row.eta_s, "return")]
            if row.eta_s + 86_400 <= trace[-1][0]:
                expected.append((row.eta_s + 86_400, "restock"))
        assert mine == expected, row.ticket


def test_every_ticket_ends_on_time_late_or_unassigned(run: RunResult) -> None:
    t = run.tickets
    assert set(t.status) <= {"on_time", "late", "unassigned"}
    planned = t[t.status != "unassigned"]
    assert ((planned.eta_s <= planned.deadline_s) == (planned.status == "on_time")).all()
    assert (planned.eta_s >= planned.accepted_s).all()
    assert (planned["mode"] != "").all() and (planned.cost_pln >= 0).all()
    unassigned = t[t.status == "unassigned"]
    assert (unassigned.reason != "").all() and (unassigned.eta_s == -1).all()
    assert t.ticket.is_unique


def test_stock_is_never_negative_and_units_are_conserved(params: SimulationParams) -> None:
    slow_repair = dataclasses.replace(params, returns=ReturnLoop(repair_days=400.0))
    result = simulate(slow_repair, np.random.default_rng(5))
    daily = result.stock.groupby("day").units.sum()
    assert (result.stock.units >= 0).all() and (result.stock.empty_skus >= 0).all()
    t = result.tickets
    before_last_day = t.accepted_s < day_start_s(max(result.stock["day"]))
    from_depot = t[before_last_day & (t.status != "unassigned") & (t["mode"] != "engineer+van")]
    assert daily.iloc[0] - daily.iloc[-1] == len(from_depot)
    assert daily.iloc[-1] >= 0


def test_without_stock_the_engine_explains_why_tickets_are_unassigned(
    params: SimulationParams,
) -> None:
    empty = dataclasses.replace(params, layout=Layout(stock_scale=0.0))
    result = simulate(empty, np.random.default_rng(3))
    ahb = result.tickets[result.tickets.service == "AHB"]
    assert len(ahb) > 0
    assert (ahb.status == "unassigned").all()
    assert ahb.reason.str.contains("stock").all()
    assert (result.stock.units == 0).all()


def test_an_engineer_never_works_two_tickets_at_once(run: RunResult) -> None:
    onsite = {"SW1": 3600, "AP1": 1800}
    jobs = run.tickets[run.tickets.engineer != ""].sort_values("eta_s")
    assert len(jobs) > 0
    for _, mine in jobs.groupby("engineer"):
        ends = mine.eta_s + mine.sku.map(onsite)
        assert (mine.eta_s.iloc[1:].to_numpy() >= ends.iloc[:-1].to_numpy()).all()


def test_utilisation_is_busy_time_over_shift_time_and_work_off_shift(run: RunResult) -> None:
    e = run.engineers.set_index("engineer")
    business_days = 5  # 2027-03-01..07 is Monday to Sunday, no holiday
    assert e.loc["E1", "shift_h"] == 8 * business_days
    assert e.loc["E2", "shift_h"] == 8 * business_days
    assert e.loc["E1", "off_shift_h"] > 0  # E1 is on call: evening work for 24x7 tickets
    assert ((e.off_shift_h >= 0) & (e.off_shift_h <= e.busy_h)).all()
    assert np.allclose(e.utilisation, e.busy_h / (e.shift_h + e.off_shift_h))
    assert e.jobs.sum() == (run.tickets.engineer != "").sum()


def test_utilisation_over_a_holiday_weekend_is_a_share(tmp_path: Path) -> None:
    """2027-01-01 is a holiday Friday, then Saturday: no shift at all, only on-call work.

    Dividing that work by (almost) zero shift time gave utilisation in the thousands.
    """
    params = SimulationParams.from_toml(
        write_scenario(tmp_path, RETURNS, start="2027-01-01", days=2)
    )
    e = simulate(params, np.random.default_rng(3)).engineers.set_index("engineer")
    assert (e.shift_h == 0).all()
    assert e.loc["E1", "busy_h"] > 0 and e.loc["E1", "off_shift_h"] == e.loc["E1", "busy_h"]
    assert e.loc["E1", "utilisation"] == 1.0  # available only for the hours worked on call
    assert ((e.utilisation >= 0) & (e.utilisation <= 1)).all()


def _covered(spans: list[tuple[int, int]]) -> set[int]:
    return {t for start, end in spans for t in range(start, end)}


@settings(max_examples=300, deadline=None)
@given(
    busy=st.lists(st.tuples(st.integers(0, 300), st.integers(0, 60)), max_size=8).map(
        lambda xs: [(start, start + length) for start, length in xs]
    ),
    cuts=st.lists(st.integers(0, 400), max_size=10, unique=True).map(sorted),
)
def test_workload_splits_busy_seconds_into_on_and_off_shift(
    busy: list[tuple[int, int]], cuts: list[int]
) -> None:
    """Against counting second by second: overlaps count once, shifts by their overlap."""
    shifts = list(zip(cuts[0::2], cuts[1::2], strict=False))
    busy_s, shift_s, off_s = workload(busy, shifts)
    worked, on_shift = _covered(busy), _covered(shifts)
    assert busy_s == len(worked)
    assert shift_s == len(on_shift)
    assert off_s == len(worked - on_shift)
    assert busy_s <= shift_s + off_s  # utilisation never above 1


def test_a_replication_is_a_pure_function_of_scenario_and_index(params: SimulationParams) -> None:
    first, again, other = replication(params, 0), replication(params, 0), replication(params, 1)
    pd.testing.assert_frame_equal(first.tickets, again.tickets)
    assert not first.tickets[["device", "submitted_s"]].equals(
        other.tickets[["device", "submitted_s"]]
    )


def test_local_process_pool_matches_serial_runs(params: SimulationParams) -> None:
    pooled = run_replications([(params, 0), (params, 1)], "local:2")
    for i, result in enumerate(pooled):
        pd.testing.assert_frame_equal(result.tickets, replication(params, i).tickets)


def test_dask_cluster_runs_replications(params: SimulationParams) -> None:
    from dask.distributed import LocalCluster

    prepare(params)  # the in-process workers share this process's prepared world
    with LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address.replace("tcp://", "dask://")
        (single,) = run_replications([(params, 2)], address)  # one run goes to the cluster too
        assert "replication" in cluster.scheduler.task_prefixes
        results = run_replications([(params, 0), (params, 1)], address)
    assert [r.replication for r in results] == [0, 1]
    pd.testing.assert_frame_equal(single.tickets, replication(params, 2).tickets)
    for i, result in enumerate(results):
        pd.testing.assert_frame_equal(result.tickets, replication(params, i).tickets)


def test_layout_naming_an_unknown_depot_is_refused(params: SimulationParams) -> None:
    with pytest.raises(InvalidInput, match=r"layout\.close"):
        prepare(dataclasses.replace(params, layout=Layout(close=("XXX",))))


def test_closing_a_depot_removes_it_from_planning(params: SimulationParams) -> None:
    result = simulate(
        dataclasses.replace(params, layout=Layout(close=("WAW",))), np.random.default_rng(3)
    )
    assert set(result.tickets.depot) <= {"KRK", ""}
    assert set(result.stock.depot) == {"KRK"}


def test_parts_leave_a_depot_no_sooner_than_packed_after_acceptance(run: RunResult) -> None:
    pick_s = {"KRK": 30 * 60, "WAW": 20 * 60}
    t = run.tickets
    from_depot = t[t["mode"].isin(["engineer+depot", "dedicated", "engineer+meet"])]
    assert len(from_depot) > 0
    assert (from_depot.eta_s >= from_depot.accepted_s + from_depot.depot.map(pick_s)).all()


@pytest.mark.parametrize("planner", ["routing", "rolling"])
def test_routing_planners_account_for_every_ticket_and_keep_stock(
    params: SimulationParams, planner: str
) -> None:
    """Both routing planners (the whole plan committed, or only what is due: the demo's rules)
    over several days: every ticket once, stock never negative, commits at planning moments."""
    routed = dataclasses.replace(
        params, days=3, planner=planner, time_limit_s=0.2, final_time_limit_s=0.5
    )
    result = simulate(routed, np.random.default_rng(3), trace=True)
    t = result.tickets
    assert len(t) > 0 and t.ticket.is_unique
    assert set(t.status) <= {"on_time", "late", "unassigned"}
    planned = t[t.status != "unassigned"]
    assert (planned.eta_s >= planned.accepted_s).all()
    assert ((planned.eta_s <= planned.deadline_s) == (planned.status == "on_time")).all()
    assert (result.stock.units >= 0).all()
    assert ((result.engineers.utilisation >= 0) & (result.engineers.utilisation <= 1)).all()
    moments = [at for at, kind, _ in result.trace if kind in ("planned", "unassigned")]
    assert all(at % 900 == 0 for at in moments)  # planned at the 15-minute planning moments


# ---- a day under the demo's rules ("rolling"): dispatch demo's run ----


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    """The committed demo world."""
    return load()


@pytest.fixture(scope="module")
def day(world: DemoWorld) -> RunResult:
    """A short day: 20 failures planned with small engine time limits."""
    tickets = draw_tickets(world, DAY, 20, np.random.default_rng(3))
    params = SimulationParams.demo_day(DAY, time_limit_s=0.3, final_time_limit_s=0.5)
    return simulate_day(world, tickets, RoadTravel.default(), params)


def test_every_ticket_gets_an_outcome(day: RunResult) -> None:
    """No ticket is silently lost: each is served (with an ETA) or unassigned with a reason."""
    assert set(day.outcomes) == set(day.tickets.ticket) and len(day.tickets) == 20
    for o in day.outcomes.values():
        assert (o.assignment is None) == (o.eta is None)
        assert o.assignment is not None or o.reason


def test_sos_tickets_are_visited_by_their_engineer_and_ahb_ones_are_not(day: RunResult) -> None:
    """An SOS ticket's ETA is its engineer's dispatched visit; AHB tickets need no engineer."""
    visits = {
        (s.ticket, e): s for e, stops in day.stops.items() for s in stops if s.kind == "visit"
    }
    for o in day.outcomes.values():
        if o.assignment is None:
            continue
        if o.ticket.service == "SOS":
            assert o.assignment.engineer is not None
            assert visits[(o.ticket.id, o.assignment.engineer)].arrive == o.eta
        else:
            assert o.assignment.engineer is None
            assert o.assignment.mode in ("courier", "dedicated")


def test_an_engineers_dispatched_stops_leave_time_to_drive(day: RunResult) -> None:
    """Each stop starts after the previous one ends plus the drive (10 min tolerance for the
    time of day the plan was made at), and a pickup precedes its visit."""
    travel = RoadTravel.default()
    for stops in day.stops.values():
        for before, after in pairwise(stops):
            a, b = resolve(before.location), resolve(after.location)
            (drive_s,), _ = travel.matrix(
                np.array([[a.lat, a.lon]]),
                np.array([[b.lat, b.lon]]),
                depart_hour_of_week(before.depart),
            )
            gap = after.arrive - before.depart
            assert gap >= timedelta(seconds=int(drive_s[0])) - timedelta(minutes=10)
        visit = {s.ticket: s for s in stops if s.kind == "visit"}
        for pickup in (s for s in stops if s.kind == "pickup"):
            assert pickup.depart <= visit[pickup.ticket].arrive


def test_the_engine_is_called_in_batches_and_once_more_at_the_end(day: RunResult) -> None:
    """Planning moments follow arrivals; a final re-optimisation closes the day."""
    assert day.calls
    finals = [c for c in day.calls if c.final]
    assert len(finals) <= 1
    assert not finals or day.calls[-1].final
    assert [c.at for c in day.calls] == sorted(c.at for c in day.calls)


def _taken(day: RunResult) -> Counter[tuple[str, str]]:
    """Units taken per (depot or engineer's van, SKU)."""
    taken: Counter[tuple[str, str]] = Counter()
    for o in day.outcomes.values():
        a = o.assignment
        if a is not None:
            owner = a.engineer if a.source == "van" else a.depot
            assert owner is not None
            taken[(owner, a.sku)] += 1
    return taken


def test_no_unit_is_taken_twice(world: DemoWorld, day: RunResult) -> None:
    """Across all planning moments, each depot gives at most the units it held, van stock too."""
    held = {(row.depot, row.sku): row.units for row in world.stock}
    held |= {(e.id, sku): 1 for e in world.engineers for sku in e.van_stock.split(";") if sku}
    for key, units in _taken(day).items():
        assert units <= held.get(key, 0), key


def test_scarce_stock_is_shared_across_planning_moments(world: DemoWorld) -> None:
    """With one unit of each model in Kraków only, no unit is given twice across planning
    moments; a ticket is served with its model or a listed substitute, or is unassigned with
    the engine's reason."""
    scarce = replace(
        world,
        stock=tuple(StockRow("KRK", s.sku, 1) for s in world.skus),
        engineers=tuple(replace(e, van_stock="") for e in world.engineers),
    )
    tickets = draw_tickets(scarce, DAY, 32, np.random.default_rng(11))
    day = simulate_day(
        scarce,
        tickets,
        RoadTravel.default(),
        SimulationParams.demo_day(DAY, time_limit_s=0.2, final_time_limit_s=0.5),
    )
    assert max(_taken(day).values()) == 1
    subs = {s.sku: {s.sku, *s.substitutes.split(";")} for s in world.skus}
    served = [o.assignment for o in day.outcomes.values() if o.assignment is not None]
    assert all(a.sku in subs[day.outcomes[a.ticket].ticket.device.sku] for a in served)
    unassigned = [o for o in day.outcomes.values() if o.assignment is None]
    assert len(unassigned) >= len(tickets) - len(world.skus)  # 27 units, 32 tickets
    assert all(o.reason for o in unassigned)
