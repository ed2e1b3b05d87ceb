"""The console in a real browser (Debian's chromium, headless) against a live server.

Each workflow of the dispatcher's shift: the queue (order, states, server-side filters and
search, the reaction clock, refusing), planning and confirming, overriding (a reason, a warning
before a late option), unservable tickets in red, an absent engineer, the offline banner, the
shift-scale world (250 tickets: columns that fit, clustered map following the filters, every
engineer's day over three days, click-through) and an axe-core accessibility check.
Screenshots go to each test's ``tmp_path``, and to ``$CONSOLE_SHOTS`` when set (``docs/console``
holds the committed ones).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect

from dispatch.store.keys import Role
from dispatch.timeparse import WARSAW
from tests.api.console.conftest import AHB, Demo, ShiftWorld, signed_in
from tests.api.console.live import Console, open_ticket

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)  # a loaded 2-core machine plans slowly
SERIOUS = ("serious", "critical")


def shot(page: Page, tmp_path: Path, name: str) -> None:
    """A screenshot in the test's folder, and in ``$CONSOLE_SHOTS`` when set."""
    page.screenshot(path=tmp_path / name)
    if os.environ.get("CONSOLE_SHOTS"):
        page.screenshot(path=Path(os.environ["CONSOLE_SHOTS"]) / name)


@pytest.fixture
def page(browser: Browser, demo: Demo, requests: list[str]) -> Iterator[Page]:
    """The console on the API tests' small world (tests/api/data) with five tickets."""
    yield from signed_in(browser, demo.console, requests)


def row_ids(page: Page) -> list[int]:
    return [
        int(i)
        for i in page.locator("#queue-rows tr").evaluate_all("rs => rs.map(r => r.dataset.id)")
    ]


def depot_label(page: Page, depot: str) -> str:
    return page.locator(f'#map-depots g[data-depot="{depot}"] text').text_content() or ""


def serious(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it stands."""
    results = Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in violations
        if v["impact"] in SERIOUS
    ]


def test_queue_order_states_server_filters_search_and_the_reaction_clock(
    page: Page, demo: Demo
) -> None:
    """Late first, then at risk; the new ticket by its reaction due with that countdown; the
    filters and the search narrow the rows on the server; a new ticket arrives by polling."""
    expect(page.locator("#queue-rows tr")).to_have_count(5)
    assert row_ids(page) == [demo.late, demo.at_risk, demo.new, demo.on_track, demo.nbd]
    for ticket, state in [
        (demo.late, "late"),
        (demo.at_risk, "at_risk"),
        (demo.on_track, "on_track"),
        (demo.new, "new"),
    ]:
        expect(page.locator(f'#queue-rows tr[data-id="{ticket}"]')).to_have_class(state)
    reaction = page.locator(f'#queue-rows [data-react="{demo.new}"]')
    expect(reaction).to_have_text(re.compile(r"^\d+:\d\d:\d\d$"))
    expect(page.locator(f'#queue-rows tr[data-id="{demo.new}"] .tag')).to_have_text("reakcja")
    expect(reaction).to_have_attribute("title", "Do reakcji")
    page.select_option("#f-state", "at_risk")
    expect(page.locator("#queue-rows tr")).to_have_count(1)
    assert row_ids(page) == [demo.at_risk]
    expect(page.locator("#f-state option[value=at_risk]")).to_have_text("zagrożone (1)")
    page.select_option("#f-state", "")
    expect(page.locator("#queue-rows tr")).to_have_count(5)
    page.select_option("#f-voiv", "małopolskie")
    expect(page.locator(f'#queue-rows tr[data-id="{demo.late}"]')).to_have_count(0)
    assert row_ids(page) == [demo.nbd]
    page.select_option("#f-voiv", "")
    expect(page.locator("#queue-rows tr")).to_have_count(5)
    page.locator("#f-q").fill("SN-AP")
    expect(page.locator("#queue-rows tr")).to_have_count(1)
    page.locator("#f-q").fill(f"#{demo.late}")
    expect(page.locator(f'#queue-rows tr[data-id="{demo.nbd}"]')).to_have_count(0)
    assert row_ids(page) == [demo.late]
    page.locator("#f-q").fill("")
    expect(page.locator("#queue-rows tr")).to_have_count(5)
    expect(page.locator("#queue-count")).to_have_text("(5/5)")
    arrived = open_ticket(demo.console, *AHB, accepted_ago=None)
    expect(page.locator(f'#queue-rows tr[data-id="{arrived}"]')).to_have_class("new")  # polled


def test_confirming_a_plan_reserves_stock_and_fills_the_timeline(
    page: Page, demo: Demo, tmp_path: Path, requests: list[str]
) -> None:
    """Open a ticket, plan it, confirm: the depot's free count drops, the visit is on the
    engineer's day as the stored legs say, the queue row shows arrival and margin."""
    page.locator(f'#queue-rows button[data-ticket="{demo.on_track}"]').click()
    expect(page.locator("#ticket-title")).to_have_text(f"Zgłoszenie #{demo.on_track}")
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^3:39:\d\d$"))
    page.locator("#replan").click()  # "Zaplanuj": no plan yet
    recommended = page.locator(".card.recommended tr.main")
    expect(recommended).to_have_count(1)
    depot = recommended.get_attribute("data-depot") or ""
    engineer = recommended.get_attribute("data-engineer") or ""
    assert engineer.startswith("E-"), "an SOS 4-hour ticket goes to an engineer"
    expect(recommended).to_contain_text(f"({engineer})")  # the engineer's name beside the id
    before = int(depot_label(page, depot).split()[-1])
    expect(page.locator(".card.recommended .reason")).to_contain_text("rekomendacja: na czas")
    shot(page, tmp_path, "plan.png")

    page.locator("#confirm").click()
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    expect(page.locator(".card.recommended .badge")).to_have_text("plan potwierdzony")
    expect(page.locator(f'#map-depots g[data-depot="{depot}"] text')).to_have_text(
        f"{depot} {before - 1}"
    )
    row = page.locator(f'.g-row[data-engineer="{engineer}"]')
    expect(row.locator(f'.seg.visit[data-ticket="{demo.on_track}"]')).to_have_count(1)
    kinds = row.locator(f'.seg[data-ticket="{demo.on_track}"]').evaluate_all(
        "s => s.map(x => x.dataset.kind)"
    )
    assert kinds == ["travel", "pickup", "travel", "visit"]
    assert row.locator(".seg.pinned").count() == 0, "nothing under way before it departs"
    expect(page.locator(".history")).to_contain_text("potwierdzono plan")
    queue_row = page.locator(f'#queue-rows tr[data-id="{demo.on_track}"]')
    expect(queue_row).to_contain_text("zapas")
    expect(page.locator(f'#map-route polyline[data-route="{demo.on_track}"]')).to_have_count(1)
    origin = demo.console.base + "/"
    assert all(url.startswith(origin) for url in requests), "every asset from the app"


def test_override_needs_a_reason_keeps_focus_across_polls_and_records_it(
    page: Page, demo: Demo
) -> None:
    """Choosing an alternative without a reason sends nothing; the reason and the focus
    survive a poll; with a reason it is confirmed and recorded."""
    page.locator(f'#queue-rows tr[data-id="{demo.nbd}"]').click()
    page.locator("#replan").click()
    choose = page.locator("button[data-rank]").first
    expect(choose).to_be_visible()
    rank = int(choose.get_attribute("data-rank") or "")
    choose.click()
    expect(page.locator("#override-reason")).to_be_focused()
    page.locator("#override-submit").click()
    assert page.locator("#override-reason").evaluate("e => e.validity.valueMissing")
    plan_id = demo.console.ok("GET", f"/v1/tickets/{demo.nbd}", Role.DISPATCHER)["plan_id"]
    plan = demo.console.ok("GET", f"/v1/plans/{plan_id}", Role.DISPATCHER)
    assert plan["status"] == "proposed"

    page.locator("#override-reason").fill("Klient prosi o kuriera dedykowanego")
    page.wait_for_timeout(4_500)  # one polling round: the text and the focus stay
    expect(page.locator("#override-reason")).to_be_focused()
    expect(page.locator("#override-reason")).to_have_value("Klient prosi o kuriera dedykowanego")
    page.locator("#override-submit").click()
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    plan = demo.console.ok("GET", f"/v1/plans/{plan_id}", Role.DISPATCHER)
    assert plan["confirmed_rank"] == rank
    assert plan["override_reason"] == "Klient prosi o kuriera dedykowanego"
    expect(page.locator(".history")).to_contain_text("Klient prosi o kuriera dedykowanego")


def test_a_late_option_warns_before_it_is_chosen_and_money_has_a_decimal_comma(
    page: Page, demo: Demo, tmp_path: Path
) -> None:
    """The late ticket: every option arrives after the deadline; choosing one says so and
    the submit button names it; amounts are Polish ("49,59 zł"), reasons Polish."""
    page.locator(f'#queue-rows button[data-ticket="{demo.late}"]').click()
    page.locator("#replan").click()
    expect(page.locator(".card.recommended .reason")).to_contain_text("po terminie")
    costs = page.locator(".opts tr.main td:nth-child(6)").all_text_contents()
    assert costs and all(re.fullmatch(r"[\d\s  ]+,\d\d\s?zł", c) for c in costs), costs
    choose = page.locator("button[data-rank]").first
    expect(choose).to_be_visible()
    choose.click()
    expect(page.locator("#late-warning")).to_contain_text("po terminie")
    expect(page.locator("#override-submit")).to_have_text("Zatwierdź mimo spóźnienia")
    reasons = " ".join(page.locator(".opts .reason").all_text_contents())
    assert not re.search(r"\b(dearer|later|misses|recommended)\b", reasons), reasons
    assert "o 0 min" not in reasons
    shot(page, tmp_path, "late-option.png")


def test_a_new_ticket_is_refused_with_a_reason(page: Page, demo: Demo) -> None:
    """Refuse asks for a reason, then the ticket leaves the queue with it in the history."""
    page.locator(f'#queue-rows button[data-ticket="{demo.new}"]').click()
    expect(page.locator("#accept")).to_be_visible()
    page.locator("#refuse").click()
    expect(page.locator("#refuse-reason")).to_be_focused()
    page.locator("#refuse-submit").click()
    assert page.locator("#refuse-reason").evaluate("e => e.validity.valueMissing")
    page.locator("#refuse-reason").fill("Urządzenie poza umową")
    page.locator("#refuse-submit").click()
    expect(page.locator("#status")).to_contain_text(f"Zgłoszenie #{demo.new} odrzucone")
    expect(page.locator(f'#queue-rows tr[data-id="{demo.new}"]')).to_have_count(0)
    ticket = demo.console.ok("GET", f"/v1/tickets/{demo.new}", Role.DISPATCHER)
    assert ticket["status"] == "refused" and "Urządzenie poza umową" in str(ticket["history"])


def test_an_unservable_ticket_goes_red_to_the_top_with_the_reason_in_polish(
    browser: Browser, stuck_demo: Demo, requests: list[str], tmp_path: Path
) -> None:
    """The engine finds no way: the server's 422 reason is shown in Polish, the ticket leads
    the queue in red, and the next steps are buttons (plan again, escalate)."""
    for page in signed_in(browser, stuck_demo.console, requests):
        ticket = stuck_demo.nbd
        page.locator(f'#queue-rows button[data-ticket="{ticket}"]').click()
        page.locator("#replan").click()
        card = page.locator("#blocked")
        expect(card.locator("#retry")).to_be_visible()
        expect(page.locator("#replan")).to_have_count(0)
        expect(card).to_contain_text("Nie do obsłużenia")
        expect(card).to_contain_text(
            f"silnik nie znalazł żadnego sposobu obsługi zgłoszenia #{ticket}"
        )
        expect(page.locator(f'#queue-rows tr[data-id="{ticket}"]')).to_have_class(
            re.compile(r"\bblocked\b")
        )
        assert row_ids(page)[0] == ticket
        expect(page.locator(f'#queue-rows tr[data-id="{ticket}"] .chip')).to_have_text(
            "nie do obsłużenia"
        )
        expect(page.locator(f'#map-sites [data-site="{ticket}"]')).to_have_class(
            re.compile(r"\bblocked\b")
        )
        shot(page, tmp_path, "unservable.png")
        page.locator("#escalate").click()
        expect(page.locator("#status")).to_contain_text(f"Zgłoszenie #{ticket} eskalowane")
        expect(page.locator(f'#queue-rows tr[data-id="{ticket}"]')).to_contain_text("eskalowane")


def test_engineer_marked_absent_loses_the_visit_to_a_replan(page: Page, demo: Demo) -> None:
    """The engineer's row goes off duty and the visit is planned again elsewhere."""
    console = demo.console
    plan = console.ok("POST", f"/v1/tickets/{demo.on_track}/plan", Role.DISPATCHER)
    console.ok("POST", f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    engineer = plan["recommendation"]["engineer_id"]
    row = page.locator(f'.g-row[data-engineer="{engineer}"]')
    expect(row.locator(f'.seg.visit[data-ticket="{demo.on_track}"]')).to_have_count(1)

    row.locator("button[data-unavailable]").click()
    expect(page.locator("#unavailable-dialog")).to_be_visible()
    page.locator("#unavailable-reason").fill("Zwolnienie lekarskie")
    page.locator("#unavailable-submit").click()
    expect(page.locator("#status")).to_have_text("Przeplanowano 1 wizytę.")
    expect(row).to_have_class(re.compile(r"\boff\b"))
    expect(row.locator(f'.seg[data-ticket="{demo.on_track}"]')).to_have_count(0)
    ticket = console.ok("GET", f"/v1/tickets/{demo.on_track}", Role.DISPATCHER)
    replanned = console.ok("GET", f"/v1/plans/{ticket['plan_id']}", Role.DISPATCHER)
    assert replanned["status"] == "confirmed"
    assert "Zwolnienie lekarskie" in str(ticket["history"])


def test_offline_banner_greys_the_data_until_the_server_answers(page: Page) -> None:
    """No answer from the server: a banner says so and the data is greyed; it clears when the
    server answers again."""
    expect(page.locator("#offline")).to_be_hidden()
    page.route("**/console/api/**", lambda route: route.abort())
    expect(page.locator("#offline")).to_be_visible(timeout=10_000)
    expect(page.locator("#offline")).to_contain_text("Brak połączenia z serwerem")
    expect(page.locator("#app")).to_have_class(re.compile(r"\bstale\b"))
    assert "Failed to fetch" not in (page.locator("#status").text_content() or "")
    page.unroute("**/console/api/**")
    expect(page.locator("#offline")).to_be_hidden(timeout=10_000)
    expect(page.locator("#app")).not_to_have_class(re.compile(r"\bstale\b"))


CONTRAST = """
(selectors) => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const selector of selectors) {
    for (const node of document.querySelectorAll(selector)) {
      const a = lum(rgb(getComputedStyle(node).color)), b = lum(background(node));
      out.push([selector, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
    }
  }
  return out;
}
"""
TEXT_SELECTORS = [
    "h1", "h2", "th", "td", ".sub", ".chip", ".status", ".top button", ".filters label",
    ".legend li span:last-child", ".g-who .name", ".g-who button", ".reason", "dt", "dd",
]  # fmt: skip


def test_accessibility_axe_labels_keyboard_contrast_focus_and_language(
    page: Page, demo: Demo
) -> None:
    """axe-core finds no serious violation; every control is labelled; the queue works from
    the keyboard, the focus stays on its row across polls; text contrast >= 4.5:1; the page
    switches to English and back."""
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
             .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                          && !e.textContent.trim())
             .map(e => e.outerHTML)"""
    )
    assert unlabelled == []

    page.locator(f'#queue-rows button[data-ticket="{demo.late}"]').focus()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.wait_for_timeout(4_500)  # a poll: the focus stays where it was
    expect(page.locator(f'#queue-rows button[data-ticket="{demo.late}"]')).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-title")).to_have_text(f"Zgłoszenie #{demo.late}")
    expect(page.locator("#ticket-title")).to_be_focused()

    page.locator("#replan").click()
    expect(page.locator(".card.recommended tr.main")).to_have_count(1)
    assert serious(page) == []
    ratios = page.evaluate(CONTRAST, TEXT_SELECTORS)
    low = [(s, round(r, 2)) for s, r in ratios if r < 4.5]
    assert ratios and low == []

    page.locator("#lang").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#queue-title")).to_contain_text("Queue")
    expect(page.locator("#ticket-title")).to_have_text(f"Ticket #{demo.late}")
    page.locator("#lang").click()
    expect(page.locator("h1")).to_have_text("Konsola dyspozytora")


def test_shift_world_queue_map_and_every_engineers_day(
    shift_page: Page, shift: ShiftWorld, tmp_path: Path
) -> None:
    """250 tickets: the rows fit their panel, the map clusters them with late ones on top and
    follows the filters, all 45 engineers' days over three days, a timeline bar opens its
    ticket with the route the engine planned, and axe-core finds nothing serious."""
    page = shift_page
    expect(page.locator("#queue-rows tr")).to_have_count(len(shift.tickets))
    fits = page.evaluate("() => { const s = document.querySelector('#queue .scroll');"
                         " return s.scrollWidth <= s.clientWidth; }")  # fmt: skip
    assert fits, "the queue table is no wider than its panel"
    expect(page.locator("#map-depots g")).to_have_count(11)
    expect(page.locator("#map-engineers g")).to_have_count(45)
    markers = page.locator("#map-sites > *")
    assert 0 < markers.count() < len(shift.tickets), "near sites are drawn as one cluster"
    drawn = markers.evaluate_all("ms => ms.map(m => m.getAttribute('class'))")
    severity = [next(i for i, s in enumerate(("new", "on_track", "at_risk", "late"))
                     if re.search(rf"\b{s}\b", c)) for c in drawn]  # fmt: skip
    assert severity == sorted(severity), "late markers drawn last, on top"
    shot(page, tmp_path, "shift-250.png")

    page.select_option("#f-state", "late")
    expect(page.locator("#queue-count")).not_to_have_text(
        f"({len(shift.tickets)}/{len(shift.tickets)})"
    )
    late_rows = len(row_ids(page))
    classes = page.locator("#map-sites > *").evaluate_all(
        "ms => ms.map(m => m.getAttribute('class'))"
    )
    assert classes and all(re.search(r"\blate\b", c) for c in classes), "the map follows the filter"
    sizes = page.locator("#map-sites > *").evaluate_all(
        "ms => ms.map(m => (m.dataset.cluster || m.dataset.site).split(' ').length)"
    )
    assert sum(sizes) == late_rows
    page.select_option("#f-state", "")
    page.select_option("#f-voiv", "małopolskie")  # a region: its engineers only on the timeline
    expect(page.locator("#gantt .g-row")).not_to_have_count(45)
    regional = page.locator("#gantt .g-row").count()
    assert 0 < regional < 45
    page.select_option("#f-voiv", "")

    gantt_rows = page.locator("#gantt .g-row")
    expect(gantt_rows).to_have_count(45)
    chosen = shift.confirmed[0]
    bar = page.locator(f'#gantt button.seg.visit[data-ticket="{chosen}"]')
    expect(bar).to_have_count(1)
    bar.click()
    expect(page.locator("#ticket-title")).to_have_text(f"Zgłoszenie #{chosen}")
    expect(page.locator(".card.recommended .badge")).to_have_text("plan potwierdzony")
    expect(page.locator(f'#map-route polyline[data-route="{chosen}"]')).to_have_count(1)
    expect(page.locator(f'#queue-rows tr[data-id="{chosen}"]')).to_have_class(
        re.compile("selected")
    )
    shot(page, tmp_path, "console.png")
    assert serious(page) == []

    today = page.locator("#day-date").text_content()
    page.locator('#day-nav button[data-day="1"]').click()
    expect(page.locator('#day-nav button[data-day="1"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#day-date")).not_to_have_text(today or "")
    expect(gantt_rows).to_have_count(45)
    expect(page.locator("#gantt button[data-unavailable]:not([disabled])")).to_have_count(0)
    shot(page, tmp_path, "tomorrow.png")


def what_if(page: Page, console: Console, plan_id: int, now: str, after: str) -> Locator:
    """The move's what-if card, naming who does the visit ``now`` and ``after`` the move; the
    plan in force (``plan_id``) still confirmed, since nothing is reserved until the move is."""
    card = page.locator("#whatif")
    expect(card).to_contain_text("Skutki przeniesienia")
    expect(card.locator("tbody tr").nth(0)).to_contain_text(now)
    expect(card.locator("tbody tr").nth(1)).to_contain_text(after)
    expect(page.locator("#confirm")).to_have_text(
        re.compile(r"^Potwierdź (przeniesienie|mimo spóźnienia)$")  # the latter for a late move
    )
    expect(page.locator("#status")).to_contain_text("nic nie zarezerwowano")
    held = console.ok("GET", f"/v1/plans/{plan_id}", Role.DISPATCHER)
    assert held["status"] == "confirmed", "the plan in force holds until the move is confirmed"
    return card


def test_dragging_a_visit_to_another_engineer_shows_the_consequences_before_confirming(
    page: Page, demo: Demo, tmp_path: Path
) -> None:
    """Drop the Warsaw visit on the Kraków engineer's row: the engine checks it, the page shows
    now against after (Kraków's engineer can only come tomorrow: late), nothing changes until
    it is confirmed; then the visit is on Kraków's row tomorrow and the queue names him."""
    console = demo.console
    plan = console.ok("POST", f"/v1/tickets/{demo.on_track}/plan", Role.DISPATCHER)
    console.ok("POST", f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    assert plan["recommendation"]["engineer_id"] == "E-WAW-1"
    bar = page.locator(
        f'.g-row[data-engineer="E-WAW-1"] button.seg.visit[data-ticket="{demo.on_track}"]'
    )
    expect(bar).to_have_attribute("draggable", "true")
    bar.drag_to(page.locator('.g-row[data-engineer="E-KRK-1"] .g-track'))
    card = what_if(page, console, plan["id"], "Anna Kowalska", "Piotr Nowak (E-KRK-1)")
    expect(card.locator("tbody tr").nth(0).locator(".chip")).to_have_class(re.compile("on_track"))
    expect(card.locator("tbody tr").nth(1).locator(".chip")).to_have_class(re.compile("late"))
    expect(page.locator("#move-late")).to_contain_text("po terminie")
    shot(page, tmp_path, "move.png")
    page.locator("#confirm").click()
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    page.locator('#day-nav button[data-day="1"]').click()  # Kraków's next slot is tomorrow
    expect(
        page.locator(f'.g-row[data-engineer="E-KRK-1"] .seg.visit[data-ticket="{demo.on_track}"]')
    ).to_have_count(1)
    expect(page.locator(f'#queue-rows tr[data-id="{demo.on_track}"]')).to_contain_text(
        "Piotr Nowak"
    )


def test_a_visit_moved_to_a_time_from_the_keyboard_and_the_move_undone(
    page: Page, demo: Demo
) -> None:
    """The keyboard's drag: the confirmed Warsaw visit (due 13:40) asked of the same engineer
    from 13:15 through the ticket's form (her name is chosen already); the engine plans it at
    13:15 with 25 min to spare, nothing held until confirmed; "Cofnij" then moves it back."""
    console = demo.console
    plan = console.ok("POST", f"/v1/tickets/{demo.on_track}/plan", Role.DISPATCHER)
    console.ok("POST", f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    page.locator(f'#queue-rows button[data-ticket="{demo.on_track}"]').click()
    expect(page.locator("#move-engineer")).to_have_value("E-WAW-1")
    page.locator("#move-at").fill("13:15")
    page.locator("#move-check").press("Enter")
    card = what_if(page, console, plan["id"], "Anna Kowalska", "Anna Kowalska")
    expect(page.locator("#move-asked")).to_contain_text("13:15")
    expect(card.locator("tbody tr").nth(1)).to_contain_text("13:15")
    expect(card.locator("tbody tr").nth(1)).to_contain_text("25 min")
    expect(page.locator("#move-late")).to_have_count(0)
    page.locator("#confirm").click()
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    moved = console.ok("GET", f"/v1/tickets/{demo.on_track}", Role.DISPATCHER)
    option = console.ok("GET", f"/v1/plans/{moved['plan_id']}", Role.DISPATCHER)["recommendation"]
    assert option["arrival_at"] == "2026-12-22T13:15:00+01:00"
    page.locator("#undo").click()
    expect(page.locator("#status")).to_contain_text(f"Cofnięto przeniesienie #{demo.on_track}")
    back = console.ok("GET", f"/v1/tickets/{demo.on_track}", Role.DISPATCHER)
    option = console.ok("GET", f"/v1/plans/{back['plan_id']}", Role.DISPATCHER)["recommendation"]
    assert option["arrival_at"] < "2026-12-22T13:15"


def test_a_refused_confirm_turns_the_ticket_red_with_the_reason_until_a_fresh_plan_holds(
    page: Page, demo: Demo, tmp_path: Path
) -> None:
    """Two Warsaw tickets want the same engineer and unit; the other one is confirmed first,
    so this confirm is refused: the page says why in Polish, the row goes red to the top, and
    confirming the fresh plan the server made ends the conflict."""
    console = demo.console
    page.locator(f'#queue-rows button[data-ticket="{demo.on_track}"]').click()
    page.locator("#replan").click()
    expect(page.locator("#confirm")).to_be_visible()
    rival = console.ok("POST", f"/v1/tickets/{demo.at_risk}/plan", Role.DISPATCHER)
    console.ok("POST", f"/v1/plans/{rival['id']}/confirm", Role.DISPATCHER)
    page.locator("#confirm").click()
    card = page.locator("#blocked")
    expect(card).to_contain_text("Konflikt przy potwierdzeniu")
    expect(card).to_contain_text("wybierz z nowego planu nr")
    expect(card).to_contain_text("serwer przygotował nowy plan")
    assert not re.search(r"\b(depot|engineer|choose|changed)\b", card.text_content() or "")
    expect(page.locator(f'#queue-rows tr[data-id="{demo.on_track}"]')).to_have_class(
        re.compile(r"\bconflict\b")
    )
    assert row_ids(page)[0] == demo.on_track
    shot(page, tmp_path, "conflict.png")
    page.locator("#confirm").click()  # the fresh plan
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    expect(page.locator("#blocked")).to_have_count(0)
    expect(page.locator(f'#queue-rows tr[data-id="{demo.on_track}"]')).not_to_have_class(
        re.compile(r"\bconflict\b")
    )


def overridden(console: Console, ticket: int, pick: Any) -> dict[str, Any]:
    """Plan ``ticket`` and confirm the first alternative ``pick`` accepts (a worse choice than
    the recommendation, which a re-optimisation of the day should undo)."""
    plan = console.ok("POST", f"/v1/tickets/{ticket}/plan", Role.DISPATCHER)
    rec = plan["recommendation"]
    option = next(o for o in plan["alternatives"] if pick(o, rec))
    body = {"rank": option["rank"], "reason": "test: a dearer choice"}
    console.ok("POST", f"/v1/plans/{plan['id']}/override", Role.DISPATCHER, body)
    return dict(option)


def open_proposal(console: Console) -> dict[str, Any]:
    """The newest open proposal, as the server stored it."""
    reply = console.call("GET", "/v1/proposals", Role.DISPATCHER)
    assert reply.is_success, reply.text
    proposals: list[dict[str, Any]] = reply.json()
    return proposals[0]


def made_worse(change: dict[str, Any]) -> bool:
    """Made unservable, or late when it was on time or had no plan."""
    after, before = change["after"], change["before"] or {}
    return after is None or (not after["on_time"] and before.get("on_time", True))


def hhmm(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(WARSAW).strftime("%H:%M")


def test_re_optimising_the_day_shows_the_diff_per_engineer_and_applies_it_by_keyboard(
    page: Page, demo: Demo, tmp_path: Path
) -> None:
    """Today booked badly (the NBD ticket on a dedicated car, the 4 h ticket through a meet) and
    two tickets without a plan: "Przeoptymalizuj dzień" shows, per engineer or carrier, the
    visits moved in and out and re-timed with before -> after, the day's totals, and the late
    ticket in red; applying it (keyboard only) books it and redraws the queue and timeline."""
    console = demo.console
    overridden(console, demo.nbd, lambda o, _r: o["mode"] == "dedicated")
    overridden(console, demo.on_track, lambda o, r: o["engineer_id"] == r["engineer_id"]
               and o["slack_s"] > 0 and o["cost_gr"] > r["cost_gr"] + 1_000)  # fmt: skip
    page.locator("#reopt").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#reopt-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#reopt-totals")).to_be_visible()
    proposal = open_proposal(console)
    expect(page.locator("#reopt-title")).to_contain_text(
        "Przeoptymalizowanie dnia: wtorek, 22 grudnia"
    )
    expect(page.locator("#reopt-summary")).to_contain_text(
        f"Propozycja nr {proposal['id']} zmienia"
    )
    changes = {c["ticket_id"]: c for c in proposal["changes"]}
    assert {demo.late, demo.on_track, demo.nbd} <= set(changes), proposal

    late = page.locator(f'section[data-group="e:E-WAW-1"] tr[data-ticket="{demo.late}"]')
    expect(late).to_have_attribute("data-kind", "new")
    expect(late).to_have_class(re.compile(r"\bworse\b"))
    expect(late.locator("td").last).to_have_text("spóźni się")
    retimed = page.locator(f'section[data-group="e:E-WAW-1"] tr[data-ticket="{demo.on_track}"]')
    expect(retimed).to_contain_text("nowa godzina")
    assert (
        changes[demo.on_track]["after"]["source"]
        == "depot"
        != changes[demo.on_track]["before"]["source"]
    )
    expect(retimed).to_contain_text("część odbiera w magazynie WAW")  # no longer brought by car
    nbd = changes[demo.nbd]
    expect(retimed.locator("td").nth(1)).to_contain_text(
        hhmm(changes[demo.on_track]["before"]["eta"])
    )
    expect(retimed.locator("td").nth(2)).to_contain_text(
        hhmm(changes[demo.on_track]["after"]["eta"])
    )
    out = page.locator(f'section[data-group="dedicated:KRK"] tr[data-ticket="{demo.nbd}"]')
    expect(out).to_contain_text("przekazuje: kurier (KRK)")
    taken = page.locator(f'section[data-group="courier:KRK"] tr[data-ticket="{demo.nbd}"]')
    expect(taken).to_contain_text("przejmuje od: transport dedykowany (KRK)")
    expect(taken.locator("td").nth(2)).to_contain_text(hhmm(nbd["after"]["eta"]))
    expect(page.locator('section[data-group="e:E-WAW-1"] h4')).to_contain_text("Anna Kowalska")
    assert proposal["after"]["served"] > proposal["before"]["served"], "a plan for #1"
    assert not proposal["improves"], "as many on time, dearer: the page explains why"
    expect(page.locator("#reopt-note")).to_contain_text("obsługuje więcej zgłoszeń (2 → 3)")
    cost = page.locator("#reopt-totals tr", has_text="Koszt")
    expect(cost).to_contain_text(re.compile(r"\d,\d\d\s?zł.*\d,\d\d\s?zł"))
    assert serious(page) == []
    shot(page, tmp_path, "reoptimise.png")

    expect(page.locator("#reopt-title")).to_be_focused()
    page.keyboard.press("Tab")  # the diff (scrolled by the arrow keys), then its buttons
    expect(page.locator("#reopt-body")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#reopt-apply")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#status")).to_have_text(
        f"Zastosowano propozycję nr {proposal['id']}: zmiany w {len(changes)} zgłoszeniach."
    )
    expect(page.locator("#reopt")).to_be_focused()
    stored = console.ok("GET", f"/v1/proposals/{proposal['id']}", Role.DISPATCHER)
    assert stored["status"] == "applied"
    expect(
        page.locator(f'.g-row[data-engineer="E-WAW-1"] .seg.visit[data-ticket="{demo.late}"]')
    ).to_have_count(1)  # the timeline redrawn from the booked legs
    expect(page.locator(f'#queue-rows tr[data-id="{demo.nbd}"]')).to_contain_text("kurier")


def test_a_stale_proposal_is_refused_and_proposed_again(page: Page, demo: Demo) -> None:
    """Discarding books nothing; a proposal overtaken by another dispatcher's confirm is refused
    by the server (409): the page says the day changed and offers to propose again, and the
    fresh proposal applies (this time in English)."""
    console = demo.console
    page.locator("#reopt").click()
    expect(page.locator("#reopt-totals")).to_be_visible()
    first = open_proposal(console)
    page.locator("#reopt-reject").click()
    expect(page.locator("#reopt-dialog")).to_be_hidden()
    expect(page.locator("#status")).to_have_text(
        f"Odrzucono propozycję nr {first['id']}; nic nie zmieniono."
    )
    assert console.ok("GET", f"/v1/tickets/{demo.late}", Role.DISPATCHER)["plan_id"] is None

    page.locator("#reopt").click()
    expect(page.locator("#reopt-totals")).to_be_visible()
    expect(page.locator("#reopt-apply")).to_be_enabled()
    proposal = open_proposal(console)
    assert proposal["id"] != first["id"]
    plan = console.ok("POST", f"/v1/tickets/{demo.late}/plan", Role.DISPATCHER)  # another desk
    console.ok("POST", f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    page.locator("#reopt-apply").click()
    stale = page.locator("#reopt-stale")
    expect(stale).to_contain_text("Dzień zmienił się od przygotowania propozycji")
    expect(stale).to_contain_text("Zaproponuj ponownie")
    expect(stale).to_contain_text(f"propozycja nr {proposal['id']} jest nieaktualna")
    assert not re.search(r"\b(proposal|stale|changed|propose)\b", stale.text_content() or "")
    expect(page.locator("#reopt-apply")).to_be_disabled()
    expect(page.locator("#reopt-again")).to_be_focused()
    stored = console.ok("GET", f"/v1/proposals/{proposal['id']}", Role.DISPATCHER)
    assert stored["status"] == "stale"
    ticket = console.ok("GET", f"/v1/tickets/{demo.late}", Role.DISPATCHER)
    assert ticket["plan_id"] == plan["id"], "nothing of the stale proposal was booked"

    page.keyboard.press("Escape")
    expect(page.locator("#reopt-dialog")).to_be_hidden()
    page.locator("#lang").click()
    page.locator("#reopt").click()
    expect(page.locator("#reopt-title")).to_contain_text("Re-optimising the day")
    expect(page.locator("#reopt-totals")).to_contain_text("The whole day")
    fresh = open_proposal(console)
    assert fresh["id"] > proposal["id"]
    if fresh["changes"]:
        page.locator("#reopt-apply").click()
        expect(page.locator("#status")).to_contain_text(f"Applied proposal no. {fresh['id']}")
    else:
        expect(page.locator("#reopt-apply")).to_be_disabled()
        expect(page.locator("#reopt-nogain")).to_contain_text("found no better plan")


def test_moves_are_undone_last_first(page: Page, demo: Demo) -> None:
    """Two confirmed moves (Warszawa -> Kraków -> Warszawa, by the keyboard's move list, the
    first right after the confirm) stack up; "Cofnij (2)" takes back the last one, then
    "Cofnij" the first."""
    console = demo.console

    def engineer() -> str:
        ticket = console.ok("GET", f"/v1/tickets/{demo.on_track}", Role.DISPATCHER)
        plan = console.ok("GET", f"/v1/plans/{ticket['plan_id']}", Role.DISPATCHER)
        assert plan["status"] == "confirmed"
        rank = plan["confirmed_rank"]
        option = next(o for o in [plan["recommendation"], *plan["alternatives"]]
                      if o["rank"] == rank)  # fmt: skip
        return str(option["engineer_id"])

    plan = console.ok("POST", f"/v1/tickets/{demo.on_track}/plan", Role.DISPATCHER)
    console.ok("POST", f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    # straight away: the queue row may not show the confirmed plan yet; the ticket panel does
    page.locator(f'#queue-rows button[data-ticket="{demo.on_track}"]').click()
    for target in ("E-KRK-1", "E-WAW-1"):
        page.select_option("#move-engineer", target)
        page.locator("#move-check").click()
        expect(page.locator("#whatif")).to_be_visible()
        page.locator("#confirm").click()
        expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
        assert engineer() == target
    undo = page.locator("#undo")
    expect(undo).to_have_text("Cofnij (2)")
    expect(undo).to_have_attribute("aria-label", re.compile("E-KRK-1"))
    undo.click()
    status = page.locator("#status")
    undone = f"Cofnięto przeniesienie #{demo.on_track}; wizytę wykona:"
    expect(status).to_contain_text(f"{undone} Piotr Nowak")
    expect(undo).to_have_text("Cofnij")
    assert engineer() == "E-KRK-1"
    undo.click()
    expect(undo).to_be_hidden()
    expect(status).to_contain_text(f"{undone} Anna Kowalska")
    assert engineer() == "E-WAW-1"


def test_re_optimising_the_250_ticket_day_fits_and_passes_axe(
    shift_page: Page, shift: ShiftWorld, tmp_path: Path
) -> None:
    """The shift world's day: the proposal (3.5 s of search at most) is listed per engineer in
    a dialog no wider than the screen, with no serious axe violation; discarded, nothing moves."""
    page = shift_page
    page.locator("#reopt").click()
    expect(page.locator("#reopt-totals")).to_be_visible(timeout=40_000)
    proposal = open_proposal(shift.console)
    groups = page.locator("#reopt-body section.reopt-group")
    if proposal["changes"]:
        assert groups.count() > 0
        rows = page.locator("#reopt-body tr[data-ticket]").count()
        assert rows >= len(proposal["changes"])
        red = page.locator("#reopt-body tr.worse[data-ticket]").evaluate_all(
            "rs => rs.map(r => [+r.dataset.ticket, r.lastChild.textContent])"
        )
        worse = {c["ticket_id"] for c in proposal["changes"] if made_worse(c)}
        assert {t for t, _ in red} == worse, "exactly the tickets made late or unservable are red"
        assert {text for _, text in red} <= {"spóźni się", "nie do obsłużenia"}
    fits = page.evaluate("() => { const b = document.querySelector('#reopt-body');"
                         " return b.scrollWidth <= b.clientWidth; }")  # fmt: skip
    assert fits, "the diff is no wider than its dialog"
    assert serious(page) == []
    shot(page, tmp_path, "reoptimise-250.png")
    page.locator("#reopt-reject").click()
    expect(page.locator("#reopt-dialog")).to_be_hidden()
    stored = shift.console.ok("GET", f"/v1/proposals/{proposal['id']}", Role.DISPATCHER)
    assert stored["status"] == "proposed", "discarding books nothing"


def test_a_repair_the_engine_proposed_is_listed_read_and_applied(
    page: Page, demo: Demo, tmp_path: Path
) -> None:
    """None at first; then the Warsaw engineer is reported unavailable through the API, and
    the repair the engine proposed for her visit is listed in Polish, shows the visit leaving
    her day in red (it cannot stay on time), and is applied from the page."""
    console = demo.console
    page.locator("#repairs").click()
    expect(page.locator("#repairs-empty")).to_have_text("Brak propozycji naprawy do decyzji.")
    page.keyboard.press("Escape")
    expect(page.locator("#reopt-dialog")).to_be_hidden()

    plan = console.ok("POST", f"/v1/tickets/{demo.on_track}/plan", Role.DISPATCHER)
    console.ok("POST", f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    assert plan["recommendation"]["engineer_id"] == "E-WAW-1"
    body = {"reason": "Zwolnienie lekarskie"}
    cut = console.ok("POST", "/v1/engineers/E-WAW-1/unavailable", Role.DISPATCHER, body)
    repair = cut["proposal"]
    assert repair and repair["kind"] == "repair"
    page.locator("#repairs").click()
    item = page.locator(f'#repairs-list button[data-proposal="{repair["id"]}"]')
    expect(item).to_contain_text(
        f"Nr {repair['id']} · nieobecność: Anna Kowalska (E-WAW-1) — Zwolnienie lekarskie"
    )
    item.click()
    expect(page.locator("#reopt-title")).to_have_text(
        f"Propozycja naprawy nr {repair['id']}: nieobecność: Anna Kowalska (E-WAW-1)"
        " — Zwolnienie lekarskie"
    )
    expect(page.locator("#reopt-note")).to_contain_text("Dotychczasowego planu nie da się już")
    row = page.locator(f'section[data-group="e:E-WAW-1"] tr[data-ticket="{demo.on_track}"]')
    expect(row).to_have_attribute("data-kind", re.compile("^(out|gone)$"))
    expect(row).to_have_class(re.compile(r"\bworse\b"))
    assert serious(page) == []
    shot(page, tmp_path, "repair.png")
    page.locator("#reopt-apply").click()
    expect(page.locator("#status")).to_contain_text(f"Zastosowano propozycję nr {repair['id']}")
    stored = console.ok("GET", f"/v1/proposals/{repair['id']}", Role.DISPATCHER)
    assert stored["status"] == "applied"
    expect(
        page.locator(f'.g-row[data-engineer="E-WAW-1"] .seg[data-ticket="{demo.on_track}"]')
    ).to_have_count(0)
