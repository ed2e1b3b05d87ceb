"""The replayed day (:func:`depots.simulation.simulate_day`) in figures and as a
self-contained HTML report.

``summarise`` gives the figures the CLI prints; ``render_html`` one HTML page with no external
resources (no CDN, no scripts): the summary, the map of Poland every report draws
(:func:`depots.report.poland_map`, inline as SVG with a hover text per marker) with depots,
engineers, customer sites, tickets and routes, one timeline per engineer who worked, and the
ticket table.
"""

from __future__ import annotations

import html
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from matplotlib.artist import Artist

from depots.demo_world import TIERS, DemoWorld
from depots.report import document, inline_svg, poland_map
from depots.simulation import Outcome, RunResult
from dispatch.places import resolve

DEPOT, BASE, SITE, ON_TIME, LATE, UNSERVED = "#f90", "#36c", "#bbb", "#080", "#d00", "#000"
LEGEND = (("s", DEPOT, "depot"), ("^", BASE, "engineer base"), ("o", ON_TIME, "ticket on time"),
          ("o", LATE, "ticket late"), ("o", SITE, "customer site"))  # fmt: skip
TIMELINE_W, ROW_H, LABEL_W = 900, 22, 190
ROUTE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip


@dataclass(frozen=True, slots=True)
class TierFigures:
    """Tickets of one tier and how many were served on time."""

    tier: str
    tickets: int
    on_time: int

    @property
    def share(self) -> float:
        """On-time share (1.0 for a tier with no tickets)."""
        return self.on_time / self.tickets if self.tickets else 1.0


@dataclass(frozen=True, slots=True)
class DaySummary:
    """The day's figures."""

    tickets: int
    on_time: int
    by_tier: tuple[TierFigures, ...]
    cost_pln: float
    engineers_used: int
    modes: dict[str, int]  # courier / dedicated / engineer (+ part source) / unassigned
    engine_calls: int
    engine_p50_s: float
    engine_max_s: float
    wall_s: float

    def lines(self) -> list[str]:
        """The summary as plain text lines."""
        share = self.on_time / self.tickets if self.tickets else 1.0
        out = [
            f"tickets {self.tickets}, on time {self.on_time} ({share:.1%}), "
            f"cost {self.cost_pln:,.2f} PLN, engineers used {self.engineers_used}",
        ]
        out += [
            f"  {f.tier:<9} {f.on_time:>3}/{f.tickets:<3} on time ({f.share:.0%})"
            for f in self.by_tier
            if f.tickets
        ]
        out.append("  " + ", ".join(f"{k} {v}" for k, v in self.modes.items()))
        out.append(
            f"engine: {self.engine_calls} calls, p50 {self.engine_p50_s:.2f} s, "
            f"max {self.engine_max_s:.2f} s; replay {self.wall_s:.1f} s"
        )
        return out


def summarise(result: RunResult) -> DaySummary:
    """Count tickets, on-time share per tier, cost, engineers and transport modes."""
    outcomes = list(result.outcomes.values())
    tiers = [
        TierFigures(
            tier,
            sum(o.ticket.tier == tier for o in outcomes),
            sum(o.ticket.tier == tier and o.on_time for o in outcomes),
        )
        for tier in TIERS
    ]
    modes: Counter[str] = Counter()
    for o in outcomes:
        a = o.assignment
        if a is None:
            modes["unassigned"] += 1
        elif a.mode == "engineer":
            modes[f"engineer ({a.source})"] += 1
        else:
            modes[a.mode] += 1
    runtimes = sorted(c.runtime_s for c in result.calls)
    return DaySummary(
        tickets=len(outcomes),
        on_time=sum(o.on_time for o in outcomes),
        by_tier=tuple(tiers),
        cost_pln=round(sum(o.assignment.cost for o in outcomes if o.assignment), 2),
        engineers_used=len({o.assignment.engineer for o in outcomes if o.assignment} - {None}),
        modes=dict(sorted(modes.items())),
        engine_calls=len(runtimes),
        engine_p50_s=runtimes[len(runtimes) // 2] if runtimes else 0.0,
        engine_max_s=runtimes[-1] if runtimes else 0.0,
        wall_s=result.runtime_s,
    )


def render_html(
    world: DemoWorld, day: date, result: RunResult, summary: DaySummary, note: str = ""
) -> str:
    """The whole report of ``day`` as one HTML document; ``note`` says how the day was run."""
    title = f"dispatch demo: {day:%A %Y-%m-%d}"
    parts = [
        f"<h1>{_e(title)}</h1>",
        f"<p>{_e(note)}</p>" if note else "",
        "<h2>Summary</h2>",
        _summary_table(summary),
        "<h2>Map</h2>",
        "<p>Lines: each engineer's route for each working day, from the base through the "
        "dispatched pickups and visits. Hover a marker for details.</p>",
        _map_svg(world, result),
        "<h2>Engineers' timelines</h2>",
        "<p>Shift shaded green; pickups at depots orange, site visits blue, late visits red. "
        "Hover a stop for the ticket and times.</p>",
        _timelines_svg(world, result),
        "<h2>Tickets</h2>",
        _tickets_table(result),
    ]
    return document(title, parts, _CSS)


_CSS = ".late{color:#c00;font-weight:bold}.ok{color:#080}svg text{font:11px system-ui,sans-serif}"


def _e(text: object) -> str:
    return html.escape(str(text))


def _summary_table(s: DaySummary) -> str:
    share = s.on_time / s.tickets if s.tickets else 1.0
    rows = [
        ("tickets", s.tickets),
        ("on time", f"{s.on_time} ({share:.1%})"),
        *((f"on time {f.tier}", f"{f.on_time}/{f.tickets} ({f.share:.0%})") for f in s.by_tier),
        ("cost", f"{s.cost_pln:,.2f} PLN"),
        ("engineers used", s.engineers_used),
        *((f"mode: {k}", v) for k, v in s.modes.items()),
        (
            "engine calls",
            f"{s.engine_calls} (p50 {s.engine_p50_s:.2f} s, max {s.engine_max_s:.2f} s)",
        ),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _map_svg(world: DemoWorld, result: RunResult) -> str:
    """The day on every report's map (:func:`depots.report.poland_map`), inline, with hovers."""
    fig, ax = poland_map()
    tips: list[tuple[Artist, str]] = []
    sites = world.sites
    ax.scatter([s.lon for s in sites], [s.lat for s in sites], s=2, color=SITE, linewidths=0)
    homes = {e.id: resolve(e.home) for e in world.engineers}
    for k, (engineer, stops) in enumerate(sorted(result.stops.items())):
        colour = ROUTE_COLOURS[k % len(ROUTE_COLOURS)]
        for day in sorted({_work_day(s.arrive) for s in stops}):
            today = [resolve(s.location) for s in stops if _work_day(s.arrive) == day]
            path = [homes[engineer], *today]
            (line,) = ax.plot([p.lon for p in path], [p.lat for p in path], color=colour,
                              linewidth=1.3, alpha=0.8)  # fmt: skip
            tips.append((line, f"{engineer} {day:%d.%m}"))
    for o in result.outcomes.values():
        colour = ON_TIME if o.on_time else (UNSERVED if o.assignment is None else LATE)
        dot = ax.scatter(o.ticket.site.lon, o.ticket.site.lat, s=36, color=colour,
                         edgecolors="white", linewidths=0.8, zorder=4)  # fmt: skip
        tips.append((dot, _ticket_label(o)))
    for e in world.engineers:
        base = ax.scatter(homes[e.id].lon, homes[e.id].lat, marker="^", s=30, color=BASE, zorder=3)
        tips.append((base, f"{e.id} {e.name}, {e.home}"))
    for d in world.depots:
        p = resolve(d.location)
        depot = ax.scatter(p.lon, p.lat, marker="s", s=60, color=DEPOT, edgecolors="black",
                           zorder=5)  # fmt: skip
        ax.annotate(d.id, (p.lon, p.lat), xytext=(5, 3), textcoords="offset points", fontsize=8)
        tips.append((depot, f"depot {d.id} {d.location}"))
    for marker, colour, label in LEGEND:
        ax.scatter([], [], marker=marker, color=colour, label=label)
    ax.legend(loc="lower left", fontsize=8)
    return inline_svg(fig, tips, "map")


def _work_day(moment: datetime) -> date:
    """The working day a stop belongs to: night work until 06:00 counts to the day before."""
    return (moment - timedelta(hours=6)).date()


def _ticket_label(o: Outcome) -> str:
    t, a = o.ticket, o.assignment
    how = "unassigned: " + o.reason if a is None else f"{a.mode} {a.depot or ''} {a.engineer or ''}"
    state = "on time" if o.on_time else "late"
    return f"{t.id} {t.tier} {t.service} {t.site.town} {t.device.sku}: {how} ({state})"


def _timelines_svg(world: DemoWorld, result: RunResult) -> str:
    if not result.stops:
        return '<p id="timelines">No engineer visits were dispatched.</p>'
    stops = [s for ss in result.stops.values() for s in ss]
    start = min(s.arrive for s in stops).replace(minute=0, second=0, microsecond=0)
    end = max(s.depart for s in stops)
    hours = max(math.ceil((end - start).total_seconds() / 3600), 1)
    scale = (TIMELINE_W - LABEL_W - 10) / (hours * 3600)

    def x(moment: datetime) -> float:
        return round(LABEL_W + (moment - start).total_seconds() * scale, 1)

    rows = sorted(result.stops)
    height = 30 + ROW_H * len(rows)
    out = [
        f'<svg id="timelines" xmlns="http://www.w3.org/2000/svg" width="{TIMELINE_W}" '
        f'height="{height}" viewBox="0 0 {TIMELINE_W} {height}" role="img" '
        'aria-label="engineer timelines">'
    ]
    step = 1 if hours <= 16 else 2
    for h in range(0, hours + 1, step):
        moment = start + timedelta(hours=h)
        out.append(
            f'<line x1="{x(moment)}" y1="14" x2="{x(moment)}" y2="{height}" stroke="#eee"/>'
            f'<text x="{x(moment) - 10}" y="11">{moment:%H}h</text>'
        )
    engineers = {e.id: e for e in world.engineers}
    deadlines = {o.ticket.id: o.ticket.deadline() for o in result.outcomes.values()}
    for r, engineer in enumerate(rows):
        y = 20 + r * ROW_H
        e = engineers[engineer]
        for day in sorted({s.arrive.date() for s in result.stops[engineer]}):
            a = datetime.combine(
                day, datetime.strptime(e.shift_start, "%H:%M").time(), start.tzinfo
            )
            b = datetime.combine(day, datetime.strptime(e.shift_end, "%H:%M").time(), start.tzinfo)
            out.append(
                f'<rect x="{x(a)}" y="{y}" width="{x(b) - x(a)}" height="{ROW_H - 4}" '
                'fill="#eef5ee"/>'
            )
        label = f"{e.id} {e.name} ({e.home})"
        out.append(f'<text x="2" y="{y + 13}">{_e(label)}</text>')
        for s in result.stops[engineer]:
            late = s.kind == "visit" and s.arrive > deadlines[s.ticket]
            fill = "#f90" if s.kind == "pickup" else ("#d00" if late else "#36c")
            width = max(x(s.depart) - x(s.arrive), 2)
            tip = f"{s.ticket} {s.kind} {s.place} {s.arrive:%H:%M}-{s.depart:%H:%M}"
            out.append(
                f'<rect class="stop" x="{x(s.arrive)}" y="{y + 2}" width="{width}" '
                f'height="{ROW_H - 8}" fill="{fill}"><title>{_e(tip)}</title></rect>'
            )
    out.append("</svg>")
    return "".join(out)


def _tickets_table(result: RunResult) -> str:
    head = ("ticket", "accepted", "dispatched", "tier", "service", "site", "model", "mode", "depot",
            "engineer", "ETA", "deadline", "on time")  # fmt: skip
    rows = []
    for o in sorted(result.outcomes.values(), key=lambda o: o.ticket.id):
        t, a = o.ticket, o.assignment
        cells = (
            t.id,
            f"{t.accepted_at:%H:%M}",
            f"{o.dispatched_at:%H:%M}",
            t.tier,
            t.service,
            t.site.location,
            t.device.sku,
            "unassigned: " + o.reason if a is None else f"{a.mode} ({a.source})",
            "" if a is None else a.depot or "",
            "" if a is None else a.engineer or "",
            "" if o.eta is None else f"{o.eta:%d %H:%M}",
            f"{t.deadline():%d %H:%M}",
            "yes" if o.on_time else "no",
        )
        state = "ok" if o.on_time else "late"
        rows.append(
            "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells[:-1])
            + f'<td class="{state}">{cells[-1]}</td></tr>'
        )  # fmt: skip
    header = "".join(f"<th>{h}</th>" for h in head)
    return f'<table id="tickets"><tr>{header}</tr>{"".join(rows)}</table>'
