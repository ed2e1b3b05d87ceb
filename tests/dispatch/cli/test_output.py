"""Output helpers of long commands: output paths checked up front, progress only on a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.progress import TextColumn

from dispatch.cli.output import output_dir, output_file, progress_bar
from dispatch.errors import InvalidInput


def test_output_dir_creates_missing_parents(tmp_path: Path) -> None:
    """A new report directory is made at once, parents included, and left empty."""
    path = tmp_path / "a" / "b"
    assert output_dir(path, "--out") == path
    assert path.is_dir() and not any(path.iterdir())


@pytest.mark.parametrize("below", ["", "sub"])
def test_output_dir_under_a_file_is_refused_naming_the_flag(tmp_path: Path, below: str) -> None:
    """A file where the directory (or one of its parents) should be: one sentence, no write."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InvalidInput) as error:
        output_dir(blocker / below if below else blocker, "--out")
    assert error.value.field == "--out"
    assert blocker.read_text() == "x"


def test_output_file_refuses_a_directory(tmp_path: Path) -> None:
    """A report file path that is an existing directory is refused naming the flag."""
    with pytest.raises(InvalidInput, match="is a directory") as error:
        output_file(tmp_path, "--report")
    assert error.value.field == "--report"


def test_output_file_creates_its_directory(tmp_path: Path) -> None:
    """The file itself is not created; its directory is."""
    path = tmp_path / "new" / "report.html"
    assert output_file(path, "--report") == path
    assert path.parent.is_dir() and not path.exists()


def test_progress_bar_writes_nothing_when_stderr_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No trailing blank line that would precede an error line on a pipe."""
    with progress_bar(TextColumn("{task.description}")) as bar:
        bar.add_task("working", total=None)
    assert capsys.readouterr() == ("", "")
