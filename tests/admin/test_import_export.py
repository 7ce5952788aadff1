"""`parley import` and `parley export` against hostile or unusual files (finding 11 of issue 10), and which
commands may create a SQLite database. Run in-process through cli.main on SQLite and MariaDB."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from test_admin_cli import SECRET, fails, url_string

from parley import cli
from parley.settings import DatabaseUrl


@pytest.fixture
def db(database_url: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> DatabaseUrl:
    """A migrated database the environment points at."""
    monkeypatch.chdir(tmp_path)
    for key in ("HOST", "PORT", "REDIS_URL", "COOKIE_SECURE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", url_string(database_url))
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["migrate"]) == 0
    return database_url


def test_only_migrate_creates_a_sqlite_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo in the directory (or the file name) of DATABASE_URL fails; nothing appears on disk."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    typo = tmp_path / "vra" / "parley.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{typo}")
    for argv in (["list-users"], ["stats"], ["export"], ["migrate", "--check"], ["serve"]):
        fails(capsys, cli.main(argv), f"no SQLite database at {typo}: check DATABASE_URL")
    fails(capsys, cli.main(["migrate"]), f"the directory {typo.parent} does not exist")
    assert not typo.parent.exists()
    # A file name typo in a directory that exists: refused too, except by migrate.
    wrong = tmp_path / "parley.bd"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{wrong}")
    fails(capsys, cli.main(["list-users"]), f"no SQLite database at {wrong}")
    assert not wrong.exists()
    assert cli.main(["migrate"]) == 0
    assert wrong.exists()
    assert cli.main(["list-users"]) == 0
