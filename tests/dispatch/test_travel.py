"""dispatch.travel: single trips between places and the Polish calendar's effect on rush hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch.encode import encode
from dispatch.errors import InvalidInput
from dispatch.places import resolve
from dispatch.scenario import Scenario
from dispatch.scenario_snapshot import snapshot
from dispatch.timeparse import WARSAW
from dispatch.travel import depart_hour_of_week, travel
from solver.travel.road import RoadTravel


def test_travel_returns_whole_seconds_and_metres():
    """Kraków -> Wieliczka: a short, positive trip in ints."""
    seconds, metres = travel(resolve("Kraków"), resolve("Wieliczka"))
    assert isinstance(seconds, int) and isinstance(metres, int)
    assert 600 < seconds < 3600 and 10_000 < metres < 30_000


def test_hour_of_week_uses_warsaw_local_time_across_dst():
    """06:00 UTC on a Monday is 08:00 local in summer (CEST) and 07:00 local in winter (CET)."""
    assert depart_hour_of_week(datetime(2026, 7, 6, 6, 0, tzinfo=UTC)) == 8.0
    assert depart_hour_of_week(datetime(2026, 1, 5, 6, 0, tzinfo=UTC)) == 7.0


def test_a_public_holiday_morning_has_no_rush_hour():
    """11 Nov 2026 08:00 (Wednesday, Independence Day) is priced like a Sunday; 12 Nov is not."""
    a, b = resolve("Warszawa"), resolve("Piaseczno")
    holiday = datetime(2026, 11, 11, 8, 0, tzinfo=WARSAW)
    workday = datetime(2026, 11, 12, 8, 0, tzinfo=WARSAW)
    free, _ = travel(a, b)
    assert travel(a, b, holiday)[0] == free
    assert travel(a, b, workday)[0] > free
    assert depart_hour_of_week(holiday) == 6 * 24 + 8.0


def test_naive_departure_is_refused_naming_the_field():
    """A departure without an offset is an InvalidInput on ``depart``."""
    with pytest.raises(InvalidInput, match="must carry a time zone") as info:
        depart_hour_of_week(datetime(2026, 11, 12, 8, 0))
    assert info.value.field == "depart"


def test_plans_made_on_a_public_holiday_morning_price_no_rush_hour():
    """The engine's matrices follow the calendar too: 08:00 on 11 Nov is free flow."""

    def depot_to_site_s(day: str) -> int:
        scenario = Scenario.from_dict(
            {
                "now": f"{day}T08:00",
                "skus": [{"sku": "AP4000", "family": "wireless", "onsite_minutes": 30}],
                "depots": [{"id": "WAW", "location": "Warszawa", "stock": {"AP4000": 1}}],
                "couriers": [],
                "engineers": [],
                "tickets": [
                    {"id": "T1", "service": "AHB", "tier": "24x7x4", "site": "Piaseczno",
                     "sku": "AP4000", "accepted_at": f"{day}T07:50"}
                ],
            }
        )  # fmt: skip
        world = encode(snapshot(scenario), RoadTravel.default())
        return int(world.net.travel_s[0, 1])

    free, _ = travel(resolve("Warszawa"), resolve("Piaseczno"))
    assert depot_to_site_s("2026-11-11") == free
    assert depot_to_site_s("2026-11-12") > free
