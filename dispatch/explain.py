"""Reasons in a dispatcher's words: why each alternative lost, why a ticket is unassigned."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from dispatch.plans import Alternative
from dispatch.world import Service
from solver.candidates import NO_TIME, Mode, Options, Reason

if TYPE_CHECKING:
    from dispatch.choice import Choice
    from dispatch.encode import World

MAX_ALTERNATIVES = 4

_REASON_TEXT = {
    Reason.NO_STOCK: "no stock of the part or a substitute",
    Reason.NO_SKILL: "engineer not certified for this product family",
    Reason.NO_DRIVER: "no dedicated driver at the depot",
    Reason.OUTSIDE_SHIFT: "outside the engineer's shift",
    Reason.NO_COURIER: "no courier service",
}


def duration_text(seconds: int) -> str:
    """``2 h 05 min`` or ``35 min``: a duration as dispatchers read it."""
    hours, minutes = divmod(abs(int(seconds)) // 60, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def alternatives_for(world: World, choice: Choice, eta_s: int) -> tuple[Alternative, ...]:
    """The best few options not chosen, one per (mode, depot or engineer), with why each lost,
    measured against the plan's own ETA for the choice (``eta_s``, after routing) and its cost,
    so every difference stated is one a dispatcher can check between the numbers shown."""
    opts = choice.options
    deadline = int(world.deadline_rel_s[choice.ticket])
    ranked = list(opts.ranked(deadline))
    seen: set[tuple[int, int, int]] = {(int(choice.mode), choice.depot, choice.engineer)}
    picked: list[int] = []
    for k in ranked:
        key = (int(opts.mode[k]), int(opts.depot[k]), int(opts.engineer[k]))
        if key not in seen:
            seen.add(key)
            picked.append(int(k))
        if len(picked) == MAX_ALTERNATIVES - 1:
            break
    infeasible = _one_per_reason(opts)
    return tuple(
        _alternative(world, choice, eta_s, opts, k, deadline) for k in [*picked, *infeasible]
    )


def _one_per_reason(opts: Options) -> list[int]:
    """One example option for each reason an option was impossible (for the explanation)."""
    out = []
    for reason in (Reason.NO_STOCK, Reason.NO_DRIVER, Reason.OUTSIDE_SHIFT, Reason.NO_SKILL):
        hits = np.flatnonzero(opts.reason == reason)
        if len(hits):
            out.append(int(hits[0]))
    return out[:2]


def _alternative(
    world: World, choice: Choice, chosen_s: int, opts: Options, k: int, deadline: int
) -> Alternative:
    reason = Reason(int(opts.reason[k]))
    eta = int(opts.eta_s[k])
    on_time = reason is Reason.OK and eta <= deadline
    if reason is not Reason.OK:
        why = _REASON_TEXT[reason]
    elif not on_time and chosen_s <= deadline:
        why = f"misses the deadline by {duration_text(eta - deadline)}"
    elif eta > chosen_s and int(opts.cost_gr[k]) >= choice.cost_gr:
        why = f"later by {duration_text(eta - chosen_s)}"
    elif int(opts.cost_gr[k]) > choice.cost_gr:
        extra = (int(opts.cost_gr[k]) - choice.cost_gr) / 100
        why = f"dearer by {extra:.2f} zł"
    elif eta > chosen_s:
        why = f"later by {duration_text(eta - chosen_s)}"
    elif eta == chosen_s and int(opts.cost_gr[k]) == choice.cost_gr:
        why = "ties with the recommendation in time and cost"
    else:
        why = "better on its own; the day's plan as a whole prefers the recommendation"
    depot, engineer, mode = int(opts.depot[k]), int(opts.engineer[k]), Mode(int(opts.mode[k]))
    return Alternative(
        mode=mode.plan_name,
        source=mode.source,
        depot=world.depot_ids[depot] if depot >= 0 else None,
        engineer=world.engineer_ids[engineer] if engineer >= 0 else None,
        eta=world.at(eta) if reason is Reason.OK and eta < NO_TIME else None,
        on_time=on_time,
        cost=int(opts.cost_gr[k]) / 100,
        why_not=why,
    )


def unassigned_reason(world: World, t: int, opts: Options) -> str:
    """Why no option is possible: the most hopeful obstacle first."""
    ticket = world.snapshot.tickets[t]
    present = {Reason(int(r)) for r in np.unique(opts.reason)}
    if not present:
        missing = "engineer" if ticket.service is Service.SOS else "depot"
        return f"no {missing} in the plan"
    if present == {Reason.NO_SKILL}:
        family = world.snapshot.skus[ticket.sku].family
        return f"no engineer certified for {family}"
    if present - {Reason.NO_SKILL} <= {Reason.NO_STOCK}:
        return f"no stock of {ticket.sku} or a substitute at any depot"
    for reason in (Reason.OUTSIDE_SHIFT, Reason.NO_DRIVER, Reason.NO_COURIER):
        if reason in present:
            return _REASON_TEXT[reason]
    return "no feasible option"
