"""Field reports: idempotent, accepted late and out of order, refused when impossible; the
``field`` role's limits; the day re-timed and the world the engine plans in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from api.planning import load_snapshot
from dispatch.store import field as store_field
from dispatch.store.db import transaction
from dispatch.store.keys import Role, create_key
from tests.api.conftest import SOS_TICKET, START, Harness, second_waits

DAY = "2026-12-22"


def field_key(api: Harness, vehicle: str) -> dict[str, str]:
    with transaction(api.db.factory) as session:
        return {
            "X-API-Key": create_key(session=session, role=Role.FIELD, client=vehicle, now=START)
        }


def booked_visit(api: Harness) -> tuple[int, str, list[dict[str, Any]]]:
    """A confirmed 4 h SOS ticket: its id, its engineer and the engineer's legs."""
    plan = api.planned(SOS_TICKET)
    assert api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).status_code == 200
    engineer = plan["recommendation"]["engineer_id"]
    legs = api.get("/v1/legs", day=DAY, vehicle=engineer).json()
    return plan["ticket_id"], engineer, legs


def visit_of(legs: list[dict[str, Any]], ticket: int) -> dict[str, Any]:
    return next(g for g in legs if g["kind"] == "visit" and g["ticket_id"] == ticket)


def send(api: Harness, key: dict[str, str], event_id: str, **body: Any) -> Any:
    return api.client.post("/v1/field/events", json={"event_id": event_id, **body}, headers=key)


def at(leg: dict[str, Any], name: str, minutes: int = 0) -> str:
    return (datetime.fromisoformat(leg[name]) + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def visit(engine_both_api: Harness) -> tuple[Harness, int, str, dict[str, Any], dict[str, str]]:
    """A booked visit two hours after its end, and its engineer's field key; on SQLite and on
    PostgreSQL."""
    api = engine_both_api
    ticket, engineer, legs = booked_visit(api)
    leg = visit_of(legs, ticket)
    api.clock.now = datetime.fromisoformat(leg["finish_at"]) + timedelta(hours=2)
    return api, ticket, engineer, leg, field_key(api, engineer)


def test_a_visit_reported_through_delivers_the_ticket_at_the_arrival(visit: Any) -> None:
    api, ticket, engineer, leg, key = visit
    common = {"vehicle": engineer, "ticket_id": ticket}
    assert send(api, key, "e1", kind="departed", at=leg["depart_at"], **common).status_code == 200
    arrived = send(api, key, "e2", kind="arrived", at=at(leg, "start_at", 10), **common)
    assert arrived.json()["visit"]["state"] == "on_site"
    done = send(api, key, "e3", kind="finished", at=at(leg, "finish_at", 10), **common)
    assert done.status_code == 200 and done.json()["visit"]["state"] == "finished"
    body = api.get(f"/v1/tickets/{ticket}").json()
    assert body["status"] == "delivered"
    assert body["delivered_at"] == datetime.fromisoformat(at(leg, "start_at", 10)).isoformat()


def test_a_retry_is_a_replay_and_a_reused_id_a_conflict(visit: Any) -> None:
    api, ticket, engineer, leg, key = visit
    body = {"vehicle": engineer, "ticket_id": ticket, "kind": "departed", "at": leg["depart_at"]}
    first = send(api, key, "same", **body)
    again = send(api, key, "same", **body)
    assert first.status_code == again.status_code == 200
    assert again.json()["replayed"] and again.json()["id"] == first.json()["id"]
    other = send(api, key, "same", **{**body, "kind": "arrived"})
    assert other.status_code == 409 and "event_id" in other.json()["detail"]


def test_reports_late_and_out_of_order_are_accepted_when_they_fit(visit: Any) -> None:
    """Finished first, then arrived, then departed: each fits before the other."""
    api, ticket, engineer, leg, key = visit
    common = {"vehicle": engineer, "ticket_id": ticket}
    assert send(api, key, "a", kind="finished", at=leg["finish_at"], **common).status_code == 200
    assert send(api, key, "b", kind="arrived", at=leg["start_at"], **common).status_code == 200
    reply = send(api, key, "c", kind="departed", at=leg["depart_at"], **common)
    assert reply.status_code == 200, reply.text
    progress = reply.json()["visit"]
    assert progress["state"] == "finished" and progress["departed_at"] is not None


@pytest.mark.parametrize(
    ("first", "second", "field", "says"),
    [
        (("arrived", "start_at", 0), ("finished", "start_at", -5), "at", "before arrived"),
        (("finished", "finish_at", 0), ("arrived", "finish_at", 5), "at", "after finished"),
        (("arrived", "start_at", 0), ("departed", "start_at", 1), "at", "after arrived"),
        (("arrived", "start_at", 0), ("arrived", "start_at", 3), "kind", "already reported"),
        (("finished", "finish_at", 0), ("failed", "finish_at", 1), "kind", "already reported"),
    ],
)
def test_an_impossible_report_is_a_422_naming_the_field(
    visit: Any,
    first: tuple[str, str, int],
    second: tuple[str, str, int],
    field: str,
    says: str,
) -> None:
    api, ticket, engineer, leg, key = visit
    common = {"vehicle": engineer, "ticket_id": ticket}
    kind, name, minutes = first
    assert send(api, key, "1", kind=kind, at=at(leg, name, minutes), **common).status_code == 200
    kind, name, minutes = second
    extra = {"reason": "site_closed"} if kind == "failed" else {}
    reply = send(api, key, "2", kind=kind, at=at(leg, name, minutes), **common, **extra)
    assert reply.status_code == 422, reply.text
    (problem,) = reply.json()["detail"]
    assert problem["loc"] == [field] and says in problem["msg"]


def test_unknown_visits_future_instants_and_missing_fields_are_refused(visit: Any) -> None:
    api, ticket, engineer, leg, key = visit
    unknown = send(api, key, "u", vehicle=engineer, ticket_id=ticket + 99, kind="arrived",
                   at=leg["start_at"])  # fmt: skip
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["ticket_id"]
    future = api.clock().isoformat().replace("+00:00", "Z")
    late = send(api, key, "f", vehicle=engineer, ticket_id=ticket, kind="arrived",
                at=(datetime.fromisoformat(future) + timedelta(minutes=5)).isoformat())  # fmt: skip
    assert late.status_code == 422 and late.json()["detail"][0]["loc"] == ["at"]
    no_reason = send(api, key, "r", vehicle=engineer, ticket_id=ticket, kind="failed",
                     at=leg["finish_at"])  # fmt: skip
    assert no_reason.status_code == 422
    no_ticket = send(api, key, "t", vehicle=engineer, kind="arrived", at=leg["start_at"])
    assert no_ticket.status_code == 422


def test_a_field_key_reports_only_for_its_own_vehicle_and_reads_nothing(visit: Any) -> None:
    api, ticket, engineer, leg, _key = visit
    other = field_key(api, "E-NOBODY")
    reply = send(api, other, "x", vehicle=engineer, ticket_id=ticket, kind="departed",
                 at=leg["depart_at"])  # fmt: skip
    assert reply.status_code == 403 and "E-NOBODY" in reply.json()["detail"]
    for path in (f"/v1/tickets/{ticket}", "/v1/tickets", "/v1/depots/stock",
                 f"/v1/legs?day={DAY}", "/v1/field/vehicles"):  # fmt: skip
        assert api.client.get(path, headers=other).status_code == 403, path
    assert api.client.post(f"/v1/tickets/{ticket}/plan", headers=other).status_code == 403
    report = {"event_id": "d", "vehicle": engineer, "kind": "departed", "ticket_id": ticket}
    dispatcher = api.post("/v1/field/events", Role.DISPATCHER, {**report, "at": leg["depart_at"]})
    assert dispatcher.status_code == 403


def test_a_late_arrival_moves_the_visit_and_its_eta_reaches_the_ticketing_system(
    engine_api: Harness,
) -> None:
    """Arriving 40 min late re-times the visit (and the drive home after it); the ticket gets
    an eta_changed event with old, new and whether it is still on time."""
    ticket, engineer, legs = booked_visit(engine_api)
    leg = visit_of(legs, ticket)
    engine_api.clock.now = datetime.fromisoformat(leg["start_at"]) + timedelta(minutes=40)
    key = field_key(engine_api, engineer)
    reply = send(engine_api, key, "late", vehicle=engineer, ticket_id=ticket, kind="arrived",
                 at=at(leg, "start_at", 40))  # fmt: skip
    assert reply.status_code == 200, reply.text
    (change,) = reply.json()["eta_changes"]
    assert change["ticket_id"] == ticket and change["after"] == at(leg, "start_at", 40)
    after = engine_api.get("/v1/legs", day=DAY, vehicle=engineer).json()
    moved = visit_of(after, ticket)
    assert moved["start_at"] == at(leg, "start_at", 40)
    assert moved["finish_at"] == at(leg, "finish_at", 40)
    home = [g for g in after if g["kind"] == "return"]
    assert home and home[-1]["depart_at"] >= moved["finish_at"]
    history = engine_api.get(f"/v1/tickets/{ticket}").json()["history"]
    (event,) = [e for e in history if e["kind"] == "eta_changed"]
    assert event["data"]["on_time"] == change["on_time"]


def test_a_failed_visit_escalates_the_ticket_with_its_reason(visit: Any) -> None:
    api, ticket, engineer, leg, key = visit
    reply = send(api, key, "f", vehicle=engineer, ticket_id=ticket, kind="failed",
                 at=leg["finish_at"], reason="wrong_part")  # fmt: skip
    assert reply.status_code == 200 and reply.json()["visit"]["state"] == "failed"
    body = api.get(f"/v1/tickets/{ticket}").json()
    assert body["status"] == "escalated"
    kinds = [e["kind"] for e in body["history"]]
    assert "visit_failed" in kinds
    failed = next(e for e in body["history"] if e["kind"] == "visit_failed")
    assert failed["data"]["reason"] == "wrong_part"


def test_the_world_sees_an_overrun_and_where_the_engineer_is(engine_api: Harness) -> None:
    """On site and not finished past the booked end: the engine's world keeps the visit under
    way until now at least; once finished, the engineer is free there; a reported position
    afterwards places an idle engineer."""
    ticket, engineer, legs = booked_visit(engine_api)
    leg = visit_of(legs, ticket)
    key = field_key(engine_api, engineer)
    common = {"vehicle": engineer, "ticket_id": ticket}
    engine_api.clock.now = datetime.fromisoformat(leg["start_at"]) + timedelta(minutes=1)
    assert (
        send(engine_api, key, "1", kind="arrived", at=leg["start_at"], **common).status_code == 200
    )
    overrun = datetime.fromisoformat(leg["finish_at"]) + timedelta(minutes=30)
    engine_api.clock.now = overrun
    with transaction(engine_api.db.factory) as session:
        world = load_snapshot(session, overrun)
    (me,) = [e for e in world.engineers if e.id == engineer]
    (stop,) = [s for s in me.route if s.ticket == str(ticket)]
    assert stop.under_way and stop.depart >= overrun
    live = {v["vehicle"]: v for v in engine_api.get("/v1/field/vehicles").json()}
    assert live[engineer]["doing"]["state"] == "on_site"
    assert (
        send(engine_api, key, "2", kind="finished", at=overrun.isoformat(), **common).status_code
        == 200
    )
    engine_api.clock.now = overrun + timedelta(minutes=20)
    spot = {"lat": 50.06, "lon": 19.94}
    assert send(engine_api, key, "3", vehicle=engineer, kind="position",
                at=engine_api.clock.now.isoformat(), **spot).status_code == 200  # fmt: skip
    with transaction(engine_api.db.factory) as session:
        world = load_snapshot(session, engine_api.clock.now)
    (me,) = [e for e in world.engineers if e.id == engineer]
    assert not any(s.ticket == str(ticket) for s in me.route)
    assert me.position is not None and (me.position.lat, me.position.lon) == (50.06, 19.94)
    live = {v["vehicle"]: v for v in engine_api.get("/v1/field/vehicles").json()}
    assert live[engineer]["position"]["lat"] == 50.06 and live[engineer]["doing"] is None


def test_two_reports_racing_for_one_visit_are_taken_one_at_a_time(
    both_api: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An arrival is held just after reading the engineer's day while a second arrival for the
    same visit comes in: the second must wait, then be refused (one arrival a visit), on
    SQLite (one writer) and on PostgreSQL (the engineer's day locked) alike."""
    api = both_api
    plan = api.planned(SOS_TICKET)
    assert api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).status_code == 200
    engineer, ticket = plan["recommendation"]["engineer_id"], plan["ticket_id"]
    (leg,) = [g for g in api.get("/v1/legs", day=DAY, vehicle=engineer).json()
              if g["kind"] == "visit"]  # fmt: skip
    api.clock.now = datetime.fromisoformat(leg["finish_at"]) + timedelta(hours=1)
    key = field_key(api, engineer)
    done: dict[str, int] = {}

    def arrived(event_id: str, minutes: int) -> Callable[[], None]:
        def run() -> None:
            reply = send(api, key, event_id, vehicle=engineer, ticket_id=ticket, kind="arrived",
                         at=at(leg, "start_at", minutes))  # fmt: skip
            done[event_id] = reply.status_code

        return run

    waited = second_waits(monkeypatch, store_field, "vehicle_day", arrived("first", 0),
                          arrived("second", 3))  # fmt: skip
    assert waited and done == {"first": 200, "second": 422}, done


def test_a_retry_racing_its_first_send_is_stored_once_and_answered_as_its_replay(
    both_api: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A position is held just after its insert while the device, timing out, sends it again:
    the retry waits for the first (PostgreSQL: the event id's unique key; SQLite: the single
    writer), then answers as its replay with the first's id, on both databases."""
    api = both_api
    key = field_key(api, "E-01")
    body = {"vehicle": "E-01", "kind": "position", "lat": 50.06, "lon": 19.94,
            "at": api.clock().isoformat()}  # fmt: skip
    replies: dict[str, Any] = {}

    def sent(name: str) -> Callable[[], None]:
        def run() -> None:
            replies[name] = send(api, key, "twice", **body)

        return run

    waited = second_waits(monkeypatch, store_field, "store", sent("first"), sent("retry"))
    first, retry = replies["first"], replies["retry"]
    assert waited and first.status_code == retry.status_code == 200, (first.text, retry.text)
    assert retry.json()["replayed"] and retry.json()["id"] == first.json()["id"]
