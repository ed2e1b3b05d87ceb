"""The world as the engine sees it at one moment: the only input any caller gives the engine.

A snapshot holds points (not place names), absolute working windows (shifts and on-call
periods, unavailability already cut out), each engineer's confirmed route with its booked
times, depots with their free units, pick-and-pack, courier cut-off and dedicated drivers (and
the cars still out), vans' stock, tickets with the deadline fixed when they were accepted, and
prices in whole grosze. Adapters build it from the scenario JSON (``dispatch.scenario_world``),
from the service's database (``api.planning``) and from the simulation's state;
``dispatch.encode`` turns it into the solver's arrays and ``dispatch.legs`` reads answers back.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time

from dispatch.tiers import Tier


class Service(enum.StrEnum):
    """AHB: the part is delivered; SOS: an engineer brings and installs it."""

    AHB = "AHB"
    SOS = "SOS"


@dataclass(frozen=True, slots=True)
class Point:
    """A point in Poland (WGS84 degrees) with the name dispatchers know it by."""

    lat: float
    lon: float
    name: str = ""

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"point.lat/lon must be degrees, got {self.lat},{self.lon}")


@dataclass(frozen=True, slots=True)
class Sku:
    """A device model: its family (for skills), on-site work and compatible substitutes."""

    sku: str
    family: str
    onsite_minutes: int
    substitutes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of time an engineer can work: a shift, or on call (24x7 tickets only)."""

    start: datetime
    end: datetime
    on_call: bool = False

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"window must end after it starts, got {self.start}..{self.end}")


@dataclass(frozen=True, slots=True)
class Stop:
    """A stop on an engineer's confirmed route: a part pickup at a depot or a site visit.

    A booked stop (``start`` set) stays in its route's order and at or before ``latest``; an
    unbooked one (a scenario's existing visit) is routed freely on the engineer's first shift.
    ``under_way`` stops (their leg has started) are done first, at their booked times.
    """

    kind: str  # "pickup" | "visit"
    ref: str  # the ticket (or existing visit) it belongs to
    at: Point
    service_s: int = 0
    ticket: str | None = None  # the ticket served; None for a scenario's existing visit
    depot: str | None = None  # where a pickup collects the part
    arrive: datetime | None = None
    start: datetime | None = None
    depart: datetime | None = None
    ready: datetime | None = None  # earliest start: the part packed, the car arrived
    latest: datetime | None = None  # latest start that keeps the promise made
    under_way: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("pickup", "visit"):
            raise ValueError(f"stop.kind must be pickup or visit, got {self.kind!r}")
        if self.service_s < 0:
            raise ValueError(f"stop.service_s must be >= 0, got {self.service_s}")

    @property
    def booked(self) -> bool:
        """Whether the stop has booked times (a confirmed plan's), so keeps its order."""
        return self.start is not None


@dataclass(frozen=True, slots=True)
class EngineerState:
    """An engineer now: base, skills, rate, working windows, van stock and confirmed route."""

    id: str
    home: Point
    skills: frozenset[str]
    rate_gr_h: int
    windows: tuple[Window, ...]
    on_call: bool = False
    van_stock: Mapping[str, int] = field(default_factory=dict)
    route: tuple[Stop, ...] = ()
    position: Point | None = None  # where the engineer is now (default: home)
    free_from: datetime | None = None  # busy (work outside the route) until then
    name: str = ""


@dataclass(frozen=True, slots=True)
class DepotState:
    """A stock location now: free units, pick-and-pack, courier cut-off, drivers, cars out."""

    id: str
    at: Point
    stock: Mapping[str, int]
    pick_minutes: int = 20
    courier_cutoff: time = time(16, 0)
    drivers: int = 1
    cars_back: tuple[datetime, ...] = ()  # when each car still out is back at the depot


@dataclass(frozen=True, slots=True)
class CourierService:
    """A parcel service: collected before the cut-off, delivered next business day by a time."""

    id: str
    delivery_by: time = time(17, 0)
    price_gr: int = 6_000


@dataclass(frozen=True, slots=True)
class TicketState:
    """A verified ticket to plan, with the deadline its acceptance fixed.

    ``not_before`` is the earliest start of an SOS visit a dispatcher asked for (a visit dragged
    to a time of day): the engine starts the work no earlier, late or not.
    """

    id: str
    service: Service
    tier: Tier
    accepted_at: datetime
    deadline: datetime
    site: Point
    sku: str
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class Prices:
    """The objective's prices in grosze (per km, per hour, per trip) and the on-call rate."""

    dedicated_per_km_gr: int = 250
    dedicated_per_hour_gr: int = 6_000
    dedicated_per_trip_gr: int = 10_000
    engineer_per_km_gr: int = 120
    on_call_permille: int = 1_500


@dataclass(frozen=True, slots=True)
class WorldSnapshot:
    """Everything one engine call needs, as of ``now``."""

    now: datetime
    skus: Mapping[str, Sku]
    depots: tuple[DepotState, ...]
    couriers: tuple[CourierService, ...]
    engineers: tuple[EngineerState, ...]
    tickets: tuple[TicketState, ...]
    prices: Prices = Prices()

    def accepted_skus(self, ticket: TicketState) -> tuple[str, ...]:
        """The SKU a ticket needs, then the substitutes that may replace it, in that order."""
        return (ticket.sku, *self.skus[ticket.sku].substitutes)
