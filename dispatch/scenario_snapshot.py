"""Scenario file -> world snapshot: places resolved, daily shifts dated, prices in grosze.

The scenario gives each engineer one daily shift; the snapshot dates it on today and the next
business day (today's skipped when every engineer's has ended: then the two business days
after), and gives on-call engineers the time outside those shifts, from now on, as on-call
windows. Existing visits become unbooked stops (routed on the engineer's first shift, pinned
ones first); each ticket's deadline is fixed from its acceptance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time

from dispatch.calendar import from_epoch, is_business_day, next_business_day
from dispatch.errors import InvalidInput, InvalidInputs
from dispatch.places import Place
from dispatch.places import resolve as resolve_place
from dispatch.scenario import Engineer, Scenario
from dispatch.sla import deadline_s
from dispatch.timeparse import WARSAW
from dispatch.world import (
    CourierService,
    DepotState,
    EngineerState,
    Point,
    Prices,
    Stop,
    TicketState,
    Window,
    WorldSnapshot,
)

Resolver = Callable[[str, str], Place]

SHIFT_DAYS_AHEAD = 2
"""Business days of shifts a scenario's daily hours are dated on (chosen rule, docs/dispatch.md)."""


def grosze(pln: float) -> int:
    """PLN to integer grosze, rounded half up."""
    return int(pln * 100 + 0.5)


def gazetteer(text: str, field: str) -> Place:
    """The embedded gazetteer as a resolver."""
    return resolve_place(text, field=field)


def snapshot(scenario: Scenario, resolve: Resolver = gazetteer) -> WorldSnapshot:
    """The snapshot of ``scenario``, its places resolved with ``resolve``.

    Raises
    ------
    InvalidInputs
        Listing every location that could not be resolved.
    """
    points = _Points(resolve)
    depots = tuple(
        DepotState(
            id=d.id,
            at=points.get(d.location, f"depots.{d.id}.location"),
            stock=dict(d.stock),
            pick_minutes=d.pick_minutes,
            courier_cutoff=d.courier_cutoff,
            drivers=d.drivers,
        )
        for d in scenario.depots
    )
    # Resolved in this order so that problems are listed depots, homes, sites, visits, positions.
    homes = [points.get(e.home, f"engineers.{e.id}.home") for e in scenario.engineers]
    sites = [points.get(t.site, f"tickets.{t.id}.site") for t in scenario.tickets]
    visits = [
        [points.get(v.location, f"engineers.{e.id}.visits.{v.id}.location") for v in e.visits]
        for e in scenario.engineers
    ]
    positions = [
        None if e.position is None else points.get(e.position, f"engineers.{e.id}.position")
        for e in scenario.engineers
    ]
    days = _shift_days(scenario.engineers, scenario.now)
    engineers = tuple(
        _engineer(e, scenario.now, days, home, tuple(at), position)
        for e, home, at, position in zip(scenario.engineers, homes, visits, positions, strict=True)
    )
    tickets = tuple(
        TicketState(
            id=t.id,
            service=t.service,
            tier=t.tier,
            accepted_at=t.accepted_at,
            deadline=from_epoch(deadline_s(t.tier, int(t.accepted_at.timestamp()), t.nbd_cutoff)),
            site=site,
            sku=t.sku,
        )
        for t, site in zip(scenario.tickets, sites, strict=True)
    )
    points.check()
    costs = scenario.costs
    return WorldSnapshot(
        now=scenario.now,
        skus=dict(scenario.skus),
        depots=depots,
        couriers=tuple(
            CourierService(c.id, c.delivery_by, grosze(c.price)) for c in scenario.couriers
        ),
        engineers=engineers,
        tickets=tickets,
        prices=Prices(
            dedicated_per_km_gr=grosze(costs.dedicated_per_km),
            dedicated_per_hour_gr=grosze(costs.dedicated_per_hour),
            dedicated_per_trip_gr=grosze(costs.dedicated_per_trip),
            engineer_per_km_gr=grosze(costs.engineer_per_km),
            on_call_permille=round(costs.on_call_multiplier * 1000),
        ),
    )


class _Points:
    """Resolves place texts, collecting every problem instead of stopping at the first."""

    def __init__(self, resolve: Resolver) -> None:
        self._resolve = resolve
        self.problems: list[InvalidInput] = []

    def get(self, text: str, field: str) -> Point:
        try:
            place = self._resolve(text, field)
        except InvalidInput as exc:
            self.problems.append(exc)
        except LookupError as exc:
            self.problems.append(InvalidInput(field, str(exc)))
        else:
            return Point(place.lat, place.lon, place.name)
        return Point(0.0, 0.0, text)

    def check(self) -> None:
        if self.problems:
            raise InvalidInputs(self.problems)


def _wall(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=WARSAW)


def _shift_days(engineers: Sequence[Engineer], now: datetime) -> tuple[date, ...]:
    """The business days the daily shifts are dated on: today's (if any shift is still to end)
    and the next, up to ``SHIFT_DAYS_AHEAD`` days."""
    day = now.astimezone(WARSAW).date()
    if not is_business_day(day):
        day = next_business_day(day)
    out: list[date] = []
    while len(out) < SHIFT_DAYS_AHEAD:
        if not engineers or any(_wall(day, e.shift[1]) > now for e in engineers):
            out.append(day)
        day = next_business_day(day)
    return tuple(out)


def _engineer(
    engineer: Engineer,
    now: datetime,
    days: Sequence[date],
    home: Point,
    visits: Sequence[Point],
    position: Point | None,
) -> EngineerState:
    shifts = [Window(_wall(day, engineer.shift[0]), _wall(day, engineer.shift[1])) for day in days]
    windows = list(shifts)
    if engineer.on_call:
        edge = now
        for shift in shifts:
            if shift.start > edge:
                windows.append(Window(edge, shift.start, on_call=True))
            edge = max(edge, shift.end)
    return EngineerState(
        id=engineer.id,
        home=home,
        skills=engineer.skills,
        rate_gr_h=grosze(engineer.cost_per_hour),
        windows=tuple(sorted(windows, key=lambda w: w.start)),
        on_call=engineer.on_call,
        van_stock=dict(engineer.van_stock),
        route=tuple(
            Stop(
                kind="visit",
                ref=v.id,
                at=at,
                service_s=v.onsite_minutes * 60,
                under_way=v.pinned,
            )
            for v, at in zip(engineer.visits, visits, strict=True)
        ),
        position=position,
        free_from=engineer.available_from,
    )
