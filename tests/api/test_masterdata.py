"""Master data import as CSV or JSON: all-or-nothing, every bad row named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.masterdata import parse_rows
from dispatch.errors import InvalidInput
from dispatch.places import resolve
from dispatch.store.keys import Role
from tests.api.conftest import Harness


def send(api: Harness, kind: str, body: bytes, content_type: str) -> Any:
    return api.client.post(
        f"/v1/import/{kind}",
        content=body,
        headers=api.headers(Role.PLANNER, **{"Content-Type": content_type}),
    )


def test_json_import_upserts_rows(api: Harness) -> None:
    """A JSON array of units lands in stock; importing it again changes nothing."""
    units = b'[{"unit_id": "U-NEW-1", "depot_id": "POZ", "sku": "X465-48P"}]'
    for _ in range(2):
        reply = send(api, "stock", units, "application/json")
        assert reply.json() == {"kind": "stock", "rows": 1}
    levels = {(x["depot_id"], x["sku"]): x["on_hand"] for x in api.get("/v1/depots/stock").json()}
    assert levels[("POZ", "X465-48P")] == 1


def test_engineer_skills_split_on_semicolons_in_csv(api: Harness) -> None:
    """CSV skills 'a;b' become a list; re-import replaces the skill list."""
    csv = b"engineer_id,name,home_lat,home_lon,hourly_cost_gr,skills\nE-1,Jan,52.1,21.0,9000,b;a\n"
    assert send(api, "engineers", csv, "text/csv").status_code == 200
    day = api.get("/v1/engineers/day-plans", day="2026-12-22", engineer_id="E-1").json()
    assert day[0]["skills"] == ["a", "b"]


@pytest.mark.parametrize(
    ("kind", "body", "field", "message"),
    [
        # tier text that is not a tier
        (
            "contracts",
            b"customer_id,customer_name,contract_number,tier,product,valid_from,valid_to\n"
            b"C,Cust,K-1,fast,AHB,2026-01-01,2026-12-31\n",
            "rows[0].tier",
            "unknown tier",
        ),
        # validity reversed
        (
            "contracts",
            b"customer_id,customer_name,contract_number,tier,product,valid_from,valid_to\n"
            b"C,Cust,K-1,8x5xNBD,AHB,2026-12-31,2026-01-01\n",
            "rows[0]",
            "valid_to must not precede valid_from",
        ),
        # second row outside Poland
        (
            "depots",
            b"depot_id,name,address,lat,lon\nA,A,a,52,21\nB,B,b,40.4,-3.7\n",
            "rows[1].lat",
            "greater than or equal to 49",
        ),
        # device on a contract that does not exist
        (
            "devices",
            b"serial,contract_number,sku,address,lat,lon\nS-9,K-404,X465-48P,a,52,21\n",
            "rows[0].contract_number",
            "no contract 'K-404'",
        ),
        # device in Kaliningrad: inside the lat/lon box, outside Poland (the planner refuses it)
        (
            "devices",
            b"serial,contract_number,sku,address,lat,lon\n"
            b"SN-KAL,C-2026-002,AP5010,Kaliningrad,54.71,20.51\n",
            "rows[0].lat",
            "point 54.71,20.51 is outside Poland",
        ),
        # device of a model the planner's SKU catalogue does not know
        (
            "devices",
            b"serial,contract_number,sku,address,lat,lon\nS-9,C-2026-002,NO-SUCH-SKU,a,52,21\n",
            "rows[0].sku",
            "unknown SKU 'NO-SUCH-SKU'",
        ),
        # engineer living in Kaliningrad
        (
            "engineers",
            b"engineer_id,name,home_lat,home_lon,hourly_cost_gr\nE-9,Jan,54.71,20.51,9000\n",
            "rows[0].home_lat",
            "outside Poland",
        ),
        # the same contract twice in one file (the last row would silently win)
        (
            "contracts",
            b"customer_id,customer_name,contract_number,tier,product,valid_from,valid_to\n"
            b"C,Cust,K-1,8x5xNBD,AHB,2026-01-01,2026-12-31\n"
            b"C,Cust,K-1,24x7x4,SOS,2026-01-01,2026-12-31\n",
            "rows[1].contract_number",
            "'K-1' repeats rows[0]",
        ),
        # unit in an unknown depot
        ("stock", b"unit_id,depot_id,sku\nU-9,GDN,X\n", "rows[0].depot_id", "no depot 'GDN'"),
        # shift ending before it starts
        (
            "shifts",
            b"engineer_id,start_at,end_at\nE-WAW-1,2026-12-22T18:00,2026-12-22T08:00\n",
            "rows[0].end_at",
            "must be after start_at",
        ),
        # not JSON at all
        ("depots", b"{not json", "body", "not valid JSON"),
        # JSON but not an array
        ("depots", b'{"depot_id": "A"}', "body", "array"),
        # empty file
        ("depots", b"[]", "body", "no rows"),
    ],
)
def test_bad_rows_are_refused_naming_row_and_field(
    api: Harness, kind: str, body: bytes, field: str, message: str
) -> None:
    """422 with ``loc`` = rows[i].field and the reason; nothing of the file is stored."""
    content_type = "application/json" if body[:1] in (b"[", b"{") else "text/csv"
    before = api.get("/v1/depots/stock").json()
    reply = send(api, kind, body, content_type)
    assert reply.status_code == 422, reply.text
    detail = reply.json()["detail"]
    assert any(".".join(d["loc"]) == field and message in d["msg"] for d in detail), detail
    assert api.get("/v1/depots/stock").json() == before


def test_devices_need_a_sku_of_the_servers_catalogue(
    api: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``DISPATCH_SKU_CATALOGUE`` is what the planner plans with, so it is what import accepts."""
    catalogue = tmp_path / "skus.csv"
    catalogue.write_text("sku,family,onsite_minutes,substitutes\nOWN-1,switch,60,\n")
    monkeypatch.setenv("DISPATCH_SKU_CATALOGUE", str(catalogue))
    header = b"serial,contract_number,sku,address,lat,lon\n"
    own = send(api, "devices", header + b"S-OWN,C-2026-002,OWN-1,a,52.23,21.01\n", "text/csv")
    assert own.status_code == 200, own.text
    demo = send(api, "devices", header + b"S-DEMO,C-2026-002,AP5010,a,52.23,21.01\n", "text/csv")
    assert demo.status_code == 422
    assert demo.json()["detail"][0]["loc"] == ["rows[0]", "sku"]


@settings(max_examples=200, deadline=None)
@given(lat=st.floats(49.0, 55.0), lon=st.floats(14.0, 24.2))
def test_import_accepts_exactly_the_points_the_planner_can_place(lat: float, lon: float) -> None:
    """Any depot point passes import if and only if the gazetteer places it, as the planner will."""
    body = json.dumps([{"depot_id": "D", "name": "D", "address": "a", "lat": lat, "lon": lon}])
    try:
        resolve(f"{lat},{lon}")
        placeable = True
    except InvalidInput:
        placeable = False
    try:
        parse_rows("depots", body.encode(), "application/json")
        imported = True
    except InvalidInput as exc:
        assert exc.field == "rows[0].lat" and "outside Poland" in exc.reason
        imported = False
    assert imported == placeable


def test_one_bad_row_rolls_back_the_good_ones(api: Harness) -> None:
    """All or nothing: a good unit before a bad one is not stored either."""
    body = b"unit_id,depot_id,sku\nU-OK,WAW,NEW-SKU\nU-BAD,NOWHERE,NEW-SKU\n"
    assert send(api, "stock", body, "text/csv").status_code == 422
    skus = {x["sku"] for x in api.get("/v1/depots/stock").json()}
    assert "NEW-SKU" not in skus


def test_unknown_import_kind_is_422(api: Harness) -> None:
    """The path names the kinds that exist."""
    reply = send(api, "trucks", b"[]", "application/json")
    assert reply.status_code == 422
