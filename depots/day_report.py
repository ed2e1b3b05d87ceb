"""The replayed day (:func:`depots.simulation.simulate_day`) in figures and as a
self-contained HTML report.

``summarise`` gives the figures the CLI prints; ``render_html`` one HTML page with no external
resources (no CDN, no scripts): the summary, an inline SVG map of Poland (the voivodeship
outlines every map of the project draws, :func:`dispatch.outlines.outline_rings`) with depots,
engineers, customer sites, tickets and routes, one timeline per engineer who worked, and the
ticket table.
"""

from __future__ import annotations

import html
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from depots.demo_world import TIERS, DemoWorld
from depots.report import document
from depots.simulation import Outcome, RunResult
from dispatch.outlines import outline_rings
from dispatch.places import resolve

MAP_W, MAP_H = 640, 600
LON0, LON1, LAT0, LAT1 = 14.0, 24.3, 48.95, 54.95
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


def _xy(lat: float, lon: float) -> tuple[float, float]:
    """Equirectangular projection scaled for Poland's latitude."""
    x = (lon - LON0) / (LON1 - LON0) * MAP_W
    y = (LAT1 - lat) / (LAT1 - LAT0) * MAP_H
    return round(x, 1), round(y, 1)


def _map_svg(world: DemoWorld, result: RunResult) -> str:
    out = [
        f'<svg id="map" xmlns="http://www.w3.org/2000/svg" width="{MAP_W}" height="{MAP_H}" '
        f'viewBox="0 0 {MAP_W} {MAP_H}" role="img" aria-label="map of Poland">'
    ]
    for ring in outline_rings():
        points = " ".join("{},{}".format(*_xy(lat, lon)) for lon, lat in ring)
        out.append(f'<polygon points="{points}" fill="#f4f4f0" stroke="#999"/>')
    for site in world.sites:
        x, y = _xy(site.lat, site.lon)
        out.append(f'<circle cx="{x}" cy="{y}" r="1.2" fill="#bbb"/>')
    homes = {e.id: e.home for e in world.engineers}
    for k, (engineer, stops) in enumerate(sorted(result.stops.items())):
        colour = ROUTE_COLOURS[k % len(ROUTE_COLOURS)]
        for day in sorted({_work_day(s.arrive) for s in stops}):
            today = [s for s in stops if _work_day(s.arrive) == day]
            path = [resolve(homes[engineer]), *(resolve(s.location) for s in today)]
            points = " ".join("{},{}".format(*_xy(p.lat, p.lon)) for p in path)
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5" '
                f'opacity=".8"><title>{_e(f"{engineer} {day:%d.%m}")}</title></polyline>'
            )
    for o in result.outcomes.values():
        x, y = _xy(o.ticket.site.lat, o.ticket.site.lon)
        colour = "#080" if o.on_time else ("#000" if o.assignment is None else "#d00")
        out.append(
            f'<circle cx="{x}" cy="{y}" r="4" fill="{colour}" stroke="#fff">'
            f"<title>{_e(_ticket_label(o))}</title></circle>"
        )
    for e in world.engineers:
        p = resolve(e.home)
        x, y = _xy(p.lat, p.lon)
        out.append(
            f'<polygon points="{x},{y - 5} {x - 4},{y + 3} {x + 4},{y + 3}" fill="#36c">'
            f"<title>{_e(f'{e.id} {e.name}, {e.home}')}</title></polygon>"
        )
    for d in world.depots:
        p = resolve(d.location)
        x, y = _xy(p.lat, p.lon)
        out.append(
            f'<rect x="{x - 5}" y="{y - 5}" width="10" height="10" fill="#f90" stroke="#000">'
            f"<title>{_e(f'depot {d.id} {d.location}')}</title></rect>"
            f'<text x="{x + 7}" y="{y + 4}">{_e(d.id)}</text>'
        )
    out.append(_legend())
    out.append("</svg>")
    return "".join(out)


def _work_day(moment: datetime) -> date:
    """The working day a stop belongs to: night work until 06:00 counts to the day before."""
    return (moment - timedelta(hours=6)).date()


def _legend() -> str:
    items = (
        ('<rect x="10" y="{y}" width="10" height="10" fill="#f90" stroke="#000"/>', "depot"),
        ('<polygon points="15,{y} 11,{y8} 19,{y8}" fill="#36c"/>', "engineer base"),
        ('<circle cx="15" cy="{y5}" r="4" fill="#080"/>', "ticket on time"),
        ('<circle cx="15" cy="{y5}" r="4" fill="#d00"/>', "ticket late"),
        ('<circle cx="15" cy="{y5}" r="1.5" fill="#bbb"/>', "customer site"),
    )
    out = []
    for k, (shape, label) in enumerate(items):
        y = MAP_H - 20 - 16 * (len(items) - k)
        out.append(shape.format(y=y, y5=y + 5, y8=y + 8))
        out.append(f'<text x="26" y="{y + 9}">{label}</text>')
    return "".join(out)


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
