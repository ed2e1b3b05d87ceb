"""solver.cache: derived tables cached with marshal under a key of their sources."""

from __future__ import annotations

import os

import pytest

from solver.cache import cached, files_key


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("DISPATCH_CACHE_DIR", str(tmp_path / "cache"))


def test_a_value_is_built_once_then_read_back():
    """The second call with the same key does not build again and returns an equal value."""
    calls = []

    def build():
        calls.append(1)
        return {"a": [1, 2.5, None, ("x", True)]}

    assert cached("t", "k1", build) == cached("t", "k1", build) == build()
    assert len(calls) == 2  # the cached call, then the direct one


def test_another_key_builds_again():
    """A changed source (another key) is never answered from the old file."""
    assert cached("t", "k1", lambda: 1) == 1
    assert cached("t", "k2", lambda: 2) == 2
    assert cached("t", "k1", lambda: 3) == 1


def test_files_key_changes_when_a_file_changes(tmp_path):
    """Size or modification time of a source changes the key; a missing file is a key too."""
    path = tmp_path / "src.csv"
    missing = files_key([path])
    path.write_text("a")
    before = files_key([path])
    path.write_text("ab")
    assert len({missing, before, files_key([path])}) == 3


def test_an_unwritable_cache_still_answers(tmp_path, monkeypatch):
    """When the cache directory cannot be made, the value is built and returned anyway."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("DISPATCH_CACHE_DIR", str(blocker / "sub"))
    assert cached("t", "k", lambda: [1]) == [1]
    assert not os.path.exists(blocker / "sub")
