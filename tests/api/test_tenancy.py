"""Issue 18, finding 10: a ticketing key sees and changes only its own client's tickets."""

from __future__ import annotations

import pytest

from dispatch.store.db import transaction
from dispatch.store.keys import Role, create_key
from tests.api.conftest import AHB_TICKET, START, Harness


@pytest.fixture
def rival(api: Harness) -> dict[str, str]:
    """Headers of a second ticketing system's key (client "rival-helpdesk")."""
    with transaction(api.db.factory) as session:
        key = create_key(session=session, role=Role.TICKETING, client="rival-helpdesk", now=START)
    return {"X-API-Key": key}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/tickets/{ticket}", None),
        ("POST", "/v1/tickets/{ticket}/accept", {}),
        ("POST", "/v1/tickets/{ticket}/refuse", {"reason": "not ours"}),
        ("POST", "/v1/tickets/{ticket}/plan", None),
        ("POST", "/v1/tickets/{ticket}/status", {"status": "escalated"}),
        ("POST", "/v1/tickets/{ticket}/rma", {"waybill": "DPD-1"}),
        ("GET", "/v1/plans/{plan}", None),
    ],
)
def test_another_clients_ticket_is_404_for_a_ticketing_key(
    api: Harness, rival: dict[str, str], method: str, path: str, body: object
) -> None:
    """Reading or changing another client's ticket (or its plan) looks like a missing one."""
    plan = api.planned(AHB_TICKET)
    url = path.format(ticket=plan["ticket_id"], plan=plan["id"])
    reply = api.client.request(method, url, json=body, headers=rival)
    assert reply.status_code == 404, reply.text
    assert reply.json()["kind"] in ("ticket", "plan")
    owner = api.get(f"/v1/tickets/{plan['ticket_id']}", Role.TICKETING).json()
    assert owner["status"] == "planned"  # untouched
    assert [e["kind"] for e in owner["history"]] == ["submitted", "accepted", "planned"]


def test_the_queue_of_a_ticketing_key_lists_only_its_clients_tickets(
    api: Harness, rival: dict[str, str]
) -> None:
    """Each ticketing system lists its own tickets; staff roles list everyone's."""
    mine = api.post("/v1/tickets", Role.TICKETING, AHB_TICKET).json()["id"]
    theirs = api.client.post("/v1/tickets", json=AHB_TICKET, headers=rival).json()["id"]
    every = {"status": ["submitted"]}
    assert [t["id"] for t in api.get("/v1/tickets", Role.TICKETING, **every).json()] == [mine]
    listed = api.client.get("/v1/tickets", params=every, headers=rival).json()
    assert [t["id"] for t in listed] == [theirs]
    for staff in (Role.DISPATCHER, Role.PLANNER, Role.ADMIN):
        ids = {t["id"] for t in api.get("/v1/tickets", staff, **every).json()}
        assert ids == {mine, theirs}
    assert api.client.get(f"/v1/tickets/{theirs}", headers=rival).status_code == 200


def test_dispatchers_act_on_every_clients_tickets(api: Harness) -> None:
    """A dispatcher plans, confirms and reports on a ticket any client submitted."""
    plan = api.planned(AHB_TICKET)
    assert api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).status_code == 200
    path = f"/v1/tickets/{plan['ticket_id']}/status"
    assert api.post(path, Role.DISPATCHER, {"status": "delivered"}).status_code == 200


def test_the_consoles_queue_is_for_staff_only(api: Harness) -> None:
    """The console lists every client's tickets, so a ticketing key may not read it."""
    assert api.get("/console/api/queue", Role.TICKETING).status_code == 403
    assert api.get("/console/api/queue", Role.PLANNER).status_code == 200
