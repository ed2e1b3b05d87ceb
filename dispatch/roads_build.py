"""Build an OSRM dataset from an OpenStreetMap extract, for ``DISPATCH_ROADS``.

OSRM's pipeline run with the tools the ``osrm-bindings`` wheel ships (nothing to compile, no
server): extract with a Lua profile, then contraction hierarchies (``ch``, the default: contract)
or multi-level Dijkstra (``mld``: partition, customize). The planner asks for large tables, and
OSRM answers a 1,000 x 1,000 table about ten times faster on CH than on MLD (measured on the
authored network: 0.6 s vs 8.4 s, ``bench/osrm_roads.py``); MLD's strength, re-weighting live
traffic in seconds, is not used here (rush hours are applied on top). The dataset is
``OUT/NAME.osrm`` (files ``NAME.osrm.*``); ``DISPATCH_ROADS=OUT/NAME.osrm`` makes every travel
matrix and trip use it (``solver.travel.osrm``).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from dispatch.errors import InvalidInput
from solver.travel.osrm import ALGORITHMS, osrm_available

EXTRACT_SUFFIXES = (".osm.pbf", ".osm", ".osm.bz2")
STEPS = {"ch": ("extract", "contract"), "mld": ("extract", "partition", "customize")}
OUT_OF_MEMORY = ("std::bad_alloc", "Cannot allocate memory", "out of memory")


def dataset_name(extract: Path) -> str:
    """``poland-latest`` for ``poland-latest.osm.pbf``."""
    name = extract.name
    for suffix in EXTRACT_SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return extract.stem


def build(
    extract: Path,
    out: Path,
    profile: str = "car",
    algorithm: str = "ch",
    threads: int | None = None,
    progress: Callable[[str], None] = lambda _line: None,
) -> Path:
    """Run the pipeline on ``extract`` into ``out``; return the dataset's base path.

    ``profile`` is one of the shipped profiles (car, bicycle, foot) or a ``.lua`` file;
    ``algorithm`` is ``ch`` or ``mld``.

    Raises
    ------
    InvalidInput
        A missing or unreadable extract, an unknown profile, OSRM unusable here, or a step that
        failed (the message says which step and why, e.g. a bad file or too little memory).
    """
    missing = osrm_available()
    if missing is not None:
        raise InvalidInput("osrm", missing)
    if not extract.is_file():
        raise InvalidInput("file", f"{extract} does not exist")
    if not extract.name.endswith(EXTRACT_SUFFIXES):
        raise InvalidInput("file", f"{extract.name} is not {', '.join(EXTRACT_SUFFIXES)}")
    if algorithm not in STEPS:
        raise InvalidInput("--algorithm", f"{algorithm!r} is neither ch nor mld")
    tools = _tools()
    lua = _profile(profile, tools)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InvalidInput("--out", f"cannot create {out}: {err.strerror}") from None
    base = out / f"{dataset_name(extract)}.osrm"
    jobs = str(threads or os.cpu_count() or 1)
    commands = {
        "extract": [tools / "bin" / "osrm-extract", "-p", lua, "-t", jobs, "-o", base, extract],
        "contract": [tools / "bin" / "osrm-contract", "-t", jobs, base],
        "partition": [tools / "bin" / "osrm-partition", "-t", jobs, base],
        "customize": [tools / "bin" / "osrm-customize", "-t", jobs, base],
    }
    for step in STEPS[algorithm]:
        began = time.perf_counter()
        progress(f"osrm-{step} ...")
        done = subprocess.run(
            [str(part) for part in commands[step]], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise InvalidInput("file", f"osrm-{step} failed: {_why(done, extract)}")
        progress(f"osrm-{step} done in {time.perf_counter() - began:.1f} s")
    marker = ALGORITHMS[algorithm]
    if not Path(f"{base}{marker}").is_file():
        raise InvalidInput("file", f"the pipeline wrote no {base.name}{marker}")
    return base


def _tools() -> Path:
    """Where the wheel keeps ``bin/`` and ``share/profiles/``."""
    import osrm

    return Path(osrm.__file__).parent


def _profile(profile: str, tools: Path) -> Path:
    shipped = tools / "share" / "profiles" / f"{profile}.lua"
    if shipped.is_file():
        return shipped
    given = Path(profile)
    if given.suffix == ".lua" and given.is_file():
        return given
    raise InvalidInput("--profile", f"{profile!r} is neither car, bicycle, foot nor a .lua file")


def _why(done: subprocess.CompletedProcess[str], extract: Path) -> str:
    """One line on why a step failed."""
    text = f"{done.stdout}\n{done.stderr}"
    size_mb = extract.stat().st_size / 1e6
    if done.returncode in (-9, 137) or any(sign in text for sign in OUT_OF_MEMORY):
        return (
            f"out of memory on a {size_mb:,.0f} MB extract (see docs/travel.md for what Poland "
            "needs); free memory or use a smaller extract"
        )
    errors = [line for line in text.splitlines() if "[error]" in line or "error" in line.lower()]
    last = (errors or [line for line in text.splitlines() if line.strip()] or ["no output"])[-1]
    return f"exit {done.returncode}: {last.split('] ')[-1].strip()[:300]}"
