"""OSRM over an extract built here (``osrm_trunk``: the authored network + a Kraków street grid).

The generated extract carries the authored roads at the authored speeds and lengths, so OSRM's
times between network nodes must agree with the authored model's; what OSRM adds (turn costs,
speeds rounded to its resolution) keeps them within a few per cent.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from dispatch.osm_export import StreetGrid, write_osm
from dispatch.roads_build import build
from solver.travel.network import RoadNetwork
from solver.travel.osrm import OsrmTravel
from solver.travel.profile import rush_factor
from solver.travel.road import DEFAULT_NETWORK, RoadTravel

GRID = StreetGrid("Kraków")
MONDAY_8 = 8.0  # Monday 08:00, the morning peak


@pytest.fixture(scope="module")
def osrm(osrm_trunk: Path, road: RoadTravel) -> OsrmTravel:
    return OsrmTravel(osrm_trunk, road)


def test_node_to_node_times_agree_with_the_authored_network(
    osrm: OsrmTravel, road: RoadTravel
) -> None:
    """Every pair of the network's nodes more than 10 minutes apart: OSRM's time within 3 %
    of the authored model's fastest path. Its length agrees within 1 % for 98 % of pairs; the
    rest are near-ties, two roads within a few per cent in time (Warszawa -> Wilanów: 29 km by
    the ring road or 13 km across town, 1,442 s vs 1,449 s), where OSRM's turn costs pick the
    other road."""
    net = road.network
    nodes = np.flatnonzero(road.tables.main_component)
    at = np.column_stack([net.node_lat[nodes], net.node_lon[nodes]])
    seconds, metres = osrm.matrix(at, at)
    authored_t, authored_m, _ = road.tables.block(nodes, nodes)
    far = authored_t > 600
    time_ratio = seconds[far] / authored_t[far]
    length_ratio = metres[far] / authored_m[far]
    assert far.sum() > 100_000
    assert 0.999 < np.median(time_ratio) < 1.01
    assert time_ratio.min() > 0.97 and time_ratio.max() < 1.03
    assert np.percentile(length_ratio, 1) > 0.99 and np.percentile(length_ratio, 99) < 1.01


def test_one_point_and_one_pair_are_answered(osrm: OsrmTravel) -> None:
    """OSRM refuses a table of a single coordinate; a lone point still gets its 0 s to itself,
    and one origin to one destination agrees with the square matrix of the two."""
    a, b = (50.06, 19.94), (52.23, 21.01)
    alone, _ = osrm.matrix(np.array([a]), np.array([a]))
    assert alone.tolist() == [[0]]
    pair, _ = osrm.matrix(np.array([a]), np.array([b]))
    square, _ = osrm.matrix(np.array([a, b]), np.array([a, b]))
    assert pair[0, 0] == square[0, 1] > 0


def test_one_way_streets_are_driven_one_way(osrm: OsrmTravel) -> None:
    """The grid's second street runs east only: east along it is direct, west must go round
    by a parallel street (two 400 m links more at 30 km/h, over a minute)."""
    west, east = _junction(1, 0), _junction(1, GRID.size - 1)
    seconds, _ = osrm.matrix(np.array([west, east]), np.array([west, east]))
    eastbound, westbound = seconds[0, 1], seconds[1, 0]
    along = (GRID.size - 1) * GRID.spacing_m / (GRID.kmh / 3.6)
    assert along * 0.95 < eastbound < along * 1.3
    assert westbound - eastbound > 60


def test_a_site_off_the_roads_pays_its_way_to_the_road(tmp_path: Path, road: RoadTravel) -> None:
    """One east-west road 20 km long; a site 5 km north of its middle snaps onto it and pays
    5 km x the access detour at the access speed on top of OSRM's drive."""
    line = _one_road(tmp_path)
    osrm = OsrmTravel(line, road)
    west, middle, east = (
        (52.0, 19.0),
        (52.0, 19.0 + 10_000 / _m_per_deg_lon(52.0)),
        (52.0, 19.0 + 20_000 / _m_per_deg_lon(52.0)),
    )
    site = (middle[0] + 5_000 / 111_195.0, middle[1])
    seconds, metres = osrm.matrix(np.array([middle, site]), np.array([east, west]))
    access_s = 5_000 * road.speeds.access_detour / (road.speeds.access_kmh / 3.6)
    assert seconds[1, 0] - seconds[0, 0] == pytest.approx(access_s, abs=2)
    assert metres[1, 0] - metres[0, 0] == pytest.approx(5_000 * road.speeds.access_detour, abs=5)
    assert seconds[1, 1] - seconds[0, 1] == pytest.approx(access_s, abs=2)


def test_rush_hour_adds_the_authored_models_urban_seconds(
    osrm: OsrmTravel, road: RoadTravel
) -> None:
    rng = np.random.default_rng(7)
    at = np.column_stack([rng.uniform(49.5, 54.3, 40), rng.uniform(14.8, 23.5, 40)])
    free, _ = osrm.matrix(at, at)
    peak, _ = osrm.matrix(at, at, MONDAY_8)
    authored_free, _ = road.matrix(at, at)
    authored_peak, _ = road.matrix(at, at, MONDAY_8)
    assert rush_factor(MONDAY_8) > 1.0
    assert np.abs((peak - free) - (authored_peak - authored_free)).max() <= 1
    assert (peak >= free).all() and (peak > free).any()


def test_a_thousand_points_are_answered(osrm: OsrmTravel) -> None:
    """A 1,000 x 1,000 matrix over Poland: every trip priced, zero only on the diagonal."""
    rng = np.random.default_rng(11)
    at = np.column_stack([rng.uniform(49.3, 54.5, 1_000), rng.uniform(14.5, 23.8, 1_000)])
    seconds, metres = osrm.matrix(at, at)
    assert seconds.shape == metres.shape == (1_000, 1_000)
    off = ~np.eye(1_000, dtype=bool)
    assert (seconds[off] > 0).all() and (metres[off] > 0).all()
    assert (np.diag(seconds) == 0).all()


def test_points_with_no_route_fall_back_to_the_authored_model(
    tmp_path: Path, road: RoadTravel
) -> None:
    """Two roads that never meet: between them OSRM has no route, the authored model answers."""
    line = _one_road(tmp_path, second=True)
    osrm = OsrmTravel(line, road)
    a, b = np.array([[52.0, 19.05]]), np.array([[50.0, 21.05]])
    seconds, metres = osrm.matrix(a, b)
    expected_t, expected_m = road.matrix(a, b)
    assert seconds[0, 0] == expected_t[0, 0] and metres[0, 0] == expected_m[0, 0]


def test_a_shape_follows_the_roads(osrm: OsrmTravel) -> None:
    """Kraków -> Warszawa: the polyline starts and ends at the trip's ends and is longer than
    the straight line (it follows the roads)."""
    krakow, warsaw = (50.0614, 19.9366), (52.2297, 21.0122)
    shape = osrm.shape(krakow, warsaw)
    assert shape is not None
    points = _decode(shape)
    assert len(points) > 5
    assert math.dist(points[0], krakow) < 0.05 and math.dist(points[-1], warsaw) < 0.1
    path = sum(math.dist(p, q) for p, q in itertools.pairwise(points))
    assert path > math.dist(krakow, warsaw)


def test_an_incomplete_dataset_is_refused(tmp_path: Path, road: RoadTravel) -> None:
    with pytest.raises(ValueError, match=r"is not an OSRM dataset.*dispatch roads build"):
        OsrmTravel(tmp_path / "nothing.osrm", road)


def _junction(row: int, col: int) -> tuple[float, float]:
    net = RoadNetwork.load(DEFAULT_NETWORK)
    centre = net.node_name.index(GRID.town)
    lat0, lon0 = float(net.node_lat[centre]), float(net.node_lon[centre])
    half = GRID.size // 2
    return (
        lat0 + (row - half) * GRID.spacing_m / 111_195.0,
        lon0 + (col - half) * GRID.spacing_m / _m_per_deg_lon(lat0),
    )


def _m_per_deg_lon(lat: float) -> float:
    return 111_195.0 * math.cos(math.radians(lat))


def _one_road(folder: Path, *, second: bool = False) -> Path:
    """A 20 km national road at 52° N from 19° E (and, with ``second``, another one far off,
    not connected), as an MLD dataset."""
    names = ("A", "B")
    lat = [52.0, 52.0]
    lon = [19.0, 19.0 + 20_000 / _m_per_deg_lon(52.0)]
    if second:
        names += ("C", "D")
        lat += [50.0, 50.0]
        lon += [21.0, 21.0 + 20_000 / _m_per_deg_lon(50.0)]
    pairs = [(0, 1), (2, 3)] if second else [(0, 1)]
    network = RoadNetwork(
        node_name=names,
        node_lat=np.array(lat),
        node_lon=np.array(lon),
        node_population=np.zeros(len(names), dtype=np.int64),
        edge_u=np.array([u for u, _ in pairs]),
        edge_v=np.array([v for _, v in pairs]),
        edge_class=np.full(len(pairs), 2),
        edge_ref=tuple("" for _ in pairs),
        edge_length_m=np.array([20_000.0] * len(pairs)),
        edge_oneway=np.zeros(len(pairs), dtype=bool),
    )
    extract = write_osm(network, folder / "line.osm.pbf")
    return build(extract, folder / "line", algorithm="mld", threads=1)


def _decode(shape: str) -> list[tuple[float, float]]:
    """Google's encoded polyline (precision 5) as (lat, lon) points."""
    values, current, shift = [], 0, 0
    for char in shape:
        byte = ord(char) - 63
        current |= (byte & 0x1F) << shift
        shift += 5
        if byte < 0x20:
            values.append(~(current >> 1) if current & 1 else current >> 1)
            current, shift = 0, 0
    lat = lon = 0
    points = []
    for k in range(0, len(values), 2):
        lat += values[k]
        lon += values[k + 1]
        points.append((lat / 1e5, lon / 1e5))
    return points
