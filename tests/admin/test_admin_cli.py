"""The `parley` admin commands, run in-process through cli.main against real SQLite and MariaDB databases.

Every error path is checked for its contract: exit status 1 and exactly one line, "parley: ...", on stderr.
Commands that meet a running server (disable, online) run in a worker thread beside the test's event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import argon2
import pytest

from conftest import Chat, close_code, connect, eventually, frame_of, migrated
from parley import cli, keys
from parley.admin import commands as admin_cli
from parley.clock import FakeClock
from parley.models import Message, User
from parley.settings import DatabaseUrl, Settings
from parley.store import RoomArchived, Store, migrations, open_store, session_key

SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "a long enough password"
DAY_MS = 86_400_000
T = TypeVar("T")


def url_string(url: DatabaseUrl) -> str:
    if url.scheme == "sqlite":
        return f"sqlite:///{url.path}"
    return f"mysql://{url.user}@localhost/{url.name}?unix_socket={url.unix_socket}"


class Tty(io.StringIO):
    """A stdin that claims to be a terminal, with the operator's typing in it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def env(database_url: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> DatabaseUrl:
    monkeypatch.chdir(tmp_path)
    for key in ("HOST", "PORT", "REDIS_URL", "COOKIE_SECURE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", url_string(database_url))
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return database_url


@pytest.fixture
def db(env: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> DatabaseUrl:
    """A migrated database the environment points at."""
    assert cli.main(["migrate"]) == 0
    capsys.readouterr()
    return env


def parley(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str | io.StringIO = "") -> int:
    monkeypatch.setattr(sys, "stdin", stdin if isinstance(stdin, io.StringIO) else io.StringIO(stdin))
    return cli.main(list(argv))


def with_store(url: DatabaseUrl, use: Callable[[Store], Awaitable[T]]) -> T:
    """Look at (or prepare) the database directly, from a synchronous test."""

    async def run() -> T:
        store = await open_store(url)
        try:
            return await use(store)
        finally:
            await store.close()

    return asyncio.run(run())


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The one line a failed command printed on stderr (and nothing that looks like a traceback)."""
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("parley: "), err
    assert "Traceback" not in err
    return lines[0]


def fails(capsys: pytest.CaptureFixture[str], code: int, fragment: str) -> None:
    assert code == 1
    line = error_line(capsys)
    assert fragment in line, line


def add_user(url: DatabaseUrl, name: str, *, admin: bool = False) -> int:
    async def make(store: Store) -> int:
        return (await store.create_user(name, "h", 1, is_admin=admin)).id

    return with_store(url, make)


# -- migrate --------------------------------------------------------------------------------------------------


def test_migrate_then_check(env: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> None:
    every = migrations.available(env.scheme)
    assert [m.name for m in every[:4]] == ["initial", "revocations", "room_events", "invites"]
    if env.scheme == "sqlite":
        # Only migrate creates a SQLite database: --check on a missing file says so and creates nothing.
        fails(capsys, cli.main(["migrate", "--check"]), "no SQLite database at")
    else:
        assert cli.main(["migrate", "--check"]) == 1
        assert capsys.readouterr().out == f"{len(every)} migration(s) pending\n"
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out == "".join(f"applied {m.version:04d}_{m.name}\n" for m in every)
    assert cli.main(["migrate", "--check"]) == 0
    assert capsys.readouterr().out == "schema up to date\n"
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out == "schema up to date\n"


def test_admin_commands_refuse_an_unmigrated_database(env: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> None:
    if env.scheme == "sqlite":
        Path(env.path).touch()  # an empty file is an empty SQLite database
    behind = len(migrations.available(env.scheme))
    fails(capsys, cli.main(["list-users"]), f"{behind} migration(s) behind: run `parley migrate`")


# -- users ----------------------------------------------------------------------------------------------------


def test_create_user_from_stdin_and_list(
    db: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert parley(monkeypatch, "create-user", "Boss", "--admin", "--password-stdin", stdin=PASSWORD + "\n") == 0
    assert capsys.readouterr().out == "created admin Boss (id 1)\n"
    assert parley(monkeypatch, "create-user", "ann", "--password-stdin", stdin=PASSWORD + "\r\n") == 0
    assert capsys.readouterr().out == "created user ann (id 2)\n"

    account = with_store(db, lambda s: s.account_by_name("ann"))
    assert account is not None and not account.is_admin
    assert argon2.PasswordHasher().verify(account.password_hash, PASSWORD)
    # New users join general, as they do when they register.
    assert [r.name for r in with_store(db, lambda s: s.user_rooms(2))] == ["general"]

    assert cli.main(["list-users"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "username", "admin", "disabled", "created", "(UTC)", "last", "seen", "(UTC)"]
    assert lines[1].split()[:3] == ["1", "Boss", "yes"]
    assert lines[2].split()[:2] == ["2", "ann"]
    assert cli.main(["list-users", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["username"], r["is_admin"], r["disabled"], r["last_seen"]) for r in records] == [
        (1, "Boss", True, False, None),
        (2, "ann", False, False, None),
    ]


def test_create_user_prompts_twice_on_a_terminal(
    db: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = iter([PASSWORD, PASSWORD, PASSWORD, "something else"])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(typed)

    monkeypatch.setattr(admin_cli.getpass, "getpass", fake_getpass)
    assert parley(monkeypatch, "create-user", "carl", stdin=Tty()) == 0
    assert prompts == ["Password: ", "Password (again): "]
    capsys.readouterr()
    fails(capsys, parley(monkeypatch, "create-user", "dora", stdin=Tty()), "the passwords do not match")
    assert with_store(db, lambda s: s.account_by_name("dora")) is None


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["create-user", "Ann", "--password-stdin"], PASSWORD, "a user named 'Ann' exists"),
        (["create-user", "ab", "--password-stdin"], PASSWORD, "bad username 'ab'"),
        (["create-user", "has space", "--password-stdin"], PASSWORD, "bad username"),
        (["create-user", "newbie", "--password-stdin"], "short", "a password must be 8-256 characters"),
        (["create-user", "newbie", "--password-stdin"], "x" * 257, "a password must be 8-256 characters"),
        (["create-user", "newbie", "--password-stdin"], "", "a password must be 8-256 characters"),
        (["create-user", "newbie"], PASSWORD, "stdin is not a terminal"),
        (["reset-password", "ann", "--password-stdin"], "short", "a password must be 8-256 characters"),
        (["reset-password", "nobody", "--password-stdin"], PASSWORD, "no user named 'nobody'"),
        (["set-admin", "nobody"], "", "no user named 'nobody'"),
        (["unset-admin", "nobody"], "", "no user named 'nobody'"),
        (["disable", "nobody"], "", "no user named 'nobody'"),
        (["enable", "nobody"], "", "no user named 'nobody'"),
        (["add-member", "general", "nobody"], "", "no user named 'nobody'"),
        (["remove-member", "general", "nobody"], "", "no user named 'nobody'"),
    ],
)
def test_user_mistakes(
    db: DatabaseUrl,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    add_user(db, "ann")
    fails(capsys, parley(monkeypatch, *argv, stdin=stdin), message)
    assert capsys.readouterr().out == ""
    assert [a.username for a in with_store(db, lambda s: s.list_accounts())] == ["ann"]


def test_reset_password_ends_every_session(
    db: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user_id = add_user(db, "ann")

    async def sessions(store: Store) -> None:
        await store.create_session("s1", user_id, 1)
        await store.create_session("s2", user_id, 1)

    with_store(db, sessions)
    assert parley(monkeypatch, "reset-password", "ANN", "--password-stdin", stdin=PASSWORD) == 0
    assert capsys.readouterr().out == "password of ann changed; 2 session(s) ended\n"
    account = with_store(db, lambda s: s.account_by_id(user_id))
    assert account is not None and argon2.PasswordHasher().verify(account.password_hash, PASSWORD)
    ended = with_store(db, lambda s: s.revocations_after(0))
    assert sorted((key, reason) for _, key, reason in ended) == sorted(
        [(session_key("s1"), "password_changed"), (session_key("s2"), "password_changed")]
    )


def test_admin_flag_and_disable(db: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> None:
    user_id = add_user(db, "ann")
    with_store(db, lambda s: s.create_session("s1", user_id, 1))

    def flags() -> tuple[bool, bool]:
        account = with_store(db, lambda s: s.account_by_id(user_id))
        assert account is not None
        return account.is_admin, account.disabled

    assert cli.main(["set-admin", "ann"]) == 0
    assert flags() == (True, False)
    assert cli.main(["unset-admin", "ann"]) == 0
    assert flags() == (False, False)
    assert cli.main(["disable", "ann"]) == 0
    assert flags() == (False, True)
    assert with_store(db, lambda s: s.session_user("s1", 0)) is None
    assert cli.main(["enable", "ann"]) == 0
    assert flags() == (False, False)
    assert capsys.readouterr().out.splitlines() == [
        "ann is an admin",
        "ann is not an admin",
        "ann disabled; 1 session(s) ended",
        "ann enabled",
    ]


# -- rooms ----------------------------------------------------------------------------------------------------


def test_rooms(db: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> None:
    user_id = add_user(db, "ann")
    assert cli.main(["create-room", "Ops", "--private", "--topic", "on call"]) == 0
    assert cli.main(["create-room", "lobby"]) == 0
    assert cli.main(["add-member", "ops", "ANN"]) == 0
    assert cli.main(["add-member", "ops", "ann"]) == 0
    assert cli.main(["rename-room", "OPS", "Operations"]) == 0
    assert cli.main(["archive-room", "operations"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "created private room Ops (id 2)",
        "created public room lobby (id 3)",
        "ann added to Ops",
        "ann was already a member of Ops",
        "renamed room Ops to Operations (id 2)",
        "room Operations is archived (read-only)",
    ]
    room = with_store(db, lambda s: s.room(2))
    assert room is not None
    assert (room.name, room.topic, room.private, room.archived) == ("Operations", "on call", True, True)
    with pytest.raises(RoomArchived):
        with_store(db, lambda s: s.insert_message(2, User(user_id, "ann"), "hi", "c1", 1))

    assert cli.main(["list-rooms", "--json"]) == 0
    records = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert records["Operations"] | {"created_at": 0} == {
        "id": 2,
        "kind": "room",
        "name": "Operations",
        "topic": "on call",
        "private": True,
        "archived": True,
        "members": 1,
        "last_seq": 0,
        "created_at": 0,
    }
    assert sorted(records) == ["Operations", "general", "lobby"]

    assert cli.main(["unarchive-room", "Operations"]) == 0
    assert cli.main(["remove-member", "Operations", "ann"]) == 0
    assert cli.main(["remove-member", "Operations", "ann"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "room Operations is writable again",
        "ann removed from Operations",
        "ann was not a member of Operations",
    ]
    assert cli.main(["list-rooms"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:6] == ["id", "name", "private", "archived", "members", "last"]
    assert lines[2].split()[:4] == ["2", "Operations", "yes", "0"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["create-room", "General"], "a room named 'General' exists"),
        (["create-room", " padded"], "bad room name ' padded'"),
        (["create-room", "x" * 65], "bad room name"),
        (["create-room", "ok", "--topic", "t" * 251], "bad room topic"),
        (["rename-room", "nowhere", "x"], "no room named 'nowhere'"),
        (["rename-room", "lobby", "GENERAL"], "a room named 'GENERAL' exists"),
        (["rename-room", "lobby", "bad\tname"], "bad room name"),
        (["archive-room", "nowhere"], "no room named 'nowhere'"),
        (["unarchive-room", "nowhere"], "no room named 'nowhere'"),
        (["add-member", "nowhere", "ann"], "no room named 'nowhere'"),
        (["remove-member", "nowhere", "ann"], "no room named 'nowhere'"),
        (["export", "--room", "nowhere"], "no room named 'nowhere'"),
        (["purge", "--older-than", "1d", "--room", "nowhere", "--yes"], "no room named 'nowhere'"),
    ],
)
def test_room_mistakes(db: DatabaseUrl, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    add_user(db, "ann")
    assert cli.main(["create-room", "lobby"]) == 0
    capsys.readouterr()
    fails(capsys, cli.main(argv), message)
    assert sorted(r.name for r in with_store(db, lambda s: s.all_rooms())) == ["general", "lobby"]


# -- stats ----------------------------------------------------------------------------------------------------


def test_stats(db: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> None:
    user_id = add_user(db, "ann", admin=True)
    add_user(db, "bob")
    with_store(db, lambda s: s.insert_message(1, User(user_id, "ann"), "hi", "c1", 1))
    assert cli.main(["stats", "--json"]) == 0
    numbers = json.loads(capsys.readouterr().out)
    assert numbers["database_bytes"] > 0
    assert numbers | {"database_bytes": 0} == {
        "users": 2,
        "disabled_users": 0,
        "admins": 1,
        "rooms": 1,
        "archived_rooms": 0,
        "messages": 1,
        "sessions": 0,
        "database_bytes": 0,
        "database": db.scheme,
    }
    assert cli.main(["stats"]) == 0
    out = capsys.readouterr().out
    rows = {line.split("  ")[0]: line.split("  ")[-1].strip() for line in out.splitlines()}
    assert rows["users"] == "2 (1 admin, 0 disabled)"
    assert rows["messages"] == "1"
    assert rows[f"database ({db.scheme})"].endswith("KiB")


# -- history --------------------------------------------------------------------------------------------------


def seed_history(url: DatabaseUrl, now_ms: int) -> list[Message]:
    """Two authors, two rooms (one private), unicode bodies; messages 100 to 10 days old."""

    async def seed(store: Store) -> list[Message]:
        ann = await store.create_user("ann", "h", 1)
        bob = await store.create_user("bob", "h", 1)
        ops = await store.create_room("ops", "", True, ann.id, 1)
        sent = []
        for i in range(10):
            author = User(ann.id, "ann") if i % 2 else User(bob.id, "bob")
            room_id = ops.id if i % 3 == 0 else 1
            body = f'message {i} ✓ 🚀 "quoted"\nsecond line'
            message, _ = await store.insert_message(room_id, author, body, f"c-{i}", now_ms - (100 - i * 10) * DAY_MS)
            sent.append(message)
        return sent

    return with_store(url, seed)


def all_messages(url: DatabaseUrl) -> list[Message]:
    async def read(store: Store) -> list[Message]:
        return [m async for m in store.iter_messages(None)]

    return with_store(url, read)


def test_export_purge_import_round_trip(
    db: DatabaseUrl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sent = seed_history(db, int(time.time() * 1000))
    export = tmp_path / "history.jsonl"
    assert cli.main(["export", "-o", str(export)]) == 0
    assert capsys.readouterr() == (f"exported 10 message(s) to {export}\n", "")
    assert not (tmp_path / "history.jsonl.part").exists()
    lines = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {
        "id": sent[0].id,
        "room": {"id": 2, "name": "ops"},
        "seq": 1,
        "user": {"id": sent[0].user_id, "username": "bob"},
        "body": sent[0].body,
        "created_at": sent[0].created_at,
        "client_id": "c-0",
        "edited_at": None,
        "deleted": False,
    }
    assert [line["id"] for line in lines] == [m.id for m in sent]

    assert parley(monkeypatch, "purge", "--older-than", "1d", "--yes") == 0
    assert capsys.readouterr().out == "deleted 10 message(s) in 1 batch(es)\n"
    assert all_messages(db) == []

    assert cli.main(["import", str(export)]) == 0
    assert capsys.readouterr().out == f"imported {export}: 10 message(s); 10 added, 0 already present, 0 conflicting\n"
    assert all_messages(db) == sent

    # Idempotent: the same file again adds nothing.
    assert cli.main(["import", str(export)]) == 0
    assert capsys.readouterr().out == f"imported {export}: 10 message(s); 0 added, 10 already present, 0 conflicting\n"
    assert all_messages(db) == sent

    # New messages continue each room's sequence.
    general_top = max(m.seq for m in sent if m.room_id == 1)
    new, _ = with_store(db, lambda s: s.insert_message(1, User(sent[1].user_id, "ann"), "after", "c-new", 1))
    assert new.seq == general_top + 1


def test_export_to_stdout_one_room_without_progress(
    db: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sent = seed_history(db, int(time.time() * 1000))
    assert cli.main(["export", "--room", "OPS"]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # stderr is not a terminal here: no progress
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == [m.id for m in sent if m.room_id == 2]
    assert {r["room"]["name"] for r in records} == {"ops"}


def test_import_into_a_fresh_installation(
    db: DatabaseUrl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    line = {
        "id": 40,
        "room": {"id": 7, "name": "Archive 2023"},
        "seq": 12,
        "user": {"id": 99, "username": "gone"},
        "body": "old news",
        "created_at": 1_600_000_000_000,
        "client_id": "legacy-1",
    }
    export = tmp_path / "old.jsonl"
    export.write_text(json.dumps(line) + "\n\n")
    # An unknown author stops the import before anything is stored.
    fails(capsys, cli.main(["import", str(export)]), "1 author(s) do not exist here: gone")
    assert all_messages(db) == []
    assert with_store(db, lambda s: s.room_by_name("Archive 2023")) is None

    assert cli.main(["import", str(export), "--create-users"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("created disabled user gone (id 1)")
    assert out[1] == "created private room Archive 2023 (id 2): add members with add-member"
    [message] = all_messages(db)
    assert (message.id, message.room_id, message.seq, message.user_id, message.username) == (40, 2, 12, 1, "gone")
    assert (message.body, message.created_at, message.client_id) == ("old news", 1_600_000_000_000, "legacy-1")
    placeholder = with_store(db, lambda s: s.account_by_name("gone"))
    assert placeholder is not None and placeholder.disabled
    room = with_store(db, lambda s: s.room(2))
    assert room is not None and room.private and room.last_seq == 12


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json\n", "old.jsonl:1: not a Parley export line (not JSON)"),
        ("[1, 2]\n", "old.jsonl:1: not a Parley export line"),
        ('{"id": 1}\n', "old.jsonl:1: not a Parley export line ("),
        ('{"id": "1"}\n', "old.jsonl:1: not a Parley export line (id: Not a valid integer.)"),
    ],
)
def test_import_refuses_bad_files(
    db: DatabaseUrl, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    good = tmp_path / "good.jsonl"
    seed_history(db, int(time.time() * 1000))
    assert cli.main(["export", "-o", str(good)]) == 0
    first = good.read_text().splitlines()[0]
    bad = tmp_path / "old.jsonl"
    bad.write_text(first + "\n" + content)
    capsys.readouterr()
    fails(capsys, cli.main(["import", str(bad)]), message.replace(":1:", ":2:"))


def test_import_missing_or_binary_file(db: DatabaseUrl, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fails(capsys, cli.main(["import", str(tmp_path / "nope.jsonl")]), "cannot read")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00junk\n")
    fails(capsys, cli.main(["import", str(binary)]), "binary.jsonl:1: not UTF-8 text")


def test_import_reports_conflicts(db: DatabaseUrl, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sent = seed_history(db, int(time.time() * 1000))
    export = tmp_path / "h.jsonl"
    assert cli.main(["export", "-o", str(export)]) == 0
    records = [json.loads(line) for line in export.read_text().splitlines()]
    records[0]["client_id"] = "tampered"  # same id, a different message
    export.write_text("".join(json.dumps(r) + "\n" for r in records))
    capsys.readouterr()
    fails(capsys, cli.main(["import", str(export)]), "1 message(s) were skipped")
    assert all_messages(db) == sent


def test_purge_runs_in_batches(
    db: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    now = int(time.time() * 1000)
    user_id = add_user(db, "ann")

    async def fill(store: Store) -> None:
        old = [Message(i, 1, i, user_id, "ann", f"old {i}", now - 100 * DAY_MS + i, f"o{i}") for i in range(1, 5001)]
        for start in range(0, len(old), 1000):
            await store.import_messages(old[start : start + 1000])
        for i in range(3):
            await store.insert_message(1, User(user_id, "ann"), f"new {i}", f"n{i}", now)

    with_store(db, fill)
    assert parley(monkeypatch, "purge", "--older-than", "90d", "--dry-run") == 0
    assert capsys.readouterr().out.startswith("5000 message(s) older than 90d (before ")
    assert with_store(db, lambda s: s.count_messages()) == 5003

    assert parley(monkeypatch, "purge", "--older-than", "90d", "--yes", "--batch", "1000") == 0
    assert capsys.readouterr().out == "deleted 5000 message(s) in 5 batch(es)\n"
    remaining = all_messages(db)
    assert [m.body for m in remaining] == ["new 0", "new 1", "new 2"]
    assert [m.seq for m in remaining] == [5001, 5002, 5003]

    assert parley(monkeypatch, "purge", "--older-than", "90d", "--yes") == 0
    assert capsys.readouterr().out == "no message is older than 90d; nothing to delete\n"


def test_purge_asks_on_a_terminal(
    db: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_history(db, int(time.time() * 1000))
    # Not a terminal and no --yes: refused, nothing deleted.
    fails(capsys, parley(monkeypatch, "purge", "--older-than", "35d"), "refusing to delete without --yes")
    assert with_store(db, lambda s: s.count_messages()) == 10
    # On a terminal the prompt goes to stderr and the operator's Enter ends its line; "n" declines.
    assert parley(monkeypatch, "purge", "--older-than", "35d", stdin=Tty("n\n")) == 1
    prompt, error = capsys.readouterr().err.split("? [y/N] ")
    assert prompt.startswith("Delete 7 message(s) created before ")
    assert error == "parley: not confirmed; nothing deleted\n"
    assert with_store(db, lambda s: s.count_messages()) == 10
    assert parley(monkeypatch, "purge", "--older-than", "35d", "--room", "ops", stdin=Tty("y\n")) == 0
    out, err = capsys.readouterr()
    # ops holds the messages 100, 70, 40 and 10 days old.
    assert err.startswith("Delete 3 message(s) in ops created before ")
    assert out == "deleted 3 message(s) in ops in 1 batch(es)\n"
    assert with_store(db, lambda s: s.count_messages(2)) == 1
    assert with_store(db, lambda s: s.count_messages()) == 7


def test_purge_cutoff_comes_from_the_clock(db: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI reads time from its Clock: a fake one decides what counts as old."""
    clock = FakeClock(start_ms=2_000_000_000_000)
    seed_history(db, clock.now_ms())
    parser = argparse.ArgumentParser()
    admin_cli.add_commands(parser.add_subparsers(dest="command", required=True), clock_factory=lambda: clock)
    settings = Settings.from_env(os.environ)
    args = parser.parse_args(["purge", "--older-than", "45d", "--dry-run"])
    assert args.func(args, settings) == 0
    # Ages are 100, 90, ..., 10 days: those above 45 days are 100, 90, 80, 70, 60, 50.
    assert capsys.readouterr().out.startswith("6 message(s) older than 45d")
    clock.advance(10 * DAY_MS)
    assert args.func(args, settings) == 0
    assert capsys.readouterr().out.startswith("7 message(s) older than 45d")


@pytest.mark.parametrize("age", ["5x", "0d", "-1d", "", "1.5d", "d", "90", "1 d"])
def test_bad_durations(db: DatabaseUrl, capsys: pytest.CaptureFixture[str], age: str) -> None:
    fails(capsys, cli.main(["purge", f"--older-than={age}", "--yes"]), "bad duration")


def test_bad_batch(db: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> None:
    fails(capsys, cli.main(["purge", "--older-than", "1d", "--batch", "0", "--yes"]), "bad --batch 0")


# -- failures before any command runs ----------------------------------------------------------------------------


def test_database_unreachable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"mysql://root@localhost/parley?unix_socket={tmp_path}/no.sock")
    fails(capsys, cli.main(["list-users"]), "cannot connect to MySQL")
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{blocker}/sub/parley.db")
    fails(capsys, cli.main(["stats"]), "no SQLite database at")
    fails(capsys, cli.main(["migrate"]), "cannot create the SQLite database")
    monkeypatch.setenv("DATABASE_URL", "postgres://x/y")
    fails(capsys, cli.main(["stats"]), "unsupported scheme")


def subcommands() -> Iterator[str]:
    parser = cli.build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices


@pytest.mark.parametrize("command", list(subcommands()))
def test_help_on_every_command(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: parley {command}")


def test_end_to_end_in_a_subprocess(sqlite_url: DatabaseUrl, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": url_string(sqlite_url), "SECRET_KEY": SECRET}
    parley_bin = [sys.executable, "-m", "parley"]

    def run(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*parley_bin, *argv], input=stdin, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
        )

    assert run("migrate").returncode == 0
    created = run("create-user", "root1", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert (created.returncode, created.stdout, created.stderr) == (0, "created admin root1 (id 1)\n", "")
    again = run("create-user", "root1", "--password-stdin", stdin=PASSWORD + "\n")
    assert (again.returncode, again.stdout, again.stderr) == (1, "", "parley: a user named 'root1' exists\n")
    bad = run("purge", "--older-than", "soon")
    assert bad.returncode == 1 and bad.stderr.startswith("parley: bad duration") and bad.stderr.count("\n") == 1
    exported = run("export")
    assert (exported.returncode, exported.stdout, exported.stderr) == (0, "", "")


# -- against a running server -----------------------------------------------------------------------------------


async def in_thread(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    """cli.main beside the test's event loop (it runs its own with asyncio.run)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return await asyncio.to_thread(cli.main, list(argv))


@pytest.fixture
def server_env(chat: Chat, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Chat:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url_string(chat.url))
    monkeypatch.setenv("SECRET_KEY", SECRET)
    return chat


async def test_disable_closes_open_websockets_within_a_second(
    server_env: Chat, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = server_env
    server = await chat.server()
    wes = await chat.user(server, "wes")
    ws, _ = await connect(wes)
    other_tab, _ = await connect(wes)
    assert await in_thread(monkeypatch, "disable", "wes") == 0
    started = asyncio.get_running_loop().time()
    assert await close_code(ws, timeout=1.0) == 4401
    assert await close_code(other_tab, timeout=1.0) == 4401
    assert asyncio.get_running_loop().time() - started < 1.0
    assert capsys.readouterr().out == "wes disabled; 1 session(s) ended\n"
    assert (await wes.get("/api/me")).status == 401
    login = await wes.post("/api/auth/login", json={"username": "wes", "password": "correct horse battery"})
    assert login.status == 401


async def test_room_changes_from_the_cli_reach_open_sockets(
    server_env: Chat, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI writes the database only; the servers' room-change poll tells the people connected."""
    chat = server_env
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    room = (await (await ana.post("/api/rooms", json={"name": "ops", "private": True})).json())["room"]
    ana_ws, _ = await connect(ana)
    bo_ws, _ = await connect(bo)
    assert await in_thread(monkeypatch, "add-member", "ops", "bob") == 0
    joined = await frame_of(bo_ws, "room.joined", timeout=2, skip=("presence", "member.joined"))
    assert joined["room"]["id"] == room["id"]
    # ... followed by the present members' presence, as after a join through the API.
    ana_here = await frame_of(bo_ws, "presence", timeout=2, skip=())
    assert (ana_here["user"]["username"], ana_here["status"]) == ("ana", "online")
    added = await frame_of(ana_ws, "member.joined", timeout=2)
    assert added["user"]["username"] == "bob"
    # Bob's open socket now hears the room live.
    await ana_ws.send_json({"type": "message.send", "room_id": room["id"], "body": "welcome", "client_id": "w"})
    assert (await frame_of(bo_ws, "message.new", timeout=2))["message"]["body"] == "welcome"
    assert await in_thread(monkeypatch, "archive-room", "ops") == 0
    updated = await frame_of(bo_ws, "room.updated", timeout=2)
    assert updated["room"]["archived"] is True
    assert await in_thread(monkeypatch, "remove-member", "ops", "bob") == 0
    assert await frame_of(bo_ws, "room.left", timeout=2, skip=("presence", "room.updated")) == {
        "type": "room.left", "room_id": room["id"]}


async def test_reset_password_closes_open_websockets(
    server_env: Chat, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = server_env
    server = await chat.server()
    wes = await chat.user(server, "wes")
    ws, _ = await connect(wes)
    assert await in_thread(monkeypatch, "reset-password", "wes", "--password-stdin", stdin=PASSWORD) == 0
    assert await close_code(ws, timeout=1.0) == 4401
    login = await wes.post("/api/auth/login", json={"username": "wes", "password": PASSWORD})
    assert login.status == 200


async def test_online_asks_the_running_server(
    server_env: Chat, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = server_env
    server = await chat.server()
    url = str(server.make_url("")).rstrip("/")
    # No admin yet: nobody to ask as.
    assert await in_thread(monkeypatch, "online", "--url", url) == 1
    assert "no enabled admin" in error_line(capsys)

    ann = await chat.user(server, "ann")
    bob = await chat.user(server, "bob")
    await connect(ann)
    await connect(ann)
    bob_ws, _ = await connect(bob)
    await bob_ws.send_json({"type": "presence.set", "status": "idle"})

    async def bob_idle() -> bool:
        return server.app[keys.LIVE].status(2) == "idle"

    await eventually(bob_idle)
    assert await in_thread(monkeypatch, "create-user", "boss", "--admin", "--password-stdin", stdin=PASSWORD) == 0
    capsys.readouterr()
    assert await in_thread(monkeypatch, "online", "--url", url) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split() for line in lines[1:3]] == [["1", "ann", "online", "2"], ["2", "bob", "idle", "1"]]
    assert lines[-1] == f"2 user(s) connected to {url}"

    assert await in_thread(monkeypatch, "online", "--url", url, "--json", "--as", "BOSS") == 0
    body = json.loads(capsys.readouterr().out)
    assert body == {
        "online": [
            {"user": {"id": 1, "username": "ann"}, "status": "online", "connections": 2},
            {"user": {"id": 2, "username": "bob"}, "status": "idle", "connections": 1},
        ]
    }
    # The command's own session is gone afterwards.
    store = await open_store(chat.url)
    try:
        assert (await store.admin_counts())["sessions"] == 2  # ann's and bob's
    finally:
        await store.close()

    assert await in_thread(monkeypatch, "online", "--url", url, "--as", "ann") == 1
    assert error_line(capsys) == "parley: ann is not an enabled admin"


async def test_online_server_unreachable(
    server_env: Chat, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await migrated(server_env.url)
    assert await in_thread(monkeypatch, "create-user", "boss", "--admin", "--password-stdin", stdin=PASSWORD) == 0
    capsys.readouterr()
    monkeypatch.setenv("PORT", "9")  # discard: nothing listens there
    assert await in_thread(monkeypatch, "online") == 1
    assert error_line(capsys).startswith("parley: cannot reach the server at http://127.0.0.1:9/api/admin/online")


def test_progress_only_on_a_terminal(db: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """stderr a terminal: a counter redrawn in place, ended by a newline; the data on stdout stays clean."""
    user_id = add_user(db, "ann")

    async def fill(store: Store) -> None:
        await store.import_messages([Message(i, 1, i, user_id, "ann", "x", 1, f"c{i}") for i in range(1, 2501)])

    with_store(db, fill)
    terminal = Tty()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["export", "-o", str(tmp_path / "out.jsonl")]) == 0
    assert terminal.getvalue() == "\rexported 1,000 / 2,500 messages\rexported 2,000 / 2,500 messages\n"
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2500
