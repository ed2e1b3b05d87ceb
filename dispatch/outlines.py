"""Voivodeship outlines for maps (GeoJSON, WGS84), from the embedded PRG-derived boundaries."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

from dispatch.places import DATA_DIR

OUTLINES = DATA_DIR / "boundaries" / "wojewodztwa-min.geojson"


@cache
def voivodeship_outlines() -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the 16 voivodeships; each feature's ``properties.nazwa``
    is the Polish name as used in ``Place.voivodeship`` (``"małopolskie"``).

    The polygons are simplified (about 8,000 vertices in all): right for a map of Poland, not for
    deciding which side of a boundary a point lies on. Source and licence: ``data/geo/README.md``.
    """
    doc: dict[str, Any] = json.loads(OUTLINES.read_text(encoding="utf-8"))
    return doc


def outline_rings() -> Iterator[Sequence[Sequence[float]]]:
    """Every ring of every voivodeship's polygons, as ``[lon, lat]`` pairs: what a map draws."""
    for feature in voivodeship_outlines()["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        for polygon in [polygons] if geometry["type"] == "Polygon" else polygons:
            yield from polygon
