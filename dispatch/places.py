"""Polish places and geocoding: turn what a dispatcher types into a point on the map.

Accepted forms (see ``docs/travel.md``):

- a locality name, with or without Polish letters: ``"Kraków"``, ``"krakow"``, ``"Lodz"``;
- a postal code, alone or inside an address: ``"30-001"``, ``"ul. Wielicka 25, 30-552 Kraków"``
  (the postal code wins over the name);
- a name with its voivodeship: ``"Nowa Wieś, mazowieckie"`` or ``"Nowa Wieś (woj. mazowieckie)"``;
- a town with its district: ``"Kraków-Nowa Huta"`` (the district if known, else the town);
- a postal code typed without its hyphen, alone: ``"30001"``;
- coordinates ``"lat,lon"`` in degrees: ``"50.06,19.94"``.

A name shared by several places resolves only when one of them clearly dominates (a town of at
least 5,000 people with at least 5 times the population of the next); otherwise the input is refused
with the candidates listed, each with its voivodeship and postal code.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property, lru_cache, partial
from pathlib import Path

import numpy as np

from dispatch.errors import InvalidInput
from solver.cache import cached, files_key
from solver.travel.geo import haversine_m

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "geo"

# Bounding box of Poland with a small margin (degrees).
_LAT_RANGE = (48.9, 55.0)
_LON_RANGE = (14.0, 24.2)
# A coordinate farther than this from every known locality is not in Poland (km).
_MAX_COORD_GAP_KM = 30.0
# Dominance rule for shared names, see the module docstring.
_DOMINANT_MIN_POP = 5_000
_DOMINANT_RATIO = 5
_LISTED_CANDIDATES = 8
_DISTRICT_RADIUS_M = 20_000.0  # "Town-District": the district must lie this close to the town
_MEMO_LIMIT = 500_000
_PLACES_HEADER = [
    "name",
    "lat",
    "lon",
    "voivodeship",
    "postal_code",
    "population",
    "gmina6",
    "kind",
]
_POSTCODES_HEADER = ["code", "name", "lat", "lon", "voivodeship"]

_POSTAL_RE = re.compile(r"(?<!\d)(\d{2})-(\d{3})(?!\d)")
_BARE_CODE_RE = re.compile(r"^\d{5}$")  # "30001" typed without the hyphen
_COORD_RE = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_WOJ_PREFIX_RE = re.compile(r"^(?:woj(?:ewodztwo)?\.?\s+)")
_FOLD_VERSION = "2"  # bump when fold() changes: cached name indices are keyed by it
_FOLD_TABLE = str.maketrans({"ł": "l", "Ł": "l", "ı": "i", "-": " ", ".": " ", "'": " ", "’": " "})


@dataclass(frozen=True, slots=True)
class Place:
    """A point in Poland with the names a dispatcher knows it by.

    Parameters
    ----------
    name
        Locality name in Polish (or the coordinates as typed, for a bare point).
    lat, lon
        WGS84 degrees.
    voivodeship
        Polish voivodeship name, lower case (``"małopolskie"``).
    postal_code
        ``NN-NNN`` when known.
    population
        Residents when known (GeoNames), else None.
    district
        A district of another town (GeoNames lists Mokotów, Nowa Huta, Gdańsk's Chełm besides
        their cities): it never makes a town's own name ambiguous.
    """

    name: str
    lat: float
    lon: float
    voivodeship: str
    postal_code: str | None = None
    population: int | None = None
    district: bool = False

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("place.name must not be empty")
        if not -90.0 <= self.lat <= 90.0:
            raise ValueError(f"place.lat must be within [-90, 90], got {self.lat}")
        if not -180.0 <= self.lon <= 180.0:
            raise ValueError(f"place.lon must be within [-180, 180], got {self.lon}")
        if self.postal_code is not None and not _POSTAL_RE.fullmatch(self.postal_code):
            raise ValueError(f"place.postal_code must look like NN-NNN, got {self.postal_code!r}")
        if self.population is not None and self.population < 0:
            raise ValueError(f"place.population must be >= 0, got {self.population}")

    def describe(self) -> str:
        """``Name (voivodeship, postal code)``: how candidates are listed to a user."""
        extra = ", ".join(x for x in (self.voivodeship, self.postal_code) if x)
        return f"{self.name} ({extra})"


@lru_cache(maxsize=1 << 18)
def fold(text: str) -> str:
    """Case-fold, drop diacritics, turn hyphens and dots into spaces, squeeze spaces.

    So ``"Bielsko-Biała"``, ``"bielsko biala"`` and ``"BIELSKO-BIAŁA"`` compare equal.
    """
    while True:
        bare = _fold_once(text)
        if bare == text:
            return " ".join(bare.split())
        text = bare


def _fold_once(text: str) -> str:
    """Case-fold first (a combining mark such as U+0345 folds to a letter), then decompose and
    drop the marks; repeated to a fixed point, so folding is idempotent for all of Unicode."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD_TABLE))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class _PostalEntry:
    """One postal code: its own point and the localities it serves (Places made on demand)."""

    lat: float
    lon: float
    voivodeship: str
    localities: dict[str, tuple[str, float, float]]  # folded name -> (name, lat, lon)

    def point(self, code: str, population: Callable[[str, float, float], int]) -> Place:
        """Where the code is: the point of the one locality it serves (a city code's own point),
        else the code's point, named after its most populous locality (``population(folded
        name, lat, lon)``), or the one nearest the code's point when none has a population."""
        if len(self.localities) == 1:
            name, lat, lon = next(iter(self.localities.values()))
            return Place(name, lat, lon, self.voivodeship, code)
        name = code
        if self.localities:
            name = min(
                self.localities.items(),
                key=lambda kv: (
                    -population(kv[0], kv[1][1], kv[1][2]),
                    (kv[1][1] - self.lat) ** 2 + (kv[1][2] - self.lon) ** 2,
                ),
            )[1][0]
        return Place(name, self.lat, self.lon, self.voivodeship, code)

    def locality(self, code: str, folded_name: str) -> Place | None:
        """The named locality's own point within this code, if the code serves it."""
        found = self.localities.get(folded_name)
        if found is None:
            return None
        return Place(found[0], found[1], found[2], self.voivodeship, code)


# (name, lat, lon, voivodeship, postal code, population, district) of one place
_Row = tuple[str, float, float, str, str | None, int | None, bool]
# code -> (lat, lon, voivodeship, {folded name: (name, lat, lon)})
_Codes = dict[str, tuple[float, float, str, dict[str, tuple[str, float, float]]]]


@dataclass(frozen=True, slots=True)
class _Names:
    """The places by name, in plain Python values that ``marshal`` caches and loads quickly.

    Folding 52,000 names and building their Places costs about a second; a command that asks
    one trip loads these tables from the cache in a few hundredths of a second instead.
    """

    rows: list[_Row]
    by_name: dict[str, list[int]]  # folded name -> row indices, most populous first
    aliases: dict[str, str]  # folded exonym -> folded Polish name

    @classmethod
    def read(cls, places_csv: Path, cities_csv: Path) -> _Names:
        """Parse the places table written by ``scripts/build_places.py``."""
        with places_csv.open(encoding="utf-8") as fh:
            lines = csv.reader(fh)
            if next(lines) != _PLACES_HEADER:
                raise ValueError(f"{places_csv} does not start with {','.join(_PLACES_HEADER)}")
            rows: list[_Row] = [
                (name, float(lat), float(lon), woj, code or None, int(pop) if pop else None,
                 kind == "district")
                for name, lat, lon, woj, code, pop, _gmina, kind in lines
            ]  # fmt: skip
        index: dict[str, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            index[fold(row[0])].append(i)
        for entries in index.values():
            entries.sort(key=lambda i: (-(rows[i][5] or 0), rows[i][3], rows[i][4] or ""))
        return cls(rows, dict(index), _town_aliases(cities_csv))


def _read_codes(postcodes_csv: Path) -> _Codes:
    """Parse the postal-code table written by ``scripts/build_places.py``."""
    codes: _Codes = {}
    with postcodes_csv.open(encoding="utf-8") as fh:
        lines = csv.reader(fh)
        if next(lines) != _POSTCODES_HEADER:
            raise ValueError(f"{postcodes_csv} does not start with {','.join(_POSTCODES_HEADER)}")
        for code, name, lat, lon, woj in lines:
            if not name:
                codes[code] = (float(lat), float(lon), woj, {})
            else:
                codes[code][3].setdefault(fold(name), (name, float(lat), float(lon)))
    return codes


class Gazetteer:
    """Name, postal-code and nearest-place lookups over a table of places.

    Build it once (``Gazetteer.default()`` reads ``data/geo``) and call ``resolve`` many times; the
    result of each distinct text is memoised. Places are built on demand, once each; the
    postal-code table loads at the first postal code.
    """

    def __init__(self, names: _Names, codes: Callable[[], _Codes]) -> None:
        if not names.rows:
            raise ValueError("gazetteer needs at least one place")
        self._rows = names.rows
        self._built: list[Place | None] = [None] * len(names.rows)
        self._by_name = names.by_name
        self._aliases = names.aliases
        self._load_codes = codes
        self._voivodeships = {fold(v): v for v in {row[3] for row in self._rows}}
        self._memo: dict[tuple[str, str], Place] = {}

    @classmethod
    def default(cls) -> Gazetteer:
        """The gazetteer built from the embedded ``data/geo`` tables (loaded once per process)."""
        return _default_gazetteer()

    @classmethod
    def from_files(cls, places_csv: Path, postcodes_csv: Path) -> Gazetteer:
        """The two tables written by ``scripts/build_places.py`` (cached after a first read)."""
        cities = places_csv.parent / "localities" / "pl_cities500_geonames.csv"
        key = files_key((places_csv, cities)) + _FOLD_VERSION
        fields = cached("places", key, lambda: dataclasses.astuple(_Names.read(places_csv, cities)))
        key = files_key((postcodes_csv,)) + _FOLD_VERSION
        codes = partial(cached, "postcodes", key, partial(_read_codes, postcodes_csv))
        return cls(_Names(*fields), codes)

    @property
    def places(self) -> tuple[Place, ...]:
        """Every place, in table order."""
        return tuple(self._place(i) for i in range(len(self._rows)))

    def _place(self, i: int) -> Place:
        found = self._built[i]
        if found is None:
            name, lat, lon, woj, code, pop, district = self._rows[i]
            found = self._built[i] = Place(name, lat, lon, woj, code, pop, district=district)
        return found

    @cached_property
    def _codes(self) -> _Codes:
        return self._load_codes()

    @cached_property
    def _xy(self) -> np.ndarray:
        lat = np.array([row[1] for row in self._rows])
        return _project(lat, np.array([row[2] for row in self._rows]))

    def _entry(self, code: str) -> _PostalEntry | None:
        found = self._codes.get(code)
        return None if found is None else _PostalEntry(*found)

    def candidates(self, name: str, voivodeship: str | None = None) -> tuple[Place, ...]:
        """All places called ``name`` (folded comparison), optionally in one voivodeship."""
        key = fold(name)
        found = self._by_name.get(key) or self._by_name.get(self._aliases.get(key, ""), [])
        places = (self._place(i) for i in found)
        if voivodeship is not None:
            return tuple(p for p in places if p.voivodeship == voivodeship)
        return tuple(places)

    def nearest(self, lat: float, lon: float) -> tuple[Place, float]:
        """The known locality nearest to a point and its distance in km (equirectangular)."""
        gap = ((self._xy - _project(np.array([lat]), np.array([lon]))) ** 2).sum(axis=1)
        idx = int(gap.argmin())
        return self._place(idx), float(np.sqrt(gap[idx]))

    def postal(self, code: str) -> Place | None:
        """The point of a postal code, named after the locality it serves nearest to that point."""
        entry = self._entry(code)
        return None if entry is None else self._code_point(code, entry)

    def _code_point(self, code: str, entry: _PostalEntry) -> Place:
        """The code's place; a code listing no locality is named after the nearest one."""
        place = entry.point(code, self._population_at)
        if place.name == code:
            place = replace(place, name=self.nearest(place.lat, place.lon)[0].name)
        return place

    def _population_at(self, folded_name: str, lat: float, lon: float) -> int:
        """Population of the place of that name at that point (within 0.05°), 0 if unknown."""
        return max(
            (
                row[5] or 0
                for row in (self._rows[i] for i in self._by_name.get(folded_name, ()))
                if abs(row[1] - lat) < 0.05 and abs(row[2] - lon) < 0.05
            ),
            default=0,
        )

    def resolve(self, text: str, *, field: str = "location") -> Place:
        """Resolve typed text to one place; see the module docstring for the accepted forms.

        Raises
        ------
        InvalidInput
            Empty text, coordinates outside Poland, an unknown name or postal code, or an
            ambiguous name (the message lists the candidates).
        """
        key = (text, field)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[key] = self._resolve(text, field)
        return found

    def _resolve(self, text: str, field: str) -> Place:
        stripped = text.strip()
        if not stripped:
            raise InvalidInput(field, "is empty; give a place name, postal code or 'lat,lon'")
        coords = _COORD_RE.match(stripped)
        if coords:
            return self._resolve_point(float(coords[1]), float(coords[2]), field)
        if _BARE_CODE_RE.match(stripped):
            stripped = f"{stripped[:2]}-{stripped[2:]}"
        postal = _POSTAL_RE.search(stripped)
        if postal:
            return self._resolve_postal(stripped, postal, field)
        return self._resolve_name(stripped, field)

    def _resolve_point(self, lat: float, lon: float, field: str) -> Place:
        inside = _LAT_RANGE[0] <= lat <= _LAT_RANGE[1] and _LON_RANGE[0] <= lon <= _LON_RANGE[1]
        near, gap_km = self.nearest(lat, lon) if inside else (None, 0.0)
        if near is None or gap_km > _MAX_COORD_GAP_KM:
            raise InvalidInput(field, f"point {lat},{lon} is outside Poland (expected 'lat,lon')")
        return Place(f"{lat:.5f},{lon:.5f}", lat, lon, near.voivodeship)

    def _resolve_postal(self, text: str, match: re.Match[str], field: str) -> Place:
        code = f"{match[1]}-{match[2]}"
        segments = [s.replace(code, " ").strip() for s in re.split(r"[,;()]", text)]
        # The words next to the code first, then the other segments, as locality names.
        first = next(i for i, s in enumerate(re.split(r"[,;()]", text)) if code in s)
        names = [n for n in (segments[first], *segments[:first], *segments[first + 1 :]) if n]
        entry = self._entry(code)
        if entry is None:
            if names:
                return self._resolve_name(", ".join(names), field)
            raise InvalidInput(field, f"postal code {code} is not a known Polish postal code")
        for name in names:
            locality = entry.locality(code, fold(name))
            if locality is not None:
                return locality
        return self._code_point(code, entry)

    def _resolve_name(self, text: str, field: str) -> Place:
        segments = [s.strip() for s in re.split(r"[,;()]", text) if s.strip()]
        voivodeship = None
        names: list[str] = []
        for segment in segments:
            woj = self._voivodeship_of(segment) if len(segments) > 1 else None
            if woj is not None:
                voivodeship = woj
            else:
                names.append(segment)
        if voivodeship is None and len(names) == 1 and not self.candidates(names[0]):
            # "Zduny pomorskie" names Zduny in pomorskie; "Piekary Śląskie" is a town's own name.
            head, _, tail = names[0].rpartition(" ")
            woj = self._voivodeship_of(tail)
            if head and woj is not None and self.candidates(head):
                names, voivodeship = [head], woj
        # Addresses end with the town: try the last segment first.
        for name in reversed(names):
            found = self.candidates(name, voivodeship)
            if found:
                return _pick(name, found, voivodeship, field)
            if "-" in name:
                place = self._town_district(name, voivodeship, field)
                if place is not None:
                    return place
        if len(segments) == 1 and self._voivodeship_of(segments[0]) is not None:
            raise InvalidInput(field, f"{text!r} names a voivodeship, not a place")
        if voivodeship is not None:
            elsewhere = [p for n in names for p in self.candidates(n)]
            if elsewhere:
                listed = "; ".join(p.describe() for p in elsewhere[:_LISTED_CANDIDATES])
                raise InvalidInput(field, f"no such place in {voivodeship}; elsewhere: {listed}")
        where = f" in {voivodeship}" if voivodeship else ""
        raise InvalidInput(field, f"no Polish place or postal code matches {text!r}{where}")

    def _town_district(self, name: str, voivodeship: str | None, field: str) -> Place | None:
        """``"Town-District"``: the district if a place of that name lies near the town, else the
        town; None when the first part names no place."""
        town_name, _, district = (part.strip() for part in name.partition("-"))
        towns = self.candidates(town_name, voivodeship)
        if not towns:
            return None
        town = _pick(town_name, towns, voivodeship, field)
        districts = self.candidates(district)
        if not districts:
            return town
        gap_m = haversine_m(
            np.full(len(districts), town.lat),
            np.full(len(districts), town.lon),
            np.array([p.lat for p in districts]),
            np.array([p.lon for p in districts]),
        )
        nearest = int(gap_m.argmin())
        return districts[nearest] if gap_m[nearest] <= _DISTRICT_RADIUS_M else town

    def _voivodeship_of(self, text: str) -> str | None:
        key = _WOJ_PREFIX_RE.sub("", fold(text))
        return self._voivodeships.get(key)


def dwarfs(population: int, rivals: Sequence[int]) -> bool:
    """Whether a place of ``population`` clearly is what its name means among namesakes."""
    return population >= _DOMINANT_MIN_POP and population >= _DOMINANT_RATIO * max(
        rivals, default=0
    )


def _pick(name: str, found: Sequence[Place], voivodeship: str | None, field: str) -> Place:
    """The single candidate, or a clearly dominant one; else refuse listing the candidates.

    A town is weighed against the other towns and villages of its name, not against districts
    of other cities that share it (Chełm the city, not Gdańsk's district Chełm).
    """
    if len(found) == 1:
        return found[0]
    top = found[0]
    rivals = found[1:] if top.district else [p for p in found[1:] if not p.district]
    if dwarfs(top.population or 0, [p.population or 0 for p in rivals]):
        return top
    listed = "; ".join(p.describe() for p in found[:_LISTED_CANDIDATES])
    more = len(found) - _LISTED_CANDIDATES
    tail = f"; and {more} more" if more > 0 else ""
    hint = "add a postal code" if voivodeship else "add a postal code or voivodeship"
    raise InvalidInput(
        field, f"{name!r} is ambiguous ({len(found)} places; {hint}): {listed}{tail}"
    )


def _project(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Equirectangular km around 52° N: good enough to rank nearest places inside Poland."""
    return np.column_stack([lat * 111.195, lon * 111.195 * np.cos(np.radians(52.0))])


def _town_aliases(cities_csv: Path) -> dict[str, str]:
    """Latin exonyms of towns of 100,000+ people (``warsaw`` -> ``warszawa``), for names only."""
    aliases: dict[str, str] = {}
    if not cities_csv.exists():
        return aliases
    with cities_csv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if int(row["population"] or 0) < 100_000 or row["city_district_guess"] == "1":
                continue
            target = fold(row["name_pl"])
            for alias in _split_aliases((row["name"], *row["alternatenames_latin"].split("|"))):
                aliases.setdefault(alias, target)
    return aliases


def _split_aliases(names: Iterable[str]) -> Iterable[str]:
    for name in names:
        key = fold(name)
        if len(key) >= 4:
            yield key


@cache
def _default_gazetteer() -> Gazetteer:
    return Gazetteer.from_files(DATA_DIR / "places.csv", DATA_DIR / "postcodes.csv")


def resolve(text: str, *, field: str = "location") -> Place:
    """Resolve ``text`` with the default gazetteer; see ``Gazetteer.resolve``.

    Raises
    ------
    InvalidInput
        Unknown, ambiguous or malformed input; the reason names the candidates when ambiguous.
    """
    return Gazetteer.default().resolve(text, field=field)
