"""``POST /v1/quote``: planner role only, 422 naming the field, the quote's JSON."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.store.keys import Role
from tests.api.conftest import Harness

SITES = [
    {"site_id": "C1", "address": "38-700 Ustrzyki Dolne", "sku": "NX9610", "service": "AHB"},
    {"site_id": "C1", "address": "38-700 Ustrzyki Dolne", "sku": "AP3000", "devices": 3,
     "service": "AHB"},
    {"site_id": "W1", "lat": 52.23, "lon": 21.01, "sku": "AP4000", "devices": 2},
]  # fmt: skip
BODY: dict[str, Any] = {"sites": SITES, "tiers": ["24x7x4"], "days": 3, "replications": 1}


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.TICKETING])
def test_only_planners_may_quote(api: Harness, role: Role) -> None:
    reply = api.post("/v1/quote", role, BODY)
    assert reply.status_code == 403 and "planner" in reply.json()["detail"]


def test_a_key_is_needed(api: Harness) -> None:
    assert api.client.post("/v1/quote", json=BODY).status_code == 401


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"tiers": ["9x9xZZ"]}, ["tiers"]),
        ({"sites": [{**SITES[0], "sku": "NOPE"}]}, ["sites[0]", "sku"]),
        ({"sites": [SITES[0], {"address": "Qwertyuiop Zzz", "sku": "AP3000"}]},
         ["sites[1]", "address"]),
        ({"sites": [{"sku": "AP3000", "devices": 0, "address": "Kraków"}]},
         ["sites[0]", "devices"]),
        ({"scenario": "../etc/passwd"}, ["scenario"]),
    ],
)  # fmt: skip
def test_bad_input_is_422_naming_the_field(
    api: Harness, change: dict[str, Any], loc: list[str]
) -> None:
    reply = api.post("/v1/quote", Role.PLANNER, {**BODY, **change})
    assert reply.status_code == 422, reply.text
    assert reply.json()["detail"][0]["loc"] == loc


def test_unknown_body_key_is_422(api: Harness) -> None:
    reply = api.post("/v1/quote", Role.PLANNER, {**BODY, "tier": "24x7x4"})
    assert reply.status_code == 422 and "tier" in reply.text


def test_planner_gets_the_quote(api: Harness) -> None:
    reply = api.post("/v1/quote", Role.PLANNER, BODY)
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    (c1, w1) = answer["sites"]
    assert c1["tiers"]["24x7x4"]["status"] == "with a change"
    assert c1["tiers"]["24x7x4"]["changes"][0]["change"].startswith("a unit of NX9610 at RZE")
    assert w1["tiers"]["24x7x4"]["status"] == "reachable"
    assert answer["assumptions"]["days"] == 3 and answer["assumptions"]["replications"] == 1
    assert "cost_to_serve" in answer["tiers"]["24x7x4"]
