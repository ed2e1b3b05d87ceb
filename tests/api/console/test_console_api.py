"""The console's page, assets and endpoints, through the app (no browser)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.console.demo_data import import_rows
from api.console.routes import ASSETS, STATIC
from api.schemas.imports import ROW_MODELS
from depots.demo_world import load
from dispatch.cli import main
from dispatch.errors import Infeasible
from dispatch.store.keys import Role
from tests.api.conftest import AHB_TICKET, SOS_TICKET, START, Harness, make_harness
from tests.api.live import free_port
from tests.support_db import Database


def confirmed(api: Harness, body: dict[str, Any]) -> dict[str, Any]:
    plan = api.planned(body)
    reply = api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def board(api: Harness) -> dict[str, Any]:
    reply = api.get("/console/api/board")
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def engineer_day(api: Harness, engineer_id: str) -> dict[str, Any]:
    (day,) = [e for e in board(api)["engineers"] if e["id"] == engineer_id]
    found: dict[str, Any] = day
    return found


def test_page_and_assets_are_served_without_a_key_and_load_nothing_from_elsewhere(
    api: Harness,
) -> None:
    """The console works offline: no URL in the page or its assets points off the app."""
    page = api.client.get("/console")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="pl">' in page.text
    for name in ASSETS:
        assert api.client.get(f"/console/static/{name}").status_code == 200
    texts = [(STATIC / n).read_text(encoding="utf-8") for n in ("index.html", *ASSETS)]
    external = re.compile(r"""(src|href)=["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import""")
    assert not any(external.search(text) for text in texts)
    assert api.client.get("/console/static/..%2Fconsole.py").status_code == 404
    outlines = api.client.get("/console/outlines.json").json()
    assert len(outlines["features"]) == 16


def test_console_reads_need_a_key_and_stay_out_of_the_public_schema(api: Harness) -> None:
    assert api.client.get("/console/api/queue").status_code == 401
    assert "/console" not in api.client.get("/v1/openapi.json").text


def test_queue_rows_carry_site_voivodeship_state_and_sort_by_the_nearer_clock(
    api: Harness,
) -> None:
    """Accepted tickets by deadline (4 h SOS before next-day AHB); a new ticket by its reaction
    due, which comes before both, with no SLA countdown yet."""
    ahb = api.accepted(AHB_TICKET)
    sos = api.accepted(SOS_TICKET)
    new = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()["id"]
    queue = api.get("/console/api/queue").json()
    rows = queue["tickets"]
    assert [r["id"] for r in rows] == queue["order"] == [new, sos, ahb]
    first = rows[1]
    assert (first["state"], first["voivodeship"], first["sku"], first["contract"]) == (
        "on_track",
        "mazowieckie",
        "X465-48P",
        "C-2026-001",
    )
    assert first["site"].endswith("Warszawa") and first["time_left_s"] == 4 * 3600
    assert rows[2]["voivodeship"] == "małopolskie"
    assert (rows[0]["state"], rows[0]["time_left_s"]) == ("new", None)
    assert rows[0]["reaction_due"] < first["deadline"]
    assert queue["total"] == 3
    assert queue["facets"]["state"] == {"new": 1, "on_track": 2}


def test_queue_filters_on_the_server_and_counts_before_filtering(api: Harness) -> None:
    """Search by serial, site, contract or ticket number; tier, voivodeship and state narrow
    the rows while the facets and the total count every open ticket."""
    ahb = api.accepted(AHB_TICKET)
    sos = api.accepted(SOS_TICKET)

    def ids(**query: str) -> list[int]:
        reply = api.get("/console/api/queue", **query)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["total"] == 2 and sum(body["facets"]["tier"].values()) == 2
        return [int(i) for i in body["order"]]

    assert ids(q="sn-ap") == [ahb]
    assert ids(q="C-2026-001") == [sos]
    assert ids(q=f"#{ahb}") == [ahb]
    assert ids(q="warszawa") == [sos]
    assert ids(voivodeship="małopolskie") == [ahb]
    assert ids(tier="8x5xNBD", state="on_track") == [ahb]
    assert ids(state="late") == []
    bad = api.get("/console/api/queue", state="lost")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "state"


def test_a_poll_with_the_last_version_gets_only_what_changed(api: Harness) -> None:
    """Same version: nothing to send; after a confirm only that ticket's row comes back; an
    unknown version gets every row."""
    api.accepted(AHB_TICKET)
    first = api.get("/console/api/queue").json()
    again = api.get("/console/api/queue", since=first["version"]).json()
    assert (again["changed"], again["tickets"], again["version"]) == (False, [], first["version"])
    plan = confirmed(api, SOS_TICKET)
    after = api.get("/console/api/queue", since=first["version"]).json()
    assert after["changed"] and [r["id"] for r in after["tickets"]] == [plan["ticket_id"]]
    assert len(after["order"]) == 2
    assert after["tickets"][0]["plan"]["engineer_name"]
    unknown = api.get("/console/api/queue", since="feedfeedfeedfeed").json()
    assert len(unknown["tickets"]) == 2


def test_the_queue_counts_reaction_breaches_and_rows_show_the_contact(api: Harness) -> None:
    """A ticket submitted 2 h ago with nobody contacted is a breach the poll counts, as
    /v1/reaction/breaches does; once contacted (late) it stays a breach but not an uncontacted
    one, and its row (sent again after the page's version) carries the contact. A ticket
    contacted within its hour is no breach."""
    old = {**SOS_TICKET, "submitted_at": (START - timedelta(hours=2)).isoformat()}
    late = api.post("/v1/tickets", Role.TICKETING, old).json()["id"]
    fresh = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()["id"]
    first = api.get("/console/api/queue").json()
    assert first["breaches"]["count"] == 1 and first["breaches"]["not_contacted"] == 1
    assert all(r["contacted_at"] is None for r in first["tickets"])
    for ticket in (late, fresh):
        reply = api.post(f"/v1/tickets/{ticket}/status", Role.DISPATCHER, {"status": "contacted"})
        assert reply.status_code == 200, reply.text
    after = api.get("/console/api/queue", since=first["version"]).json()
    assert after["breaches"]["count"] == 1 and after["breaches"]["not_contacted"] == 0
    assert {r["id"] for r in after["tickets"]} == {late, fresh}
    assert all(r["contacted_at"] for r in after["tickets"])
    public = api.get("/v1/reaction/breaches").json()
    assert (public["count"], public["not_contacted"]) == (1, 0)
    assert after["breaches"]["since"] == public["since"]


def test_states_turn_at_risk_then_late_as_the_clock_runs(api: Harness) -> None:
    """Rule 9: under an hour left is at risk; past the deadline is late."""
    ticket = api.accepted(SOS_TICKET)
    for hours, state in ((3.5, "at_risk"), (1.0, "late")):
        api.clock.advance(timedelta(hours=hours))
        (row,) = [r for r in api.get("/console/api/queue").json()["tickets"] if r["id"] == ticket]
        assert row["state"] == state


def test_confirm_lowers_the_depot_stock_and_puts_the_visit_on_the_engineer_day(
    api: Harness,
) -> None:
    """WAW had one free X465-48P; after the confirm it has none and E-WAW-1 has the visit."""
    before = {d["id"]: d["available"] for d in board(api)["depots"]}
    plan = confirmed(api, SOS_TICKET)
    after = {d["id"]: d["available"] for d in board(api)["depots"]}
    assert after["WAW"] == before["WAW"] - 1
    day = engineer_day(api, "E-WAW-1")
    legs = [(s["kind"], s["ticket_id"]) for s in day["segments"] if s["ticket_id"]]
    ticket = plan["ticket_id"]
    assert legs == [("travel", ticket), ("pickup", ticket), ("travel", ticket), ("visit", ticket)]
    visit = next(s for s in day["segments"] if s["kind"] == "visit")
    assert visit["start"] == plan["recommendation"]["arrival_at"]
    row = api.get("/console/api/queue").json()["tickets"][0]
    assert row["plan"]["confirmed"] and row["plan"]["engineer_id"] == "E-WAW-1"


def test_unavailable_engineer_is_replanned_onto_another_keeping_the_ticket_unit(
    api: Harness,
) -> None:
    """E-WAW-1's shift ends now; the visit goes to the next engineer on shift (Kraków), and
    the ticket's own WAW unit is free for its new plan (still one unit held, no leak)."""
    plan = confirmed(api, SOS_TICKET)
    ticket = plan["ticket_id"]
    reply = api.post(
        "/console/api/engineers/E-WAW-1/unavailable", Role.DISPATCHER, {"reason": "Sick leave"}
    )
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert report["shifts_cut"] == 1
    (moved,) = report["tickets"]
    assert (moved["ticket_id"], moved["engineer_id"], moved["error"]) == (ticket, "E-KRK-1", None)
    assert not engineer_day(api, "E-WAW-1")["available"]
    assert all(s["ticket_id"] != ticket for s in engineer_day(api, "E-WAW-1")["segments"])
    fresh = api.get(f"/v1/plans/{moved['plan_id']}").json()
    assert fresh["status"] == "confirmed" and fresh["reserved_units"] == ["U-WAW-X465-1"]
    history = api.get(f"/v1/tickets/{ticket}").json()["history"]
    assert history[-1]["data"]["reason"] == "engineer E-WAW-1 unavailable: Sick leave"


def test_failed_replan_keeps_the_old_plan_and_its_unit(
    api: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing half-done: when no new plan can be made, the old one still holds."""
    plan = confirmed(api, SOS_TICKET)

    def refuse(*_args: object) -> None:
        raise Infeasible(["no engineer left"])

    monkeypatch.setattr(api.planner, "plan", refuse)
    report = api.post(
        "/console/api/engineers/E-WAW-1/unavailable", Role.DISPATCHER, {"reason": "Car broke"}
    ).json()
    (kept,) = report["tickets"]
    assert kept["plan_id"] is None and "no engineer left" in kept["error"]
    old = api.get(f"/v1/plans/{plan['id']}").json()
    assert old["status"] == "confirmed" and old["reserved_units"] == ["U-WAW-X465-1"]


def test_marking_unavailable_needs_a_dispatcher_a_reason_and_a_known_engineer(
    api: Harness,
) -> None:
    path = "/console/api/engineers/E-WAW-1/unavailable"
    assert api.post(path, Role.TICKETING, {"reason": "x"}).status_code == 403
    assert api.post(path, Role.DISPATCHER, {"reason": ""}).status_code == 422
    missing = api.post(
        "/console/api/engineers/E-NONE/unavailable", Role.DISPATCHER, {"reason": "x"}
    )
    assert missing.status_code == 404
    past = api.post(path, Role.DISPATCHER, {"reason": "x", "until": "2026-12-22T09:00"})
    assert past.status_code == 422 and past.json()["detail"][0]["loc"] == ["until"]


def test_load_demo_cli_says_in_one_line_when_the_server_is_unreachable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code = main(["console", "load-demo", "--url", url, "--key", "k", "--wait", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--url: cannot reach" in err


def test_demo_world_rows_all_pass_the_import_schema_with_three_days_of_shifts() -> None:
    world = load()
    rows = import_rows(world, date(2026, 12, 22))
    for kind, items in rows.items():
        for row in items:
            ROW_MODELS[kind].model_validate(row)
    assert len(rows["devices"]) == len(world.devices) == 6000
    assert {"ERS4950GTS-PWR+", "ERS5928GTS-PWR+"} <= {d["sku"] for d in rows["devices"]}
    assert len(rows["shifts"]) == 3 * len(rows["engineers"]) == 3 * 45
    assert len(rows["stock"]) == sum(s.units for s in world.stock)


def test_the_exported_demo_files_import_whole_through_the_csv_endpoint(
    sqlite_database: Database, tmp_path: Path
) -> None:
    """`console export-demo` writes every kind of the demo world; the CSV import takes each file
    in the written order and stores every row (lists, booleans and times survive CSV)."""
    code = main(["console", "export-demo", str(tmp_path / "out"), "--today", "2026-12-22"])
    assert code == 0
    rows = import_rows(load(), date(2026, 12, 22))
    paths = sorted((tmp_path / "out").iterdir())
    assert {p.stem for p in paths} == set(rows)
    harness = make_harness(sqlite_database)
    api = next(harness)
    try:
        for kind in rows:
            reply = api.client.post(
                f"/v1/import/{kind}",
                content=(tmp_path / "out" / f"{kind}.csv").read_bytes(),
                headers=api.headers(Role.ADMIN, **{"Content-Type": "text/csv"}),
            )
            assert reply.status_code == 200, reply.text
            assert reply.json() == {"kind": kind, "rows": len(rows[kind])}
        ticket = {"contract_number": "C-2026-0073", "serial": "SN000379"}
        assert api.post("/v1/tickets", Role.TICKETING, ticket).status_code == 201
    finally:
        harness.close()


def test_export_demo_refuses_a_bad_day_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["console", "export-demo", str(tmp_path), "--today", "22.12.2026"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--today: expected YYYY-MM-DD" in err


def test_export_demo_to_a_folder_it_cannot_make_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A path under a file cannot be made: one line naming ``out`` and why, exit 2."""
    (tmp_path / "a-file").write_text("x")
    code = main(["console", "export-demo", str(tmp_path / "a-file" / "demo")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "out: cannot write" in err
    assert "Not a directory" in err


def test_moving_a_visit_is_checked_by_the_engine_and_holds_nothing_until_confirmed(
    engine_api: Harness,
) -> None:
    """The SOS visit confirmed for E-WAW-1 moved to E-KRK-1: the engine times it from Kraków
    (a later arrival), the proposal reserves nothing and the confirmed plan still rules the
    queue until the move itself is confirmed."""
    api = engine_api
    plan = confirmed(api, SOS_TICKET)
    ticket = plan["ticket_id"]
    assert plan["recommendation"]["engineer_id"] == "E-WAW-1"
    reply = api.post(
        f"/console/api/tickets/{ticket}/move", Role.DISPATCHER, {"engineer_id": "E-KRK-1"}
    )
    assert reply.status_code == 200, reply.text
    moved = reply.json()
    option = moved["recommendation"]
    assert (moved["status"], option["engineer_id"]) == ("proposed", "E-KRK-1")
    assert {o["engineer_id"] for o in moved["alternatives"]} <= {"E-KRK-1"}
    assert option["arrival_at"] > plan["recommendation"]["arrival_at"]
    row = next(r for r in api.get("/console/api/queue").json()["tickets"] if r["id"] == ticket)
    assert row["plan"]["confirmed"] and row["plan"]["engineer_id"] == "E-WAW-1"
    assert api.post(f"/v1/plans/{moved['id']}/confirm", Role.DISPATCHER).status_code == 200
    row = next(r for r in api.get("/console/api/queue").json()["tickets"] if r["id"] == ticket)
    assert row["plan"]["engineer_id"] == "E-KRK-1" and row["plan"]["plan_id"] == moved["id"]
    assert engineer_day(api, "E-WAW-1")["segments"][0]["ticket_id"] is None


def test_a_move_names_what_is_wrong(engine_api: Harness) -> None:
    plan = confirmed(engine_api, SOS_TICKET)
    path = f"/console/api/tickets/{plan['ticket_id']}/move"
    assert engine_api.post(path, Role.DISPATCHER, {"engineer_id": "E-NONE"}).status_code == 404
    assert engine_api.post(path, Role.TICKETING, {"engineer_id": "E-KRK-1"}).status_code == 403
    bad = engine_api.post(path, Role.DISPATCHER, {"engineer": "E-KRK-1"})
    assert bad.status_code == 422 and "engineer_id" in bad.text
