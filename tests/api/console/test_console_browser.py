"""The console in a real browser (Debian's chromium, headless) against a live server.

Screenshots go to each test's ``tmp_path``; the flow test's last one is what docs/console.png
shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from dispatch.store.keys import Role
from tests.api.console.conftest import AHB, VIEWPORT, Demo, WorldDemo
from tests.api.console.live import Console, open_ticket

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)  # a loaded 2-core machine plans slowly


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
    page.goto(f"{console.base}/console")
    page.locator("#api-key").fill(console.keys[Role.DISPATCHER])
    page.locator("#api-key").press("Enter")
    expect(page.locator("#queue-rows tr").first).to_be_visible()
    yield page
    context.close()


@pytest.fixture
def page(browser: Browser, demo: Demo, requests: list[str]) -> Iterator[Page]:
    """The console on the api_demo data with five tickets."""
    yield from signed_in(browser, demo.console, requests)


@pytest.fixture
def world_page(browser: Browser, world_demo: WorldDemo, requests: list[str]) -> Iterator[Page]:
    """The console on part of the demo world."""
    yield from signed_in(browser, world_demo.console, requests)


def row_ids(page: Page) -> list[int]:
    return [
        int(i)
        for i in page.locator("#queue-rows tr").evaluate_all("rs => rs.map(r => r.dataset.id)")
    ]


def depot_label(page: Page, depot: str) -> str:
    return page.locator(f'#map-depots g[data-depot="{depot}"] text').text_content() or ""


def test_queue_is_sorted_by_time_left_with_state_colours(page: Page, demo: Demo) -> None:
    """Late first, then at risk, on track, next business day; the unaccepted ticket last."""
    expect(page.locator("#queue-rows tr")).to_have_count(5)
    assert row_ids(page) == [demo.late, demo.at_risk, demo.on_track, demo.nbd, demo.new]
    for ticket, state in [
        (demo.late, "late"),
        (demo.at_risk, "at_risk"),
        (demo.on_track, "on_track"),
        (demo.new, "new"),
    ]:
        expect(page.locator(f'#queue-rows tr[data-id="{ticket}"]')).to_have_class(state)
    page.select_option("#f-state", "at_risk")
    assert row_ids(page) == [demo.at_risk]
    page.select_option("#f-state", "")
    page.select_option("#f-voiv", "małopolskie")
    assert row_ids(page) == [demo.nbd]
    page.select_option("#f-voiv", "")
    page.select_option("#f-tier", "8x5xNBD")
    assert row_ids(page) == [demo.nbd]
    page.select_option("#f-tier", "")
    arrived = open_ticket(demo.console, *AHB, accepted_ago=None)
    expect(page.locator(f'#queue-rows tr[data-id="{arrived}"]')).to_have_class("new")  # polled


def test_confirming_a_plan_reserves_stock_and_fills_the_timeline(
    page: Page, demo: Demo, tmp_path: Path, requests: list[str]
) -> None:
    """Open a ticket, plan it, confirm: the depot's free count drops, the visit is on the day."""
    page.screenshot(path=tmp_path / "1-queue.png")
    page.locator(f'#queue-rows button[data-ticket="{demo.on_track}"]').click()
    expect(page.locator("#ticket-title")).to_have_text(f"Zgłoszenie #{demo.on_track}")
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^3:39:\d\d$"))
    page.locator("#replan").click()  # "Zaplanuj": no plan yet
    recommended = page.locator(".card.recommended tr.main")
    expect(recommended).to_have_count(1)
    depot = recommended.get_attribute("data-depot") or ""
    engineer = recommended.get_attribute("data-engineer") or ""
    assert engineer.startswith("E-"), "an SOS 4-hour ticket goes to an engineer"
    before = int(depot_label(page, depot).split()[-1])
    expect(page.locator(".card.recommended .reason")).to_contain_text("rekomendacja: na czas")
    page.screenshot(path=tmp_path / "2-plan.png")

    page.locator("#confirm").click()
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    expect(page.locator(f'#map-depots g[data-depot="{depot}"] text')).to_have_text(
        f"{depot} {before - 1}"
    )
    visit = page.locator(
        f'.g-row[data-engineer="{engineer}"] .seg.visit[data-ticket="{demo.on_track}"]'
    )
    expect(visit).to_have_count(1)
    legs = page.locator(f'.g-row[data-engineer="{engineer}"] .seg[data-ticket="{demo.on_track}"]')
    assert legs.evaluate_all("s => s.map(x => x.dataset.kind)") == [
        "travel",
        "pickup",
        "travel",
        "visit",
    ]
    expect(page.locator(".history")).to_contain_text("potwierdzono plan")
    expect(page.locator(f'#queue-rows tr[data-id="{demo.on_track}"]')).to_contain_text("wysłane")
    expect(page.locator(f'#map-route polyline[data-route="{demo.on_track}"]')).to_have_count(1)
    page.screenshot(path=tmp_path / "3-confirmed.png")
    origin = demo.console.base + "/"
    assert all(url.startswith(origin) for url in requests), "every asset from the app"


def test_override_needs_a_reason_and_records_it(page: Page, demo: Demo, tmp_path: Path) -> None:
    """Choosing an alternative without a reason sends nothing; with one, it is confirmed."""
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
    page.screenshot(path=tmp_path / "override.png")
    page.locator("#override-submit").click()
    expect(page.locator("#status")).to_contain_text("Plan potwierdzony")
    plan = demo.console.ok("GET", f"/v1/plans/{plan_id}", Role.DISPATCHER)
    assert plan["confirmed_rank"] == rank
    assert plan["override_reason"] == "Klient prosi o kuriera dedykowanego"
    expect(page.locator(".history")).to_contain_text("Klient prosi o kuriera dedykowanego")


def test_engineer_marked_unavailable_loses_the_visit_to_a_replan(
    page: Page, demo: Demo, tmp_path: Path
) -> None:
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
    expect(page.locator("#status")).to_contain_text("Przeplanowano 1")
    expect(row).to_have_class(re.compile(r"\boff\b"))
    expect(row.locator(f'.seg[data-ticket="{demo.on_track}"]')).to_have_count(0)
    page.screenshot(path=tmp_path / "unavailable.png")
    ticket = console.ok("GET", f"/v1/tickets/{demo.on_track}", Role.DISPATCHER)
    replanned = console.ok("GET", f"/v1/plans/{ticket['plan_id']}", Role.DISPATCHER)
    assert replanned["status"] == "confirmed"
    assert "Zwolnienie lekarskie" in str(ticket["history"])


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


def test_accessibility_basics_labels_keyboard_contrast_language(page: Page, demo: Demo) -> None:
    """Every control is labelled, the queue works from the keyboard with a visible focus ring,
    text contrast is at least 4.5:1 (WCAG AA) and the page switches to English and back."""
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
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-title")).to_have_text(f"Zgłoszenie #{demo.late}")
    expect(page.locator("#ticket-title")).to_be_focused()

    ratios = page.evaluate(CONTRAST, TEXT_SELECTORS)
    low = [(s, round(r, 2)) for s, r in ratios if r < 4.5]
    assert ratios and low == []

    page.locator("#lang").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#queue-title")).to_contain_text("Queue")
    expect(page.locator("#ticket-title")).to_have_text(f"Ticket #{demo.late}")
    page.locator("#lang").click()
    expect(page.locator("h1")).to_have_text("Konsola dyspozytora")


def test_demo_world_fills_the_map_the_queue_and_the_timelines(
    world_page: Page, world_demo: WorldDemo, tmp_path: Path
) -> None:
    """Part of the demo world: every depot and engineer drawn, the queue full, busy engineers'
    days on top of the timeline, the selected ticket's route on the map (docs/console.png)."""
    page = world_page
    expect(page.locator("#queue-rows tr")).to_have_count(len(world_demo.tickets))
    expect(page.locator("#map-depots g")).to_have_count(11)
    expect(page.locator("#map-engineers g")).to_have_count(45)
    expect(page.locator("#map-land path")).to_have_count(16)
    expect(page.locator("#gantt .g-row")).to_have_count(45)
    top = page.locator("#gantt .g-row").first
    expect(top.locator(".seg.visit")).not_to_have_count(0)
    chosen = world_demo.confirmed[0]
    page.locator(f'#queue-rows button[data-ticket="{chosen}"]').click()
    expect(page.locator(".card.recommended .badge")).to_have_text("potwierdzony")
    expect(page.locator(f'#map-route polyline[data-route="{chosen}"]')).to_have_count(1)
    page.screenshot(path=tmp_path / "console.png")
