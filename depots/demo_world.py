"""The demo world of Poland: depots, engineers, a SKU catalogue, customer sites and devices.

``generate(seed)`` builds the whole world from one ``numpy.random.Generator`` and the embedded
gazetteer (``data/geo/places.csv`` and ``postcodes.csv``); ``write`` stores it as CSV in
``data/demo/`` and ``load`` reads it back. The committed copy is made by
``scripts/build_demo_world.py`` (seed 2026).

Sizes (``SIZES``): a central warehouse in Kraków and 10 regional depots, 45 engineers, 27 real
Extreme Networks models, 1,200 customer sites in towns drawn with probability proportional to
population (in a city, at one of its postal codes near the centre, so a city's sites and its
depot are not one point), exactly 6,000 devices. Every site has one contract (tier x AHB/SOS);
the tier mix depends on the customer's sector (hospitals buy 24x7x4, schools 8x5xNBD;
``TIER_MIX``).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from dispatch.errors import InvalidInput
from dispatch.inputs import read_csv
from dispatch.places import resolve

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
PLACES_CSV = Path(__file__).resolve().parent.parent / "data" / "geo" / "places.csv"
DEFAULT_SEED = 2026
KM_PER_DEG_LAT = 111.2
KM_PER_DEG_LON = 111.2 * math.cos(math.radians(52.0))  # at Poland's mid latitude
ADDRESS_SPREAD = 150.0  # a city's sites lie within sqrt(population) / this many km
SIZES = {"depots": 11, "engineers": 45, "skus": 27, "sites": 1200, "devices": 6000}


@dataclass(frozen=True, slots=True)
class SkuRow:
    """A device model: family (the skill it needs), on-site minutes, substitutes, failure rate."""

    sku: str
    family: str
    onsite_minutes: int
    substitutes: str  # ";"-separated SKUs
    afr_permille: int  # annualised failure rate, per mille of installed units
    share: int  # relative weight in the installed base

    def __post_init__(self) -> None:
        if self.onsite_minutes <= 0:
            raise ValueError(f"sku {self.sku}: onsite_minutes must be > 0")
        if self.afr_permille <= 0 or self.share <= 0:
            raise ValueError(f"sku {self.sku}: afr_permille and share must be > 0")


# Real Extreme Networks models; minutes, substitutes (same-or-newer models that can stand in),
# failure rates and installed-base shares are plausible demo figures, not vendor data.
CATALOGUE = (
    SkuRow("X435-24P-4S", "switch", 60, "5320-24P-8XE", 12, 30),
    SkuRow("X440-G2-24p-10GE4", "switch", 60, "5320-24P-8XE", 15, 60),
    SkuRow("X440-G2-48p-10GE4", "switch", 75, "5320-48P-8XE", 15, 60),
    SkuRow("X465-24W", "switch", 90, "X465-48P", 10, 25),
    SkuRow("X465-48P", "switch", 90, "", 10, 25),
    SkuRow("X590-24x-1q-2c", "switch", 120, "", 8, 8),
    SkuRow("X695-48Y-8C", "switch", 150, "", 8, 5),
    SkuRow("X620-16x", "switch", 90, "", 9, 6),
    SkuRow("5320-24P-8XE", "switch", 60, "", 10, 45),
    SkuRow("5320-48P-8XE", "switch", 75, "", 10, 45),
    SkuRow("5420F-24P-4XE", "switch", 75, "5420M-48W-4YE", 10, 30),
    SkuRow("5420M-48W-4YE", "switch", 90, "", 10, 25),
    SkuRow("5520-24T", "switch", 90, "5520-48SE", 9, 15),
    SkuRow("5520-48SE", "switch", 90, "", 9, 15),
    SkuRow("5720-24MW", "switch", 120, "5720-48MXW", 8, 8),
    SkuRow("5720-48MXW", "switch", 120, "", 8, 8),
    SkuRow("AP3000", "wireless", 30, "AP4000", 20, 120),
    SkuRow("AP4000", "wireless", 30, "", 18, 110),
    SkuRow("AP5010", "wireless", 40, "", 18, 40),
    SkuRow("AP305C", "wireless", 30, "AP410C", 25, 90),
    SkuRow("AP410C", "wireless", 30, "", 22, 70),
    SkuRow("E3000", "controller", 120, "", 10, 4),
    SkuRow("NX9610", "controller", 150, "", 10, 3),
    SkuRow("VSP4900-48P", "fabric", 120, "", 9, 12),
    SkuRow("VSP7400-48Y-8C", "fabric", 180, "", 8, 5),
    SkuRow("ERS4950GTS-PWR+", "fabric", 90, "VSP4900-48P", 12, 15),
    SkuRow("ERS5928GTS-PWR+", "fabric", 90, "VSP4900-48P", 12, 10),
)
FAMILIES = ("switch", "wireless", "controller", "fabric")
# Share of engineers certified per family (every engineer has at least one skill).
SKILL_SHARE = {"switch": 0.85, "wireless": 0.65, "controller": 0.25, "fabric": 0.35}

# (id, city, pick minutes, courier cutoff, dedicated drivers); KRK is the central warehouse.
DEPOT_SITES = (
    ("KRK", "Kraków", 30, "17:00", 3),
    ("WAW", "Warszawa", 20, "16:00", 2),
    ("GDN", "Gdańsk", 20, "16:00", 1),
    ("POZ", "Poznań", 20, "16:00", 1),
    ("WRO", "Wrocław", 20, "16:00", 1),
    ("LOD", "Łódź", 20, "16:00", 1),
    ("KTW", "Katowice", 20, "16:00", 2),
    ("LUB", "Lublin", 20, "16:00", 1),
    ("SZZ", "Szczecin", 20, "16:00", 1),
    ("BIA", "Białystok", 20, "16:00", 1),
    ("RZE", "Rzeszów", 20, "16:00", 1),
)
# Engineer bases: regional cities and smaller towns in between, so the whole country is covered.
ENGINEER_BASES = (
    "Warszawa", "Warszawa", "Warszawa", "Warszawa", "Kraków", "Kraków", "Kraków", "Wrocław",
    "Wrocław", "Poznań", "Poznań", "Gdańsk", "Gdynia", "Łódź", "Łódź", "Katowice", "Katowice",
    "Gliwice", "Lublin", "Szczecin", "Szczecin", "Białystok", "Rzeszów", "Bydgoszcz", "Toruń",
    "Olsztyn", "Kielce", "Opole", "Zielona Góra", "Gorzów Wielkopolski", "Koszalin", "Słupsk",
    "Radom", "Częstochowa", "Tarnów", "Nowy Sącz", "Zamość", "Siedlce", "Płock", "Kalisz",
    "Legnica", "Elbląg", "Suwałki", "Bielsko-Biała", "Piła",
)  # fmt: skip
SHIFTS = (("08:00", "16:00"), ("08:00", "17:00"), ("07:00", "15:00"), ("09:00", "17:00"),
          ("10:00", "18:00"))  # fmt: skip
ON_CALL_SHARE = 0.25
VAN_STOCK_SHARE = 0.3  # engineers carrying one common spare in the van
FIRST_NAMES = ("Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka",
               "Michał", "Joanna", "Krzysztof", "Marta", "Łukasz", "Ewa", "Jakub", "Monika",
               "Marcin", "Aleksandra", "Grzegorz", "Zofia", "Wojciech")  # fmt: skip
LAST_NAMES = ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński",
              "Lewandowski", "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski",
              "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski",
              "Nowakowski", "Pawłowski")  # fmt: skip

TIERS = ("8x5xNBD", "24x7xNBD", "8x5x8", "24x7x8", "24x7x4")
# Customer sectors: (name, share of sites, tier weights in TIERS order, SOS share, mean devices).
TIER_MIX = (
    ("Szpital", 0.08, (0.05, 0.10, 0.05, 0.25, 0.55), 0.8, 8.0),
    ("Bank", 0.12, (0.30, 0.15, 0.20, 0.15, 0.20), 0.5, 4.0),
    ("Urząd", 0.15, (0.60, 0.05, 0.25, 0.05, 0.05), 0.4, 5.0),
    ("Szkoła", 0.20, (0.85, 0.00, 0.15, 0.00, 0.00), 0.2, 3.5),
    ("Sklep", 0.20, (0.55, 0.25, 0.10, 0.05, 0.05), 0.3, 3.0),
    ("Zakład", 0.12, (0.35, 0.15, 0.15, 0.20, 0.15), 0.6, 6.0),
    ("Uczelnia", 0.05, (0.40, 0.10, 0.30, 0.10, 0.10), 0.5, 12.0),
    ("Centrum logistyczne", 0.08, (0.20, 0.20, 0.10, 0.25, 0.25), 0.6, 7.0),
)


@dataclass(frozen=True, slots=True)
class DepotRow:
    """A depot: where it is, how fast it packs, its courier cutoff and dedicated drivers."""

    id: str
    location: str
    pick_minutes: int
    courier_cutoff: str
    drivers: int


@dataclass(frozen=True, slots=True)
class StockRow:
    """Units of one SKU held at one depot."""

    depot: str
    sku: str
    units: int

    def __post_init__(self) -> None:
        if self.units < 0:
            raise ValueError(f"stock {self.depot}/{self.sku}: units must be >= 0")


@dataclass(frozen=True, slots=True)
class EngineerRow:
    """A field engineer: base, skills, daily shift, on-call flag, rate and van stock."""

    id: str
    name: str
    home: str
    skills: str  # ";"-separated families
    shift_start: str
    shift_end: str
    on_call: bool
    cost_per_hour: int
    van_stock: str  # ";"-separated SKUs, one unit each


@dataclass(frozen=True, slots=True)
class SiteRow:
    """A customer site in a town, with the contract that covers its devices."""

    id: str
    customer: str
    sector: str
    town: str
    location: str  # "NN-NNN Town": what the engine's gazetteer resolves
    lat: float
    lon: float
    contract: str
    tier: str
    service: str


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """An installed device under its site's contract."""

    serial: str
    site: str
    sku: str


@dataclass(frozen=True, slots=True)
class DemoWorld:
    """The whole demo world, as stored in ``data/demo/``."""

    skus: tuple[SkuRow, ...]
    depots: tuple[DepotRow, ...]
    stock: tuple[StockRow, ...]
    engineers: tuple[EngineerRow, ...]
    sites: tuple[SiteRow, ...]
    devices: tuple[DeviceRow, ...]

    def sizes(self) -> dict[str, int]:
        """Counts of depots, engineers, SKUs, sites and devices (compare with ``SIZES``)."""
        return {
            "depots": len(self.depots),
            "engineers": len(self.engineers),
            "skus": len(self.skus),
            "sites": len(self.sites),
            "devices": len(self.devices),
        }


_FILES: dict[str, type[Any]] = {
    "skus": SkuRow,
    "depots": DepotRow,
    "stock": StockRow,
    "engineers": EngineerRow,
    "sites": SiteRow,
    "devices": DeviceRow,
}


def generate(seed: int = DEFAULT_SEED, places_csv: Path = PLACES_CSV) -> DemoWorld:
    """Build the demo world deterministically from ``seed``.

    Raises
    ------
    InvalidInput
        When a fixed depot or engineer base is not a place the gazetteer knows.
    """
    rng = np.random.default_rng(seed)
    depots = tuple(DepotRow(*row) for row in DEPOT_SITES)
    for depot in depots:
        resolve(depot.location, field=f"depots.{depot.id}.location")
    engineers = _engineers(rng)
    sites = _sites(rng, places_csv)
    devices = _devices(rng, sites)
    stock = _stock(rng, depots, devices)
    return DemoWorld(CATALOGUE, depots, stock, engineers, sites, devices)


def _engineers(rng: np.random.Generator) -> tuple[EngineerRow, ...]:
    out = []
    common = [s.sku for s in CATALOGUE if s.share >= 60]
    for i, home in enumerate(ENGINEER_BASES):
        resolve(home, field=f"engineers[{i}].home")
        skills = [f for f in FAMILIES if rng.random() < SKILL_SHARE[f]]
        if not skills:
            skills = ["switch"]
        start, end = SHIFTS[int(rng.integers(len(SHIFTS)))]
        families = {s.sku: s.family for s in CATALOGUE}
        van = [sku for sku in common if families[sku] in skills]
        carries = rng.random() < VAN_STOCK_SHARE and van
        name = _name(
            FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))],
            LAST_NAMES[int(rng.integers(len(LAST_NAMES)))],
        )
        out.append(
            EngineerRow(
                id=f"E{i + 1:02d}",
                name=name,
                home=home,
                skills=";".join(skills),
                shift_start=start,
                shift_end=end,
                on_call=bool(rng.random() < ON_CALL_SHARE),
                cost_per_hour=int(rng.integers(11, 16)) * 10,
                van_stock=str(van[int(rng.integers(len(van)))]) if carries else "",
            )
        )
    return tuple(out)


def _name(first: str, last: str) -> str:
    """Polish surnames in -ski/-cki take -ska/-cka for women (first names ending in -a)."""
    if first.endswith("a") and last.endswith("ki"):
        last = last[:-1] + "a"
    return f"{first} {last}"


def _towns(places_csv: Path) -> list[dict[str, str]]:
    with places_csv.open(encoding="utf-8") as fh:
        return [
            row
            for row in csv.DictReader(fh)
            if row["kind"] == "town" and row["postal_code"] and int(row["population"] or 0) > 0
        ]


class _Addresses:
    """Postal codes of a town near its centre, so sites in a city are spread over its districts."""

    def __init__(self, postcodes_csv: Path) -> None:
        with postcodes_csv.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        self.codes = [r["code"] for r in rows]
        points = np.array([[float(r["lat"]), float(r["lon"])] for r in rows])
        self.tree = cKDTree(points * [1.0, KM_PER_DEG_LON / KM_PER_DEG_LAT])
        self.memo: dict[str, list[tuple[str, float, float]]] = {}

    def options(self, town: Mapping[str, str]) -> list[tuple[str, float, float]]:
        """``("NN-NNN Town", lat, lon)`` that the gazetteer resolves to ``town``, near its centre.

        The town's own code comes first; a city of population P adds the codes within
        ``sqrt(P) / 150`` km (Warsaw ~9 km, a town of 20,000 ~1 km).
        """
        name = town["name"]
        if name in self.memo:
            return self.memo[name]
        radius_km = math.sqrt(int(town["population"])) / ADDRESS_SPREAD
        centre = np.array(
            [float(town["lat"]), float(town["lon"]) * KM_PER_DEG_LON / KM_PER_DEG_LAT]
        )
        near = self.tree.query_ball_point(centre, radius_km / KM_PER_DEG_LAT)
        found = []
        for code in [town["postal_code"], *sorted(self.codes[i] for i in near)]:
            text = f"{code} {name}"
            try:
                place = resolve(text, field="site")
            except InvalidInput:
                continue
            dist_km = math.hypot(
                (place.lat - float(town["lat"])) * KM_PER_DEG_LAT,
                (place.lon - float(town["lon"])) * KM_PER_DEG_LON,
            )
            if place.name == name and dist_km <= max(radius_km, 5.0):
                found.append((text, place.lat, place.lon))
        self.memo[name] = list(dict.fromkeys(found))
        return self.memo[name]


def _sites(rng: np.random.Generator, places_csv: Path) -> tuple[SiteRow, ...]:
    towns = _towns(places_csv)
    addresses = _Addresses(places_csv.parent / "postcodes.csv")
    population = np.array([int(t["population"]) for t in towns], dtype=np.float64)
    sector_share = np.array([s[1] for s in TIER_MIX])
    sites: list[SiteRow] = []
    while len(sites) < SIZES["sites"]:
        town = towns[int(rng.choice(len(towns), p=population / population.sum()))]
        options = addresses.options(town)
        if not options:
            continue
        location, lat, lon = options[int(rng.integers(len(options)))]
        sector = TIER_MIX[int(rng.choice(len(TIER_MIX), p=sector_share / sector_share.sum()))]
        weights = np.array(sector[2])
        tier = TIERS[int(rng.choice(len(TIERS), p=weights / weights.sum()))]
        n = len(sites) + 1
        sites.append(
            SiteRow(
                id=f"S{n:04d}",
                customer=f"{sector[0]} {town['name']} #{n}",
                sector=sector[0],
                town=town["name"],
                location=location,
                lat=lat,
                lon=lon,
                contract=f"C-2026-{n:04d}",
                tier=tier,
                service="SOS" if rng.random() < sector[3] else "AHB",
            )
        )
    return tuple(sites)


def _devices(rng: np.random.Generator, sites: Sequence[SiteRow]) -> tuple[DeviceRow, ...]:
    """Exactly ``SIZES['devices']``: one per site plus the rest spread by sector size."""
    mean = {s[0]: s[4] for s in TIER_MIX}
    size = np.array([mean[site.sector] for site in sites])
    size = size * rng.gamma(2.0, 0.5, len(sites))
    extra = rng.multinomial(SIZES["devices"] - len(sites), size / size.sum())
    share = np.array([s.share for s in CATALOGUE], dtype=np.float64)
    devices: list[DeviceRow] = []
    for site, n in zip(sites, extra + 1, strict=True):
        for k in rng.choice(len(CATALOGUE), size=int(n), p=share / share.sum()):
            sku = CATALOGUE[int(k)].sku
            devices.append(DeviceRow(f"SN{len(devices) + 1:06d}", site.id, sku))
    return tuple(devices)


def _stock(
    rng: np.random.Generator, depots: Sequence[DepotRow], devices: Sequence[DeviceRow]
) -> tuple[StockRow, ...]:
    """Central warehouse: 2% of the installed base plus 2 of every SKU; regions: a few units."""
    installed = {s.sku: 0 for s in CATALOGUE}
    for device in devices:
        installed[device.sku] += 1
    rows = []
    for depot in depots:
        for sku, count in installed.items():
            central = depot.id == "KRK"
            units = 2 + count // 50 if central else int(rng.poisson(count / 400))
            if units:
                rows.append(StockRow(depot.id, sku, units))
    return tuple(rows)


def write(world: DemoWorld, directory: Path = DEMO_DIR) -> list[Path]:
    """Store ``world`` as one CSV per table in ``directory``; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, row_type in _FILES.items():
        path = directory / f"{name}.csv"
        names = [f.name for f in fields(row_type)]
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(names)
            for row in getattr(world, name):
                writer.writerow([_cell(getattr(row, n)) for n in names])
        paths.append(path)
    return paths


def load(directory: Path = DEMO_DIR) -> DemoWorld:
    """Read the world written by ``write``.

    Raises
    ------
    InvalidInput
        When a file is missing or a row does not parse.
    """
    tables: dict[str, tuple[Any, ...]] = {}
    for name, row_type in _FILES.items():
        path = directory / f"{name}.csv"
        if not path.exists():
            raise InvalidInput(str(path), "missing; run scripts/build_demo_world.py")
        columns = [f.name for f in fields(row_type)]
        tables[name] = tuple(read_csv(row_type, path, required=columns, field=name))
    return DemoWorld(**tables)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
