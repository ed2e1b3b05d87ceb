"""`dispatch demo --serve`: the API and console on the demo world, loaded through the API."""

from __future__ import annotations

from pathlib import Path

import httpx

from api.console.demo_data import subset
from api.demo_server import start
from depots.demo_world import load
from tests.api.live import free_port


def test_demo_server_serves_the_console_with_demo_tickets(tmp_path: Path) -> None:
    """A small slice of the demo world goes in; the console's queue shows the opened tickets."""
    world = subset(load(), sites=40, seed=3)
    server = start(tmp_path / "demo.sqlite3", port=free_port(), tickets=3, seed=2, world=world)
    try:
        headers = {"X-API-Key": server.dispatcher_key}
        page = httpx.get(f"{server.url}/console", timeout=30)
        queue = httpx.get(f"{server.url}/console/api/queue", headers=headers, timeout=30)
    finally:
        server.stop()
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert queue.status_code == 200
    assert len(server.tickets) == 3
    assert sorted(row["id"] for row in queue.json()["tickets"]) == sorted(server.tickets)
