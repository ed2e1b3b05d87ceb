"""The travel-accuracy reference pairs are well-formed, sourced and resolvable.

A reference row that silently fails to parse or resolves to the wrong place would skew the
accuracy benchmark without anyone noticing; these checks keep every row honest.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from dispatch.places import resolve

REFERENCE = Path(__file__).resolve().parents[2] / "bench" / "data" / "travel_reference.csv"
COLUMNS = ["origin", "destination", "km", "minutes", "published", "year", "kind", "source", "quote"]
KINDS = {"planner", "measured", "estimate", "range", "live", "forecast", "segment"}


def _rows() -> list[dict[str, str]]:
    with REFERENCE.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_header_is_the_benchmark_contract() -> None:
    with REFERENCE.open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == COLUMNS


@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r['origin']}->{r['destination']}")
def test_row_is_sourced_and_numeric(row: dict[str, str]) -> None:
    assert row["kind"] in KINDS
    assert row["source"].strip() and row["quote"].strip()
    assert row["km"] or row["minutes"], "a row needs a distance or a time"
    for column in ("km", "minutes"):
        if row[column]:
            assert float(row[column]) > 0
    if row["year"]:
        assert re.fullmatch(r"(19|20)\d\d", row["year"])
        assert row["year"] in row["published"]
    else:
        assert row["published"] == "undated" or "c." in row["published"]


@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r['origin']}->{r['destination']}")
def test_both_ends_resolve_to_distinct_places(row: dict[str, str]) -> None:
    a = resolve(row["origin"], field="origin")
    b = resolve(row["destination"], field="destination")
    assert (a.lat, a.lon) != (b.lat, b.lon)
