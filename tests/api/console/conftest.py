"""Browser fixtures: a live server with demo tickets, and Debian's chromium through Playwright.

Never a downloaded browser: ``/usr/bin/chromium`` (``scripts/test.sh`` installs it when
missing). Each test gets its own server and database, so tests do not depend on each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from api.planning import ProposedOption, TicketState, WorldSnapshot
from dispatch.store.keys import Role
from tests.api.console.live import (
    Console,
    fresh_sqlite,
    load_demo,
    open_ticket,
    serve,
    shift_world,
)
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
    """The API tests' master data (tests/api/data) and five tickets: late, at risk, on track,
    next business day, new."""
    with serve(sqlite_database) as console:
        yield _five_tickets(console)


def _five_tickets(console: Console) -> Demo:
    """The API tests' master data loaded and the five tickets of ``demo`` opened on ``console``."""
    load_demo(console)
    return Demo(
        console=console,
        late=open_ticket(console, *SOS, accepted_ago=timedelta(hours=5)),
        at_risk=open_ticket(console, *SOS, accepted_ago=timedelta(hours=3, minutes=20)),
        on_track=open_ticket(console, *SOS, accepted_ago=timedelta(minutes=20)),
        nbd=open_ticket(console, *AHB, accepted_ago=timedelta(minutes=30)),
        new=open_ticket(console, *SOS, accepted_ago=None),
    )


class NoWay:
    """A planner that finds no way to serve anything (no stock, no engineer): the server then
    answers a plan with 422 and its reasons, as it does for a real unservable ticket."""

    def plan(self, _world: WorldSnapshot, _ticket: TicketState) -> Sequence[ProposedOption]:
        return []


@pytest.fixture
def stuck_demo(sqlite_database: Database) -> Iterator[Demo]:
    """As ``demo``, on a server whose planner serves nothing."""
    with serve(sqlite_database, planner=NoWay()) as console:
        yield _five_tickets(console)


@dataclass(frozen=True)
class ShiftWorld:
    """A server with part of the demo world at shift scale: 250 open tickets, some confirmed."""

    console: Console
    tickets: list[int]
    confirmed: list[int]


SHIFT_SITES, SHIFT_TICKETS, SHIFT_CONFIRMED = 400, 250, 8


@pytest.fixture(scope="module")
def shift(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShiftWorld]:
    """400 of the demo world's sites (all depots, stock and 45 engineers), 250 tickets, the 8
    most urgent plannable ones confirmed with the real engine. One world per test module: in
    test_console_browser.py the tests only read; in test_console_browser_shift.py each test
    works on tickets no other test there touches (filters, day navigation and selection live
    in each test's own page)."""
    yield from _shift_world(tmp_path_factory, None, SHIFT_CONFIRMED)


@pytest.fixture(scope="module")
def stuck_shift(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShiftWorld]:
    """As ``shift`` (nothing confirmed), on a server whose planner serves nothing."""
    yield from _shift_world(tmp_path_factory, NoWay(), 0)


def _shift_world(
    tmp_path_factory: pytest.TempPathFactory, planner: NoWay | None, confirmed: int
) -> Iterator[ShiftWorld]:
    database = fresh_sqlite(tmp_path_factory.mktemp("shift"))
    with serve(database, planner=planner) as console:
        tickets, done = shift_world(
            console, sites=SHIFT_SITES, tickets=SHIFT_TICKETS, confirmed=confirmed
        )
        yield ShiftWorld(console, tickets, done)
    database.engine.dispose()


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


@pytest.fixture
def requests() -> list[str]:
    """URLs the page requested."""
    return []


def signed_in(browser: Browser, console: Console, requests: list[str]) -> Iterator[Page]:
    """A 1366x768 page signed in with a dispatcher key by keyboard; every request recorded."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{console.base}/console")
    page.locator("#api-key").fill(console.keys[Role.DISPATCHER])
    page.locator("#api-key").press("Enter")
    expect(page.locator("#queue-rows tr").first).to_be_visible()
    yield page
    context.close()
    assert errors == [], "no JavaScript errors"


@pytest.fixture
def shift_page(browser: Browser, shift: ShiftWorld, requests: list[str]) -> Iterator[Page]:
    """The console on the 250-ticket world."""
    yield from signed_in(browser, shift.console, requests)
