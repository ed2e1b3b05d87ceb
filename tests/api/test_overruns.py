"""An overrun re-plans the engineer's later visits: a visit reported arrived with no end by its
planned end plus the threshold gets a repair proposal for what follows it, once."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from api import overruns
from dispatch.store.db import transaction
from dispatch.store.keys import Role, create_key
from tests.api.conftest import START, Harness, import_demo, make_harness
from tests.api.test_repairs import booked
from tests.support_db import Database

THRESHOLD = timedelta(minutes=30)


def sweep(api: Harness) -> list[overruns.Overrun]:
    reads = api.client.app.state.reads  # type: ignore[attr-defined]
    return overruns.sweep(api.db.factory, reads, api.planner, now=api.clock(),
                          threshold=THRESHOLD)  # fmt: skip


def visit(api: Harness, engineer: str, ticket: int) -> dict[str, Any]:
    legs = api.get("/v1/legs", day="2026-12-22", vehicle=engineer).json()
    found: dict[str, Any] = next(
        g for g in legs if g["kind"] == "visit" and g["ticket_id"] == ticket
    )
    return found


def kinds(api: Harness, ticket: int) -> list[str]:
    return [e["kind"] for e in api.get(f"/v1/tickets/{ticket}").json()["history"]]


def report(api: Harness, engineer: str, ticket: int, kind: str, at: str) -> None:
    with transaction(api.db.factory) as session:
        key = create_key(session=session, role=Role.FIELD, client=engineer, now=START)
    body = {"event_id": f"{kind}-{ticket}", "vehicle": engineer, "ticket_id": ticket,
            "kind": kind, "at": at}  # fmt: skip
    reply = api.client.post("/v1/field/events", json=body, headers={"X-API-Key": key})
    assert reply.status_code == 200, reply.text


def on_site(api: Harness) -> tuple[int, str, datetime]:
    """A ticket booked and its engineer reported arrived on site: the ticket, the engineer
    and the visit's planned end (re-timed by the arrival)."""
    first, engineer = booked(api)
    arrive = visit(api, engineer, first)["arrive_at"]
    api.clock.now = datetime.fromisoformat(arrive)
    report(api, engineer, first, "arrived", arrive)
    return first, engineer, datetime.fromisoformat(visit(api, engineer, first)["finish_at"])


def test_an_overrun_proposes_the_engineers_later_visits_once(both_api: Harness) -> None:
    """On site and not finished 29 min past the planned end: nothing; 31 min past: the later
    visit is proposed for repair and the overrunning ticket hears of it; then never again
    (SQLite and PostgreSQL)."""
    api = both_api
    first, engineer, end = on_site(api)
    api.clock.now = end + THRESHOLD - timedelta(minutes=1)
    assert sweep(api) == []
    api.clock.now = end + THRESHOLD + timedelta(minutes=2)
    second, same = booked(api)  # leaves a minute from now: not started
    assert same == engineer
    (overrun,) = sweep(api)
    assert (overrun.vehicle, overrun.ticket_id, overrun.later) == (engineer, first, (second,))
    assert overrun.proposal_id is not None
    proposal = api.get(f"/v1/proposals/{overrun.proposal_id}").json()
    assert proposal["kind"] == "repair" and f"overran ticket {first}" in proposal["trigger"]
    assert [c["ticket_id"] for c in proposal["changes"]] == [second]
    assert kinds(api, first).count("overrun") == 1
    api.clock.advance(timedelta(minutes=30))
    assert sweep(api) == []


def test_a_visit_finished_late_is_no_overrun(api: Harness) -> None:
    """Finished past the threshold but reported before the sweep: nothing to repair."""
    first, engineer, end = on_site(api)
    api.clock.now = end + THRESHOLD + timedelta(minutes=5)
    report(api, engineer, first, "finished", (end + THRESHOLD).isoformat())
    assert sweep(api) == []


def test_the_server_sweeps_overruns_by_itself(sqlite_database: Database) -> None:
    """With the app running, an overrun is marked without any request."""
    for api in make_harness(sqlite_database, escalation_interval_s=0.05):
        import_demo(api)
        first, _, end = on_site(api)
        api.clock.now = end + THRESHOLD + timedelta(minutes=1)
        waited = 0.0
        while "overrun" not in kinds(api, first):
            assert waited < 30, "the sweep did not mark the overrun"
            time.sleep(0.05)
            waited += 0.05
