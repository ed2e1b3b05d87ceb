"""The reaction clock in a real browser: the first contact recorded from the ticket or from the
list of breaches, the breaches counted beside the queue's title, in Polish and in English.

The demo's five tickets (tests/api/console/conftest.py): the late and the at-risk one were
submitted hours ago and nobody contacted the customer (two breaches); the others' clocks run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.console.conftest import Demo, signed_in
from tests.api.console.test_console_browser import serious, shot

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)  # a loaded 2-core machine plans slowly


@pytest.fixture
def page(browser: Browser, demo: Demo, requests: list[str]) -> Iterator[Page]:
    yield from signed_in(browser, demo.console, requests)


def test_contacted_stops_the_clock_and_breaches_are_counted_and_listed(
    page: Page, demo: Demo, tmp_path: Path
) -> None:
    """The new ticket contacted from its panel in time (no breach: still two); the list shows
    both breaches without contact, the late one is contacted from there (still a breach,
    now a late contact), the at-risk one opens from the list with its clock overdue in red."""
    count = page.locator("#breaches")
    expect(count).to_have_text("2 naruszenia reakcji")
    expect(count).to_have_class(re.compile(r"\bbad\b"))

    page.locator(f'#queue-rows button[data-ticket="{demo.new}"]').click()
    line = page.locator("#reaction")
    expect(line).to_contain_text("Reakcja do")
    expect(page.locator("#reaction-left")).to_have_text(re.compile(r"^pozostało 0:5\d:\d\d$"))
    line.locator("button[data-contact]").click()
    expect(page.locator("#status")).to_have_text(
        f"#{demo.new}: zapisano kontakt z klientem, na czas."
    )
    expect(line).to_have_text(re.compile(r"^Kontakt z klientem .*\d\d:\d\d: na czas$"))
    expect(line.locator("button")).to_have_count(0)
    expect(page.locator("#countdown")).to_have_count(0)  # the reaction clock stopped
    expect(page.locator(f'#queue-rows [data-contacted="{demo.new}"]')).to_have_text(
        re.compile(r"^kontakt \d\d:\d\d$")
    )
    expect(page.locator(f'#queue-rows [data-react="{demo.new}"]')).to_have_count(0)
    expect(page.locator(".history")).to_contain_text("kontakt z klientem")
    expect(count).to_have_text("2 naruszenia reakcji")

    count.click()
    dialog = page.locator("#breaches-dialog")
    expect(dialog).to_be_visible()
    summary = page.locator("#breaches-summary")
    expect(summary).to_have_text("2 naruszenia reakcji: bez kontaktu 2, kontakt po terminie 0.")
    rows = page.locator("#breaches-table tbody tr")
    expect(rows).to_have_count(2)
    late = page.locator(f'#breaches-table tr[data-breach="{demo.late}"]')
    expect(late).to_contain_text("brak kontaktu")
    expect(late).to_contain_text("24x7x4")
    assert serious(page) == []
    shot(page, tmp_path, "breaches.png")
    late.locator("button[data-contact]").click()
    expect(summary).to_have_text("2 naruszenia reakcji: bez kontaktu 1, kontakt po terminie 1.")
    expect(late).not_to_contain_text("brak kontaktu")
    expect(page.locator("#status")).to_contain_text(
        f"#{demo.late}: zapisano kontakt z klientem, po terminie reakcji (o "
    )

    page.locator(f'#breaches-table tr[data-breach="{demo.at_risk}"] th button').click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#ticket-title")).to_have_text(f"Zgłoszenie #{demo.at_risk}")
    expect(line).to_have_class(re.compile(r"\bbad\b"))
    expect(line).to_contain_text("przekroczona o")
    expect(line).to_contain_text("brak kontaktu")

    page.locator("#lang").click()
    expect(count).to_have_text("2 reaction breaches")
    expect(line.locator("button[data-contact]")).to_have_text("Contacted")
    expect(line).to_contain_text("overdue by")


def test_the_breach_count_has_polish_plural_forms(page: Page) -> None:
    """1 naruszenie, 2-4 (and 22-24) naruszenia, 5-21 and 25 naruszeń; English: breach(es)."""
    forms = page.evaluate("() => [0, 1, 2, 4, 5, 12, 21, 22, 25].map((n) => plural('breaches', n))")
    numbers = [0, 1, 2, 4, 5, 12, 21, 22, 25]
    words = ["naruszeń", "naruszenie", "naruszenia", "naruszenia", "naruszeń", "naruszeń",
             "naruszeń", "naruszenia", "naruszeń"]  # fmt: skip
    assert forms == [f"{n} {w} reakcji" for n, w in zip(numbers, words, strict=True)]
    page.locator("#lang").click()
    assert page.evaluate("() => [1, 2].map((n) => plural('breaches', n))") == [
        "1 reaction breach",
        "2 reaction breaches",
    ]
