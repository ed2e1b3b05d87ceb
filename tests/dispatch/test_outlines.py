"""Voivodeship outlines: 16 named polygons that cover the places of their voivodeship."""

from __future__ import annotations

from dispatch.outlines import outline_rings, voivodeship_outlines
from dispatch.places import resolve


def _inside(lon: float, lat: float, ring: list[list[float]]) -> bool:
    """Ray casting: is the point inside the ring?"""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_sixteen_voivodeships_named_as_places_name_them():
    """The names are exactly the voivodeship names places carry."""
    names = {f["properties"]["nazwa"] for f in voivodeship_outlines()["features"]}
    assert len(names) == 16 and "małopolskie" in names and "śląskie" in names


def test_each_capital_lies_inside_its_own_outline():
    """Kraków in małopolskie, Gdańsk in pomorskie, Białystok in podlaskie."""
    features = {f["properties"]["nazwa"]: f["geometry"] for f in voivodeship_outlines()["features"]}
    for city in ("Kraków", "Gdańsk", "Białystok"):
        place = resolve(city)
        geometry = features[place.voivodeship]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        assert any(_inside(place.lon, place.lat, poly[0]) for poly in polygons), city


def test_every_polygon_ring_is_drawn_once_closed_and_in_poland() -> None:
    """The rings every map draws: all of each voivodeship's polygons, each closed, on Poland."""
    expected = 0
    for feature in voivodeship_outlines()["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        multi = polygons if geometry["type"] == "MultiPolygon" else [polygons]
        expected += sum(len(polygon) for polygon in multi)
    rings = list(outline_rings())
    assert len(rings) == expected >= 16
    for ring in rings:
        assert list(ring[0]) == list(ring[-1])
        assert all(14.0 < lon < 24.3 and 48.9 < lat < 55.0 for lon, lat in ring)
