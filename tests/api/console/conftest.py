"""Browser fixtures: a live server with demo tickets, and Debian's chromium through Playwright.

Never a downloaded browser: ``/usr/bin/chromium`` (``scripts/test.sh`` installs it when
missing). Each test gets its own server and database, so tests do not depend on each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ViewportSize, sync_playwright

from api.console.demo_data import load_demo as load_world_demo
from api.console.demo_data import subset
from depots.demo_world import load
from dispatch.store.keys import Role
from tests.api.console.live import Console, load_demo, open_ticket, serve
from tests.support_db import Database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
SOS = ("C-2026-001", "SN-X465-0001")  # 24x7x4 switch in Warszawa
AHB = ("C-2026-002", "SN-AP-0002")  # 8x5xNBD access point in Kraków


@dataclass(frozen=True)
class Demo:
    """The server and its tickets, one per queue state."""

    console: Console
    late: int
    at_risk: int
    on_track: int
    nbd: int
    new: int


@pytest.fixture
def demo(sqlite_database: Database) -> Iterator[Demo]:
    """api_demo master data and five tickets: late, at risk, on track, next business day, new."""
    with serve(sqlite_database) as console:
        load_demo(console)
        yield Demo(
            console=console,
            late=open_ticket(console, *SOS, accepted_ago=timedelta(hours=5)),
            at_risk=open_ticket(console, *SOS, accepted_ago=timedelta(hours=3, minutes=20)),
            on_track=open_ticket(console, *SOS, accepted_ago=timedelta(minutes=20)),
            nbd=open_ticket(console, *AHB, accepted_ago=timedelta(minutes=30)),
            new=open_ticket(console, *SOS, accepted_ago=None),
        )


@dataclass(frozen=True)
class WorldDemo:
    """A server with part of the demo world, open tickets and some visits confirmed."""

    console: Console
    tickets: list[int]
    confirmed: list[int]


WORLD_SITES, WORLD_TICKETS, WORLD_CONFIRMED = 150, 20, 6


@pytest.fixture
def world_demo(sqlite_database: Database) -> Iterator[WorldDemo]:
    """150 of the demo world's sites (all depots, stock and engineers), 20 tickets, and the
    first 6 plannable ones (least time left) planned and confirmed with the real engine."""
    with serve(sqlite_database) as console:
        world = subset(load(), WORLD_SITES, seed=3)
        headers = {"X-API-Key": console.keys[Role.ADMIN]}
        with httpx.Client(base_url=console.base, headers=headers, timeout=60) as client:
            tickets = load_world_demo(
                client, console.clock.now, tickets=WORLD_TICKETS, seed=2, world=world
            )
        queue = console.ok("GET", "/console/api/queue", Role.DISPATCHER)["tickets"]
        confirmed: list[int] = []
        for row in queue:
            if row["state"] in ("on_track", "at_risk") and len(confirmed) < WORLD_CONFIRMED:
                plan = console.ok("POST", f"/v1/tickets/{row['id']}/plan", Role.DISPATCHER)
                console.ok("POST", f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
                confirmed.append(int(row["id"]))
        yield WorldDemo(console, tickets, confirmed)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian chromium (skipped with the reason when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip(f"no {CHROMIUM}: apt-get install chromium (scripts/test.sh does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
