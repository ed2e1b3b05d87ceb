"""Every way to serve one ticket, vectorised over depots x engineers: ETA, cost, feasibility.

Modes: parcel courier and dedicated car (AHB: the part travels alone), and an engineer who
brings the part (SOS): from a depot on the way (``PICKUP``), from van stock (``VAN``), or met on
site by a dedicated car (``MEET``). Each option is evaluated as if the ticket were planned alone
against the current state (stock left, drivers' free times, engineers' next free moment); the
routing core then sequences engineers' days for real. Clock values are seconds after the plan's
``now``; money is grosze.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
BOOL = NDArray[np.bool_]
NO_TIME = np.int64(2**40)


class Mode(enum.IntEnum):
    """How the part reaches the site, with the words plans, tables and dispatchers use for it.

    This is the one table of mode names: a plan says ``plan_name`` and ``source`` (courier/parcel,
    dedicated/car, engineer/depot|van|meet), an outcome table one ``label``, a person ``sentence``.
    """

    COURIER = 0
    DEDICATED = 1
    PICKUP = 2
    VAN = 3
    MEET = 4

    @property
    def plan_name(self) -> str:
        """``courier``, ``dedicated`` or ``engineer``: who carries the part."""
        return _WORDS[self][0]

    @property
    def source(self) -> str:
        """``parcel``, ``car``, ``depot``, ``van`` or ``meet``: where the part comes from."""
        return _WORDS[self][1]

    @property
    def label(self) -> str:
        """One word per mode: ``courier``, ``dedicated`` or ``engineer+depot|van|meet``."""
        name, source = _WORDS[self][:2]
        return f"{name}+{source}" if name == "engineer" else name

    @property
    def sentence(self) -> str:
        """The mode in a dispatcher's words."""
        return _WORDS[self][2]

    @classmethod
    def of(cls, plan_name: str, source: str) -> Mode:
        """The mode a plan names by its (``plan_name``, ``source``) pair."""
        for mode in cls:
            if _WORDS[mode][:2] == (plan_name, source):
                return mode
        raise ValueError(f"no mode {plan_name}/{source}")


_WORDS = {
    Mode.COURIER: ("courier", "parcel", "a parcel service carries the part from the depot"),
    Mode.DEDICATED: ("dedicated", "car", "a dedicated car and driver bring the part"),
    Mode.PICKUP: ("engineer", "depot", "the engineer collects the part at a depot on the way"),
    Mode.VAN: ("engineer", "van", "the engineer brings the part from the van's stock"),
    Mode.MEET: ("engineer", "meet", "a dedicated car meets the engineer on site with the part"),
}
PLAN_NAMES = tuple(dict.fromkeys(mode.plan_name for mode in Mode))
"""The plan's mode names, in the enum's order: courier, dedicated, engineer."""


class Reason(enum.IntEnum):
    """Why an option is not possible (OK when it is)."""

    OK = 0
    NO_STOCK = 1
    NO_SKILL = 2
    NO_DRIVER = 3
    OUTSIDE_SHIFT = 4
    NO_COURIER = 5
    WRONG_SERVICE = 6


@dataclass(frozen=True, slots=True)
class Network:
    """Static data of one planning run: matrices, depots, engineers, prices."""

    travel_s: I64  # (L, L)
    distance_m: I64  # (L, L)
    depot_loc: I64  # (D,)
    depot_pick_s: I64  # (D,)
    courier_eta_s: I64  # (D,) delivery time of a parcel handed over now; NO_TIME if none
    courier_price_gr: int
    dedicated_per_km_gr: int
    dedicated_per_hour_gr: int
    dedicated_per_trip_gr: int
    engineer_per_km_gr: int
    engineer_rate_gr_h: I64  # (E,)
    engineer_home: I64  # (E,) location each engineer returns to by the end of a window
    on_call: BOOL  # (E,)
    on_call_permille: int  # hourly rate multiplier x1000 outside shift

    def __post_init__(self) -> None:
        n_loc = self.travel_s.shape[0]
        if self.travel_s.shape != (n_loc, n_loc) or self.distance_m.shape != (n_loc, n_loc):
            raise ValueError("travel_s and distance_m must be square and of one shape")
        n_dep = len(self.depot_loc)
        for name in ("depot_pick_s", "courier_eta_s"):
            if len(getattr(self, name)) != n_dep:
                raise ValueError(f"{name}: expected {n_dep} depots, got {len(getattr(self, name))}")
        if len(self.on_call) != len(self.engineer_rate_gr_h):
            raise ValueError("on_call and engineer_rate_gr_h must have one entry per engineer")


@dataclass(frozen=True, slots=True)
class Availability:
    """Where and when each engineer can next start, and when that working window ends.

    An ``on_call`` window lies outside the shifts: only on-call engineers may work in it, only
    for round-the-clock (24x7) tickets, at the on-call rate. A shift's ``run_on_s`` is the end
    of the on-call time right after it: a 24x7 visit begun in the shift may run on into it,
    the time past the shift's end paid at the on-call rate (where it is not above
    ``shift_end_s``, or None: no such time).
    """

    loc: I64  # (E,)
    ready_s: I64  # (E,)
    shift_end_s: I64  # (E,)
    on_call: bool = False
    run_on_s: I64 | None = None  # (E,)


@dataclass(frozen=True, slots=True)
class TicketNeed:
    """One ticket as the candidate search sees it."""

    site: int
    sos: bool
    deadline_s: int
    onsite_s: int
    round_the_clock: bool  # 24x7 intake: on-call engineers may work outside their shift
    stock: I64  # (D,) units usable at each depot (the SKU or a substitute)
    van: BOOL  # (E,) engineer carries a usable unit
    skill: BOOL  # (E,) engineer is certified for the SKU's family


@dataclass(frozen=True, slots=True)
class Options:
    """All options of one ticket as parallel arrays (one entry per option)."""

    mode: I64
    depot: I64  # -1 when no depot is involved
    engineer: I64  # -1 when no engineer is involved
    eta_s: I64
    cost_gr: I64
    reason: I64  # Reason codes; OK = feasible
    window: I64  # index of the engineer's working window used; -1 without an engineer

    @property
    def feasible(self) -> BOOL:
        """Mask of options that are possible."""
        mask: BOOL = self.reason == Reason.OK
        return mask

    def ranked(self, deadline_s: int) -> I64:
        """Feasible option indices, on-time ones first by cost, then late ones by ETA."""
        ok = np.flatnonzero(self.feasible)
        late = self.eta_s[ok] > deadline_s
        order = np.lexsort((self.cost_gr[ok], np.where(late, self.eta_s[ok], 0), late))
        ranked: I64 = ok[order]
        return ranked

    def take(self, index: I64) -> Options:
        """A subset of options."""
        return Options(
            self.mode[index],
            self.depot[index],
            self.engineer[index],
            self.eta_s[index],
            self.cost_gr[index],
            self.reason[index],
            self.window[index],
        )


def options(
    net: Network,
    need: TicketNeed,
    shifts: tuple[Availability, ...],
    driver_free_s: I64,
) -> Options:
    """Every (mode, depot, engineer) option for ``need``.

    Parameters
    ----------
    shifts
        Engineers' availability per shift to consider (e.g. the rest of today, then the next
        business day); an engineer option uses the first shift it fits in.
    driver_free_s
        (D,) earliest moment a dedicated driver of each depot is free; NO_TIME when a depot has
        no drivers.
    """
    if need.sos:
        return _concat([_engineer_options(net, need, shifts, driver_free_s)])
    return _concat([_courier_options(net, need), _dedicated_options(net, need, driver_free_s)])


def _courier_options(net: Network, need: TicketNeed) -> Options:
    n_dep = len(net.depot_loc)
    reason = np.where(need.stock > 0, Reason.OK, Reason.NO_STOCK)
    reason = np.where(net.courier_eta_s >= NO_TIME, Reason.NO_COURIER, reason)
    return Options(
        mode=np.full(n_dep, Mode.COURIER, dtype=np.int64),
        depot=np.arange(n_dep, dtype=np.int64),
        engineer=np.full(n_dep, -1, dtype=np.int64),
        eta_s=net.courier_eta_s.copy(),
        cost_gr=np.full(n_dep, net.courier_price_gr, dtype=np.int64),
        reason=reason.astype(np.int64),
        window=np.full(n_dep, -1, dtype=np.int64),
    )


def dedicated_leg(net: Network, site: int, driver_free_s: I64) -> tuple[I64, I64]:
    """Arrival at ``site`` and cost of a dedicated car from each depot: call-out fee, km and
    driver's hours there and back."""
    out_s = net.travel_s[net.depot_loc, site]
    back_s = net.travel_s[site, net.depot_loc]
    km_m = net.distance_m[net.depot_loc, site] + net.distance_m[site, net.depot_loc]
    leave = np.maximum(driver_free_s, 0) + net.depot_pick_s
    eta = np.where(driver_free_s >= NO_TIME, NO_TIME, leave + out_s)
    cost = (
        net.dedicated_per_trip_gr
        + (km_m * net.dedicated_per_km_gr) // 1000
        + ((out_s + back_s) * net.dedicated_per_hour_gr) // 3600
    )
    return eta.astype(np.int64), cost.astype(np.int64)


def _dedicated_options(net: Network, need: TicketNeed, driver_free_s: I64) -> Options:
    n_dep = len(net.depot_loc)
    eta, cost = dedicated_leg(net, need.site, driver_free_s)
    reason = np.where(need.stock > 0, Reason.OK, Reason.NO_STOCK)
    reason = np.where((need.stock > 0) & (driver_free_s >= NO_TIME), Reason.NO_DRIVER, reason)
    return Options(
        mode=np.full(n_dep, Mode.DEDICATED, dtype=np.int64),
        depot=np.arange(n_dep, dtype=np.int64),
        engineer=np.full(n_dep, -1, dtype=np.int64),
        eta_s=eta,
        cost_gr=cost,
        reason=reason.astype(np.int64),
        window=np.full(n_dep, -1, dtype=np.int64),
    )


def _engineer_options(
    net: Network, need: TicketNeed, shifts: tuple[Availability, ...], driver_free_s: I64
) -> Options:
    """Engineer options, computed for all working windows at once (axis 0) per mode; each
    engineer x depot keeps the first window in which the visit and the drive home fit."""
    n_eng, n_dep = len(need.skill), len(net.depot_loc)
    if not shifts:  # nobody works or is on call before the horizon: one refusal per engineer
        return Options(
            mode=np.full(n_eng, Mode.VAN, dtype=np.int64),
            depot=np.full(n_eng, -1, dtype=np.int64),
            engineer=np.arange(n_eng, dtype=np.int64),
            eta_s=np.full(n_eng, NO_TIME, dtype=np.int64),
            cost_gr=np.zeros(n_eng, dtype=np.int64),
            reason=np.where(need.skill, Reason.OUTSIDE_SHIFT, Reason.NO_SKILL).astype(np.int64),
            window=np.full(n_eng, -1, dtype=np.int64),
        )
    ded_eta, ded_cost = dedicated_leg(net, need.site, driver_free_s)
    loc = np.stack([w.loc for w in shifts])  # (W, E)
    ready = np.stack([w.ready_s for w in shifts])[:, :, None]  # (W, E, 1)
    end = np.stack([w.shift_end_s for w in shifts])[:, :, None]
    on_call_window = np.array([w.on_call for w in shifts], dtype=np.bool_)[:, None, None]
    allowed = ~on_call_window | (net.on_call & need.round_the_clock)[None, :, None]
    rate = net.engineer_rate_gr_h[None, :, None] * np.where(
        on_call_window, net.on_call_permille, 1000
    )
    # 24x7 work begun in a shift may run on into the on-call time after it, at that rate
    hard_end = end
    if need.round_the_clock:
        run_on = np.stack([w.shift_end_s if w.run_on_s is None else w.run_on_s for w in shifts])
        hard_end = np.maximum(end, run_on[:, :, None])
    on_call_rate = net.engineer_rate_gr_h[None, :, None] * net.on_call_permille
    to_site = net.travel_s[loc, need.site][:, :, None]
    km_site = net.distance_m[loc, need.site][:, :, None]
    back_home = net.travel_s[need.site, net.engineer_home][None, :, None]
    parts = []
    for mode in (Mode.PICKUP, Mode.VAN, Mode.MEET):
        if mode is Mode.PICKUP:
            depots = net.depot_loc
            # the depot packs while the engineer drives there
            eta = np.maximum(ready + net.travel_s[loc[:, :, None], depots], net.depot_pick_s)
            eta = eta + net.travel_s[depots, need.site]
            km = net.distance_m[loc[:, :, None], depots] + net.distance_m[depots, need.site]
            extra = np.zeros(n_dep, dtype=np.int64)
        elif mode is Mode.VAN:  # no depot involved: one column
            eta, km, extra = ready + to_site, km_site, np.zeros(1, dtype=np.int64)
        else:
            eta = np.maximum(ready + to_site, ded_eta)
            km, extra = np.broadcast_to(km_site, eta.shape), ded_cost
        finish = eta + need.onsite_s
        fits = (finish + back_home <= hard_end) & allowed
        regular = np.clip(np.minimum(finish, end) - ready, 0, None)
        paid = regular * rate + (finish - ready - regular) * on_call_rate
        cost = paid // (3600 * 1000) + (km * net.engineer_per_km_gr) // 1000
        first = fits.argmax(axis=0)[None]  # (1, E, D'): the first window that fits
        fits_any = fits.any(axis=0)
        window = np.where(fits_any, first[0], -1)
        best_eta = np.where(fits_any, np.take_along_axis(eta, first, 0)[0], NO_TIME)
        best_cost = np.where(fits_any, np.take_along_axis(cost, first, 0)[0] + extra, 0)
        reason = np.where(fits_any, Reason.OK, Reason.OUTSIDE_SHIFT).astype(np.int64)
        if mode is Mode.VAN:
            reason[~need.van, :] = Reason.NO_STOCK
        else:
            reason[:, need.stock <= 0] = Reason.NO_STOCK
            if mode is Mode.MEET:
                reason[:, (driver_free_s >= NO_TIME) & (need.stock > 0)] = Reason.NO_DRIVER
        reason[~need.skill, :] = Reason.NO_SKILL
        columns = reason.shape[1]
        parts.append(
            Options(
                mode=np.full(n_eng * columns, mode, dtype=np.int64),
                depot=np.tile([-1] if mode is Mode.VAN else np.arange(columns), n_eng),
                engineer=np.repeat(np.arange(n_eng), columns),
                eta_s=best_eta.ravel(),
                cost_gr=best_cost.ravel(),
                reason=reason.ravel(),
                window=window.ravel(),
            )
        )
    return _concat(parts)


def _concat(parts: list[Options]) -> Options:
    return Options(
        *(
            np.concatenate([getattr(p, name) for p in parts]).astype(np.int64)
            for name in ("mode", "depot", "engineer", "eta_s", "cost_gr", "reason", "window")
        )
    )
