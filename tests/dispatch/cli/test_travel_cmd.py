"""The `dispatch travel` CLI contract: one JSON object, or JSON lines in and out."""

from __future__ import annotations

import io
import json

import pytest

from dispatch.cli import main


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = ""
) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_answer_has_minutes_km_and_both_ends(capsys):
    """``travel FROM TO --json``: minutes, km, and from/to with name, lat, lon."""
    code, out, _ = run(["travel", "Kraków", "Warszawa", "--json"], capsys)
    assert code == 0
    answer = json.loads(out)
    assert 150 < answer["minutes"] < 240 and 250 < answer["km"] < 350
    assert answer["from"]["name"] == "Kraków" and answer["to"]["name"] == "Warszawa"
    assert {"name", "lat", "lon"} <= answer["from"].keys()


def test_rush_hour_departure_takes_longer(capsys):
    """``--depart`` on a weekday morning is slower than free flow for a trip across Warsaw."""
    argv = ["travel", "Warszawa", "Piaseczno", "--json"]
    _, free, _ = run(argv, capsys)
    _, rush, _ = run([*argv, "--depart", "2026-11-12T08:00"], capsys)
    assert json.loads(rush)["minutes"] > json.loads(free)["minutes"]


def test_plain_output_is_one_readable_line(capsys):
    """Without --json: ``A (...) -> B (...): H h MM min, N km``."""
    code, out, _ = run(["travel", "30-001", "Lodz"], capsys)
    assert code == 0
    assert out.startswith("Kraków (małopolskie, 30-001) -> Łódź") and " km" in out


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["travel", "Nowa Wieś", "Kraków"], "FROM: 'Nowa Wieś' is ambiguous"),  # ambiguous
        (["travel", "Kraków", "Xyzzyville"], "TO: no Polish place"),  # unknown
        (["travel", "Kraków"], "give both places"),  # missing TO
        (["travel", "Kraków", "Opole", "--depart", "soon"], "--depart: not an ISO 8601"),
        (
            ["travel", "Kraków", "Opole", "--depart", "3026-01-01T08:00"],
            "--depart: outside the supported years 2000-2099",
        ),  # as the SLA commands
        (
            ["travel", "Kraków", "Opole", "--depart", "1999-12-31T08:00"],
            "--depart: outside the supported years 2000-2099",
        ),
    ],
)
def test_errors_are_one_line_with_exit_code_2(capsys, argv, match):
    """No traceback: one line on stderr naming the argument."""
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert match in err and err.count("\n") == 1


def test_batch_answers_each_line_in_order_and_exits_2_after_a_bad_line(capsys):
    """JSON lines in, JSON lines out; a bad line gets {"error"} and the run ends with code 2."""
    lines = [
        {"from": "Kraków", "to": "Gdańsk"},
        "not json",
        {"from": "Xyzzyville", "to": "Gdańsk"},
        {"from": "Poznań", "to": "Poznań"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    code, out, _ = run(["travel", "--batch"], capsys, stdin)
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and len(answers) == 4
    assert answers[0]["minutes"] > 300 and answers[0]["km"] > 500
    assert answers[1]["error"].startswith("line 2: not JSON")
    assert answers[2]["error"].startswith("line 3: from: no Polish place")
    assert answers[3] == {"minutes": 0.0, "km": 0.0}


def test_batch_of_good_lines_exits_0(capsys):
    """All lines answered: exit code 0."""
    stdin = json.dumps({"from": "Opole", "to": "Wrocław"}) + "\n"
    code, out, _ = run(["travel", "--batch"], capsys, stdin)
    assert code == 0 and set(json.loads(out)) == {"minutes", "km"}
