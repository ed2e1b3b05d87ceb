"""What long-running commands show and write: progress on a terminal, reports checked up front.

Progress goes to stderr only when it is a terminal; elsewhere rich would still end it with a
blank line, which would come before a ``dispatch: error:`` line. Output paths are created and
tried before the work starts, so an unwritable ``--out`` fails in one line at once rather than
with a traceback after a long run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, ProgressColumn

from dispatch.errors import InvalidInput


def progress_bar(*columns: str | ProgressColumn) -> Progress:
    """A transient progress display on stderr, off when stderr is not a terminal."""
    console = Console(stderr=True)
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)


def output_dir(path: Path, flag: str) -> Path:
    """Create directory ``path`` (and parents) and check a file can be written in it.

    Raises
    ------
    InvalidInput
        Naming ``flag`` when the directory cannot be created or written to.
    """
    if path.exists() and not path.is_dir():
        raise InvalidInput(flag, f"{path} is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise InvalidInput(flag, f"cannot write to {path}: {exc.strerror}") from None
    return path


def output_file(path: Path, flag: str) -> Path:
    """Check that file ``path`` can be written (its directory created as needed).

    Raises
    ------
    InvalidInput
        Naming ``flag`` when ``path`` is a directory or its directory cannot be written to.
    """
    if path.is_dir():
        raise InvalidInput(flag, f"{path} is a directory, not a file")
    output_dir(path.parent, flag)
    return path
