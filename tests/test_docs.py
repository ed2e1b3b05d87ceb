"""Every shell block in README.md and docs/*.md runs as written (issue: the docs are true).

Each fenced ``bash`` block runs with ``bash -euo pipefail`` in a fresh temporary directory (so
a fresh SQLite database) that links the repository's ``data``, ``bench``, ``scripts`` and
``.venv``, with ``.venv/bin`` first on the PATH. A block fails the check on a non-zero exit or
when a command's output contradicts a ``# {...}`` JSON comment shown right under it (every key
shown must come back with the value shown). Port 8000 becomes a free port, and anything a block
starts in the background is stopped when it ends.

A block that cannot run here says so on the line before its fence, with the reason that the
test report prints: ``<!-- docs-check: skip the OSM extract is a 2 GB download -->``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINKED = ("data", "bench", "scripts", ".venv", "pyproject.toml")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
SKIP = re.compile(r"<!-- docs-check: skip (.+?) -->\s*$")
TIMEOUT_S = 300


@dataclass(frozen=True)
class Block:
    """One shell block of a page: where it is, its text, and why it is skipped (if it is)."""

    page: str
    line: int
    text: str
    skip: str | None

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}"


def shell_blocks(page: Path) -> list[Block]:
    """The page's ``bash``/``sh`` blocks in order, each with the skip reason written above it."""
    source = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(source):
        if match.group(1) not in ("bash", "sh"):
            continue
        before = source[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        reason = SKIP.search(before)
        found.append(
            Block(
                page=str(page.relative_to(ROOT)),
                line=source.count("\n", 0, match.start()) + 1,
                text=match.group(2),
                skip=reason.group(1) if reason else None,
            )
        )
    return found


BLOCKS = [block for page in PAGES for block in shell_blocks(page)]


def expected_outputs(text: str) -> list[tuple[str, dict[str, object]]]:
    """``(command, JSON shown under it)`` for each ``# {...}`` comment that parses as JSON."""
    pairs = []
    command = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# {"):
            try:
                shown = json.loads(stripped[2:])
            except json.JSONDecodeError:
                continue  # a shape, not a value ({"minutes", "km"})
            pairs.append((command, shown))
        elif stripped and not stripped.startswith("#"):
            command = stripped
    return pairs


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_block(block: Block, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run the block as its reader would, in ``workdir``; background jobs are stopped after."""
    for name in LINKED:
        (workdir / name).symlink_to(ROOT / name)
    text = block.text.replace("8000", str(free_port()))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DISPATCH_") or key == "DISPATCH_CACHE_DIR"
    }
    env["PATH"] = f"{workdir / '.venv' / 'bin'}:{env['PATH']}"
    out_file, err_file = workdir / ".stdout", workdir / ".stderr"
    # Files, not pipes: a server the block leaves in the background keeps its output open.
    with out_file.open("w") as out, err_file.open("w") as err:
        process = subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", text],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=err,
            text=True,
            start_new_session=True,
        )
        try:
            process.wait(timeout=TIMEOUT_S)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    return subprocess.CompletedProcess(
        process.args, process.returncode, out_file.read_text(), err_file.read_text()
    )


def json_lines(output: str) -> list[dict[str, object]]:
    """Every line of ``output`` that is a JSON object."""
    found = []
    for line in output.splitlines():
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


@pytest.mark.parametrize("block", BLOCKS, ids=[b.name for b in BLOCKS])
def test_the_block_runs_as_written(block: Block, tmp_path: Path) -> None:
    if block.skip:
        pytest.skip(f"{block.name}: {block.skip}")
    done = run_block(block, tmp_path)
    assert done.returncode == 0, f"{block.name} exit {done.returncode}:\n{done.stderr[-2000:]}"
    objects = json_lines(done.stdout)
    for command, shown in expected_outputs(block.text):
        matching = [o for o in objects if all(o.get(k) == v for k, v in shown.items())]
        assert matching, f"{block.name}: `{command}` did not print {shown}; got {objects}"


def test_every_page_is_read_and_skips_say_why() -> None:
    """The check sees the README and the docs' blocks; a skip marker always carries a reason."""
    assert any(b.page == "README.md" for b in BLOCKS)
    assert {b.page for b in BLOCKS} > {"README.md"}
    for page in PAGES:
        for line in page.read_text(encoding="utf-8").splitlines():
            if "docs-check" in line:
                assert SKIP.search(line), f"{page.name}: malformed marker {line!r}"


def test_every_accepted_place_form_in_the_travel_page_resolves() -> None:
    """The examples listed as accepted in docs/travel.md's geocoding rules all resolve."""
    from dispatch.places import resolve

    page = (ROOT / "docs" / "travel.md").read_text(encoding="utf-8")
    accepted = page.split("Accepted:", 1)[1].split("\n\n", 1)[0]
    examples = re.findall(r"`([^`]+)`", accepted)
    assert len(examples) >= 10
    for text in examples:
        if text != "lat,lon":
            resolve(text)  # raises InvalidInput naming the problem


def test_the_scenario_shown_in_the_docs_is_the_sample_that_plans() -> None:
    """docs/dispatch.md shows data/scenarios/sample.json as it is, and it plans on time."""
    from dispatch.engine import plan
    from dispatch.scenario import Scenario
    from dispatch.scenario_snapshot import snapshot

    page = (ROOT / "docs" / "dispatch.md").read_text(encoding="utf-8")
    shown = [json.loads(b) for lang, b in FENCE.findall(page) if lang == "json"]
    sample = json.loads((ROOT / "data" / "scenarios" / "sample.json").read_text(encoding="utf-8"))
    assert sample in shown
    result = plan(snapshot(Scenario.from_dict(sample)), time_limit_s=1)
    assert result.on_time == len(sample["tickets"])
