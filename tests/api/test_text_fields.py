"""Free text in requests: NUL is refused with a 422 naming the field, on every database.

PostgreSQL text cannot hold NUL (the driver raises), so a NUL that got through would be a 500
there while SQLite stores it; the API refuses it before any database sees it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dispatch.store.keys import Role
from tests.api.conftest import SOS_TICKET, Harness, import_demo, make_harness
from tests.support_db import Database

NUL = "bad\x00text"


@pytest.fixture
def demo(database: Database) -> Iterator[Harness]:
    """The app with the demo master data, on SQLite and on PostgreSQL."""
    for harness in make_harness(database):
        import_demo(harness)
        yield harness


def _ticket(api: Harness, *, accept: bool) -> int:
    ticket_id: int = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()["id"]
    if accept:
        assert api.post(f"/v1/tickets/{ticket_id}/accept", Role.TICKETING, {}).is_success
    return ticket_id


def _delivered(api: Harness) -> int:
    ticket_id = _ticket(api, accept=True)
    plan = api.post(f"/v1/tickets/{ticket_id}/plan", Role.DISPATCHER).json()
    assert api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).is_success
    delivered = {"status": "delivered"}
    assert api.post(f"/v1/tickets/{ticket_id}/status", Role.TICKETING, delivered).is_success
    return ticket_id


def test_ticket_description_with_nul_is_refused(demo: Harness) -> None:
    reply = demo.post("/v1/tickets", Role.TICKETING, {**SOS_TICKET, "description": NUL})
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["body", "description"]
    assert reply.json()["detail"][0]["msg"] == "must not contain NUL characters"
    assert demo.get("/v1/tickets", status="submitted").json() == []


def test_refusal_reason_with_nul_is_refused(demo: Harness) -> None:
    ticket_id = _ticket(demo, accept=False)
    reply = demo.post(f"/v1/tickets/{ticket_id}/refuse", Role.TICKETING, {"reason": NUL})
    assert (reply.status_code, reply.json()["detail"][0]["loc"]) == (422, ["body", "reason"])


def test_status_note_with_nul_is_refused(demo: Harness) -> None:
    ticket_id = _ticket(demo, accept=True)
    body = {"status": "escalated", "note": NUL}
    reply = demo.post(f"/v1/tickets/{ticket_id}/status", Role.TICKETING, body)
    assert (reply.status_code, reply.json()["detail"][0]["loc"]) == (422, ["body", "note"])
    assert demo.get(f"/v1/tickets/{ticket_id}").json()["status"] == "accepted"


def test_waybill_with_nul_is_refused(demo: Harness) -> None:
    ticket_id = _delivered(demo)
    reply = demo.post(f"/v1/tickets/{ticket_id}/rma", Role.TICKETING, {"waybill": NUL})
    assert (reply.status_code, reply.json()["detail"][0]["loc"]) == (422, ["body", "waybill"])


def test_override_reason_with_nul_is_refused(demo: Harness) -> None:
    ticket_id = _ticket(demo, accept=True)
    plan = demo.post(f"/v1/tickets/{ticket_id}/plan", Role.DISPATCHER).json()
    body = {"rank": 0, "reason": NUL}
    reply = demo.post(f"/v1/plans/{plan['id']}/override", Role.DISPATCHER, body)
    assert (reply.status_code, reply.json()["detail"][0]["loc"]) == (422, ["body", "reason"])


@pytest.mark.parametrize(
    ("kind", "row"),
    [
        ("depots", {"depot_id": "NUL", "name": NUL, "address": "a", "lat": 52.2, "lon": 21.0}),
        ("depots", {"depot_id": "NUL", "name": "n", "address": NUL, "lat": 52.2, "lon": 21.0}),
        (
            "engineers",
            {
                "engineer_id": "E-NUL",
                "name": NUL,
                "home_lat": 52.2,
                "home_lon": 21.0,
                "hourly_cost_gr": 1,
            },
        ),
    ],
)
def test_import_names_with_nul_are_refused(demo: Harness, kind: str, row: dict[str, Any]) -> None:
    """Names and addresses in master data are free text too: ``rows[0].field``."""
    field = next(name for name, value in row.items() if value == NUL)
    reply = demo.client.post(f"/v1/import/{kind}", json=[row], headers=demo.headers(Role.ADMIN))
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["rows[0]", field]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/depots/stock", {"depot_id": NUL}),
        ("/v1/engineers/day-plans", {"day": "2026-12-22", "engineer_id": NUL}),
    ],
)
def test_query_ids_with_nul_are_refused(demo: Harness, path: str, params: dict[str, str]) -> None:
    reply = demo.client.get(path, params=params, headers=demo.headers(Role.ADMIN))
    assert reply.status_code == 422


def test_webhook_client_name_with_nul_is_refused(demo: Harness) -> None:
    url = "/v1/clients/bad%00name/webhook"
    reply = demo.client.put(url, json={"url": None}, headers=demo.headers(Role.ADMIN))
    assert reply.status_code == 422


def test_console_unavailable_with_nul_is_refused(demo: Harness) -> None:
    """The console's reason and engineer id: 422, and no shift is cut."""
    headers = demo.headers(Role.ADMIN)
    before = demo.get("/v1/engineers/day-plans", day="2026-12-22", engineer_id="E-WAW-1").json()
    path_nul = demo.client.post(
        "/console/api/engineers/E%00X/unavailable", json={"reason": "sick"}, headers=headers
    )
    reason_nul = demo.client.post(
        "/console/api/engineers/E-WAW-1/unavailable", json={"reason": NUL}, headers=headers
    )
    assert (path_nul.status_code, reason_nul.status_code) == (422, 422)
    assert reason_nul.json()["detail"][0]["loc"] == ["body", "reason"]
    after = demo.get("/v1/engineers/day-plans", day="2026-12-22", engineer_id="E-WAW-1").json()
    assert after == before
