"""`parley doctor` on healthy and broken installations, and `parley backup` of a live SQLite database."""

from __future__ import annotations

import io
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
from test_admin_cli import SECRET, url_string

from conftest import Chat, connect, frame_of
from parley import cli
from parley.settings import DatabaseUrl


@pytest.fixture
def installation(database_url: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A migrated database, a built web app and a secret key: everything `parley serve` needs."""
    monkeypatch.chdir(tmp_path)
    for key in ("HOST", "PORT", "REDIS_URL", "COOKIE_SECURE", "FRONTEND_DIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", url_string(database_url))
    monkeypatch.setenv("SECRET_KEY", SECRET)
    dist = tmp_path / "frontend" / "dist"
    dist.mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html>")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["migrate"]) == 0
    return tmp_path


def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str]]:
    capsys.readouterr()
    code = cli.main(["doctor"])
    out = capsys.readouterr().out
    verdicts = {}
    for line in out.splitlines():
        verdict, rest = line.split(maxsplit=1)
        name = rest.split("  ")[0]
        verdicts[name] = verdict
    return code, verdicts


def test_a_healthy_installation(installation: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, verdicts = doctor(capsys)
    assert verdicts == {
        "settings": "ok",
        "secret key": "ok",
        "database": "ok",
        "redis": "ok",
        "web app": "ok",
        "files": "ok",
        "clock": "ok",
    }
    assert code == 0


def test_redis_reachable(
    installation: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    code, verdicts = doctor(capsys)
    if verdicts["redis"] != "ok":
        from conftest import service_missing

        service_missing("Redis on 127.0.0.1:6379")
    assert code == 0


@pytest.mark.parametrize(
    ("change", "check", "verdict"),
    [
        ({"PORT": "eighty"}, "settings", "fail"),
        ({"REDIS_URL": "redis://:hunter2@127.0.0.1:1/0"}, "redis", "fail"),
        ({"SECRET_KEY": ""}, "secret key", "warn"),
        ({"FRONTEND_DIR": "/nonexistent/dist"}, "web app", "fail"),
    ],
)
def test_a_broken_installation(
    installation: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, str],
    check: str,
    verdict: str,
) -> None:
    for key, value in change.items():
        monkeypatch.setenv(key, value)
    capsys.readouterr()
    code = cli.main(["doctor"])
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.split("  ")[1].strip() == check or check in line)
    assert line.startswith(verdict), out
    assert code == (1 if verdict == "fail" else 0), out
    assert "hunter2" not in out and "Traceback" not in out


def test_pending_migrations_fail(
    database_url: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url_string(database_url))
    monkeypatch.setenv("SECRET_KEY", SECRET)
    code, verdicts = doctor(capsys)
    assert verdicts["database"] == "fail"
    assert code == 1


def test_an_unusable_files_dir_fails(
    sqlite_url: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """FILES_DIR is checked itself, not only the data directory: here it is a file, which nobody can write into."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "uploads").write_text("")
    monkeypatch.setenv("DATABASE_URL", url_string(sqlite_url))
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("FILES_DIR", str(tmp_path / "uploads"))
    code, verdicts = doctor(capsys)
    assert verdicts["files"] == "fail"
    assert code == 1


def test_an_unwritable_data_directory_fails(
    sqlite_url: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The directory of the SQLite database must be writable (the server writes the database and the WAL there).
    Tests run as root, who writes anywhere: so the directory is made a file's path, which nobody can write into."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "not-a-dir").write_text("")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/not-a-dir/parley.db")
    monkeypatch.setenv("SECRET_KEY", SECRET)
    code, verdicts = doctor(capsys)
    assert verdicts["files"] == "fail"
    assert code == 1


# -- backup ---------------------------------------------------------------------------------------------------


async def test_backup_while_the_server_writes(
    sqlite_url: DatabaseUrl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup taken while messages are being sent is a consistent database holding what was committed."""
    async with Chat(sqlite_url) as chat:
        server = await chat.server()
        alice = await chat.user(server, "alice")
        ws, _ = await connect(alice)
        for n in range(15):
            await ws.send_json({"type": "message.send", "room_id": 1, "body": f"m{n}", "client_id": f"c{n}"})
            await frame_of(ws, "message.ack")
        monkeypatch.setenv("DATABASE_URL", url_string(sqlite_url))
        monkeypatch.setenv("SECRET_KEY", SECRET)
        target = tmp_path / "backup.db"
        # cli.main runs its own event loop: run it in a thread beside the server's.
        import asyncio

        code = await asyncio.to_thread(cli.main, ["backup", str(target)])
        assert code == 0
        await ws.send_json({"type": "message.send", "room_id": 1, "body": "after", "client_id": "late"})
        await frame_of(ws, "message.ack")
        await ws.close()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        bodies = [row[0] for row in db.execute("SELECT body FROM messages ORDER BY seq")]
    assert bodies == [f"m{n}" for n in range(15)]


def test_backup_never_overwrites(
    installation: Path, capsys: pytest.CaptureFixture[str], database_url: DatabaseUrl
) -> None:
    target = installation / "exists.db"
    target.write_text("precious")
    code = cli.main(["backup", str(target)])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("parley: ") and "Traceback" not in err
    assert target.read_text() == "precious"
    if database_url.scheme == "mysql":
        assert "mariadb-dump" in err
    else:
        assert "exists" in err
