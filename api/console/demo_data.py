"""The demo world (``data/demo``) through the API's master-data import, and a busy morning.

``import_rows`` turns ``depots.demo_world`` tables into the import rows of
``api/schemas/imports.py`` (contracts and devices from the sites, depots and engineers placed
with the gazetteer, one stock unit per counted unit, shifts for a few days); ``open_tickets``
submits tickets on random devices and accepts most of them at staggered times in the past, so the
queue shows every state. ``load_demo`` does both against a running server;
``write_import_files`` writes the same rows as CSV files, for a walkthrough with curl.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from depots.demo_world import DemoWorld, EngineerRow, load
from dispatch.places import resolve
from dispatch.timeparse import WARSAW

COURIER = {"courier_id": "NBD", "delivery_by": "17:00", "price_gr": 6_000}
"""The demo world's parcel service, as the demo replay plans with it."""
SHIFT_DAYS = 3
"""Shifts are written for the day of ``now`` and the next two (the engine looks 3 days ahead)."""
UNACCEPTED_SHARE = 0.15
MAX_ACCEPTED_AGO_MIN = 330


def _shifts(engineer: EngineerRow, first_day: date) -> list[dict[str, Any]]:
    start, end = time.fromisoformat(engineer.shift_start), time.fromisoformat(engineer.shift_end)
    rows = []
    for offset in range(SHIFT_DAYS):
        day = first_day + timedelta(days=offset)
        begin = datetime.combine(day, start, WARSAW)
        finish = datetime.combine(day + timedelta(days=int(end <= start)), end, WARSAW)
        rows.append(
            {
                "engineer_id": engineer.id,
                "start_at": begin.isoformat(),
                "end_at": finish.isoformat(),
                "on_call": engineer.on_call,
            }
        )
    return rows


def subset(world: DemoWorld, sites: int, seed: int) -> DemoWorld:
    """``sites`` random sites with their devices; all depots, stock and engineers (for tests)."""
    rng = np.random.default_rng(seed)
    keep = {world.sites[int(i)].id for i in rng.choice(len(world.sites), sites, replace=False)}
    return replace(
        world,
        sites=tuple(s for s in world.sites if s.id in keep),
        devices=tuple(d for d in world.devices if d.site in keep),
    )


def import_rows(world: DemoWorld, today: date) -> dict[str, list[dict[str, Any]]]:
    """Import rows per kind; contracts valid for a year either side of ``today``."""
    contracts = {
        site.contract: {
            "customer_id": f"CUST-{site.id}",
            "customer_name": site.customer,
            "contract_number": site.contract,
            "tier": site.tier,
            "product": site.service,
            "valid_from": (today - timedelta(days=365)).isoformat(),
            "valid_to": (today + timedelta(days=365)).isoformat(),
        }
        for site in world.sites
    }
    sites = {site.id: site for site in world.sites}
    depots = []
    for depot in world.depots:
        place = resolve(depot.location, field=f"depots[{depot.id}].location")
        depots.append(
            {
                "depot_id": depot.id,
                "name": place.name,
                "address": depot.location,
                "lat": place.lat,
                "lon": place.lon,
                "pick_minutes": depot.pick_minutes,
                "courier_cutoff": depot.courier_cutoff,
                "drivers": depot.drivers,
            }
        )
    engineers = []
    for e in world.engineers:
        home = resolve(e.home, field=f"engineers[{e.id}].home")
        engineers.append(
            {
                "engineer_id": e.id,
                "name": e.name,
                "home_lat": home.lat,
                "home_lon": home.lon,
                "hourly_cost_gr": e.cost_per_hour * 100,
                "skills": [s for s in e.skills.split(";") if s],
            }
        )
    return {
        "skus": [
            {
                "sku": s.sku,
                "family": s.family,
                "onsite_minutes": s.onsite_minutes,
                "substitutes": [x for x in s.substitutes.split(";") if x],
            }
            for s in world.skus
        ],
        "couriers": [dict(COURIER)],
        "contracts": list(contracts.values()),
        "devices": [
            {
                "serial": d.serial,
                "contract_number": sites[d.site].contract,
                "sku": d.sku,
                "address": f"{sites[d.site].customer}, {sites[d.site].location}",
                "lat": sites[d.site].lat,
                "lon": sites[d.site].lon,
            }
            for d in world.devices
        ],
        "depots": depots,
        "stock": [
            {"unit_id": f"{s.depot}-{s.sku}-{i}", "depot_id": s.depot, "sku": s.sku}
            for s in world.stock
            for i in range(1, s.units + 1)
        ],
        "engineers": engineers,
        "van_stock": [
            {"engineer_id": e.id, "sku": sku, "units": 1}
            for e in world.engineers
            for sku in e.van_stock.split(";")
            if sku
        ],
        "shifts": [row for e in world.engineers for row in _shifts(e, today)],
    }


def write_import_files(world: DemoWorld, today: date, out: Path) -> list[Path]:
    """``import_rows`` as one CSV per kind (``out/KIND.csv``, lists joined by ``;``, booleans
    ``true``/``false``), in the order the import needs them; returns the paths in that order
    (a kind without rows has no file)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, rows in import_rows(world, today).items():
        if not rows:
            continue
        path = out / f"{kind}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows({k: _csv_cell(v) for k, v in row.items()} for row in rows)
        paths.append(path)
    return paths


def _csv_cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return "" if value is None else value


@dataclass(frozen=True, slots=True)
class DemoTicket:
    """A ticket to open: the device, when it was reported, and when accepted (None: not yet)."""

    contract_number: str
    serial: str
    submitted_at: datetime
    accepted_at: datetime | None


def ticket_plan(world: DemoWorld, now: datetime, count: int, seed: int) -> list[DemoTicket]:
    """``count`` tickets on distinct random devices, accepted up to 5.5 h ago (some not yet)."""
    if not 0 <= count <= len(world.devices):
        raise ValueError(f"count must be within 0..{len(world.devices)}, got {count}")
    rng = np.random.default_rng(seed)
    sites = {site.id: site for site in world.sites}
    picks = rng.choice(len(world.devices), size=count, replace=False)
    out = []
    for index in picks:
        device = world.devices[int(index)]
        ago = timedelta(minutes=int(rng.integers(0, MAX_ACCEPTED_AGO_MIN)))
        accepted = None if rng.random() < UNACCEPTED_SHARE else now - ago
        out.append(
            DemoTicket(
                contract_number=sites[device.site].contract,
                serial=device.serial,
                submitted_at=now - ago - timedelta(minutes=10),
                accepted_at=accepted,
            )
        )
    return out


def checked(reply: httpx.Response) -> Any:
    """The reply's JSON; a refused request raises with its method, address, status and body."""
    if not reply.is_success:
        raise RuntimeError(
            f"{reply.request.method} {reply.request.url}: {reply.status_code} {reply.text}"
        )
    return reply.json()


def open_tickets(client: httpx.Client, tickets: Sequence[DemoTicket]) -> list[int]:
    """Submit (and accept) the tickets; ``client`` carries a key that may do both."""
    ids = []
    for ticket in tickets:
        body = {
            "contract_number": ticket.contract_number,
            "serial": ticket.serial,
            "submitted_at": ticket.submitted_at.isoformat(),
        }
        ticket_id = int(checked(client.post("/v1/tickets", json=body))["id"])
        if ticket.accepted_at is not None:
            accept = {"accepted_at": ticket.accepted_at.isoformat()}
            checked(client.post(f"/v1/tickets/{ticket_id}/accept", json=accept))
        ids.append(ticket_id)
    return ids


def load_demo(
    client: httpx.Client, now: datetime, *, tickets: int, seed: int, world: DemoWorld | None = None
) -> list[int]:
    """Import the demo world and open ``tickets`` tickets; returns their ids.

    ``client`` has the server's base URL and an admin key (import, submit and accept).
    """
    world = world or load()
    import_world(client, world, now.astimezone(WARSAW).date())
    return open_tickets(client, ticket_plan(world, now, tickets, seed))


def import_world(client: httpx.Client, world: DemoWorld, today: date) -> None:
    """Every kind of :func:`import_rows` through ``POST /v1/import/{kind}``, in import order."""
    for kind, rows in import_rows(world, today).items():
        if rows:
            checked(client.post(f"/v1/import/{kind}", json=rows))
