"""A prospective customer's sites for a quote: read from a CSV (the CLI) or JSON rows (the API).

Columns follow the installed-base CSV of ``dispatch place-depots --installed-base``: one row per
site and device model, or per device (``devices`` defaults to 1, rows of one site are summed).

- ``site_id`` (optional): rows with one id are one site; without it, rows with the same address
  or coordinates are;
- ``address`` or ``lat`` and ``lon``: where the site is (an address the gazetteer resolves:
  ``"38-700 Ustrzyki Dolne"``, a town, a postal code);
- ``sku``: the device model, one of the world's SKU catalogue;
- ``devices``: how many (>= 1, default 1);
- ``service`` (optional): ``SOS`` (an engineer installs the part, the default) or ``AHB`` (the
  part is delivered).

Every problem is an ``InvalidInput`` naming the row and field (``sites.csv:4.sku``; for JSON
rows ``sites[3].sku``), so the CLI prints one line and the API answers 422 naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from dispatch.errors import InvalidInput
from dispatch.inputs import CsvRow, parse, read_csv, require_file
from dispatch.places import resolve
from dispatch.world import Service

POLAND_BOX = (48.5, 55.5, 13.5, 24.5)  # lat min, lat max, lon min, lon max (generous)
MAX_SITES = 2000


class SiteRow(CsvRow):
    """One row of a sites file (see the module docstring)."""

    site_id: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    sku: str
    devices: int = Field(default=1, ge=1, le=100_000)
    service: Literal["SOS", "AHB"] = "SOS"


@dataclass(frozen=True, slots=True)
class QuoteSite:
    """A site of the quote: where it is, its service and its devices by model."""

    id: str
    location: str  # text the engine's gazetteer resolves (the address, or "lat,lon")
    lat: float
    lon: float
    voivodeship: str
    service: Service
    devices: Mapping[str, int]  # SKU -> count

    @property
    def device_count(self) -> int:
        """All devices of the site."""
        return sum(self.devices.values())


Where = Callable[[int, str], str]  # (row index, column) -> the field to name


def read_sites_csv(
    path: Path, skus: Collection[str], taken_ids: Collection[str] = ()
) -> tuple[QuoteSite, ...]:
    """The sites of a CSV file (header line, columns of the module docstring).

    Raises
    ------
    InvalidInput
        Naming ``FILE:LINE.column`` for a bad value, an unknown SKU or an unknown address.
    """
    require_file(path, "sites")
    rows = read_csv(SiteRow, path, required=("sku",), field="sites")
    return sites_from_rows(rows, skus, lambda i, col: f"{path.name}:{i + 2}.{col}", taken_ids)


def parse_site_rows(rows: Sequence[object]) -> list[SiteRow]:
    """JSON rows (the API's body) as :class:`SiteRow`, each problem named ``sites[i].field``.

    Raises
    ------
    InvalidInput
        Naming ``sites[i].field``.
    """
    return [parse(SiteRow, row, prefix=f"sites[{i}]") for i, row in enumerate(rows)]


def sites_from_rows(
    rows: Sequence[SiteRow], skus: Collection[str], where: Where, taken_ids: Collection[str] = ()
) -> tuple[QuoteSite, ...]:
    """Rows grouped into sites: places resolved, SKUs checked, rows of one site summed.

    Raises
    ------
    InvalidInput
        Naming the row's field (through ``where``) for an unknown SKU or address, a point outside
        Poland, a site without a place, an id of the existing installed base, or rows of one site
        that disagree on its place or service.
    """
    if not rows:
        raise InvalidInput("sites", "no sites given")
    if len(rows) > MAX_SITES * 50:
        raise InvalidInput("sites", f"at most {MAX_SITES * 50} rows")
    found: dict[str, tuple[str, float, float, str, Service]] = {}
    counts: dict[str, dict[str, int]] = {}
    for i, row in enumerate(rows):
        if row.sku not in skus:
            raise InvalidInput(where(i, "sku"), f"unknown device model {row.sku!r}")
        location, lat, lon, region = _place(row, i, where)
        key = row.site_id or location
        if key in taken_ids:
            raise InvalidInput(where(i, "site_id"), f"{key!r} is a site of the installed base")
        service = Service(row.service)
        seen = found.setdefault(key, (location, lat, lon, region, service))
        if (seen[1], seen[2]) != (lat, lon):
            raise InvalidInput(where(i, "address"), f"site {key!r} given two places")
        if seen[4] is not service:
            raise InvalidInput(where(i, "service"), f"site {key!r} given two services")
        mix = counts.setdefault(key, {})
        mix[row.sku] = mix.get(row.sku, 0) + row.devices
    if len(found) > MAX_SITES:
        raise InvalidInput("sites", f"at most {MAX_SITES} sites, got {len(found)}")
    return tuple(
        QuoteSite(key, loc, lat, lon, region, service, counts[key])
        for key, (loc, lat, lon, region, service) in found.items()
    )


def _place(row: SiteRow, i: int, where: Where) -> tuple[str, float, float, str]:
    """The row's location text, coordinates and voivodeship."""
    if row.address:
        field = where(i, "address")
        text = row.address
    elif row.lat is not None and row.lon is not None:
        field = where(i, "lat")
        lat_min, lat_max, lon_min, lon_max = POLAND_BOX
        if not (lat_min <= row.lat <= lat_max and lon_min <= row.lon <= lon_max):
            raise InvalidInput(field, f"({row.lat}, {row.lon}) is not in Poland")
        text = f"{row.lat:.5f},{row.lon:.5f}"
    else:
        raise InvalidInput(where(i, "address"), "give an address, or lat and lon")
    place = resolve(text, field=field)
    return text, place.lat, place.lon, place.voivodeship
