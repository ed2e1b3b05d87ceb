"""The settable clock: off by default, admin only, forward only, refused in production."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.config import Settings
from api.main import create_app
from dispatch.errors import InvalidInput
from dispatch.store.keys import Role
from tests.api.conftest import Harness, import_demo, make_harness
from tests.support_db import Database


@pytest.fixture
def controlled(sqlite_database: Database) -> Iterator[Harness]:
    for harness in make_harness(sqlite_database, clock_control=True):
        import_demo(harness)
        yield harness


def test_the_clock_cannot_be_set_unless_enabled(api: Harness) -> None:
    """Without DISPATCH_CLOCK_CONTROL the route does not exist."""
    reply = api.client.put(
        "/v1/admin/clock", json={"now": "2026-12-22T12:00"}, headers=api.headers(Role.ADMIN)
    )
    assert reply.status_code == 404


def test_an_admin_moves_the_clock_forward_and_tickets_see_it(controlled: Harness) -> None:
    """Set to 12:00: a ticket submitted now is stamped 12:00; back to 11:00 is a 409."""
    headers = controlled.headers(Role.ADMIN)
    reply = controlled.client.put(
        "/v1/admin/clock", json={"now": "2026-12-22T12:00:00+01:00"}, headers=headers
    )
    assert reply.status_code == 200 and reply.json()["now"] == "2026-12-22T12:00:00+01:00"
    body = {"contract_number": "C-2026-002", "serial": "SN-AP-0002"}
    ticket = controlled.post("/v1/tickets", Role.TICKETING, body).json()
    assert ticket["submitted_at"] == "2026-12-22T12:00:00+01:00"
    back = controlled.client.put(
        "/v1/admin/clock", json={"now": "2026-12-22T11:00:00+01:00"}, headers=headers
    )
    assert back.status_code == 409 and "only moves forward" in back.json()["detail"]
    dispatcher = controlled.client.put(
        "/v1/admin/clock",
        json={"now": "2026-12-22T13:00:00+01:00"},
        headers=controlled.headers(Role.DISPATCHER),
    )
    assert dispatcher.status_code == 403


def test_a_production_server_refuses_the_settable_clock() -> None:
    """Both settings together stop the app from starting, naming the setting."""
    settings = Settings(clock_control=True, production=True, migrate_on_start=False)
    with pytest.raises(InvalidInput, match="clock_control"):
        create_app(settings, planner=None)
