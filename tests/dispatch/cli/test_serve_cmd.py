"""``dispatch keys create``, ``dispatch db upgrade`` and ``dispatch serve`` argument checks."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from dispatch.cli import main
from dispatch.store.db import make_engine, session_factory, transaction
from dispatch.store.keys import Principal, Role, authenticate
from dispatch.store.migrate import is_current
from tests.support_db import PG_URL, pg_unavailable


def test_keys_create_prints_a_working_key_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The printed key authenticates with the role asked for, on a database it migrated."""
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    assert main(["keys", "create", "--role", "dispatcher", "--database-url", url]) == 0
    key = capsys.readouterr().out.strip()
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        assert authenticate(session=session, key=key) == Principal("dispatcher", Role.DISPATCHER)
    engine.dispose()


def test_keys_list_and_revoke_end_a_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The listed prefix revokes the key: it no longer authenticates; an unknown prefix exits 2."""
    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    assert (
        main(["keys", "create", "--role", "ticketing", "--client", "tix", "--database-url", url])
        == 0
    )
    key = capsys.readouterr().out.strip()
    prefix = key.split("_")[1]
    assert main(["keys", "list", "--database-url", url]) == 0
    header, line = capsys.readouterr().out.splitlines()
    assert header.split() == ["prefix", "client", "role", "created", "state"]
    assert line.split()[:3] == [prefix, "tix", "ticketing"] and line.endswith("active")
    assert main(["keys", "revoke", prefix, "--database-url", url]) == 0
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        assert authenticate(session=session, key=key) is None
    engine.dispose()
    capsys.readouterr()
    assert main(["keys", "list", "--database-url", url]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["keys", "revoke", "nope", "--database-url", url]) == 2
    assert capsys.readouterr().err == (
        "dispatch: error: prefix: no key with prefix 'nope' (see 'dispatch keys list')\n"
    )


def test_db_upgrade_brings_a_new_file_to_the_current_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The URL may come from DISPATCH_DATABASE_URL instead of the flag."""
    url = f"sqlite:///{tmp_path / 'e.sqlite3'}"
    monkeypatch.setenv("DISPATCH_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert "is up to date" in capsys.readouterr().out
    assert is_current(make_engine(url))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--port", "0"], "--port: must be 1..65535, got 0"),
        (["serve", "--workers", "0"], "--workers: must be >= 1, got 0"),
    ],
)
def test_serve_refuses_bad_arguments_in_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad values exit 2 with one line naming the flag, before anything starts."""
    assert main(argv) == 2
    assert capsys.readouterr().err == f"dispatch: error: {message}\n"


def test_unknown_role_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse lists the roles; exit code 2."""
    with pytest.raises(SystemExit) as exit_info:
        main(["keys", "create", "--role", "boss"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'boss'" in capsys.readouterr().err


def _bad_databases(tmp: Path) -> list[tuple[str, str]]:
    """URLs that cannot be opened, and the reason each refusal must give."""
    not_a_database = tmp / "garbage.sqlite3"
    not_a_database.write_text("garbage\n")
    return [
        (f"sqlite:///{tmp / 'missing' / 'x.db'}", "No such file or directory"),
        ("foo://bar", "unknown database kind 'foo'"),
        ("not a url", "not a database URL"),
        ("postgresql+psycopg://nobody:secret@127.0.0.1:1/x", "Connection refused"),
        (f"sqlite:///{not_a_database}", "file is not a database"),
    ]


@pytest.mark.parametrize(
    "command",
    [["db", "upgrade"], ["keys", "list"], ["keys", "create", "--role", "admin"], ["serve"]],
)
def test_a_database_that_cannot_be_opened_is_refused_in_one_line(
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit 2 and one line naming where the URL came from (variable or flag), password hidden."""
    for url, reason in _bad_databases(tmp_path):
        monkeypatch.setenv("DISPATCH_DATABASE_URL", url)
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.startswith("dispatch: error: DISPATCH_DATABASE_URL: ") and err.count("\n") == 1
        assert reason in err and "secret" not in err
        assert main([*command, "--database-url", url]) == 2
        assert capsys.readouterr().err.startswith("dispatch: error: --database-url: ")


@pytest.mark.parametrize("client", ["", "   "])
def test_keys_create_refuses_an_empty_client(
    client: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty name is refused, not silently replaced by the role's name; nothing is stored."""
    database = tmp_path / "c.sqlite3"
    argv = ["keys", "create", "--role", "admin", "--client", client]
    assert main([*argv, "--database-url", f"sqlite:///{database}"]) == 2
    assert capsys.readouterr().err == (
        "dispatch: error: --client: must not be empty (omit it to use the role name)\n"
    )
    assert not database.exists()


def test_serve_refuses_a_busy_port_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another process listening on the port: exit 2 and one line, not uvicorn's errno text."""
    monkeypatch.setenv("DISPATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'd.sqlite3'}")
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err == f"dispatch: error: --port: 127.0.0.1:{port}: already in use\n"


def test_serve_says_where_it_listens_what_database_and_how_to_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The start-up lines come before the server runs (uvicorn itself is replaced here)."""
    started: list[dict[str, object]] = []
    monkeypatch.setattr("uvicorn.run", lambda _app, **kw: started.append(kw))
    monkeypatch.setenv("DISPATCH_MIGRATE_ON_START", "true")  # serve sets it; restored after
    database = tmp_path / "d.sqlite3"
    monkeypatch.setenv("DISPATCH_DATABASE_URL", f"sqlite:///{database}")
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    assert main(["serve", "--port", str(port)]) == 0
    out = capsys.readouterr().out
    assert f"serving http://127.0.0.1:{port} " in out and "/console" in out
    assert f"API docs http://127.0.0.1:{port}/v1/docs" in out
    assert str(database) in out and "Ctrl-C stops the server" in out
    assert started and started[0]["port"] == port


@pytest.mark.skipif(pg_unavailable() is not None, reason=str(pg_unavailable()))
def test_a_missing_postgresql_schema_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DISPATCH_DATABASE_SCHEMA naming no schema: one line and exit 2, nothing created."""
    monkeypatch.setenv("DISPATCH_DATABASE_SCHEMA", "no_such_schema_for_dispatch")
    assert main(["keys", "list", "--database-url", PG_URL]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "DISPATCH_DATABASE_SCHEMA: no schema 'no_such_schema_for_dispatch'" in err
