"""The demo day with the field reporting through the real server, surprises included.

Every engineer's booked stops are reported as the clock passes them (departed, arrived,
finished), each drive off its booking by a random +-20 % (seeded per stop); at 10:00 the
engineer with the most visits still ahead goes home sick; the first visit ending after 11:00
fails (wrong part). Run twice on the same tickets, noise and surprises:

- ``live``: the service's live operations: every repair proposal is applied as it comes (the
  sick engineer's visits, the failed visit, tickets the noise made late), and the whole day is
  re-optimised at 12:00 and 15:00 (applied);
- ``by_hand``: no proposals and no re-optimisation: a dispatcher plans and confirms each
  ticket the surprises hit, one at a time, as the single-ticket planning recommends.

On time when driven: the reported arrival (a car's or parcel's booked arrival) by the
deadline. Undecided: tickets ending the run with neither a plan in force nor an explicit
decision (unservable, escalated).
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx

from depots.demand import DayTicket
from depots.demo_world import DemoWorld
from dispatch.timeparse import WARSAW

STEP = timedelta(minutes=20)
SICK_AT, FAIL_AFTER = time(10, 0), time(11, 0)
REOPT_AT = (time(12, 0), time(15, 0))
UNDECIDED = ("submitted", "accepted", "planned")


class Field:
    """The engineers' devices: report every booked stop the clock has passed."""

    def __init__(self, client: httpx.Client, day: date) -> None:
        self.client = client
        self.day = day
        self.sent: set[str] = set()
        self.arrived: dict[int, datetime] = {}
        self.sick: str | None = None
        self.fail_after = datetime.combine(day, FAIL_AFTER, WARSAW)
        self.failed: int | None = None
        self.reports = 0

    def legs(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for offset in (0, 1):
            day = (self.day + timedelta(days=offset)).isoformat()
            out += self.client.get("/v1/legs", params={"day": day}).json()
        return out

    def advance(self, now: datetime) -> None:
        """Report what happened up to ``now`` (each report may re-time what follows)."""
        while self._round(now):
            pass

    def _round(self, now: datetime) -> bool:
        sent_any = False
        for leg in sorted(self.legs(), key=lambda g: g["depart_at"]):
            vehicle = leg["vehicle"]
            if leg["kind"] not in ("pickup", "visit") or vehicle.startswith(("car:", "courier:")):
                continue
            depart = datetime.fromisoformat(leg["depart_at"])
            went_home = vehicle == self.sick and depart >= datetime.combine(
                self.day, SICK_AT, WARSAW
            )
            if depart > now or went_home:
                continue
            key = f"{vehicle}-{leg['ticket_id']}-{leg['kind']}-{leg['plan_id']}"
            drive = datetime.fromisoformat(leg["arrive_at"]) - depart
            factor = 0.8 + 0.4 * (zlib.crc32(key.encode()) % 1000) / 999
            arrive = depart + drive * factor
            work = datetime.fromisoformat(leg["finish_at"]) - datetime.fromisoformat(
                leg["start_at"]
            )
            end = arrive + work
            fail = leg["kind"] == "visit" and self.failed is None and end > self.fail_after
            plan = [("departed", depart)]
            if arrive <= now:
                plan.append(("arrived", arrive))
            if end <= now:
                plan.append(("failed" if fail else "finished", end))
            for kind, at in plan:
                event = f"{key}-{kind}"
                if event in self.sent:
                    continue
                body = {"event_id": event, "vehicle": vehicle, "kind": kind, "stop": leg["kind"],
                        "ticket_id": leg["ticket_id"], "at": at.isoformat()}  # fmt: skip
                if kind == "failed":
                    body["reason"] = "wrong_part"
                    self.failed = leg["ticket_id"]
                reply = self.client.post("/v1/field/events", json=body)
                self.sent.add(event)
                self.reports += 1
                if reply.status_code != 200:
                    continue
                if kind == "arrived" and leg["kind"] == "visit":
                    self.arrived[leg["ticket_id"]] = at
                sent_any = True
            if sent_any:
                return True  # the day moved: read it again
        return False


def run(
    client: httpx.Client,
    world: DemoWorld,
    tickets: Sequence[DayTicket],
    day: date,
    live: bool,
) -> dict[str, Any]:
    """One variant of the noisy day (see the module); its figures."""
    sites = {s.id: s for s in world.sites}
    field = Field(client, day)
    steps: list[tuple[datetime, int, Any]] = []
    steps += [(t.submitted_at, 0, t) for t in tickets] + [(t.accepted_at, 1, t) for t in tickets]
    steps.append((datetime.combine(day, SICK_AT, WARSAW), 2, None))
    if live:
        steps += [(datetime.combine(day, at, WARSAW), 3, None) for at in REOPT_AT]
    start = datetime.combine(day, time(0), WARSAW)
    steps += [(start + STEP * i, 9, None) for i in range(int(timedelta(hours=44) / STEP))]
    ids: dict[str, int] = {}
    deadlines: dict[int, datetime] = {}
    counts: Counter[str] = Counter()
    failed_handled = False
    for at, kind, ticket in sorted(steps, key=lambda s: (s[0], s[1])):
        client.put("/v1/admin/clock", json={"now": at.isoformat()})
        field.advance(at)
        if field.failed is not None and not failed_handled:
            failed_handled = True
            if not live:
                _by_hand(client, [field.failed], counts)
        if live:
            _apply_open(client, counts)
        if kind == 0:
            body = {"contract_number": sites[ticket.device.site].contract,
                    "serial": ticket.device.serial}  # fmt: skip
            ids[ticket.id] = int(client.post("/v1/tickets", json=body).json()["id"])
        elif kind == 1:
            number = ids[ticket.id]
            accepted = client.post(f"/v1/tickets/{number}/accept", json={}).json()
            deadlines[number] = datetime.fromisoformat(accepted["deadline"])
            _plan_and_confirm(client, number, counts)
        elif kind == 2:
            field.sick = _sickest(field.legs(), at)
            reply = client.post(f"/v1/engineers/{field.sick}/unavailable", json={"reason": "sick"})
            proposal = reply.json().get("proposal") or {}
            if not live:
                hit = [c["ticket_id"] for c in proposal.get("changes", [])]
                _by_hand(client, hit, counts)
        elif kind == 3:
            proposal = client.post("/v1/days/reoptimise", json={"day": day.isoformat()}).json()
            counts["reopt_changes"] += len(proposal.get("changes", []))
            applied = client.post(f"/v1/proposals/{proposal['id']}/apply")
            counts["reopt_applied"] += applied.status_code == 200
    return _figures(client, field, deadlines, counts)


def _plan_and_confirm(client: httpx.Client, ticket: int, counts: Counter[str]) -> None:
    reply = client.post(f"/v1/tickets/{ticket}/plan")
    if reply.status_code != 200:
        counts["unservable_at_plan"] += 1
        return
    confirmed = client.post(f"/v1/plans/{reply.json()['id']}/confirm")
    if confirmed.status_code == 409:
        counts["confirm_conflicts"] += 1
        fresh = confirmed.json().get("plan")
        if fresh:
            client.post(f"/v1/plans/{fresh['id']}/confirm")


def _by_hand(client: httpx.Client, hit: list[int], counts: Counter[str]) -> None:
    for ticket in hit:
        counts["replanned_by_hand"] += 1
        _plan_and_confirm(client, ticket, counts)


def _apply_open(client: httpx.Client, counts: Counter[str]) -> None:
    for proposal in client.get("/v1/proposals").json():
        if proposal["kind"] != "repair":
            continue
        reply = client.post(f"/v1/proposals/{proposal['id']}/apply")
        counts["repairs_applied" if reply.status_code == 200 else "repairs_stale"] += 1


def _sickest(legs: list[dict[str, Any]], now: datetime) -> str:
    ahead = Counter(
        g["vehicle"] for g in legs
        if g["kind"] == "visit" and datetime.fromisoformat(g["depart_at"]) > now
        and not g["vehicle"].startswith(("car:", "courier:"))
    )  # fmt: skip
    return ahead.most_common(1)[0][0]


def _figures(
    client: httpx.Client, field: Field, deadlines: dict[int, datetime], counts: Counter[str]
) -> dict[str, Any]:
    arrivals = dict(field.arrived)
    for leg in field.legs():
        if leg["kind"] in ("deliver", "parcel") and leg["ticket_id"] not in arrivals:
            arrivals[leg["ticket_id"]] = datetime.fromisoformat(leg["arrive_at"])
    statuses: Counter[str] = Counter()
    undecided = []
    for ticket in deadlines:
        status = client.get(f"/v1/tickets/{ticket}").json()["status"]
        statuses[status] += 1
        if status in UNDECIDED:
            undecided.append(ticket)
    on_time = sum(t in arrivals and arrivals[t] <= d for t, d in deadlines.items())
    return {
        "tickets": len(deadlines), "on_time_driven": on_time, "undecided": len(undecided),
        "statuses": dict(sorted(statuses.items())), "field_reports": field.reports,
        "sick_engineer": field.sick, "failed_ticket": field.failed, **dict(sorted(counts.items())),
    }  # fmt: skip
