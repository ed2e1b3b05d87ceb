"""Whole-day re-optimisation: a per-ticket diff with totals, applied atomically, refused with
409 when what it re-plans changed, and never making a confirmed on-time ticket late."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from api import reoptimise
from api.booked_world import with_booked
from api.planning import load_snapshot
from dispatch.plans import Leg
from dispatch.store.db import transaction
from dispatch.store.keys import Role
from dispatch.store.plans import ProposedOption
from dispatch.tiers import Tier
from dispatch.timeparse import WARSAW
from dispatch.world import Point, Service, TicketState, WorldSnapshot
from tests.api.conftest import SOS_TICKET, START, Harness, second_waits

DAY = "2026-12-22"
MORE_UNITS = [
    {"unit_id": f"U-WAW-X465-{n}", "depot_id": "WAW", "sku": "X465-48P", "kind": "spare"}
    for n in range(2, 8)
]


def stock_up(api: Harness) -> None:
    reply = api.post("/v1/import/stock", Role.ADMIN, MORE_UNITS)
    assert reply.status_code == 200, reply.text


def confirmed(api: Harness, count: int) -> list[int]:
    """Tickets planned and confirmed now (the stand-in planner's legs leave now; the clock
    goes back a minute after, so that none has started)."""
    out = []
    for _ in range(count):
        plan = api.planned(SOS_TICKET)
        reply = api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
        assert reply.status_code == 200, reply.text
        out.append(plan["ticket_id"])
    api.clock.advance(timedelta(minutes=-1))
    return out


def etas(api: Harness) -> dict[int, str]:
    return {
        leg["ticket_id"]: leg["start_at"]
        for leg in api.get("/v1/legs", day=DAY).json()
        if leg["kind"] == "visit"
    }


def propose(api: Harness) -> dict[str, Any]:
    reply = api.post("/v1/days/reoptimise", Role.DISPATCHER, {"day": DAY})
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


@pytest.mark.filterwarnings("error::sqlalchemy.exc.SADeprecationWarning")
def test_the_day_planned_again_keeps_every_on_time_ticket_on_time(engine_api: Harness) -> None:
    """Four 4 h tickets booked one by one: the proposal re-plans all four, its totals count
    them both ways, no ticket on time before is late after, and applying books it so (with
    no deprecated SQLAlchemy call on the way: one is an error here)."""
    stock_up(engine_api)
    ids = confirmed(engine_api, 4)
    deadlines = {t: engine_api.get(f"/v1/tickets/{t}").json()["deadline"] for t in ids}
    before = etas(engine_api)
    on_time = {
        t for t in ids if datetime.fromisoformat(before[t]) <= datetime.fromisoformat(deadlines[t])
    }
    proposal = propose(engine_api)
    assert proposal["status"] == "proposed" and proposal["before"]["tickets"] == 4
    assert proposal["unchanged"] + len(proposal["changes"]) == 4
    assert proposal["after"]["on_time"] >= proposal["before"]["on_time"]
    for change in proposal["changes"]:
        if change["ticket_id"] in on_time:
            assert change["after"]["on_time"]
    applied = engine_api.post(f"/v1/proposals/{proposal['id']}/apply", Role.DISPATCHER)
    assert applied.status_code == 200, applied.text
    assert applied.json()["status"] == "applied"
    after = etas(engine_api)
    assert set(after) == set(ids)
    for t in on_time:
        assert datetime.fromisoformat(after[t]) <= datetime.fromisoformat(deadlines[t])
    again = engine_api.post(f"/v1/proposals/{proposal['id']}/apply", Role.DISPATCHER)
    assert again.status_code == 409


def test_a_proposal_is_stale_once_an_engineers_day_changed(api: Harness) -> None:
    """A confirm into a day the proposal re-plans makes it stale: 409, nothing booked."""
    stock_up(api)
    confirmed(api, 2)
    proposal = propose(api)
    booked = etas(api)
    confirmed(api, 1)
    reply = api.post(f"/v1/proposals/{proposal['id']}/apply", Role.DISPATCHER)
    assert reply.status_code == 409 and "stale" in reply.json()["detail"]
    assert api.get(f"/v1/proposals/{proposal['id']}").json()["status"] == "stale"
    assert {t: e for t, e in etas(api).items() if t in booked} == booked


def test_only_staff_propose_and_only_dispatchers_apply(api: Harness) -> None:
    stock_up(api)
    confirmed(api, 1)
    assert api.post("/v1/days/reoptimise", Role.TICKETING, {"day": DAY}).status_code == 403
    proposal = api.post("/v1/days/reoptimise", Role.PLANNER, {"day": DAY}).json()
    assert api.post(f"/v1/proposals/{proposal['id']}/apply", Role.PLANNER).status_code == 403
    assert api.get("/v1/proposals/999").status_code == 404
    listed = api.get("/v1/proposals").json()
    assert [p["id"] for p in listed] == [proposal["id"]]


def test_apply_racing_a_confirm_leaves_one_consistent_day(api: Harness) -> None:
    """Apply and a confirm into the same engineer's day, released together: both may not
    win over a day that changed under them; every ticket ends with one visit at most."""
    stock_up(api)
    confirmed(api, 2)
    proposal = propose(api)
    late_plan = api.planned(SOS_TICKET)
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def run(name: str, path: str) -> None:
        barrier.wait()
        results[name] = api.post(path, Role.DISPATCHER).status_code

    threads = [
        threading.Thread(target=run, args=("apply", f"/v1/proposals/{proposal['id']}/apply")),
        threading.Thread(target=run, args=("confirm", f"/v1/plans/{late_plan['id']}/confirm")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) in ([200, 200], [200, 409]), results
    if results["confirm"] == 200 and results["apply"] == 200:
        # the apply went first and left the window as the confirm's plan expected it
        assert api.get(f"/v1/proposals/{proposal['id']}").json()["status"] == "applied"
    visits: dict[int, int] = defaultdict(int)
    for leg in api.get("/v1/legs", day=DAY).json():
        if leg["kind"] == "visit":
            visits[leg["ticket_id"]] += 1
    assert all(n == 1 for n in visits.values())


def test_a_confirm_waits_for_an_apply_that_read_its_day(
    both_api: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The apply is held just after reading what its proposal rests on while a confirm into
    the same engineer's day is sent: the confirm must wait for the apply to commit (else the
    apply books over a day that changed after it checked). SQLite's single writer and
    PostgreSQL's locks on the engineer's day both make it wait."""
    api = both_api
    stock_up(api)
    confirmed(api, 2)
    proposal = propose(api)
    late_plan = api.planned(SOS_TICKET)
    done: dict[str, int] = {}

    def post(name: str, path: str) -> Callable[[], None]:
        def run() -> None:
            done[name] = api.post(path, Role.DISPATCHER).status_code

        return run

    waited = second_waits(monkeypatch, reoptimise, "_basis",
                          post("apply", f"/v1/proposals/{proposal['id']}/apply"),
                          post("confirm", f"/v1/plans/{late_plan['id']}/confirm"))  # fmt: skip
    assert waited and done == {"apply": 200, "confirm": 200}, done


NBD_CONTRACT = {
    "customer_id": "CUST-URZAD", "customer_name": "Urząd Dzielnicy",
    "contract_number": "C-2026-NBD", "tier": "8x5xNBD", "product": "SOS",
    "valid_from": "2026-01-01", "valid_to": "2027-12-31",
}  # fmt: skip
NBD_DEVICES = [
    {"serial": f"SN-NBD-{n}", "contract_number": "C-2026-NBD", "sku": "X465-48P",
     "address": f"ul. Marszałkowska {n + 1}, Warszawa", "lat": 52.22 + n / 100, "lon": 21.01}
    for n in range(3)
]  # fmt: skip


def test_the_evening_run_plans_tomorrows_nbd_visits_together(engine_api: Harness) -> None:
    """Three next-business-day tickets accepted at 16:30 (due tomorrow 17:00); at 19:00 two
    are booked for tomorrow one by one and one is not planned yet. Tomorrow's re-optimisation
    takes all three together, books the third into tomorrow's day on time and keeps the two
    on time; applied, tomorrow holds the three visits."""
    api = engine_api
    stock_up(api)
    for kind, rows in (("contracts", [NBD_CONTRACT]), ("devices", NBD_DEVICES)):
        assert api.post(f"/v1/import/{kind}", Role.ADMIN, rows).status_code == 200
    api.clock.advance(timedelta(hours=6, minutes=30))  # Tue 16:30, inside 8x5 hours
    ids = [
        api.accepted({"contract_number": "C-2026-NBD", "serial": d["serial"], "description": "x"})
        for d in NBD_DEVICES
    ]
    api.clock.advance(timedelta(hours=2, minutes=30))  # 19:00: the shifts are over
    for ticket in ids[:2]:
        plan = api.post(f"/v1/tickets/{ticket}/plan", Role.DISPATCHER).json()
        assert api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).status_code == 200
    reply = api.post("/v1/days/reoptimise", Role.DISPATCHER, {"day": "2026-12-23"})
    assert reply.status_code == 200, reply.text
    proposal = reply.json()
    assert (proposal["before"]["tickets"], proposal["before"]["served"]) == (3, 2)
    assert proposal["after"]["on_time_by_tier"] == {"8x5xNBD": 3}
    (added,) = [c for c in proposal["changes"] if c["before"] is None]
    assert added["ticket_id"] == ids[2] and added["after"]["eta"].startswith("2026-12-23")
    applied = api.post(f"/v1/proposals/{proposal['id']}/apply", Role.DISPATCHER)
    assert applied.status_code == 200, applied.text
    visits = {g["ticket_id"] for g in api.get("/v1/legs", day="2026-12-23").json()
              if g["kind"] == "visit"}  # fmt: skip
    assert visits == set(ids)


def test_an_nbd_ticket_accepted_after_hours_is_in_tomorrows_evening_run(
    engine_api: Harness,
) -> None:
    """Accepted on Tuesday at 19:30, a next-business-day ticket's clock starts on Wednesday at
    09:00 (due on the next business day after it), and nobody planned it yet: Wednesday's
    evening run takes it and plans its visit into Wednesday."""
    api = engine_api
    stock_up(api)
    for kind, rows in (("contracts", [NBD_CONTRACT]), ("devices", NBD_DEVICES[:1])):
        assert api.post(f"/v1/import/{kind}", Role.ADMIN, rows).status_code == 200
    api.clock.now = datetime(2026, 12, 22, 19, 30, tzinfo=WARSAW)
    ticket = api.accepted(
        {"contract_number": "C-2026-NBD", "serial": NBD_DEVICES[0]["serial"], "description": "x"}
    )
    shown = api.get(f"/v1/tickets/{ticket}").json()
    assert shown["clock_start"].startswith("2026-12-23T09:00")
    assert not shown["deadline"].startswith("2026-12-23")  # due after the evening run's day
    proposal = propose_day(api, "2026-12-23")
    assert proposal["before"]["tickets"] == 1 and proposal["note"] is None
    (added,) = proposal["changes"]
    assert added["ticket_id"] == ticket and added["before"] is None
    assert added["after"]["eta"].startswith("2026-12-23") and added["after"]["on_time"]


def propose_day(api: Harness, day: str) -> dict[str, Any]:
    reply = api.post("/v1/days/reoptimise", Role.DISPATCHER, {"day": day})
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


class Offer:
    """A planner offering one visit: ``engineer`` picks the part up 20 min before ``visit``
    and works on site for 50 min, for ``cost_gr``."""

    def __init__(self, engineer: str, visit: datetime, cost_gr: int) -> None:
        self.engineer, self.visit, self.cost_gr = engineer, visit, cost_gr

    def plan(self, _world: WorldSnapshot, ticket: TicketState) -> list[ProposedOption]:
        depot = Point(52.20, 20.95, "WAW")
        pick = self.visit - timedelta(minutes=20)
        done = self.visit + timedelta(minutes=50)

        def leg(kind: str, at: Point, depart: datetime, start: datetime, end: datetime) -> Leg:
            return Leg(vehicle=self.engineer, kind=kind, ticket=ticket.id, ref=ticket.id,
                       origin=depot, destination=at, depart=depart, arrive=start, start=start,
                       finish=end, drive_s=int((start - depart).total_seconds()),
                       distance_m=10_000)  # fmt: skip

        legs = (
            leg("pickup", depot, pick - timedelta(minutes=15), pick, pick + timedelta(minutes=5)),
            leg("visit", ticket.site, pick + timedelta(minutes=5), self.visit, done),
        )
        return [ProposedOption(
            mode="engineer", depot_id="WAW", sku=ticket.sku, engineer_id=self.engineer,
            depart_at=pick, arrival_at=self.visit, finish_at=done, cost_gr=self.cost_gr,
            reason="scripted", source="depot", legs=legs,
        )]  # fmt: skip


def booked_at_three(api: Harness, monkeypatch: pytest.MonkeyPatch) -> int:
    """A 4 h ticket accepted at 15:00 (due 19:00), booked with Anna Kowalska (E-WAW-1, shift
    to 18:00) at 16:00 for 50 zł."""
    api.clock.now = START + timedelta(hours=5)
    booking = Offer("E-WAW-1", START + timedelta(hours=6), 5_000)
    monkeypatch.setattr(api.planner, "plan", booking.plan)
    plan = api.planned(SOS_TICKET)
    assert api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).status_code == 200
    return int(plan["ticket_id"])


def test_a_change_that_only_buys_overtime_is_not_proposed(
    api: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The re-optimisation finds the ticket 20 zł cheaper with Piotr Nowak, as punctual, but
    on site after his shift ends at 18:00 (50 min of overtime at 1.5x his 110 zł an hour):
    not worth it, the day stays as booked. The same saving inside his shift is taken."""
    ticket = booked_at_three(api, monkeypatch)
    evening = Offer("E-KRK-1", START + timedelta(hours=8), 3_000)  # 18:00, due 19:00
    monkeypatch.setattr(api.planner, "plan", evening.plan)
    proposal = propose(api)
    assert proposal["tried"] == 1 and proposal["changes"] == [] and not proposal["improves"]
    assert proposal["after"]["overtime_s"] == proposal["before"]["overtime_s"] == 0
    afternoon = Offer("E-KRK-1", START + timedelta(hours=6, minutes=30), 3_000)  # in shift
    monkeypatch.setattr(api.planner, "plan", afternoon.plan)
    proposal = propose(api)
    (change,) = proposal["changes"]
    assert change["ticket_id"] == ticket and change["after"]["engineer_id"] == "E-KRK-1"
    assert proposal["improves"] and proposal["after"]["cost_gr"] == 3_000


class ByWorld:
    """``alone`` for a world of the booked engineer only (what keeping the ticket with Anna
    costs now), ``others`` for any other world."""

    def __init__(self, alone: Offer, others: Offer) -> None:
        self.alone, self.others = alone, others

    def plan(self, world: WorldSnapshot, ticket: TicketState) -> list[ProposedOption]:
        only_anna = [e.id for e in world.engineers] == ["E-WAW-1"]
        return (self.alone if only_anna else self.others).plan(world, ticket)


def test_a_saving_against_a_stale_booked_price_is_not_proposed(
    api: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Booked with Anna at 50 zł, but in the day as it is now keeping her visit costs 25 zł (a
    later booking may share the trip it paid for): Piotr's 30 zł saves nothing and the day stays
    as booked. When keeping it still costs 45 zł, the move is proposed, and the diff shows that
    45 zł, not the stale 50, against Piotr's 30."""
    ticket = booked_at_three(api, monkeypatch)
    piotr = Offer("E-KRK-1", START + timedelta(hours=6, minutes=30), 3_000)
    shared = Offer("E-WAW-1", START + timedelta(hours=6), 2_500)
    monkeypatch.setattr(api.planner, "plan", ByWorld(shared, piotr).plan)
    proposal = propose(api)
    assert proposal["tried"] == 1 and proposal["changes"] == [] and not proposal["improves"]
    alone = Offer("E-WAW-1", START + timedelta(hours=6), 4_500)
    monkeypatch.setattr(api.planner, "plan", ByWorld(alone, piotr).plan)
    proposal = propose(api)
    (change,) = proposal["changes"]
    assert change["ticket_id"] == ticket and change["after"]["engineer_id"] == "E-KRK-1"
    assert change["before"]["cost_gr"] == 4_500 and change["after"]["cost_gr"] == 3_000
    assert proposal["before"]["cost_gr"] - proposal["after"]["cost_gr"] == 1_500


def test_overtime_is_priced_at_the_engineers_on_call_rate(api: Harness) -> None:
    """A world where an engineer works 50 min past the shift's end costs those 50 min at 1.5x
    the hourly rate (110 zł for Piotr Nowak); the way back saves as much."""
    now = START + timedelta(hours=5)
    with transaction(api.db.factory) as session:
        world = load_snapshot(session, now)
    ticket = TicketState(id="1", service=Service.SOS, tier=Tier.parse("24x7x4"), accepted_at=now,
                         deadline=now + timedelta(hours=4), site=Point(52.2, 21.0),
                         sku="X465-48P")  # fmt: skip
    (option,) = Offer("E-KRK-1", START + timedelta(hours=8), 0).plan(world, ticket)
    later = with_booked(world, option, ticket)
    overtime = 16_500 * 50 // 60  # 50 min at 165 zł an hour
    assert reoptimise.overtime_gr(world, later) == overtime
    assert reoptimise.overtime_gr(later, world) == -overtime


def test_a_ticket_is_re_inserted_among_the_skilled_engineers_nearest_to_its_site(
    api: Harness,
) -> None:
    """Of 20 engineers a kilometre apart eastwards from the site, the 12 nearest with the
    switch skill are offered, and the far one the ticket is booked with; the rest keep their
    days but are not offered. A day's budget grows with its tickets, within 3.5..11 s."""
    with transaction(api.db.factory) as session:
        world = load_snapshot(session, START)
    site = Point(52.2, 21.0)
    model = world.engineers[0]
    engineers = tuple(
        replace(model, id=f"E-{n:02}", home=Point(site.lat, site.lon + n / 70), position=None,
                skills=frozenset({"wireless"} if n % 5 == 0 else {"switch"}))
        for n in range(1, 21)
    )  # fmt: skip
    ticket = TicketState(id="1", service=Service.SOS, tier=Tier.parse("24x7x4"),
                         accepted_at=START, deadline=START + timedelta(hours=4), site=site,
                         sku="X465-48P")  # fmt: skip
    near = reoptimise._near(replace(world, engineers=engineers), ticket, booked="E-20")
    skilled = [e.id for e in engineers if "switch" in e.skills]
    assert [e.id for e in near.engineers] == [*skilled[:12], "E-20"]
    budgets = [reoptimise.day_budget(n) for n in (10, 70, 100, 234, 400)]
    assert budgets == [3.5, 3.5, 5.0, 11.0, 11.0]
