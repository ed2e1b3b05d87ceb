"""The dispatcher's workflows in a real browser on the 250-ticket world, one test each.

test_console_browser.py runs each workflow on the five-ticket demo, where the page has little
to draw; here the same ones run among 250 tickets and 45 engineers: plan and confirm, an
override with the late option's warning, a visit dragged to another engineer (what-if, then
confirm), an unservable ticket, a confirm refused because another desk planned again (409)
and a day's re-optimisation gone stale (409). The module's world is built once; each test
takes tickets no other test here touches, so the tests do not depend on their order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, Position, expect

from dispatch.store.keys import Role
from dispatch.timeparse import WARSAW
from tests.api.console.conftest import ShiftWorld, signed_in
from tests.api.console.live import Console
from tests.api.console.test_console_browser import (
    open_proposal,
    row_ids,
    serious,
    shot,
    what_if,
)

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)  # a loaded 2-core machine plans slowly
DAYS = 3  # the timeline's days: today, tomorrow, the day after


def unplanned(console: Console, state: str, nth: int = 0) -> dict[str, Any]:
    """The ``nth`` open accepted ticket in ``state`` with no plan yet, in the queue's order
    (``nth`` < 0 counts from the least urgent)."""
    rows = console.ok("GET", "/console/api/queue", Role.DISPATCHER)["tickets"]
    found = [r for r in rows if r["state"] == state and r["plan"] is None]
    assert len(found) > max(nth, -1 - nth), (
        f"the shift world has {len(found)} unplanned {state} tickets"
    )
    return dict(found[nth])


def plan_in_page(page: Page, console: Console, state: str, nth: int = 0) -> int:
    """Open the ``nth`` unplanned ticket in ``state`` (see ``unplanned``) from the queue and
    plan it in the page; its id."""
    ticket = int(unplanned(console, state, nth)["id"])
    page.locator(f'#queue-rows button[data-ticket="{ticket}"]').click()
    expect(page.locator("#ticket-title")).to_have_text(f"Zgłoszenie #{ticket}")
    page.locator("#replan").click()
    return ticket


def confirmed_option(console: Console, ticket: int) -> dict[str, Any]:
    """The option confirmed for ``ticket`` (and its plan's other options under ``others``)."""
    plan_id = console.ok("GET", f"/v1/tickets/{ticket}", Role.DISPATCHER)["plan_id"]
    plan = console.ok("GET", f"/v1/plans/{plan_id}", Role.DISPATCHER)
    assert plan["status"] == "confirmed", plan["status"]
    options = [plan["recommendation"], *plan["alternatives"]]
    chosen = next(o for o in options if o["rank"] == plan["confirmed_rank"])
    return {**chosen, "plan_id": plan["id"], "others": options}


def show_day_of(page: Page, console: Console, at: str) -> None:
    """Show the timeline's day of ``at`` (today, tomorrow or the day after)."""
    day = datetime.fromisoformat(at).astimezone(WARSAW).date()
    offset = (day - console.clock.now.astimezone(WARSAW).date()).days
    assert 0 <= offset < DAYS, f"{at} is not on the timeline's days"
    page.locator(f'#day-nav button[data-day="{offset}"]').click()
    expect(page.locator(f'#day-nav button[data-day="{offset}"]')).to_have_attribute(
        "aria-pressed", "true"
    )


def drag(page: Page, source: Locator, target: Locator, hour: float | None = None) -> None:
    """Drag ``source`` onto ``target`` with the mouse (at ``hour`` of a timeline track, else
    its middle), scrolling the timeline on the way (among 45 engineers the two rows are seldom
    on screen together)."""
    source.hover()
    page.mouse.down()
    box = source.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2 + 8, box["y"] + box["height"] / 2)  # drag starts
    target.scroll_into_view_if_needed()
    target.hover(position=None if hour is None else at_hour(target, hour))
    page.mouse.up()


def at_hour(track: Locator, hour: float) -> Position:
    """Where on a timeline track ``hour`` (of its day, Warsaw) is."""
    box = track.bounding_box()
    assert box is not None
    start = float(track.get_attribute("data-start") or "")
    end = float(track.get_attribute("data-end") or "")
    return {"x": (hour - start) / (end - start) * box["width"], "y": box["height"] / 2}


def stock(console: Console) -> dict[tuple[str, str], int]:
    rows = console.ok("GET", "/v1/depots/stock", Role.DISPATCHER)
    return {(r["depot_id"], r["sku"]): r["available"] for r in rows}


def test_plan_and_confirm_among_250_tickets(
    shift_page: Page, shift: ShiftWorld, tmp_path: Path
) -> None:
    """The least urgent unplanned ticket, opened from the long queue: planned (on time),
    confirmed, its visit
    on the engineer's day as stored and its row showing the arrival with the margin."""
    page, console = shift_page, shift.console
    ticket = plan_in_page(page, console, "on_track", nth=-1)
    expect(page.locator(".card.recommended tr.main")).to_have_count(1)
    expect(page.locator(".card.recommended .reason")).to_contain_text("rekomendacja: na czas")
    shot(page, tmp_path, "plan-250.png")
    page.locator("#confirm").click()
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    expect(page.locator(".card.recommended .badge")).to_have_text("plan potwierdzony")
    chosen = confirmed_option(console, ticket)
    expect(page.locator(f'#queue-rows tr[data-id="{ticket}"]')).to_contain_text("zapas")
    if chosen["engineer_id"] is not None:
        show_day_of(page, console, chosen["arrival_at"])
        row = page.locator(f'.g-row[data-engineer="{chosen["engineer_id"]}"]')
        expect(row.locator(f'.seg.visit[data-ticket="{ticket}"]')).to_have_count(1)
    expect(page.locator(f'#map-route polyline[data-route="{ticket}"]')).to_have_count(1)


def test_override_with_the_late_options_warning_among_250_tickets(
    shift_page: Page, shift: ShiftWorld
) -> None:
    """A late ticket without a plan: every option is after the deadline, so choosing one is
    warned about and its button says so; with a reason it is confirmed and recorded."""
    page, console = shift_page, shift.console
    ticket = plan_in_page(page, console, "late")
    expect(page.locator(".card.recommended .reason")).to_contain_text("po terminie")
    choose = page.locator("button[data-rank]").first
    expect(choose).to_be_visible()
    rank = int(choose.get_attribute("data-rank") or "")
    choose.click()
    expect(page.locator("#late-warning")).to_contain_text("po terminie")
    expect(page.locator("#override-submit")).to_have_text("Zatwierdź mimo spóźnienia")
    page.locator("#override-reason").fill("Klient woli tego serwisanta")
    page.locator("#override-submit").click()
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    chosen = confirmed_option(console, ticket)
    assert chosen["rank"] == rank
    expect(page.locator(".history")).to_contain_text("Klient woli tego serwisanta")


def test_dragging_a_visit_to_another_engineer_among_250_tickets(
    shift_page: Page, shift: ShiftWorld, tmp_path: Path
) -> None:
    """A confirmed visit dropped on the row of an engineer its plan offered as an alternative,
    on the time already past (so as early as possible): the what-if shows now against after
    and holds nothing; confirmed, the visit is on the new
    engineer's day and the queue names them."""
    page, console = shift_page, shift.console
    ticket = shift.confirmed[0]
    before = confirmed_option(console, ticket)
    source = before["engineer_id"]
    target = next(
        o["engineer_id"]
        for o in before["others"]
        if o["engineer_id"] not in (None, source) and o["mode"] != "van"
    )
    show_day_of(page, console, before["arrival_at"])
    bar = page.locator(f'.g-row[data-engineer="{source}"] button.seg.visit[data-ticket="{ticket}"]')
    expect(bar).to_have_attribute("draggable", "true")
    track = page.locator(f'.g-row[data-engineer="{target}"] .g-track')
    start = float(track.get_attribute("data-start") or "")  # the day's first hour: already past,
    drag(page, bar, track, start + 0.1)  # so "as early as possible" (the engine picks the time)
    what_if(page, console, before["plan_id"], f"({source})", f"({target})")
    expect(page.locator("#move-asked")).to_contain_text("najwcześniej")
    shot(page, tmp_path, "move-250.png")
    page.locator("#confirm").click()
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    after = confirmed_option(console, ticket)
    assert after["engineer_id"] == target
    show_day_of(page, console, after["arrival_at"])
    moved = page.locator(f'.g-row[data-engineer="{target}"] .seg.visit[data-ticket="{ticket}"]')
    expect(moved).to_have_count(1)
    listed = {
        r["id"]: r for r in console.ok("GET", "/console/api/queue", Role.DISPATCHER)["tickets"]
    }
    name = listed[ticket]["plan"]["engineer_name"] or target
    expect(page.locator(f'#queue-rows tr[data-id="{ticket}"]')).to_contain_text(name)
    expect(page.locator("#undo")).to_be_visible()


def test_a_confirm_refused_because_another_desk_planned_again_among_250_tickets(
    shift_page: Page, shift: ShiftWorld
) -> None:
    """The page shows a plan; another desk plans the same ticket again, so confirming the shown
    plan is refused (409): the ticket goes red to the top of 250 with the reason in Polish,
    and confirming the fresh plan ends the conflict."""
    page, console = shift_page, shift.console
    ticket = plan_in_page(page, console, "on_track", nth=-2)
    expect(page.locator("#confirm")).to_be_visible()
    shown = console.ok("GET", f"/v1/tickets/{ticket}", Role.DISPATCHER)["plan_id"]
    fresh = console.ok("POST", f"/v1/tickets/{ticket}/plan", Role.DISPATCHER)  # another desk
    assert fresh["id"] != shown
    page.locator("#confirm").click()
    card = page.locator("#blocked")
    expect(card).to_contain_text("Konflikt przy potwierdzeniu")
    expect(card).to_contain_text(f"plan nr {shown} zastąpiono nowszym")
    row = page.locator(f'#queue-rows tr[data-id="{ticket}"]')
    expect(row).to_have_class(re.compile(r"\bconflict\b"))
    assert row_ids(page)[0] == ticket
    page.locator("#confirm").click()  # the fresh plan
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    expect(page.locator("#blocked")).to_have_count(0)
    expect(row).not_to_have_class(re.compile(r"\bconflict\b"))
    assert confirmed_option(console, ticket)["plan_id"] == fresh["id"]


def test_a_stale_re_optimisation_of_the_250_ticket_day_is_refused_and_proposed_again(
    shift_page: Page, shift: ShiftWorld
) -> None:
    """The day's proposal is overtaken by another desk's confirm of a ticket it plans: the
    server refuses it (409) and books nothing; the page says the day changed, disables
    apply and puts the focus on "Zaproponuj ponownie"."""
    page, console = shift_page, shift.console
    page.locator("#reopt").click()
    expect(page.locator("#reopt-totals")).to_be_visible(timeout=40_000)
    proposal = open_proposal(console)
    assert proposal["changes"], "the 250-ticket day always has tickets to plan"
    expect(page.locator("#reopt-apply")).to_be_enabled()
    ticket = int(proposal["changes"][0]["ticket_id"])
    plan = console.ok("POST", f"/v1/tickets/{ticket}/plan", Role.DISPATCHER)  # another desk
    console.ok("POST", f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    page.locator("#reopt-apply").click()
    stale = page.locator("#reopt-stale")
    expect(stale).to_contain_text("Dzień zmienił się od przygotowania propozycji")
    expect(stale).to_contain_text(f"propozycja nr {proposal['id']} jest nieaktualna")
    expect(page.locator("#reopt-apply")).to_be_disabled()
    expect(page.locator("#reopt-again")).to_be_focused()
    stored = console.ok("GET", f"/v1/proposals/{proposal['id']}", Role.DISPATCHER)
    assert stored["status"] == "stale"
    assert confirmed_option(console, ticket)["plan_id"] == plan["id"], "nothing was booked"
    page.locator("#reopt-again").click()
    expect(page.locator("#reopt-apply")).to_be_enabled(timeout=40_000)
    assert open_proposal(console)["id"] > proposal["id"]


@pytest.fixture
def stuck_page(browser: Browser, stuck_shift: ShiftWorld, requests: list[str]) -> Iterator[Page]:
    """The console on the 250-ticket world, served by a planner that finds nothing."""
    yield from signed_in(browser, stuck_shift.console, requests)


def test_an_unservable_ticket_leads_the_250_ticket_queue_in_red(
    stuck_page: Page, stuck_shift: ShiftWorld, tmp_path: Path
) -> None:
    """The engine finds no way (the server's real 422): the ticket goes from the bottom of the
    queue to its top in red, on the map too, with the reason in Polish and escalation."""
    page, console = stuck_page, stuck_shift.console
    rows = console.ok("GET", "/console/api/queue", Role.DISPATCHER)["tickets"]
    ticket = int(next(r["id"] for r in reversed(rows) if r["state"] == "on_track"))
    assert row_ids(page)[0] != ticket, "not at the top before"
    page.locator(f'#queue-rows button[data-ticket="{ticket}"]').click()
    page.locator("#replan").click()
    card = page.locator("#blocked")
    expect(card.locator("#retry")).to_be_visible()
    expect(card).to_contain_text("Nie do obsłużenia")
    expect(card).to_contain_text(f"silnik nie znalazł żadnego sposobu obsługi zgłoszenia #{ticket}")
    row = page.locator(f'#queue-rows tr[data-id="{ticket}"]')
    expect(row).to_have_class(re.compile(r"\bblocked\b"))
    assert row_ids(page)[0] == ticket
    expect(page.locator("#queue-rows tr")).to_have_count(len(stuck_shift.tickets))
    assert serious(page) == []
    shot(page, tmp_path, "unservable-250.png")
    page.locator("#escalate").click()
    expect(page.locator("#status")).to_contain_text(f"Zgłoszenie #{ticket} eskalowane")
    expect(row).to_contain_text("eskalowane")


def test_dragging_a_visit_to_a_time_of_day_among_250_tickets(
    shift_page: Page, shift: ShiftWorld, tmp_path: Path
) -> None:
    """A confirmed visit dropped later on its own engineer's row: the what-if names the start
    asked for and the arrival then (never earlier), holding nothing; confirmed, the visit
    starts no earlier than asked on that engineer's day."""
    page, console = shift_page, shift.console
    ticket, before = next(
        (t, o)
        for t in shift.confirmed[1:]
        if (o := confirmed_option(console, t))["engineer_id"] is not None
    )
    engineer = before["engineer_id"]
    arrival = datetime.fromisoformat(before["arrival_at"]).astimezone(WARSAW)
    asked = (arrival + timedelta(minutes=75)).replace(minute=0, second=0, microsecond=0)
    show_day_of(page, console, before["arrival_at"])
    track = page.locator(f'.g-row[data-engineer="{engineer}"] .g-track')
    bar = track.locator(f'button.seg.visit[data-ticket="{ticket}"]')
    drag(page, bar, track, asked.hour + asked.minute / 60)
    what_if(page, console, before["plan_id"], f"({engineer})", f"({engineer})")
    expect(page.locator("#move-asked")).to_contain_text(asked.strftime("%H:%M"))
    shot(page, tmp_path, "move-time-250.png")
    page.locator("#confirm").click()
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    after = confirmed_option(console, ticket)
    assert after["engineer_id"] == engineer
    assert datetime.fromisoformat(after["arrival_at"]) >= asked
    expect(track.locator(f'.seg.visit[data-ticket="{ticket}"]')).to_have_count(1)


def test_undoing_a_confirm_among_250_tickets(shift_page: Page, shift: ShiftWorld) -> None:
    """A ticket planned and confirmed, then "Cofnij": the server releases the plan, so the unit
    is back in stock, no engineer's day holds the visit, and the page offers the same plan to
    confirm again."""
    page, console = shift_page, shift.console
    ticket = plan_in_page(page, console, "on_track", nth=-3)
    expect(page.locator("#confirm")).to_be_visible()
    plan_id = console.ok("GET", f"/v1/tickets/{ticket}", Role.DISPATCHER)["plan_id"]
    free = stock(console)
    page.locator("#confirm").click()
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    chosen = confirmed_option(console, ticket)
    assert stock(console) != free or chosen["source"] == "van"
    undo = page.locator("#undo")
    expect(undo).to_have_attribute("aria-label", re.compile(f"^Cofnij zatwierdzenie #{ticket}:"))
    undo.click()
    expect(page.locator("#status")).to_contain_text(f"Cofnięto zatwierdzenie #{ticket}")
    expect(page.locator(".card.recommended .badge")).to_have_text("propozycja")
    expect(page.locator("#confirm")).to_be_visible()
    expect(undo).to_be_hidden()
    assert stock(console) == free
    body = console.ok("GET", f"/v1/tickets/{ticket}", Role.DISPATCHER)
    assert (body["status"], body["plan_id"]) == ("planned", plan_id)
    assert body["history"][-1]["kind"] == "released"
    day = datetime.fromisoformat(chosen["arrival_at"]).astimezone(WARSAW).date()
    board = console.ok("GET", f"/console/api/board?day={day}", Role.DISPATCHER)
    assert not [s for e in board["engineers"] for s in e["segments"] if s["ticket_id"] == ticket]
    expect(page.locator(".history")).to_contain_text("cofnięto zatwierdzenie")
