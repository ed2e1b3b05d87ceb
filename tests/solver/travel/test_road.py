"""RoadTravel on the embedded network and on tiny hand-checkable networks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.travel.network import RoadNetwork
from solver.travel.road import RoadTravel
from solver.travel.speeds import RoadSpeeds

# Voivodeship capitals (both seats where a voivodeship has two), [lat, lon].
CAPITALS = {
    "Wrocław": (51.10286, 17.03006),
    "Bydgoszcz": (53.1235, 18.00762),
    "Toruń": (53.01375, 18.59814),
    "Lublin": (51.25, 22.56667),
    "Gorzów Wielkopolski": (52.73679, 15.22878),
    "Zielona Góra": (51.93548, 15.50643),
    "Łódź": (51.77058, 19.47395),
    "Kraków": (50.06143, 19.93658),
    "Warszawa": (52.22977, 21.01178),
    "Opole": (50.67119, 17.92604),
    "Rzeszów": (50.04132, 21.99901),
    "Białystok": (53.13333, 23.16433),
    "Gdańsk": (54.35227, 18.64912),
    "Katowice": (50.25841, 19.02754),
    "Kielce": (50.87033, 20.62752),
    "Olsztyn": (53.77995, 20.49416),
    "Poznań": (52.40692, 16.92993),
    "Szczecin": (53.42894, 14.55302),
}
POINTS = np.array(list(CAPITALS.values()))

# Inside Poland's bounding box, roughly: random trip ends.
lat = st.floats(49.2, 54.6)
lon = st.floats(14.3, 23.9)


def test_every_voivodeship_capital_reaches_every_other(road):
    """All 18 seats are mutually reachable in plausible times (1 min to 12 h, < 1,100 km)."""
    seconds, metres = road.matrix(POINTS, POINTS)
    off = ~np.eye(len(POINTS), dtype=bool)
    assert (seconds[off] > 60).all() and (seconds[off] < 12 * 3600).all()
    assert (metres[off] > 1_000).all() and (metres[off] < 1_100_000).all()
    assert (np.diag(seconds) == 0).all()


def test_the_embedded_network_is_one_strongly_connected_graph(road):
    """No stretch of road is cut off from the rest (every node is in the main component)."""
    assert road.tables.main_component.all()


def test_two_way_roads_give_symmetric_times(road):
    """Every embedded road is two-way, so A->B takes exactly as long as B->A."""
    seconds, metres = road.matrix(POINTS, POINTS)
    assert np.array_equal(seconds, seconds.T)
    assert np.allclose(metres, metres.T, rtol=0.02)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(lat, lon), min_size=2, max_size=6))
def test_random_trips_are_symmetric_and_no_shorter_than_the_crow_flies(road, pts):
    """Symmetry holds for any points, and road distance is never below the great circle."""
    arr = np.array(pts)
    seconds, metres = road.matrix(arr, arr)
    assert np.array_equal(seconds, seconds.T)
    from solver.travel.geo import haversine_m

    crow = haversine_m(arr[:, 0, None], arr[:, 1, None], arr[None, :, 0], arr[None, :, 1])
    assert (metres >= np.floor(crow) - 1).all()


def test_warsaw_krakow_is_in_the_range_of_real_driving(road):
    """Centre to centre by the S7: about 3 to 3.5 hours and 290 to 320 km in 2025."""
    seconds, metres = road.matrix(POINTS[[8]], POINTS[[7]])
    assert 2.8 * 3600 < seconds[0, 0] < 3.6 * 3600
    assert 285_000 < metres[0, 0] < 330_000


def test_rush_hour_slows_trips_in_a_city_but_not_on_sunday(road):
    """Monday 08:00 is slower than free flow within Warsaw; Sunday 08:00 equals free flow."""
    a = np.array([[52.2297, 21.0118]])  # Warsaw centre
    b = np.array([[52.1500, 20.9700]])  # south-western Warsaw
    free, _ = road.matrix(a, b)
    monday, _ = road.matrix(a, b, depart_hour_of_week=8.0)
    sunday, _ = road.matrix(a, b, depart_hour_of_week=6 * 24 + 8.0)
    assert monday[0, 0] > free[0, 0]
    assert sunday[0, 0] == free[0, 0]


def test_matrix_shapes_dtypes_and_empty_inputs(road):
    """(n, m) int64 arrays; zero rows or columns give empty matrices."""
    seconds, metres = road.matrix(POINTS[:3], POINTS[:5])
    assert seconds.shape == metres.shape == (3, 5)
    assert seconds.dtype == metres.dtype == np.int64
    empty_s, empty_m = road.matrix(POINTS[:0], POINTS[:5])
    assert empty_s.shape == empty_m.shape == (0, 5)


@pytest.mark.parametrize(
    ("points", "match"),
    [
        (np.zeros((3,)), r"origins must be shaped \(n, 2\)"),  # a flat vector
        (np.array([[np.nan, 20.0]]), "origins must be finite"),  # missing coordinate
        (np.array([[95.0, 20.0]]), "latitude beyond 90"),  # not a latitude
    ],
)
def test_malformed_points_are_refused_naming_the_argument(road, points, match):
    """Bad shapes and values raise ValueError naming ``origins``."""
    with pytest.raises(ValueError, match=match):
        road.matrix(points, POINTS[:1])


def _line_network(length_m: float) -> dict[str, object]:
    """Three towns 0.1° of longitude apart on one motorway: A - B - C."""
    return {
        "format": "dispatch-pl-roads/1",
        "source": "test",
        "nodes": {
            "name": ["A", "B", "C"],
            "lat": [52.0, 52.0, 52.0],
            "lon": [19.0, 19.1, 19.2],
            "population": [0, 0, 0],
        },
        "edges": {
            "u": [0, 1],
            "v": [1, 2],
            "road_class": ["motorway", "motorway"],
            "ref": ["A9", "A9"],
            "length_m": [length_m, length_m],
            "oneway": [False, False],
        },
    }


def test_node_to_node_time_is_length_over_class_speed(tmp_path):
    """From node A to node C: 2 x 10 km at 100 km/h = 720 s, 20 km (no access leg at a node)."""
    path = tmp_path / "line.json"
    path.write_text(json.dumps(_line_network(10_000.0)))
    speeds = RoadSpeeds(motorway_kmh=100.0, access_kmh=10.0)
    road = RoadTravel.from_file(path, speeds=speeds, cache_dir=tmp_path)
    seconds, metres = road.matrix(np.array([[52.0, 19.0]]), np.array([[52.0, 19.2]]))
    assert seconds[0, 0] == 720
    assert metres[0, 0] == 20_000


def test_changing_the_network_file_invalidates_the_cached_tables(tmp_path):
    """Same cache dir, edited file: the new lengths are used, not the cached tables."""
    path = tmp_path / "line.json"
    ends = (np.array([[52.0, 19.0]]), np.array([[52.0, 19.2]]))
    speeds = RoadSpeeds(motorway_kmh=100.0, access_kmh=10.0)
    path.write_text(json.dumps(_line_network(10_000.0)))
    first, _ = RoadTravel.from_file(path, speeds=speeds, cache_dir=tmp_path).matrix(*ends)
    path.write_text(json.dumps(_line_network(20_000.0)))
    second, _ = RoadTravel.from_file(path, speeds=speeds, cache_dir=tmp_path).matrix(*ends)
    assert (first[0, 0], second[0, 0]) == (720, 1440)
    assert len(list(tmp_path.glob("roads-*.npz"))) == 2


def test_one_way_edges_are_driven_one_way_only(tmp_path):
    """A-B two-way, B->C and C->A one-way (C->A 40 km): A->C takes 720 s, C->A 1,440 s."""
    doc = _line_network(10_000.0)
    doc["edges"] = {
        "u": [0, 1, 2],
        "v": [1, 2, 0],
        "road_class": ["motorway"] * 3,
        "ref": ["A9"] * 3,
        "length_m": [10_000.0, 10_000.0, 40_000.0],
        "oneway": [False, True, True],
    }
    path = tmp_path / "oneway.json"
    path.write_text(json.dumps(doc))
    speeds = RoadSpeeds(motorway_kmh=100.0, access_kmh=10.0)
    road = RoadTravel.from_file(path, speeds=speeds, cache_dir=tmp_path)
    a, c = np.array([[52.0, 19.0]]), np.array([[52.0, 19.2]])
    there, _ = road.matrix(a, c)
    back, _ = road.matrix(c, a)
    assert (there[0, 0], back[0, 0]) == (720, 1440)


def test_network_file_round_trips(tmp_path):
    """save() then load() gives the same columns."""
    net = RoadNetwork.from_json(_line_network(5_000.0))
    path = Path(tmp_path) / "copy.json"
    net.save(path)
    again = RoadNetwork.load(path)
    assert again.node_name == net.node_name
    assert np.array_equal(again.edge_length_m, net.edge_length_m)
    assert np.array_equal(again.edge_class, net.edge_class)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"format": "other/1"}, "not a dispatch-pl-roads/1"),  # wrong format tag
        ({"edges": {**_line_network(1.0)["edges"], "u": [0, 7]}}, "node indices"),  # dangling
        ({"edges": {**_line_network(1.0)["edges"], "length_m": [1.0, 0.0]}}, "must be > 0"),
    ],
)
def test_inconsistent_network_documents_are_refused(change, match):
    """Format tag, endpoints and lengths are checked on load."""
    with pytest.raises(ValueError, match=match):
        RoadNetwork.from_json({**_line_network(1.0), **change})


def test_on_demand_search_matches_all_pairs_tables(road, monkeypatch, tmp_path):
    """Large (imported) networks are searched on demand; the answers equal the cached tables."""
    import solver.travel.tables as tables

    monkeypatch.setattr(tables, "ALL_PAIRS_MAX_NODES", 10)
    big = RoadTravel(road.network, "on-demand", road.speeds, cache_dir=tmp_path)
    assert not list(tmp_path.glob("*.npz"))  # no all-pairs tables were written
    seconds, metres = big.matrix(POINTS, POINTS[:7])
    expected_s, expected_m = road.matrix(POINTS, POINTS[:7])
    assert np.array_equal(seconds, expected_s)
    assert np.allclose(metres, expected_m, atol=2)
