"""`parley import` and `parley export` against hostile or unusual files (finding 11 of issue 10), and which
commands may create a SQLite database. Run in-process through cli.main on SQLite and MariaDB."""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import pytest
from test_admin_cli import SECRET, all_messages, fails, seed_history, url_string, with_store

from parley import cli
from parley.settings import DatabaseUrl
from parley.store import Store


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


def line(message_id: int, room: str, *, body: str = "hello", user: str = "ann") -> str:
    record = {
        "id": message_id,
        "room": {"id": 50 + message_id, "name": room},
        "seq": 1,
        "user": {"id": 7, "username": user},
        "body": body,
        "created_at": 1_600_000_000_000,
        "client_id": f"c-{message_id}",
    }
    return json.dumps(record) + "\n"


def test_a_bad_room_name_late_in_the_file_stores_nothing(
    db: DatabaseUrl, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two missing rooms, the second with a trailing space: nothing is created, not even the first room."""
    export = tmp_path / "rooms.jsonl"
    export.write_text(line(1, "aaa-new") + line(2, "zzz-bad "))
    capsys.readouterr()
    fails(capsys, cli.main(["import", str(export), "--create-users"]), "bad room name 'zzz-bad '")
    assert with_store(db, lambda s: s.room_by_name("aaa-new")) is None
    assert with_store(db, lambda s: s.account_by_name("ann")) is None
    assert all_messages(db) == []


def test_a_deeply_nested_line_is_a_file_line_error(
    db: DatabaseUrl, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "deep.jsonl"
    export.write_text(line(1, "general") + "[" * 1001 + "\n")
    capsys.readouterr()
    fails(capsys, cli.main(["import", str(export)]), f"{export}:2: not a Parley export line (nested too deeply)")


def test_a_byte_order_mark_is_accepted(db: DatabaseUrl, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Editors on Windows write UTF-8 with a BOM; line 1 is still a message."""
    sent = seed_history(db, int(time.time() * 1000))
    export = tmp_path / "history.jsonl"
    assert cli.main(["export", "-o", str(export)]) == 0
    export.write_bytes(b"\xef\xbb\xbf" + export.read_bytes())
    assert cli.main(["purge", "--older-than", "1d", "--yes"]) == 0
    capsys.readouterr()
    assert cli.main(["import", str(export)]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith(f"imported {export}: 10 message(s); ")
    assert all_messages(db) == sent


def test_export_escapes_unicode_line_breaks(
    db: DatabaseUrl, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A body holding U+2028, U+2029 and NEL stays on its line for tools that split on Unicode line breaks."""
    body = "one\u2028two\u2029three\x85four\nfive ✓"
    export = tmp_path / "in.jsonl"
    export.write_text(line(1, "general", body=body), encoding="utf-8")
    assert cli.main(["import", str(export), "--create-users"]) == 0
    out = tmp_path / "out.jsonl"
    assert cli.main(["export", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert len(text.splitlines()) == 1, text
    assert "\\u2028" in text and "\\u2029" in text and "\\u0085" in text and "✓" in text
    assert json.loads(text)["body"] == body
    # stdout too
    capsys.readouterr()
    assert cli.main(["export"]) == 0
    assert capsys.readouterr().out == text


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


def test_reactions_survive_export_purge_import(
    db: DatabaseUrl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reactions go out with their message (emoji and users in their order) and come back with it."""
    sent = seed_history(db, int(time.time() * 1000))
    ann, bob = sent[1].user_id, sent[0].user_id
    thumbs, party = "\U0001f44d", "\U0001f389"

    async def react(store: Store) -> None:
        await store.add_reaction(sent[0].id, bob, party, 5, max_emoji=20)
        await store.add_reaction(sent[0].id, ann, thumbs, 6, max_emoji=20)
        await store.add_reaction(sent[0].id, bob, thumbs, 7, max_emoji=20)

    with_store(db, react)
    before = [m.reactions for m in all_messages(db)]
    assert [(r.emoji, [u.username for u in r.users]) for r in before[0]] == [(party, ["bob"]), (thumbs, ["ann", "bob"])]

    export = tmp_path / "history.jsonl"
    assert cli.main(["export", "-o", str(export)]) == 0
    first = json.loads(export.read_text(encoding="utf-8").splitlines()[0])
    assert first["reactions"] == [{"emoji": party, "users": ["bob"]}, {"emoji": thumbs, "users": ["ann", "bob"]}]
    assert cli.main(["purge", "--older-than", "1d", "--yes"]) == 0
    assert all_messages(db) == []
    assert cli.main(["import", str(export)]) == 0
    capsys.readouterr()
    assert [m.reactions for m in all_messages(db)] == before


def test_an_import_with_a_bad_reaction_stores_nothing(
    db: DatabaseUrl, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "bad.jsonl"
    good = json.loads(line(1, "general"))
    bad = {**json.loads(line(2, "general")), "seq": 2, "reactions": [{"emoji": "<b>", "users": ["ann"]}]}
    export.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    capsys.readouterr()
    fails(capsys, cli.main(["import", str(export), "--create-users"]), "bad.jsonl:2: not a Parley export line")
    assert all_messages(db) == []
