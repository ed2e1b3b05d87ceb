"""Geocoding: what a dispatcher types resolves to the place they mean, or to a clear refusal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.errors import InvalidInput
from dispatch.places import DATA_DIR, Gazetteer, Place, fold, resolve


@pytest.mark.parametrize(
    ("text", "name", "voivodeship"),
    [
        ("Kraków", "Kraków", "małopolskie"),
        ("krakow", "Kraków", "małopolskie"),  # no diacritics, lower case
        ("Lodz", "Łódź", "łódzkie"),  # ł and ó folded
        ("  KRAKÓW ", "Kraków", "małopolskie"),  # case and blanks
        ("Bielsko Biala", "Bielsko-Biała", "śląskie"),  # hyphen as a space
        ("Warsaw", "Warszawa", "mazowieckie"),  # English exonym of a big city
        ("Opole", "Opole", "opolskie"),  # a city dwarfs the villages of the same name
        # A town whose name ends in a voivodeship's adjective is that town, not a namesake
        # village in that voivodeship (there are Piekary and Strzelce villages elsewhere).
        ("Piekary Śląskie", "Piekary Śląskie", "śląskie"),
        ("Strzelce Opolskie", "Strzelce Opolskie", "opolskie"),
        ("strzelce opolskie", "Strzelce Opolskie", "opolskie"),
        # Gdańsk's district Chełm (31,000) does not make the city of Chełm (60,000) ambiguous.
        ("Chełm", "Chełm", "lubelskie"),
    ],
)
def test_names_resolve_with_or_without_polish_letters(text, name, voivodeship):
    """Diacritics, case, hyphens and exonyms do not matter."""
    place = resolve(text)
    assert (place.name, place.voivodeship) == (name, voivodeship)


def test_a_postal_code_alone_gives_the_code_point_and_its_locality():
    """``30-001`` is in Kraków (małopolskie) and carries the code."""
    place = resolve("30-001")
    assert (place.name, place.postal_code, place.voivodeship) == ("Kraków", "30-001", "małopolskie")
    assert abs(place.lat - 50.076) < 0.01 and abs(place.lon - 19.94) < 0.01


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("30-001 Kraków", "30-001"),
        ("ul. Wielicka 25, 30-552 Kraków", "30-552"),  # a street address
        ("30-552 Warszawa", "30-552"),  # the postal code wins over a contradicting name
    ],
)
def test_the_postal_code_wins_inside_an_address(text, code):
    """Any NN-NNN in the text decides the point."""
    place = resolve(text)
    assert place.postal_code == code
    assert place.voivodeship == "małopolskie"


def test_coordinates_are_taken_as_given():
    """``lat,lon`` in degrees; the voivodeship comes from the nearest locality."""
    place = resolve("50.06,19.94")
    assert (place.lat, place.lon, place.voivodeship) == (50.06, 19.94, "małopolskie")
    assert place.postal_code is None


def test_an_ambiguous_name_is_refused_listing_candidates():
    """There are over a hundred places called Nowa Wieś: refuse and show voivodeship and code."""
    with pytest.raises(InvalidInput, match="ambiguous") as info:
        resolve("Nowa Wieś", field="site")
    assert info.value.field == "site"
    assert "add a postal code or voivodeship" in info.value.reason
    assert "(mazowieckie, " in info.value.reason or "(małopolskie, " in info.value.reason
    assert "more" in info.value.reason


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Nowa Wieś 05-660", "05-660"),  # the postal code picks one
        ("Zduny, pomorskie", "83-115"),  # a voivodeship with a single Zduny
        ("Zduny (woj. pomorskie)", "83-115"),  # ... written the formal way
    ],
)
def test_a_postal_code_or_voivodeship_resolves_an_ambiguous_name(text, code):
    """Alongside an ambiguous name, a code or a voivodeship with one namesake decides."""
    assert resolve(text).postal_code == code


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Warszawa-Mokotów", "Mokotów"),  # a district GeoNames knows, near its town
        ("Gdańsk-Wrzeszcz", "Wrzeszcz"),
        ("Kraków-Nowa Huta", "Kraków"),  # every "Nowa Huta" known is far away: the town
        ("Warszawa, ul. Marszałkowska 1", "Warszawa"),  # town first, street after
        ("woj. mazowieckie, Nowa Wieś, 05-660", "Nowa Wieś"),  # code in its own segment
    ],
)
def test_town_district_and_address_forms(text, name):
    """Hyphenated town-district, and addresses in any segment order."""
    assert resolve(text).name == name


def test_every_town_that_dwarfs_its_namesakes_resolves_to_itself_by_name():
    """Each town of 5,000+ at least five times the size of every namesake (districts of other
    cities aside, unless five times its size) resolves by its name alone: the whole table,
    not a sample, so names that look like qualified ones ("Piekary Śląskie") are covered."""
    gazetteer = Gazetteer.default()
    checked = 0
    for town in gazetteer.places:
        size = town.population or 0
        if size < 5_000 or town.district:
            continue
        rivals = [c for c in gazetteer.candidates(town.name) if c is not town]
        if any(
            (c.population or 0) * 5 > size if not c.district else (c.population or 0) >= 5 * size
            for c in rivals
        ):
            continue
        assert resolve(town.name) == town, town.name
        checked += 1
    assert checked > 500


def test_a_district_sharing_a_towns_name_stays_reachable_through_its_city():
    """Chełm alone is the city in lubelskie; Gdańsk-Chełm is Gdańsk's district."""
    district = resolve("Gdańsk-Chełm")
    assert (district.name, district.voivodeship, district.district) == ("Chełm", "pomorskie", True)
    assert resolve("Chełm").voivodeship == "lubelskie"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("59-700", "Bolesławiec"),  # a rural code: named after its biggest locality
        ("05-660", "Warka"),  # not after a village namesake of a far city (Ostrołęka)
        ("00-001", "Warszawa"),  # a code listing no locality: the nearest one
        ("30001", "Kraków"),  # typed without the hyphen
    ],
)
def test_a_postal_code_is_named_after_the_town_it_serves(code, name):
    """Codes covering many villages show the town a dispatcher knows."""
    assert resolve(code).name == name


def test_a_name_missing_from_the_given_voivodeship_lists_where_it_is():
    """No Zduny in mazowieckie: say so and list the Zduny elsewhere."""
    with pytest.raises(InvalidInput, match="no such place in mazowieckie; elsewhere: Zduny"):
        resolve("mazowieckie, Zduny")


def test_a_voivodeship_that_leaves_several_namesakes_still_refuses():
    """Two Zduny in łódzkie: ask for the postal code, listing both."""
    with pytest.raises(InvalidInput, match="add a postal code") as info:
        resolve("Zduny, łódzkie")
    assert "99-440" in info.value.reason and "99-100" in info.value.reason


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Xyzzyville", "no Polish place or postal code matches"),  # unknown name
        ("99-999", "not a known Polish postal code"),  # well-formed but unused code
        ("10.0,10.0", "outside Poland"),  # Nigeria
        ("53.0,13.0", "outside Poland"),  # Germany, west of the border
        ("   ", "is empty"),  # blank
        ("mazowieckie", "names a voivodeship, not a place"),  # a region, not a site
    ],
)
def test_unknown_input_is_refused_naming_the_field(text, match):
    """Every refusal is an InvalidInput with the caller's field name."""
    with pytest.raises(InvalidInput, match=match) as info:
        resolve(text, field="origin")
    assert info.value.field == "origin"


@given(st.text(max_size=30))
def test_fold_is_idempotent_and_case_blind(text):
    """Folding twice changes nothing, and upper/lower case fold alike."""
    assert fold(fold(text)) == fold(text)
    assert fold(text.upper()) == fold(fold(text).upper())


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("\u0345", "ι"),  # combining ypogegrammeni: upper-cases to a letter, so it folds to one
        ("\U0001d6a4", "i"),  # mathematical dotless i: upper-cases to I
        ("Straße", "strasse"),
        ("BIELSKO-BIAŁA", "bielsko biala"),
    ],
)
def test_fold_reaches_a_fixed_point_on_characters_that_change_under_case(text, folded):
    """Characters hypothesis once found: folding and upper-casing first agree with each other."""
    assert fold(text) == folded
    assert fold(text.upper()) == fold(fold(text).upper())


def test_the_name_index_is_cached_and_a_corrupt_cache_is_rebuilt(tmp_path, monkeypatch):
    """The second load reads the cache file; a damaged file is ignored and rewritten."""
    monkeypatch.setenv("DISPATCH_CACHE_DIR", str(tmp_path))
    first = Gazetteer.from_files(DATA_DIR / "places.csv", DATA_DIR / "postcodes.csv")
    files = sorted(tmp_path.glob("places-*.marshal"))
    assert len(files) == 1
    second = Gazetteer.from_files(DATA_DIR / "places.csv", DATA_DIR / "postcodes.csv")
    assert second.resolve("Kraków") == first.resolve("Kraków")
    files[0].write_bytes(b"not marshal data")
    third = Gazetteer.from_files(DATA_DIR / "places.csv", DATA_DIR / "postcodes.csv")
    assert third.resolve("30-552").postal_code == "30-552"
    assert files[0].read_bytes() != b"not marshal data"


def test_resolution_is_memoised_per_text():
    """The same text returns the same object (no repeated work for repeated sites)."""
    gazetteer = Gazetteer.default()
    assert gazetteer.resolve("Poznań") is gazetteer.resolve("Poznań")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lat": 91.0}, "place.lat"),  # beyond the pole
        ({"name": " "}, "place.name"),  # blank name
        ({"postal_code": "30001"}, "NN-NNN"),  # missing hyphen
        ({"population": -1}, "place.population"),  # negative residents
    ],
)
def test_place_validates_itself(kwargs, match):
    """Place checks coordinates, name, postal code and population on construction."""
    base = {"name": "X", "lat": 52.0, "lon": 19.0, "voivodeship": "łódzkie"}
    with pytest.raises(ValueError, match=match):
        Place(**(base | kwargs))
