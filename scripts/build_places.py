"""Build the gazetteer tables ``data/geo/places.csv`` and ``data/geo/postcodes.csv``.

Reproducible from the raw files in ``data/geo`` (see ``data/geo/README.md``)::

    .venv/bin/python scripts/build_places.py

places.csv
    One row per locality: every GeoNames postal locality (name + gmina), merged with the GeoNames
    ``cities500`` entry of the same name and gmina (which brings population and the town-centre
    point); ``cities500`` entries without a postal match (city districts, a few towns) are added.
    ``postal_code`` is the locality's code nearest to its point.
postcodes.csv
    One row per (postal code, locality) from GeoNames, plus a row with an empty name carrying the
    code's own point (countries-states-cities per-code point where it exists, else the first
    GeoNames locality of the code).
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

GEO = Path(__file__).resolve().parent.parent / "data" / "geo"


def _voivodeships() -> tuple[dict[str, str], dict[str, str]]:
    """Polish voivodeship name by TERYT code and by GeoNames admin1 code."""
    with (GEO / "admin" / "voivodeships.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return (
        {row["teryt_woj"]: row["nazwa"] for row in rows},
        {row["geonames_admin1"]: row["nazwa"] for row in rows},
    )


def _sq_dist(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dx = (lon2 - lon1) * math.cos(math.radians(52.0))
    return (lat2 - lat1) ** 2 + dx**2


def main() -> None:
    """Read the raw files and write the two tables."""
    woj, woj_gn = _voivodeships()
    with (GEO / "postal" / "zipcodes.pl.csv").open(encoding="utf-8") as fh:
        zip_rows = list(csv.DictReader(fh))
    codes_json = json.loads(
        (GEO / "postal" / "postcodes.countrystatecity.PL.json").read_text(encoding="utf-8")
    )

    # Postal localities grouped by (name, gmina): the point is the median of the rows' points.
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in zip_rows:
        groups[(row["place"], row["community_code"])].append(row)

    places: dict[tuple[str, str], dict[str, Any]] = {}
    for (name, gmina), rows in groups.items():
        lats = sorted(float(r["latitude"]) for r in rows)
        lons = sorted(float(r["longitude"]) for r in rows)
        places[(name, gmina)] = {
            "name": name,
            "lat": lats[len(lats) // 2],
            "lon": lons[len(lons) // 2],
            "voivodeship": woj_gn[rows[0]["state_code"]],
            "population": "",
            "gmina6": gmina,
            "kind": "locality",
            "rows": rows,
        }

    with (GEO / "localities" / "pl_cities500_geonames.csv").open(encoding="utf-8") as fh:
        for city in csv.DictReader(fh):
            key = (city["postal_locality_name"], city["teryt_gmina6"])
            is_district = city["city_district_guess"] == "1"
            entry = places.get(key) if not is_district else None
            if entry is None:
                entry = {
                    "name": city["name_pl"],
                    "gmina6": city["teryt_gmina6"],
                    "rows": groups.get((city["postal_locality_name"], city["teryt_gmina6"]), []),
                }
                places[(city["name_pl"], city["geonameid"])] = entry
            entry.update(
                name=city["name_pl"],
                lat=float(city["latitude"]),
                lon=float(city["longitude"]),
                voivodeship=city["voivodeship"],
                population=city["population"],
                kind="district" if is_district else "town",
            )

    # Districts without postal rows borrow the nearest code of their city's gmina.
    by_gmina: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in zip_rows:
        by_gmina[row["community_code"]].append(row)

    out_rows = []
    for entry in places.values():
        lat, lon = float(entry["lat"]), float(entry["lon"])
        rows = entry["rows"] or by_gmina.get(str(entry["gmina6"]), [])
        code = ""
        if rows:
            best = min(
                rows,
                key=lambda r: (
                    _sq_dist(lat, lon, float(r["latitude"]), float(r["longitude"])),
                    r["zipcode"],
                ),
            )
            code = best["zipcode"]
        out_rows.append(
            [
                entry["name"],
                f"{lat:.5f}",
                f"{lon:.5f}",
                entry["voivodeship"],
                code,
                entry["population"],
                entry["gmina6"],
                entry["kind"],
            ]
        )
    out_rows.sort(key=lambda r: (-int(r[5] or 0), r[0], r[4]))
    with (GEO / "places.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["name", "lat", "lon", "voivodeship", "postal_code", "population", "gmina6", "kind"]
        )
        writer.writerows(out_rows)

    code_point: dict[str, tuple[float, float, str]] = {
        c["code"]: (float(c["latitude"]), float(c["longitude"]), woj[c["stateCode"]])
        for c in codes_json
        if c["stateCode"] in woj
    }
    code_rows = []
    seen: set[str] = set()
    for row in sorted(zip_rows, key=lambda r: (r["zipcode"], r["place"])):
        code = row["zipcode"]
        if code not in seen:
            seen.add(code)
            lat, lon, v = code_point.get(
                code,
                (float(row["latitude"]), float(row["longitude"]), woj_gn[row["state_code"]]),
            )
            code_rows.append([code, "", f"{lat:.5f}", f"{lon:.5f}", v])
        code_rows.append(
            [
                code,
                row["place"],
                row["latitude"],
                row["longitude"],
                woj_gn[row["state_code"]],
            ]
        )
    for code, (lat, lon, v) in sorted(code_point.items()):
        if code not in seen:
            code_rows.append([code, "", f"{lat:.5f}", f"{lon:.5f}", v])
    code_rows.sort(key=lambda r: (r[0], r[1]))
    with (GEO / "postcodes.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "name", "lat", "lon", "voivodeship"])
        writer.writerows(code_rows)


if __name__ == "__main__":
    main()
