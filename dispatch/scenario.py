"""The scenario file a plan is made for: SKUs, depots, couriers, engineers, tickets and costs.

``Scenario.from_dict`` validates a whole JSON scenario (the ``dispatch plan`` contract) and
reports every problem at once, so a user fixes a file in one round: each entry is a pydantic
model read with ``dispatch.inputs.parse`` (strict JSON types; an optional field absent or null
takes the dataclass's default), then ids are cross-checked. Places are still text and
shifts daily hours here; ``dispatch.scenario_snapshot`` resolves them into the engine's
``WorldSnapshot``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import partial
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, field_validator

from dispatch.errors import InvalidInput, InvalidInputs
from dispatch.inputs import Clock, Reader, Text, parse
from dispatch.tiers import Tier
from dispatch.timeparse import format_instant, parse_instant
from dispatch.world import Service, Sku

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

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


Minutes = Annotated[int, Field(ge=0, le=MAX_MINUTES)]
Units = Annotated[int, Field(ge=0, le=MAX_UNITS)]
Money = Annotated[float, Field(ge=0, le=MAX_PLN)]


def _instant(value: object) -> datetime:
    try:
        return parse_instant(value, field="")
    except InvalidInput as bad:
        raise ValueError(bad.reason) from None


def _tier(value: object) -> Tier:
    try:
        return Tier.parse(value, field="")
    except InvalidInput as bad:
        raise ValueError(bad.reason) from None


Instant = Annotated[datetime, PlainValidator(_instant)]


class _Json(Reader):
    """A scenario object: strict JSON types; unknown keys pass; absent or null: the default."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True, allow_inf_nan=False)


class _Sku(_Json):
    sku: Text
    family: Text
    onsite_minutes: Minutes = 60
    substitutes: list[Text] = Field(default_factory=list)

    def spec(self) -> Sku:
        return Sku(self.sku, self.family, self.onsite_minutes, tuple(self.substitutes))


class _Depot(_Json):
    id: Text
    location: Text
    stock: dict[str, Units] = Field(default_factory=dict)
    pick_minutes: Minutes | None = None
    courier_cutoff: Clock | None = None
    drivers: Annotated[int, Field(ge=0, le=MAX_DRIVERS)] | None = None

    def spec(self) -> Depot:
        return Depot(**self.given())


class _Courier(_Json):
    id: Text
    delivery_by: Clock | None = None
    price: Money | None = None

    def spec(self) -> Courier:
        return Courier(**self.given())


class _Visit(_Json):
    id: Text
    location: Text
    onsite_minutes: Minutes = 60
    pinned: bool = False

    def spec(self) -> Visit:
        return Visit(**self.given())


class _Engineer(_Json):
    id: Text
    home: Text
    skills: list[Text] = Field(default_factory=list)
    shift: Annotated[list[Clock], Field(min_length=2, max_length=2)] | None = None
    on_call: bool = False
    cost_per_hour: Money | None = None
    van_stock: dict[str, Units] = Field(default_factory=dict)
    visits: list[_Visit] = Field(default_factory=list)
    available_from: Instant | None = None
    position: Text | None = None

    @field_validator("shift")
    @classmethod
    def _same_day(cls, shift: list[time] | None) -> list[time] | None:
        if shift is not None and shift[1] <= shift[0]:
            raise ValueError("must end after it starts (same day)")
        return shift

    @field_validator("visits")
    @classmethod
    def _pinned_first(cls, visits: list[_Visit]) -> list[_Visit]:
        flags = [v.pinned for v in visits]
        if flags != sorted(flags, reverse=True):
            raise ValueError("pinned visits (under way) must come first")
        return visits

    def spec(self) -> Engineer:
        given = self.given("skills", "visits")
        if self.shift is not None:
            given["shift"] = (self.shift[0], self.shift[1])
        return Engineer(
            **given, skills=frozenset(self.skills), visits=tuple(v.spec() for v in self.visits)
        )


class _Ticket(_Json):
    id: Text
    service: Annotated[Service, Field(strict=False)]
    tier: Annotated[Tier, PlainValidator(_tier)]
    accepted_at: Instant
    site: Text
    sku: Text
    nbd_cutoff: Clock | None = None

    def spec(self) -> TicketSpec:
        return TicketSpec(**self.given())


class _Costs(_Json):
    dedicated_per_km: Money | None = None
    dedicated_per_hour: Money | None = None
    dedicated_per_trip: Money | None = None
    engineer_per_km: Money | None = None
    on_call_multiplier: Annotated[float, Field(ge=0, le=MAX_MULTIPLIER)] | None = None

    def spec(self) -> Costs:
        return Costs(**self.given())


class _Now(_Json):
    now: Instant


class _Reader:
    """Reads JSON into dataclasses, collecting problems instead of stopping at the first: each
    list entry is validated on its own, so one bad entry does not hide the others' problems."""

    def __init__(self) -> None:
        self.problems: list[InvalidInput] = []

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
        now = self._try(lambda: parse(_Now, {"now": data.get("now")}).now)
        sku_list = [s.spec() for s in self._items(data, "skus", _Sku)]
        skus = {s.sku: s for s in sku_list}
        depots = tuple(d.spec() for d in self._items(data, "depots", _Depot))
        couriers = tuple(c.spec() for c in self._items(data, "couriers", _Courier, required=False))
        engineers = tuple(
            e.spec() for e in self._items(data, "engineers", _Engineer, required=False)
        )
        tickets = tuple(t.spec() for t in self._items(data, "tickets", _Ticket))
        costs = self._try(lambda: parse(_Costs, data.get("costs", {}), prefix="costs").spec())
        self._after_now(now, tickets)
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
        self, data: dict[str, Any], key: str, model: type[M], required: bool = True
    ) -> list[M]:
        raw = data.get(key)
        if raw is None and not required:
            return []
        if not isinstance(raw, list):
            self.problems.append(InvalidInput(key, "expected a JSON list"))
            return []
        items: list[M] = []
        for i, entry in enumerate(raw):
            item = self._try(partial(parse, model, entry, prefix=f"{key}[{i}]"))
            if item is not None:
                items.append(item)
        return items

    def _after_now(self, now: datetime | None, tickets: Sequence[TicketSpec]) -> None:
        """No ticket may have been accepted after the planning moment."""
        for i, ticket in enumerate(tickets):
            if now is not None and ticket.accepted_at > now:
                self.problems.append(
                    InvalidInput(
                        f"tickets[{i}].accepted_at",
                        f"must not be after now ({format_instant(now)})",
                    )
                )

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
