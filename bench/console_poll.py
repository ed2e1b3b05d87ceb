"""The console at shift scale: queue poll latency and the page's full redraw, at 250 tickets.

A live server (uvicorn in a thread, SQLite, the real engine, a frozen clock) with part of the
demo world: 250 open tickets, 10 confirmed. Measured:

- the queue poll over HTTP as the page makes it: a first poll (every row), a poll with the
  version the page holds (nothing changed), and a filtered poll (one voivodeship);
- in Debian's chromium (Playwright, ``/usr/bin/chromium``), the page's full redraw: the queue's
  row cache dropped and queue, ticket, map and timeline drawn again, layout included; and the
  redraw a poll with nothing new costs.

Prints one JSON object and appends it to ``bench/results/console_poll.json`` (``--no-save``
to skip). Run: ``.venv/bin/python bench/console_poll.py`` (about 1-2 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatch.store.keys import Role  # noqa: E402
from tests.api.console.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT  # noqa: E402
from tests.api.console.live import fresh_sqlite, serve, shift_world  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "console_poll.json"

REDRAW = """
(n) => {
  const out = [];
  for (let i = 0; i < n; i++) {
    const began = performance.now();
    for (const [, cached] of rowCache) cached.tr.remove();
    rowCache.clear(); state.shown = "";
    renderAll(true);
    document.body.offsetHeight;  // layout included
    out.push(performance.now() - began);
  }
  return out;
}
"""
POLL_REDRAW = """
(n) => {
  const out = [];
  for (let i = 0; i < n; i++) {
    const began = performance.now();
    renderAll(false);
    document.body.offsetHeight;
    out.push(performance.now() - began);
  }
  return out;
}
"""


def stats(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
    }


def polls(base: str, key: str, params: dict[str, str], n: int) -> list[float]:
    out = []
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30) as client:
        for _ in range(n):
            began = time.perf_counter()
            reply = client.get("/console/api/queue", params=params)
            reply.raise_for_status()
            reply.json()
            out.append(1000 * (time.perf_counter() - began))
    return out


def redraws(base: str, key: str, n: int) -> tuple[dict[str, float], dict[str, float], int]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"{base}/console")
        page.locator("#api-key").fill(key)
        page.locator("#api-key").press("Enter")
        page.wait_for_function("document.querySelectorAll('#queue-rows tr').length >= 250")
        page.evaluate("() => { clearInterval(state.timer); }")  # no poll in the middle
        rows = int(page.evaluate("() => document.querySelectorAll('#queue-rows tr').length"))
        full = stats(page.evaluate(REDRAW, n))
        again = stats(page.evaluate(POLL_REDRAW, n))
        browser.close()
    return full, again, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=250)
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument("--redraws", type=int, default=30)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        database = fresh_sqlite(Path(scratch))
        with serve(database) as console:
            started = time.perf_counter()
            tickets, confirmed = shift_world(console, sites=400, tickets=args.tickets, confirmed=10)
            load_s = time.perf_counter() - started
            key = console.keys[Role.DISPATCHER]
            first = console.ok("GET", "/console/api/queue", Role.DISPATCHER)
            busiest = max(first["facets"]["voivodeship"].items(), key=lambda kv: kv[1])[0]
            result: dict[str, Any] = {
                "bench": "console_poll",
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "load_avg": [round(x, 2) for x in os.getloadavg()],
                "tickets": len(tickets),
                "confirmed": len(confirmed),
                "world_load_s": round(load_s, 1),
                "poll_full": stats(polls(console.base, key, {}, args.polls)),
                "poll_since": stats(
                    polls(console.base, key, {"since": first["version"]}, args.polls)
                ),
                "poll_filtered": stats(
                    polls(console.base, key, {"voivodeship": busiest}, args.polls)
                ),
                "poll_bytes": {
                    "full": len(json.dumps(first)),
                    "since": len(
                        json.dumps(
                            console.ok(
                                "GET",
                                f"/console/api/queue?since={first['version']}",
                                Role.DISPATCHER,
                            )
                        )
                    ),
                },
            }
            full, again, rows = redraws(console.base, key, args.redraws)
            result.update(redraw_full=full, redraw_poll=again, rows_drawn=rows)
        database.engine.dispose()
    print(json.dumps(result, indent=2))
    if not args.no_save:
        history = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
        history.append(result)
        RESULTS.write_text(json.dumps(history, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
