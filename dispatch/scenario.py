"""The scenario file a plan is made for: SKUs, depots, couriers, engineers, tickets and costs.

``Scenario.from_dict`` validates a whole JSON scenario (the ``dispatch plan`` contract) and
reports every problem at once, so a user fixes a file in one round. Places are still text and
shifts daily hours here; ``dispatch.scenario_snapshot`` resolves them into the engine's
``WorldSnapshot``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import partial
from typing import Any, TypeVar

from dispatch.errors import InvalidInput, InvalidInputs
from dispatch.tiers import Tier
from dispatch.timeparse import format_instant, parse_instant
from dispatch.world import Service, Sku

T = TypeVar("T")
N = TypeVar("N", int, float)

# Upper bounds far beyond any real operation; they keep the engine's whole-number arithmetic
# (grosze and seconds in int64) and its calendar far from overflow. Documented in docs/dispatch.md.
MAX_UNITS = 100_000  # units of one SKU at one depot or in one van
MAX_MINUTES = 7 * 24 * 60  # pick-and-pack or on-site work: one week
MAX_DRIVERS = 1_000  # dedicated drivers of one depot
MAX_PLN = 100_000.0  # any one price or rate (per hour, km, trip or parcel)
MAX_MULTIPLIER = 10.0  # the on-call rate multiplier


@dataclass(frozen=True, slots=True)
class Depot:
    """A stock location with pick-and-pack time, courier cutoff and dedicated drivers."""

    id: str
    location: str
    stock: Mapping[str, int]
    pick_minutes: int = 20
    courier_cutoff: time = time(16, 0)
    drivers: int = 1


@dataclass(frozen=True, slots=True)
class Courier:
    """A parcel service: collected before the cutoff, delivered next business day by a time."""

    id: str
    delivery_by: time = time(17, 0)
    price: float = 60.0


@dataclass(frozen=True, slots=True)
class Visit:
    """A visit already on an engineer's day; a pinned one is under way and stays first."""

    id: str
    location: str
    onsite_minutes: int
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class Engineer:
    """A certified engineer: base, skills, daily shift, on-call flag, rates and van stock."""

    id: str
    home: str
    skills: frozenset[str]
    shift: tuple[time, time] = (time(8, 0), time(18, 0))
    on_call: bool = False
    cost_per_hour: float = 120.0
    van_stock: Mapping[str, int] = field(default_factory=dict)
    visits: tuple[Visit, ...] = ()
    available_from: datetime | None = None  # busy (e.g. on confirmed work) until then
    position: str | None = None  # where the engineer is now (default: home)


@dataclass(frozen=True, slots=True)
class TicketSpec:
    """A verified ticket to plan."""

    id: str
    service: Service
    tier: Tier
    accepted_at: datetime
    site: str
    sku: str
    nbd_cutoff: time | None = None


@dataclass(frozen=True, slots=True)
class Costs:
    """Prices in PLN used by the objective."""

    dedicated_per_km: float = 2.5
    dedicated_per_hour: float = 60.0
    dedicated_per_trip: float = 100.0  # call-out fee of a dedicated car and driver
    engineer_per_km: float = 1.2
    on_call_multiplier: float = 1.5


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything one planning run needs, validated and cross-checked."""

    now: datetime
    skus: Mapping[str, Sku]
    depots: tuple[Depot, ...]
    couriers: tuple[Courier, ...]
    engineers: tuple[Engineer, ...]
    tickets: tuple[TicketSpec, ...]
    costs: Costs = Costs()

    @classmethod
    def from_dict(cls, data: object) -> Scenario:
        """Build a scenario from parsed JSON.

        Raises
        ------
        InvalidInputs
            Listing every problem found (unknown SKU, depot or tier, negative stock, ...).
        """
        return _Reader().scenario(data)


class _Reader:
    """Reads JSON into dataclasses, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[InvalidInput] = []
        self.now: datetime | None = None  # read first; no ticket may be accepted after it

    def _try(self, fn: Callable[[], T]) -> T | None:
        try:
            return fn()
        except InvalidInputs as many:
            self.problems.extend(many.problems)
        except InvalidInput as one:
            self.problems.append(one)
        return None

    def scenario(self, data: object) -> Scenario:
        if not isinstance(data, dict):
            raise InvalidInput("scenario", "expected a JSON object")
        now = self.now = self._try(lambda: parse_instant(data.get("now"), field="now"))
        sku_list = self._items(data, "skus", self.sku)
        skus = {s.sku: s for s in sku_list}
        depots = tuple(self._items(data, "depots", self.depot))
        couriers = tuple(self._items(data, "couriers", self.courier, required=False))
        engineers = tuple(self._items(data, "engineers", self.engineer, required=False))
        tickets = tuple(self._items(data, "tickets", self.ticket))
        costs = self._try(lambda: self.costs(data.get("costs", {})))
        self._cross_check(_declared(data.get("skus"), "sku"), skus, depots, engineers, tickets)
        self._unique("skus", [s.sku for s in sku_list])
        self._unique("depots", [d.id for d in depots])
        self._unique("engineers", [e.id for e in engineers])
        self._unique("tickets", [t.id for t in tickets])
        self._visit_ids(engineers, {t.id for t in tickets})
        if self.problems or now is None or costs is None:
            raise InvalidInputs(self.problems or [InvalidInput("scenario", "invalid")])
        return Scenario(now, skus, depots, couriers, engineers, tickets, costs)

    def _items(
        self, data: dict[str, Any], key: str, read: Callable[[str, Any], T], required: bool = True
    ) -> list[T]:
        raw = data.get(key)
        if raw is None and not required:
            return []
        if not isinstance(raw, list):
            self.problems.append(InvalidInput(key, "expected a JSON list"))
            return []
        items: list[T] = []
        for i, entry in enumerate(raw):
            item = self._try(partial(read, f"{key}[{i}]", entry))
            if item is not None:
                items.append(item)
        return items

    def _unique(self, key: str, ids: Sequence[str]) -> None:
        seen: set[str] = set()
        for ident in ids:
            if ident in seen:
                self.problems.append(InvalidInput(key, f"id {ident!r} appears twice"))
            seen.add(ident)

    def _visit_ids(self, engineers: Sequence[Engineer], ticket_ids: AbstractSet[str]) -> None:
        """A route stop's ``ref`` names a ticket or a visit, so on one engineer's day it must
        name exactly one: visit ids are unique per engineer and never a ticket's id."""
        for engineer in engineers:
            at = f"engineers.{engineer.id}.visits"
            self._unique(at, [v.id for v in engineer.visits])
            for visit in engineer.visits:
                if visit.id in ticket_ids:
                    self.problems.append(
                        InvalidInput(f"{at}.{visit.id}", "id is also a ticket's id")
                    )

    def sku(self, at: str, raw: Any) -> Sku:
        obj = _object(at, raw)
        return Sku(
            sku=_text(obj, "sku", at),
            family=_text(obj, "family", at),
            onsite_minutes=_count(obj, "onsite_minutes", at, MAX_MINUTES, default=60),
            substitutes=tuple(_texts(obj, "substitutes", at)),
        )

    def depot(self, at: str, raw: Any) -> Depot:
        obj = _object(at, raw)
        stock = obj.get("stock", {})
        if not isinstance(stock, dict):
            raise InvalidInput(f"{at}.stock", "expected an object of SKU -> units")
        return Depot(
            id=_text(obj, "id", at),
            location=_text(obj, "location", at),
            stock={str(k): _count(stock, k, f"{at}.stock", MAX_UNITS) for k in stock},
            pick_minutes=_count(obj, "pick_minutes", at, MAX_MINUTES, default=20),
            courier_cutoff=_clock(obj, "courier_cutoff", at, default=time(16, 0)),
            drivers=_count(obj, "drivers", at, MAX_DRIVERS, default=1),
        )

    def courier(self, at: str, raw: Any) -> Courier:
        obj = _object(at, raw)
        return Courier(
            id=_text(obj, "id", at),
            delivery_by=_clock(obj, "delivery_by", at, default=time(17, 0)),
            price=_money(obj, "price", at, default=60.0),
        )

    def engineer(self, at: str, raw: Any) -> Engineer:
        obj = _object(at, raw)
        shift = obj.get("shift", ["08:00", "18:00"])
        if not (isinstance(shift, list) and len(shift) == 2):
            raise InvalidInput(f"{at}.shift", "expected [start, end] as HH:MM")
        start = _parse_clock(shift[0], f"{at}.shift[0]")
        end = _parse_clock(shift[1], f"{at}.shift[1]")
        if end <= start:
            raise InvalidInput(f"{at}.shift", "must end after it starts (same day)")
        van = obj.get("van_stock", {})
        if not isinstance(van, dict):
            raise InvalidInput(f"{at}.van_stock", "expected an object of SKU -> units")
        visits = obj.get("visits", [])
        if not isinstance(visits, list):
            raise InvalidInput(f"{at}.visits", "expected a JSON list")
        flags = [isinstance(v, dict) and v.get("pinned") is True for v in visits]
        if flags != sorted(flags, reverse=True):
            raise InvalidInput(f"{at}.visits", "pinned visits (under way) must come first")
        return Engineer(
            id=_text(obj, "id", at),
            home=_text(obj, "home", at),
            skills=frozenset(_texts(obj, "skills", at)),
            shift=(start, end),
            on_call=_flag(obj, "on_call", at),
            cost_per_hour=_money(obj, "cost_per_hour", at, default=120.0),
            van_stock={str(k): _count(van, k, f"{at}.van_stock", MAX_UNITS) for k in van},
            visits=tuple(self.visit(f"{at}.visits[{i}]", v) for i, v in enumerate(visits)),
            position=None if obj.get("position") is None else _text(obj, "position", at),
            available_from=(
                None
                if obj.get("available_from") is None
                else parse_instant(obj["available_from"], field=f"{at}.available_from")
            ),
        )

    def visit(self, at: str, raw: Any) -> Visit:
        obj = _object(at, raw)
        return Visit(
            id=_text(obj, "id", at),
            location=_text(obj, "location", at),
            onsite_minutes=_count(obj, "onsite_minutes", at, MAX_MINUTES, default=60),
            pinned=_flag(obj, "pinned", at),
        )

    def ticket(self, at: str, raw: Any) -> TicketSpec:
        obj = _object(at, raw)
        service = obj.get("service")
        if service not in ("AHB", "SOS"):
            raise InvalidInput(f"{at}.service", f"must be AHB or SOS, got {service!r}")
        cutoff = obj.get("nbd_cutoff")
        accepted_at = parse_instant(obj.get("accepted_at"), field=f"{at}.accepted_at")
        if self.now is not None and accepted_at > self.now:
            raise InvalidInput(
                f"{at}.accepted_at", f"must not be after now ({format_instant(self.now)})"
            )
        return TicketSpec(
            id=_text(obj, "id", at),
            service=Service(service),
            tier=Tier.parse(obj.get("tier"), field=f"{at}.tier"),
            accepted_at=accepted_at,
            site=_text(obj, "site", at),
            sku=_text(obj, "sku", at),
            nbd_cutoff=None if cutoff is None else _parse_clock(cutoff, f"{at}.nbd_cutoff"),
        )

    def costs(self, raw: Any) -> Costs:
        obj = _object("costs", raw)
        defaults = Costs()
        return Costs(
            dedicated_per_km=_money(obj, "dedicated_per_km", "costs", defaults.dedicated_per_km),
            dedicated_per_hour=_money(
                obj, "dedicated_per_hour", "costs", defaults.dedicated_per_hour
            ),
            dedicated_per_trip=_money(
                obj, "dedicated_per_trip", "costs", defaults.dedicated_per_trip
            ),
            engineer_per_km=_money(obj, "engineer_per_km", "costs", defaults.engineer_per_km),
            on_call_multiplier=_money(
                obj, "on_call_multiplier", "costs", defaults.on_call_multiplier, MAX_MULTIPLIER
            ),
        )

    def _cross_check(
        self,
        declared: AbstractSet[str],
        skus: Mapping[str, Sku],
        depots: Sequence[Depot],
        engineers: Sequence[Engineer],
        tickets: Sequence[TicketSpec],
    ) -> None:
        """References to SKUs must name a declared one (``declared`` also holds SKUs whose entry
        was refused for another field, so that one problem is not reported again and again)."""
        for sku in skus.values():
            for sub in sku.substitutes:
                if sub not in declared:
                    self.problems.append(
                        InvalidInput(f"skus.{sku.sku}.substitutes", f"unknown SKU {sub!r}")
                    )
        for depot in depots:
            for name in depot.stock:
                if name not in declared:
                    self.problems.append(
                        InvalidInput(f"depots.{depot.id}.stock", f"unknown SKU {name!r}")
                    )
        for engineer in engineers:
            for name in engineer.van_stock:
                if name not in declared:
                    self.problems.append(
                        InvalidInput(f"engineers.{engineer.id}.van_stock", f"unknown SKU {name!r}")
                    )
        for ticket in tickets:
            if ticket.sku not in declared:
                self.problems.append(
                    InvalidInput(f"tickets.{ticket.id}.sku", f"unknown SKU {ticket.sku!r}")
                )


def _declared(raw: object, key: str) -> set[str]:
    """The ``key`` ids the entries of a raw JSON list give, also of entries that are invalid."""
    entries = raw if isinstance(raw, list) else []
    return {e[key].strip() for e in entries if isinstance(e, dict) and isinstance(e.get(key), str)}


def _object(at: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidInput(at, "expected a JSON object")
    return raw


def _text(obj: Mapping[str, Any], key: str, at: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{at}.{key}", f"expected a non-empty string, got {value!r}")
    return value.strip()


def _texts(obj: Mapping[str, Any], key: str, at: str) -> list[str]:
    value = obj.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{at}.{key}", "expected a list of strings")
    return list(value)


def _count(
    obj: Mapping[str, Any], key: str, at: str, maximum: int, default: int | None = None
) -> int:
    value = obj.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{at}.{key}", f"expected a whole number, got {value!r}")
    return _bounded(value, f"{at}.{key}", maximum)


def _money(
    obj: Mapping[str, Any], key: str, at: str, default: float, maximum: float = MAX_PLN
) -> float:
    value = obj.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{at}.{key}", f"expected a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"{at}.{key}", f"expected a finite number, got {value!r}")
    return float(_bounded(value, f"{at}.{key}", maximum))


def _bounded(value: N, at: str, maximum: float) -> N:
    """``value`` if it lies in 0..maximum. The value is not echoed: a JSON integer can have
    more digits than Python turns into text."""
    if value < 0:
        raise InvalidInput(at, "must be >= 0")
    if value > maximum:
        raise InvalidInput(at, f"must be <= {maximum:g}")
    return value


def _flag(obj: Mapping[str, Any], key: str, at: str) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise InvalidInput(f"{at}.{key}", f"expected true or false, got {value!r}")
    return value


def _clock(obj: Mapping[str, Any], key: str, at: str, default: time) -> time:
    value = obj.get(key)
    return default if value is None else _parse_clock(value, f"{at}.{key}")


def _parse_clock(value: object, at: str) -> time:
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(at, f"expected HH:MM, got {value!r}")
