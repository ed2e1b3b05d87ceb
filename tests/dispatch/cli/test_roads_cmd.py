"""``dispatch roads import``: the output path is checked before the (long) import."""

from __future__ import annotations

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
