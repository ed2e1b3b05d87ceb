"""The `dispatch sla` CLI contract: one JSON object, or JSON lines in and out."""

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


def test_deadline_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    """The spec example through the CLI, with reaction due."""
    code, out, _ = run(
        ["sla", "deadline", "--tier", "8x5xNBD", "--accepted", "2026-12-23T16:30",
         "--submitted", "2026-12-23T16:15"],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert json.loads(out) == {
        "tier": "8x5xNBD",
        "clock_start": "2026-12-23T16:30:00+01:00",
        "deadline": "2026-12-28T17:00:00+01:00",
        "reaction_due": "2026-12-28T09:15:00+01:00",  # 45 min on the 23rd, 15 min on Mon 28th
    }


def test_bad_tier_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A user error is one stderr line naming the flag, exit code 2, nothing on stdout."""
    code, out, err = run(["sla", "deadline", "--tier", "8x5x", "--accepted", "2026-12-23"], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "--tier" in err


def test_deadlines_streams_lines_in_order_and_reports_bad_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each input line yields one output line; a bad line yields an error, the rest still run."""
    lines = [
        {"tier": "24x7x4", "accepted_at": "2026-12-23T16:30"},
        "not json",
        {"tier": "8x5x8", "accepted_at": "2026-03-29T02:30"},  # does not exist (DST)
        {"tier": "8x5x8", "accepted_at": "2026-12-23T15:00", "submitted_at": "2026-12-23T14:00"},
    ]
    stdin = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    code, out, _ = run(["sla", "deadlines"], capsys, stdin)
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    assert answers[0]["deadline"] == "2026-12-23T20:30:00+01:00"
    assert "not JSON" in answers[1]["error"]
    assert answers[2]["error"].startswith("line 3: accepted_at:")
    assert answers[3] == {
        "tier": "8x5x8",
        "clock_start": "2026-12-23T15:00:00+01:00",
        "deadline": "2026-12-28T15:00:00+01:00",
        "reaction_due": "2026-12-23T15:00:00+01:00",
    }


def test_deadlines_exit_0_when_every_line_is_good(capsys: pytest.CaptureFixture[str]) -> None:
    """No failed line, exit code 0."""
    code, out, _ = run(
        ["sla", "deadlines"], capsys, '{"tier":"8x5xNBD","accepted_at":"2026-12-23T10:00"}\n'
    )
    assert code == 0
    assert json.loads(out)["deadline"] == "2026-12-28T17:00:00+01:00"  # 24-27 Dec closed


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--accepted", "2026-12-04T08:00", "--submitted", "2026-12-05T08:00"],
         "--submitted: must not be after --accepted"),
        (["--accepted", "2099-12-31T16:00"],
         "--accepted: no next business day inside the service calendar"),
        (["--accepted", "2026-12-04T08:00", "--submitted", "1999-12-31T08:00"],
         "--submitted: outside the supported years 2000-2099 of the service calendar"),
        (["--accepted", "2026-12-04T08:00", "--cutoff", "8h"],
         "--cutoff: expected HH:MM, got '8h'"),
    ],
)  # fmt: skip
def test_deadline_errors_name_the_flags(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Errors found by the SLA rules name the flag the user typed, not an internal field."""
    code, out, err = run(["sla", "deadline", "--tier", "8x5xNBD", *extra], capsys)
    assert (code, out, err) == (2, "", f"dispatch: error: {message}\n")


def test_an_out_of_range_target_names_the_tier_flag(capsys: pytest.CaptureFixture[str]) -> None:
    """The tier's own target check is reported against --tier."""
    argv = ["sla", "deadline", "--tier", "24x7x100000", "--accepted", "2026-12-04T08:00"]
    assert run(argv, capsys)[2] == (
        "dispatch: error: --tier: target hours must be > 0 and at most 720, got 100000.0\n"
    )


def test_deadlines_errors_start_with_the_line_and_name_the_json_field(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every kind of bad line: its number, then the JSON field the user wrote."""
    lines = [
        {"tier": "8x5xNBD"},
        {"tier": "8x5xNBD", "accepted_at": "2099-12-31T22:00"},
        {"tier": "24x7x100000", "accepted_at": "2026-12-04T08:00"},
        {"tier": "8x5x8", "accepted_at": "2026-12-04T08:00", "submitted_at": "2026-12-05T08:00"},
    ]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    code, out, _ = run(["sla", "deadlines"], capsys, stdin)
    assert code == 2
    assert [json.loads(line)["error"] for line in out.splitlines()] == [
        "line 1: accepted_at: is required",
        "line 2: accepted_at: no service hours before 2100",
        "line 3: tier: target hours must be > 0 and at most 720, got 100000.0",
        "line 4: submitted_at: must not be after accepted_at",
    ]
