"""Issue 18, findings 5, 8 and 11: imports leave reserved units alone, are written in chunks,
read Polish Excel's CSV, refuse unknown columns by name, and the OpenAPI lists every code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.masterdata import CHUNK
from dispatch.store.keys import Role
from tests.api.conftest import AHB_TICKET, Harness, import_demo, make_harness
from tests.support_db import Database


@pytest.fixture
def demo(database: Database) -> Iterator[Harness]:
    """The app with the demo data, on SQLite and on PostgreSQL."""
    for harness in make_harness(database):
        import_demo(harness)
        yield harness


def send(api: Harness, kind: str, body: bytes, content_type: str) -> Any:
    return api.client.post(
        f"/v1/import/{kind}",
        content=body,
        headers=api.headers(Role.PLANNER, **{"Content-Type": content_type}),
    )


def stock(api: Harness) -> dict[tuple[str, str], int]:
    return {(x["depot_id"], x["sku"]): x["on_hand"] for x in api.get("/v1/depots/stock").json()}


def reserved_unit(api: Harness) -> tuple[dict[str, Any], str]:
    """A confirmed plan and the unit it holds."""
    plan = api.planned(AHB_TICKET)
    confirmed = api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER).json()
    (unit,) = confirmed["reserved_units"]
    return confirmed, unit


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ({"depot_id": "WAW"}, "-> WAW AP5010 spare"),  # moved to another depot
        ({"sku": "AP3000"}, "-> KRK AP3000 spare"),  # re-labelled as another model
        ({"kind": "loaner"}, "-> KRK AP5010 loaner"),  # turned into a loaner
    ],
)
def test_a_reserved_unit_cannot_be_changed_by_an_import(
    demo: Harness, change: dict[str, str], shown: str
) -> None:
    """Finding 5: an import moved or re-labelled a unit a confirmed plan held (200). Now it is
    a 409 naming the row, the unit and the plan, and nothing of the file is written."""
    plan, unit = reserved_unit(demo)
    before = stock(demo)
    rows = [
        {"unit_id": "U-NEW-1", "depot_id": "POZ", "sku": "AP5010"},  # fine on its own
        {"unit_id": unit, "depot_id": "KRK", "sku": "AP5010", "kind": "spare", **change},
    ]
    reply = demo.post("/v1/import/stock", Role.PLANNER, rows)
    assert reply.status_code == 409, reply.text
    detail = reply.json()["detail"]
    assert f"rows[1]: unit {unit} is reserved by plan {plan['id']}" in detail
    assert shown in detail
    assert stock(demo) == before
    again = demo.get(f"/v1/plans/{plan['id']}").json()
    assert again["reserved_units"] == [unit]


def test_a_reserved_unit_may_be_sent_again_unchanged(demo: Harness) -> None:
    """Re-sending the whole stock file, the reserved unit in it as it is, imports fine."""
    _plan, unit = reserved_unit(demo)
    row = {"unit_id": unit, "depot_id": "KRK", "sku": "AP5010", "kind": "spare"}
    assert demo.post("/v1/import/stock", Role.PLANNER, [row]).status_code == 200


def test_a_large_import_is_written_in_chunks_and_all_of_it_lands(demo: Harness) -> None:
    """Finding 8: more rows than one chunk land in full (each chunk a short transaction)."""
    count = 2 * CHUNK + 7
    body = "unit_id,depot_id,sku\n" + "".join(f"U-BULK-{i},POZ,X465-48P\n" for i in range(count))
    reply = send(demo, "stock", body.encode(), "text/csv")
    assert reply.json() == {"kind": "stock", "rows": count}
    assert stock(demo)[("POZ", "X465-48P")] == count


POLISH_ENGINEERS = (
    "engineer_id;name;home_lat;home_lon;hourly_cost_gr;skills\r\n"
    'E-LDZ-9;Paweł Żółkiewski;51,7592;19,4560;9000;"switch;router"\r\n'
)


def test_polish_excel_csv_is_read_cp1250_with_semicolons_and_decimal_commas(
    api: Harness,
) -> None:
    """Finding 11: Polish Excel saves CSV in Windows-1250 with ';' and decimal commas."""
    reply = send(api, "engineers", POLISH_ENGINEERS.encode("cp1250"), "text/csv")
    assert reply.status_code == 200, reply.text
    (day,) = api.get("/v1/engineers/day-plans", day="2026-12-22", engineer_id="E-LDZ-9").json()
    assert (day["name"], day["skills"]) == ("Paweł Żółkiewski", ["router", "switch"])


def test_a_named_charset_is_honoured(api: Harness) -> None:
    """ISO-8859-2 differs from Windows-1250 in 'ą', 'ś', 'ź': the Content-Type may say so."""
    body = POLISH_ENGINEERS.replace("Paweł Żółkiewski", "Jaś Kąś").encode("iso-8859-2")
    assert send(api, "engineers", body, "text/csv; charset=ISO-8859-2").status_code == 200
    (day,) = api.get("/v1/engineers/day-plans", day="2026-12-22", engineer_id="E-LDZ-9").json()
    assert day["name"] == "Jaś Kąś"


@pytest.mark.parametrize(
    ("body", "content_type", "field", "message"),
    [
        # bytes that are neither UTF-8 nor Windows-1250 (0x98 is undefined there)
        (b"depot_id,name,address,lat,lon\nA,Gda\x98sk,a,54.35,18.65\n", "text/csv", "body",
         "neither UTF-8 nor Windows-1250 (byte 0x98 at offset 35); save the file as UTF-8 or "
         "name its encoding, e.g. Content-Type: text/csv; charset=iso-8859-2"),
        # a column the kind does not have: named, not silently dropped
        (b"depot_id,name,address,lat,lon,colour\nA,A,a,52.23,21.01,red\n", "text/csv", "header",
         "unknown column(s) 'colour'; the columns are depot_id, name, address, lat, lon"),
        # a required column missing
        (b"depot_id,name,lat,lon\nA,A,52.23,21.01\n", "text/csv", "header",
         "missing column(s) 'address'"),
        # more values than the header has columns
        (b"depot_id,name,address,lat,lon\nA,A,a,52.23,21.01,extra\n", "text/csv", "rows[0]",
         "has 6 values, the header 5 columns"),
        # a charset Python does not know
        (b"depot_id,name,address,lat,lon\n", "text/csv; charset=klingon", "header.Content-Type",
         "unknown charset 'klingon'"),
    ],
)  # fmt: skip
def test_csv_problems_are_refused_with_the_reason(
    api: Harness, body: bytes, content_type: str, field: str, message: str
) -> None:
    """Each problem is a 422 naming where it is and why; nothing is stored."""
    before = stock(api)
    reply = send(api, "depots", body, content_type)
    assert reply.status_code == 422, reply.text
    (problem,) = reply.json()["detail"]
    assert ".".join(problem["loc"]) == field
    assert problem["msg"].startswith(message)
    assert stock(api) == before


@pytest.mark.parametrize("content_type", ["Text/CSV", "TEXT/CSV; Charset=UTF-8"])
def test_the_csv_media_type_is_case_insensitive(api: Harness, content_type: str) -> None:
    """Finding 11: ``Text/CSV`` was read as JSON and refused."""
    body = b"depot_id,name,address,lat,lon\nGDA2,Gdynia,a,54.52,18.53\n"
    assert send(api, "depots", body, content_type).json() == {"kind": "depots", "rows": 1}


def test_an_import_that_is_neither_csv_nor_json_is_415(api: Harness) -> None:
    """A body sent as text/plain is refused naming the header, not parsed as JSON."""
    reply = send(api, "depots", b"depot_id,name\n", "text/plain")
    assert reply.status_code == 415
    assert reply.json()["detail"][0]["loc"] == ["header", "Content-Type"]


def test_openapi_lists_every_error_code_of_each_operation(api: Harness) -> None:
    """Finding 11: 401/403/413/415 were missing. Keyed operations list 401, 403, 422, 500 and
    503; those with a body also 413 and 415; the health probe needs no key."""
    document = api.client.get("/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if path == "/v1/health":
                assert codes == {"200"}
                continue
            assert {"401", "403", "422", "500", "503"} <= codes, (method, path)
            if "requestBody" in operation:
                assert {"413", "415"} <= codes, (method, path)
    import_codes = set(document["paths"]["/v1/import/{kind}"]["post"]["responses"])
    assert {"409", "413", "415"} <= import_codes
