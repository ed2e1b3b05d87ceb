"""``dispatch bench vrptw|pdptw``: the JSON contract and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatch.cli import main

DATA = Path(__file__).parents[2] / "solver" / "routing" / "data"


@pytest.mark.parametrize(
    ("kind", "name"), [("vrptw", "tiny_solomon.txt"), ("pdptw", "tiny_lilim.txt")]
)
def test_bench_prints_the_contract_fields(capsys, kind, name):
    """instance, vehicles, distance (original unit), seconds and routes of file ids."""
    code = main(["bench", kind, str(DATA / name), "--time-limit", "0.3", "--seed", "2", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert {"instance", "vehicles", "distance", "seconds", "routes"} <= out.keys()
    assert out["instance"] == Path(name).stem
    served = sorted(i for r in out["routes"] for i in r)
    assert served == ([1, 2, 3, 4, 5] if kind == "vrptw" else [1, 2, 3, 4])
    assert out["vehicles"] == len(out["routes"])
    assert out["seconds"] < 0.5


@pytest.mark.parametrize(
    ("args", "match"),
    [
        # file that does not exist
        (["bench", "vrptw", "/no/such/file", "--time-limit", "1"], "INSTANCE_FILE: no such file"),
        # non-positive time limit
        (["bench", "vrptw", str(DATA / "tiny_solomon.txt"), "--time-limit", "0"], "--time-limit"),
        # Solomon file given as Li & Lim
        (["bench", "pdptw", str(DATA / "tiny_solomon.txt"), "--time-limit", "1"], "not a Li & Lim"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, args, match):
    """The error names the argument and the reason; no traceback."""
    assert main(args) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1
