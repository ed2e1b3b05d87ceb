"""The command tree: every topic is listed, and only the chosen topic's module is imported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dispatch.cli import TOPICS, build_parser, main

HEAVY = ("matplotlib", "scipy", "sqlalchemy", "pandas", "fastapi", "uvicorn", "ortools", "pyvrp")


def _imported_after(argv: list[str]) -> set[str]:
    """Top-level packages a fresh interpreter has imported after running ``dispatch argv``."""
    code = (
        "import sys, json, contextlib, io\n"
        "from dispatch.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main({argv!r})\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


@pytest.mark.parametrize(
    "argv",
    [
        ["sla", "deadline", "--tier", "8x5xNBD", "--accepted", "2026-12-23T16:30"],
        ["travel", "Kraków", "Warszawa"],
    ],
)
def test_quick_commands_load_no_heavy_library(argv):
    """An SLA or travel question loads neither the simulator's nor the server's libraries."""
    assert _imported_after(argv).isdisjoint(HEAVY)


def test_help_lists_every_topic_without_importing_any(capsys):
    """``dispatch --help`` names each topic with its help line."""
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    listing = capsys.readouterr().out
    for name, topic in TOPICS.items():
        assert name in listing and topic.help[:20] in listing


@pytest.mark.parametrize("name", sorted(TOPICS))
def test_every_topic_registers_its_own_commands(name):
    """Choosing a topic builds its full parser (its module registers under the listed name)."""
    parser = build_parser([name])
    topics = next(a for a in parser._actions if a.dest == "topic")
    sub = topics.choices[name]
    assert sub._actions, name
    assert any(a.option_strings or a.dest != "help" for a in sub._actions[1:]), name


def test_an_unknown_topic_is_a_one_line_usage_error(capsys):
    """A mistyped topic exits 2 and names the valid ones."""
    with pytest.raises(SystemExit) as info:
        main(["slaa"])
    assert info.value.code == 2
    assert "invalid choice: 'slaa'" in capsys.readouterr().err
