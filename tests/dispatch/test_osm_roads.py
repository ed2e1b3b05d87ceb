"""The OpenStreetMap importer, on a tiny .osm file the test writes itself."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dispatch.cli import main
from dispatch.errors import InvalidInput
from dispatch.osm_roads import import_osm
from solver.travel.geo import haversine_m
from solver.travel.network import ROAD_CLASSES, RoadNetwork
from solver.travel.road import RoadTravel

# A motorway 1-2-3 (ref A1), a trunk S-road 3-4 (ref S8), a primary road 2-5-6 joining the
# motorway at node 2, a one-way-reversed primary 6->7 (drawn 7->6 with oneway=-1), a footway 1-6
# that must be ignored, and a motorway ramp 3-8.
OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="dispatch-pl test">
  <node id="1" lat="52.00" lon="19.00"/>
  <node id="2" lat="52.00" lon="19.10"/>
  <node id="3" lat="52.00" lon="19.20"/>
  <node id="4" lat="52.10" lon="19.30"/>
  <node id="5" lat="52.05" lon="19.10"/>
  <node id="6" lat="52.10" lon="19.10"/>
  <node id="7" lat="52.15" lon="19.10"/>
  <node id="8" lat="51.99" lon="19.21"/>
  <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="motorway"/><tag k="ref" v="A1"/><tag k="oneway" v="no"/></way>
  <way id="101"><nd ref="3"/><nd ref="4"/><tag k="highway" v="trunk"/><tag k="ref" v="S8"/></way>
  <way id="102"><nd ref="2"/><nd ref="5"/><nd ref="6"/><tag k="highway" v="primary"/></way>
  <way id="103"><nd ref="7"/><nd ref="6"/>
    <tag k="highway" v="primary"/><tag k="oneway" v="-1"/></way>
  <way id="104"><nd ref="1"/><nd ref="6"/><tag k="highway" v="footway"/></way>
  <way id="105"><nd ref="3"/><nd ref="8"/><tag k="highway" v="motorway_link"/></way>
</osm>
"""


@pytest.fixture
def osm_file(tmp_path: Path) -> Path:
    """The tiny extract above, written as OSM XML."""
    path = tmp_path / "tiny.osm"
    path.write_text(OSM, encoding="utf-8")
    return path


def _edges(net: RoadNetwork) -> dict[tuple[str, str], tuple[str, str, bool, float]]:
    return {
        (net.node_name[u], net.node_name[v]): (ROAD_CLASSES[c], ref, bool(one), length)
        for u, v, c, ref, one, length in zip(
            net.edge_u,
            net.edge_v,
            net.edge_class,
            net.edge_ref,
            net.edge_oneway,
            net.edge_length_m,
            strict=True,
        )
    }


def test_ways_are_split_at_junctions_and_classified(osm_file):
    """Six edges: the motorway splits at node 2 where the primary joins; the footway is gone."""
    edges = _edges(import_osm(osm_file))
    assert set(edges) == {
        ("osm:1", "osm:2"),
        ("osm:2", "osm:3"),
        ("osm:3", "osm:4"),
        ("osm:2", "osm:6"),
        ("osm:6", "osm:7"),
        ("osm:3", "osm:8"),
    }
    assert edges[("osm:1", "osm:2")][:3] == ("motorway", "A1", False)
    assert edges[("osm:3", "osm:4")][:3] == ("expressway", "S8", False)
    assert edges[("osm:2", "osm:6")][:3] == ("national", "", False)
    assert edges[("osm:6", "osm:7")][:3] == ("national", "", True)  # reversed by oneway=-1
    assert edges[("osm:3", "osm:8")][:3] == ("link", "", True)  # ramps are one-way


def test_edge_length_is_the_sum_of_segment_great_circles(osm_file):
    """2 -> 5 -> 6 is two 0.05° steps of latitude: about 11.1 km."""
    length = _edges(import_osm(osm_file))[("osm:2", "osm:6")][3]
    expected = float(
        haversine_m(np.array([52.0, 52.05]), np.array([19.1, 19.1]), np.array([52.05, 52.1]),
                    np.array([19.1, 19.1])).sum()
    )  # fmt: skip
    assert length == pytest.approx(expected, rel=1e-6)


def test_cli_writes_a_network_that_road_travel_can_use(osm_file, tmp_path, capsys):
    """``dispatch roads import`` writes the file; RoadTravel prices a trip on it."""
    out = tmp_path / "net.json"
    assert main(["roads", "import", str(osm_file), "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["out"] == str(out) and summary["edges"] == 6
    road = RoadTravel.from_file(out, cache_dir=tmp_path)
    seconds, metres = road.matrix(np.array([[52.0, 19.0]]), np.array([[52.1, 19.3]]))
    assert 10_000 < metres[0, 0] < 40_000 and 0 < seconds[0, 0] < 3600


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, "no such file"),  # nothing written
        ("<osm version='0.6'></osm>", "has no motorway, trunk or primary road"),  # empty extract
        ("this is not xml", "cannot read"),  # garbage
    ],
)
def test_bad_files_are_refused_naming_the_argument(tmp_path, content, match):
    """Missing, empty or unreadable files raise InvalidInput on FILE."""
    path = tmp_path / "bad.osm"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InvalidInput, match=match) as info:
        import_osm(path)
    assert info.value.field == "FILE"
