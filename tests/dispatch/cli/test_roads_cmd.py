"""``dispatch roads import`` and ``build``: paths and options checked first, one line on error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatch.cli import main


def test_an_unwritable_out_is_refused_before_the_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out under a file: one line naming --out, although the extract is not read yet."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = blocker / "roads.json"
    assert main(["roads", "import", str(tmp_path / "poland.osm.pbf"), "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"dispatch: error: --out: {blocker} is not a directory\n"


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    """The embedded network as an OpenStreetMap file."""
    from dispatch.osm_export import write_osm
    from solver.travel.network import RoadNetwork
    from solver.travel.road import DEFAULT_NETWORK

    return write_osm(RoadNetwork.load(DEFAULT_NETWORK), tmp_path / "trunk.osm.pbf")


def test_build_makes_a_dataset_the_travel_command_then_uses(
    extract: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """``roads build`` (MLD here: quicker to build) prints the dataset and how to use it, with
    progress on stderr; with DISPATCH_ROADS set, ``travel`` answers on OSRM, close to the
    authored model on these same roads."""
    from solver.travel.configured import configured_travel
    from solver.travel.osrm import OsrmTravel, osrm_available

    if osrm_available() is not None:
        pytest.skip(osrm_available())
    out = tmp_path / "dataset"
    assert main(["roads", "build", str(extract), "--out", str(out), "--algorithm", "mld"]) == 0
    captured = capsys.readouterr()
    answer = json.loads(captured.out)
    assert answer["dataset"] == str(out / "trunk.osrm")
    assert answer["use"] == f"export DISPATCH_ROADS={out / 'trunk.osrm'}"
    assert "osrm-partition done" in captured.err
    assert main(["travel", "Kraków", "Warszawa", "--json"]) == 0
    authored = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("DISPATCH_ROADS", answer["dataset"])
    configured_travel.cache_clear()
    try:
        assert isinstance(configured_travel(), OsrmTravel)
        assert main(["travel", "Kraków", "Warszawa", "--json"]) == 0
        on_osrm = json.loads(capsys.readouterr().out)
    finally:
        configured_travel.cache_clear()
    assert on_osrm["minutes"] == pytest.approx(authored["minutes"], rel=0.05)
    assert on_osrm["km"] == pytest.approx(authored["km"], rel=0.05)


def test_build_refuses_an_unknown_profile_in_one_line(
    extract: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from solver.travel.osrm import osrm_available

    if osrm_available() is not None:
        pytest.skip(osrm_available())
    out = str(tmp_path / "x")
    assert main(["roads", "build", str(extract), "--out", out, "--profile", "bus"]) == 2
    assert capsys.readouterr().err == (
        "dispatch: error: --profile: 'bus' is neither car, bicycle, foot nor a .lua file\n"
    )


def test_build_refuses_a_file_that_is_not_an_extract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing file, and a file that is not OpenStreetMap data (osrm-extract's own reason)."""
    from solver.travel.osrm import osrm_available

    if osrm_available() is not None:
        pytest.skip(osrm_available())
    missing = tmp_path / "nowhere.osm.pbf"
    assert main(["roads", "build", str(missing), "--out", str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err == f"dispatch: error: file: {missing} does not exist\n"
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"not a protocol buffer")
    assert main(["roads", "build", str(junk), "--out", str(tmp_path / "x")]) == 2
    *progress, error = capsys.readouterr().err.splitlines()
    assert progress == ["osrm-extract ..."]
    assert error.startswith("dispatch: error: file: osrm-extract failed: exit ")


def test_a_broken_dataset_in_dispatch_roads_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    from solver.travel.configured import configured_travel

    monkeypatch.setenv("DISPATCH_ROADS", str(tmp_path / "gone.osrm"))
    configured_travel.cache_clear()
    try:
        assert main(["travel", "Kraków", "Warszawa"]) == 2
    finally:
        configured_travel.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("dispatch: error: DISPATCH_ROADS: ") and err.count("\n") == 1
