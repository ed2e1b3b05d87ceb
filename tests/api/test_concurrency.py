"""Real concurrent requests against a running server: the last unit goes to exactly one plan."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select

from depots.tables import Reservation
from dispatch.store.db import transaction
from dispatch.store.keys import Role, create_key
from tests.api.live import live_server
from tests.support_db import Database

ROUNDS = 2


def _keys(db: Database) -> dict[Role, str]:
    with transaction(db.factory) as session:
        now = datetime.now(UTC)
        return {r: create_key(session=session, role=r, client=r.value, now=now) for r in Role}


def _master_data(http: httpx.Client, admin: str) -> None:
    headers = {"X-API-Key": admin}
    contract = {
        "customer_id": "C",
        "customer_name": "Race Ltd",
        "contract_number": "K-RACE",
        "tier": "24x7x4",
        "product": "AHB",
        "valid_from": "2020-01-01",
        "valid_to": "2099-12-31",
    }
    depot = {"depot_id": "WAW", "name": "W", "address": "a", "lat": 52.2, "lon": 21.0}
    units = [
        {"unit_id": f"U-RACE-{r}", "depot_id": "WAW", "sku": f"RACE-{r}"} for r in range(ROUNDS)
    ]
    devices = [
        {
            "serial": f"SN-{r}-{side}",
            "contract_number": "K-RACE",
            "sku": f"RACE-{r}",
            "address": "a",
            "lat": 52.1,
            "lon": 21.0,
        }
        for r in range(ROUNDS)
        for side in "ab"
    ]
    for kind, rows in (
        ("contracts", [contract]),
        ("depots", [depot]),
        ("stock", units),
        ("devices", devices),
    ):
        assert http.post(f"/v1/import/{kind}", json=rows, headers=headers).status_code == 200


def _confirm(
    base: str,
    plan_id: int,
    headers: dict[str, str],
    start: threading.Barrier,
    replies: list[httpx.Response],
) -> None:
    """Confirm on a connection of its own, released together with the other racer."""
    with httpx.Client(base_url=base, timeout=30) as own:
        start.wait()
        replies.append(own.post(f"/v1/plans/{plan_id}/confirm", headers=headers))


def _submit(
    base: str, headers: dict[str, str], start: threading.Barrier, replies: list[httpx.Response]
) -> None:
    """Submit the same ticket under the same Idempotency-Key, released with the other racer."""
    body = {"contract_number": "K-RACE", "serial": "SN-0-a"}
    with httpx.Client(base_url=base, timeout=30) as own:
        start.wait()
        replies.append(own.post("/v1/tickets", json=body, headers=headers))


def _same_key_racers_get_one_ticket(
    http: httpx.Client, base: str, ticketing: dict[str, str]
) -> None:
    """Two simultaneous retries with one key: one creates (201), one replays (200), same id."""
    before = len(http.get("/v1/tickets", headers=ticketing).json())
    headers = {**ticketing, "Idempotency-Key": "race-key"}
    start = threading.Barrier(2)
    replies: list[httpx.Response] = []
    racers = [
        threading.Thread(target=_submit, args=(base, headers, start, replies)) for _ in range(2)
    ]
    for t in racers:
        t.start()
    for t in racers:
        t.join()
    assert sorted(r.status_code for r in replies) == [200, 201], [r.text for r in replies]
    assert replies[0].json()["id"] == replies[1].json()["id"]
    assert len(http.get("/v1/tickets", headers=ticketing).json()) == before + 1


def test_two_concurrent_confirms_for_the_last_unit_exactly_one_wins(
    database: Database, tmp_path: Path
) -> None:
    """Each round: two plans hold out for one unit, both confirmed at once; one 200, one 409.

    The same server then takes two simultaneous submissions under one Idempotency-Key.
    """
    keys = _keys(database)
    catalogue = tmp_path / "skus.csv"  # a SKU of its own per round, known to the server
    catalogue.write_text(
        "sku,family,onsite_minutes,substitutes\n"
        + "".join(f"RACE-{r},switch,60,\n" for r in range(ROUNDS))
    )
    with (
        live_server(
            database.url, database.schema, env={"DISPATCH_SKU_CATALOGUE": str(catalogue)}
        ) as server,
        httpx.Client(base_url=server.base, timeout=30) as http,
    ):
        base = server.base
        _master_data(http, keys[Role.ADMIN])
        ticketing = {"X-API-Key": keys[Role.TICKETING]}
        dispatcher = {"X-API-Key": keys[Role.DISPATCHER]}
        for r in range(ROUNDS):
            plan_ids = []
            for side in "ab":
                body = {"contract_number": "K-RACE", "serial": f"SN-{r}-{side}"}
                ticket = http.post("/v1/tickets", json=body, headers=ticketing).json()
                http.post(f"/v1/tickets/{ticket['id']}/accept", json={}, headers=ticketing)
                plan = http.post(f"/v1/tickets/{ticket['id']}/plan", headers=dispatcher).json()
                assert plan["recommendation"]["depot_id"] == "WAW"
                plan_ids.append(plan["id"])
            start = threading.Barrier(2)
            replies: list[httpx.Response] = []
            threads = [
                threading.Thread(target=_confirm, args=(base, p, dispatcher, start, replies))
                for p in plan_ids
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(x.status_code for x in replies) == [200, 409], [x.text for x in replies]
            loser = next(x for x in replies if x.status_code == 409).json()
            assert "0 free unit(s)" in loser["detail"] or "same moment" in loser["detail"]
            assert loser["plan"] is None  # no other depot has the SKU: no fresh option
            winner = next(x for x in replies if x.status_code == 200).json()
            assert winner["reserved_units"] == [f"U-RACE-{r}"]
        _same_key_racers_get_one_ticket(http, base, ticketing)
    with transaction(database.factory) as session:
        held = session.execute(
            select(Reservation.unit_id, func.count())
            .where(Reservation.state == "active")
            .group_by(Reservation.unit_id)
        ).all()
    assert sorted(held) == [(f"U-RACE-{r}", 1) for r in range(ROUNDS)]


CONFIRMS = 100


def test_a_hundred_concurrent_confirms_with_plenty_of_stock_all_succeed(
    database: Database, tmp_path: Path
) -> None:
    """Issue 18, finding 6: with 16-90 units free, PostgreSQL answered 6 of 100 confirms with
    "depot has 0 free unit(s)". Every confirm now gets a unit of its own."""
    keys = _keys(database)
    catalogue = tmp_path / "skus.csv"
    catalogue.write_text("sku,family,onsite_minutes,substitutes\nBULK,switch,60,\n")
    contract = {
        "customer_id": "C",
        "customer_name": "Bulk Ltd",
        "contract_number": "K-BULK",
        "tier": "24x7x4",
        "product": "AHB",
        "valid_from": "2020-01-01",
        "valid_to": "2099-12-31",
    }
    site = {"sku": "BULK", "contract_number": "K-BULK", "address": "a", "lat": 52.1, "lon": 21.0}
    master = {
        "contracts": [contract],
        "depots": [{"depot_id": "WAW", "name": "W", "address": "a", "lat": 52.2, "lon": 21.0}],
        "stock": [
            {"unit_id": f"U-{n:03}", "depot_id": "WAW", "sku": "BULK"} for n in range(CONFIRMS + 20)
        ],
        "devices": [{"serial": f"SN-{n}", **site} for n in range(CONFIRMS)],
    }
    with (
        live_server(
            database.url, database.schema, env={"DISPATCH_SKU_CATALOGUE": str(catalogue)}
        ) as server,
        httpx.Client(base_url=server.base, timeout=60) as http,
    ):
        admin = {"X-API-Key": keys[Role.ADMIN]}
        for kind, rows in master.items():
            assert http.post(f"/v1/import/{kind}", json=rows, headers=admin).status_code == 200
        ticketing = {"X-API-Key": keys[Role.TICKETING]}
        dispatcher = {"X-API-Key": keys[Role.DISPATCHER]}
        plan_ids = []
        for n in range(CONFIRMS):
            body = {"contract_number": "K-BULK", "serial": f"SN-{n}"}
            ticket = http.post("/v1/tickets", json=body, headers=ticketing).json()
            http.post(f"/v1/tickets/{ticket['id']}/accept", json={}, headers=ticketing)
            plan_ids.append(
                http.post(f"/v1/tickets/{ticket['id']}/plan", headers=dispatcher).json()["id"]
            )
        start = threading.Barrier(CONFIRMS)
        replies: list[httpx.Response] = []
        threads = [
            threading.Thread(target=_confirm, args=(server.base, p, dispatcher, start, replies))
            for p in plan_ids
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    refused = [r.text for r in replies if r.status_code != 200]
    assert refused == [], f"{len(refused)} of {CONFIRMS} refused: {refused[:3]}"
    units = [unit for r in replies for unit in r.json()["reserved_units"]]
    assert len(units) == len(set(units)) == CONFIRMS
