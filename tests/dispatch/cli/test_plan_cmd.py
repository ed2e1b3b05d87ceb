"""The `dispatch plan` contract on bad input: one line ``dispatch: error: FIELD: reason`` and exit
code 2, never a traceback."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dispatch.cli import main
from tests.dispatch.docs_scenario import NUMERIC_FIELDS, Field, docs_scenario, with_value

PLACEHOLDER = "__number__"

# JSON number text of any size and precision (1e400 parses as inf), and the NaN / Infinity /
# -Infinity that Python's json module also reads.
JSON_NUMBERS = st.one_of(
    st.from_regex(r"-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.integers().map(str),
    st.integers(0, 200_000).map(str),  # often within the caps, so the engine plans with them
    st.floats().map(json.dumps),
)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def write(directory: Path, text: str, encoding: str = "utf-8") -> str:
    """Write a scenario file; return its path."""
    path = directory / "scenario.json"
    path.write_text(text, encoding=encoding)
    return str(path)


def test_a_file_starting_with_a_utf8_byte_order_mark_is_planned(tmp_path, capsys):
    """Editors on Windows save UTF-8 with a BOM; it is still UTF-8 JSON."""
    path = write(tmp_path, json.dumps(docs_scenario()), encoding="utf-8-sig")
    code, out, _ = run(["plan", path, "--time-limit", "0.1"], capsys)
    assert code == 0 and out.startswith("2 tickets:")


def test_each_ticket_line_says_its_deadline_margin_and_cost(tmp_path, capsys):
    """The text answer a dispatcher reads: ETA, deadline, the time to spare and the price, the
    same figures as the JSON."""
    path = write(tmp_path, json.dumps(docs_scenario()))
    code, out, _ = run(["plan", path, "--time-limit", "0.1", "--json"], capsys)
    answer = json.loads(out)["assignments"]
    code, out, _ = run(["plan", path, "--time-limit", "0.1"], capsys)
    lines = out.splitlines()[1:]
    assert code == 0 and len(lines) == len(answer) == 2
    for line, a in zip(lines, answer, strict=True):
        assert line.startswith(f"  {a['ticket']}: ")
        assert f"deadline {a['deadline'][:10]} {a['deadline'][11:16]}" in line
        assert ("spare)" if a["on_time"] else "(LATE by ") in line
        assert line.endswith(f"{a['cost']:.2f} PLN")


def test_a_file_that_is_not_utf8_is_refused_in_one_line(tmp_path, capsys):
    """UTF-16 text is refused as not UTF-8, not with a traceback."""
    path = write(tmp_path, json.dumps(docs_scenario()), encoding="utf-16")
    code, _, err = run(["plan", path], capsys)
    assert (code, err) == (2, f"dispatch: error: scenario: {path} is not UTF-8 text\n")


def test_an_integer_too_long_to_read_is_refused_in_one_line(tmp_path, capsys):
    """Python's json refuses integers of over 4300 digits with a bare ValueError."""
    text = json.dumps(with_value(("depots", 0, "drivers"), PLACEHOLDER))
    path = write(tmp_path, text.replace(f'"{PLACEHOLDER}"', "9" * 5000))
    code, _, err = run(["plan", path], capsys)
    assert (code, err) == (
        2,
        f"dispatch: error: scenario: {path} holds a number with too many digits\n",
    )


def test_every_number_at_its_cap_at_once_still_plans(tmp_path, capsys):
    """The caps keep the engine's integer and calendar arithmetic far from overflow."""
    data = docs_scenario()
    for path, _, cap in NUMERIC_FIELDS:
        with_value(path, cap, data)
    code, out, err = run(["plan", write(tmp_path, json.dumps(data)), "--time-limit", "0.1"], capsys)
    assert (code, err) == (0, "") and out.startswith("2 tickets:")


@pytest.mark.parametrize("limit", ["nan", "inf", "-inf", "0", "-1"])
def test_a_time_limit_that_is_not_a_positive_finite_number_is_refused(tmp_path, capsys, limit):
    """``--time-limit nan`` used to slip past the ``<= 0`` check."""
    path = write(tmp_path, json.dumps(docs_scenario()))
    code, out, err = run(["plan", path, f"--time-limit={limit}"], capsys)
    assert (code, out) == (2, "")
    assert err.startswith("dispatch: error: --time-limit: must be a finite number > 0, got ")


@settings(
    max_examples=80,
    deadline=None,
    # capsys is read out (and so emptied) in every example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(field=st.sampled_from(NUMERIC_FIELDS), number=JSON_NUMBERS)
def test_any_json_number_in_any_numeric_field_plans_or_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], field: Field, number: str
) -> None:
    """Any JSON number in any numeric field gives a plan (exit 0) or one error line naming the
    field (exit 2); any other exception fails the test."""
    path, name, _ = field
    text = json.dumps(with_value(path, PLACEHOLDER)).replace(f'"{PLACEHOLDER}"', number)
    with tempfile.TemporaryDirectory() as directory:
        code, out, err = run(["plan", write(Path(directory), text), "--time-limit", "0.1"], capsys)
    event("planned" if code == 0 else "refused")
    if code == 0:
        assert out.startswith("2 tickets:") and err == ""
    else:
        assert code == 2 and out == ""
        assert err.startswith(f"dispatch: error: {name}: ") and err.count("\n") == 1
