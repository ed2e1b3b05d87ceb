"""Releasing a confirmed plan (the undo of a confirm): the unit back in stock, the engineer's
day as before, the ticket planned again with a ``released`` event; idempotent; 409 once the
visit has started."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from dispatch.store.db import transaction
from dispatch.store.keys import Role
from dispatch.store.tables import Client, OutboxMessage
from tests.api.conftest import SOS_TICKET, Harness
from tests.api.test_field import field_key, send

DAY = "2026-12-22"


def available(api: Harness, depot: str, sku: str) -> int:
    rows = api.get("/v1/depots/stock", depot_id=depot).json()
    return sum(r["available"] for r in rows if r["sku"] == sku)


def legs(api: Harness) -> list[dict[str, Any]]:
    reply = api.get("/v1/legs", day=DAY)
    assert reply.status_code == 200, reply.text
    return sorted(reply.json(), key=lambda g: (g["vehicle"], g["depart_at"], g["kind"]))


def webhook_kinds(api: Harness, client: str) -> list[str]:
    """The kinds of the events queued for ``client``'s webhook, in order."""
    with transaction(api.db.factory) as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [m.payload["kind"] for m in rows if m.client == client]


def release(api: Harness, plan_id: int, role: Role = Role.DISPATCHER) -> Any:
    return api.post(f"/v1/plans/{plan_id}/release", role)


def test_a_release_gives_the_unit_back_and_the_day_back_and_can_be_confirmed_again(
    engine_api: Harness,
) -> None:
    api = engine_api
    with transaction(api.db.factory) as session:  # the ticketing system listens
        hook = update(Client).where(Client.name == "ticketing-client")
        session.execute(hook.values(webhook_url="https://tickets.example/hook"))
    plan = api.planned(SOS_TICKET)
    ticket, option = plan["ticket_id"], plan["recommendation"]
    depot, sku = option["depot_id"], option["sku"]
    stock, day = available(api, depot, sku), legs(api)
    confirmed = api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).json()
    assert available(api, depot, sku) == stock - 1 and legs(api) != day
    reply = release(api, plan["id"])
    assert reply.status_code == 200, reply.text
    released = reply.json()
    assert (released["status"], released["confirmed_rank"], released["reserved_units"]) == (
        "proposed",
        None,
        [],
    )
    assert available(api, depot, sku) == stock
    assert legs(api) == day  # nothing of the ticket left on anyone's day
    body = api.get(f"/v1/tickets/{ticket}").json()
    assert body["status"] == "planned" and body["plan_id"] == plan["id"]
    event = body["history"][-1]
    assert (event["kind"], event["status"]) == ("released", "planned")
    assert event["data"]["plan_id"] == plan["id"]
    assert event["data"]["units"] == confirmed["reserved_units"]
    assert webhook_kinds(api, "ticketing-client")[-2:] == ["confirmed", "released"]
    again = release(api, plan["id"])  # idempotent: nothing more happens
    assert again.status_code == 200 and again.json() == released
    history = api.get(f"/v1/tickets/{ticket}").json()["history"]
    assert [e["kind"] for e in history].count("released") == 1
    assert api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).status_code == 200
    assert available(api, depot, sku) == stock - 1


def test_a_release_puts_back_the_visits_the_confirm_re_timed(engine_api: Harness) -> None:
    """Two Warszawa tickets: the second's confirm re-books E-WAW-1's window around the first;
    releasing it leaves every leg of the day exactly as it was before that confirm."""
    api = engine_api
    first = api.planned(SOS_TICKET)
    assert api.post(f"/v1/plans/{first['id']}/confirm", Role.DISPATCHER).status_code == 200
    second = api.planned(SOS_TICKET)
    day = legs(api)
    engineer = second["recommendation"]["engineer_id"]
    assert api.post(f"/v1/plans/{second['id']}/confirm", Role.DISPATCHER).status_code == 200
    assert legs(api) != day
    assert release(api, second["id"]).status_code == 200
    assert legs(api) == day
    assert engineer is not None
    plans = api.get("/v1/engineers/day-plans", day=DAY, engineer_id=engineer).json()
    tickets = {v["ticket_id"] for p in plans for v in p.get("visits", [])}
    assert second["ticket_id"] not in tickets


def test_a_release_is_refused_once_the_visit_has_started(engine_api: Harness) -> None:
    api = engine_api
    plan = api.planned(SOS_TICKET)
    assert api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).status_code == 200
    ticket, engineer = plan["ticket_id"], plan["recommendation"]["engineer_id"]
    first = min((g for g in legs(api) if g["ticket_id"] == ticket), key=lambda g: g["depart_at"])
    left = datetime.fromisoformat(first["depart_at"])
    api.clock.now = left + timedelta(minutes=1)
    under_way = release(api, plan["id"])
    assert under_way.status_code == 409 and "is under way" in under_way.json()["detail"]
    report = send(
        api, field_key(api, engineer), "d1", vehicle=engineer, ticket_id=ticket,
        kind="departed", at=first["depart_at"], stop=first["kind"],
    )  # fmt: skip
    assert report.status_code == 200, report.text
    started = release(api, plan["id"])
    assert started.status_code == 409 and "has started" in started.json()["detail"]
    assert api.get(f"/v1/tickets/{ticket}").json()["status"] == "dispatched"


def test_only_a_confirmed_plan_is_released_and_only_by_a_dispatcher(engine_api: Harness) -> None:
    api = engine_api
    plan = api.planned(SOS_TICKET)
    proposed = release(api, plan["id"])
    assert proposed.status_code == 409 and "not confirmed" in proposed.json()["detail"]
    assert release(api, 999_999).status_code == 404
    assert api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).status_code == 200
    assert release(api, plan["id"], Role.TICKETING).status_code == 403
    newer = api.post(f"/v1/tickets/{plan['ticket_id']}/plan", Role.DISPATCHER).json()
    assert api.post(f"/v1/plans/{newer['id']}/confirm", Role.DISPATCHER).status_code == 200
    old = release(api, plan["id"])
    assert old.status_code == 409 and "superseded" in old.json()["detail"]


def test_an_override_is_released_like_a_confirm(engine_api: Harness) -> None:
    """An alternative chosen with a reason, then released: its unit is back, the event names
    the rank released and the plan waits with no reason or rank."""
    api = engine_api
    plan = api.planned(SOS_TICKET)
    option = plan["alternatives"][0]
    stock = available(api, option["depot_id"], option["sku"])
    body = {"rank": option["rank"], "reason": "customer asked for it"}
    assert api.post(f"/v1/plans/{plan['id']}/override", Role.DISPATCHER, body).status_code == 200
    released = release(api, plan["id"]).json()
    assert (released["confirmed_rank"], released["override_reason"]) == (None, None)
    assert available(api, option["depot_id"], option["sku"]) == stock
    event = api.get(f"/v1/tickets/{plan['ticket_id']}").json()["history"][-1]
    assert (event["kind"], event["data"]["rank"]) == ("released", option["rank"])
