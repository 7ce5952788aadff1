"""The admin CLI and conversations: `parley delete-message` (reaching open sockets through the servers' poll),
and export/import carrying edits, tombstones and DMs, importing twice adding nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_admin_cli import add_user, db, env, fails, in_thread, server_env, with_store

from conftest import Chat, connect, frame_of
from parley import cli
from parley.models import Message, Room, User
from parley.settings import DatabaseUrl
from parley.store import Store

__all__ = ["db", "env", "server_env"]  # fixtures, used by name below

NOW = 1_700_000_000_000


def _seed(url: DatabaseUrl) -> tuple[Room, list[Message]]:
    """ann and bob: two messages in general (one edited, one deleted), one in their DM."""
    ann, bob = add_user(url, "ann"), add_user(url, "bob")

    async def seed(store: Store) -> tuple[Room, list[Message]]:
        first, _ = await store.insert_message(1, User(ann, "ann"), "helo", "c1", NOW)
        second, _ = await store.insert_message(1, User(bob, "bob"), "secret", "c2", NOW + 1)
        await store.edit_message(first.id, "hello", NOW + 2)
        await store.add_reaction(first.id, bob, "\U0001f44d", NOW + 3, max_emoji=20)
        await store.delete_message(second.id)
        dm, _ = await store.open_dm([ann, bob], ann, NOW)
        await store.insert_message(dm.id, User(bob, "bob"), "just us", "c3", NOW + 4)
        return dm, [m async for m in store.iter_messages(None)]

    return with_store(url, seed)


def test_delete_message(db: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> None:
    _, messages = _seed(db)
    # Also in an archived room, read-only for users but not for the operator.
    assert cli.main(["archive-room", "general"]) == 0
    capsys.readouterr()
    assert cli.main(["delete-message", str(messages[0].id)]) == 0
    assert capsys.readouterr().out == f"deleted message {messages[0].id} (seq 1 in room general)\n"
    assert cli.main(["delete-message", str(messages[0].id)]) == 0
    assert capsys.readouterr().out == f"message {messages[0].id} was already deleted\n"
    assert cli.main(["delete-message", str(messages[2].id)]) == 0
    assert capsys.readouterr().out == f"deleted message {messages[2].id} (seq 1 in a direct conversation)\n"
    gone = with_store(db, lambda s: s.message(messages[0].id))
    assert gone is not None and (gone.body, gone.deleted, gone.reactions) == ("", True, ())
    fails(capsys, cli.main(["delete-message", "999999"]), "no message with id 999999")
    fails(capsys, cli.main(["delete-message", "0"]), "no message with id 0")


def test_export_and_import_carry_edits_tombstones_and_dms(
    db: DatabaseUrl, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dm, _ = _seed(db)
    export = tmp_path / "all.jsonl"
    assert cli.main(["export", "-o", str(export)]) == 0
    capsys.readouterr()
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert [(r["body"], r["edited_at"], r["deleted"]) for r in lines] == [
        ("hello", NOW + 2, False), ("", None, True), ("just us", None, False)]
    assert lines[2]["room"] == {"id": dm.id, "name": "", "kind": "dm", "members": ["ann", "bob"]}
    # Into the same installation: all present, nothing added.
    assert cli.main(["import", str(export)]) == 0
    assert capsys.readouterr().out == f"imported {export}: 3 message(s); 0 added, 3 already present, 0 conflicting\n"


def test_import_into_a_fresh_installation_makes_the_dm(
    env: DatabaseUrl, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {"id": 7, "room": {"id": 3, "name": "", "kind": "dm", "members": ["zed", "amy"]}, "seq": 1,
         "user": {"id": 9, "username": "zed"}, "body": "psst", "created_at": NOW, "client_id": "z1",
         "edited_at": NOW + 5, "deleted": False},
        {"id": 8, "room": {"id": 3, "name": "", "kind": "dm", "members": ["amy", "zed"]}, "seq": 2,
         "user": {"id": 8, "username": "amy"}, "body": "", "created_at": NOW + 1, "client_id": "a1",
         "edited_at": None, "deleted": True},
    ]
    export = tmp_path / "old.jsonl"
    export.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert cli.main(["migrate"]) == 0
    capsys.readouterr()
    fails(capsys, cli.main(["import", str(export)]), "2 author(s) do not exist here: amy, zed")
    assert cli.main(["import", str(export), "--create-users"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2] == "created direct conversation of amy, zed (id 2)"
    assert out[3] == f"imported {export}: 2 message(s); 2 added, 0 already present, 0 conflicting"
    assert cli.main(["import", str(export)]) == 0
    assert capsys.readouterr().out == f"imported {export}: 2 message(s); 0 added, 2 already present, 0 conflicting\n"
    room = with_store(env, lambda s: s.room(2))
    assert room is not None and (room.kind, [u.username for u in room.members]) == ("dm", ["amy", "zed"])
    messages = with_store(env, lambda s: s.messages_before(2, None, 10)).messages
    assert [(m.body, m.edited_at, m.deleted) for m in messages] == [("psst", NOW + 5, False), ("", None, True)]


@pytest.mark.parametrize(
    ("room", "extra", "problem"),
    [
        ({"id": 1, "name": "", "kind": "dm", "members": ["amy"]}, {}, "room.members"),
        ({"id": 1, "name": ""}, {}, "room.name"),
        ({"id": 1, "name": "x", "kind": "space"}, {}, "room.kind"),
        ({"id": 1, "name": "x"}, {"deleted": True}, "body"),
        ({"id": 1, "name": "x"}, {"body": ""}, "body"),
    ],
)
def test_import_refuses_bad_conversation_lines(
    db: DatabaseUrl, tmp_path: Path, capsys: pytest.CaptureFixture[str], room: dict[str, object],
    extra: dict[str, object], problem: str
) -> None:
    line = {"id": 1, "room": room, "seq": 1, "user": {"id": 1, "username": "amy"}, "body": "hi", "created_at": 0,
            "client_id": "c"} | extra
    export = tmp_path / "bad.jsonl"
    export.write_text(json.dumps(line) + "\n")
    fails(capsys, cli.main(["import", str(export)]), f"bad.jsonl:1: not a Parley export line ({problem}")


async def test_a_deletion_by_the_cli_reaches_open_sockets(
    server_env: Chat, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = server_env
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    sent = []
    for i in range(2):
        await ana_ws.send_json({"type": "message.send", "room_id": 1, "body": f"m{i}", "client_id": f"a{i}"})
        sent.append((await frame_of(ana_ws, "message.ack"))["message"])
        await frame_of(bob_ws, "message.new")
    await ana_ws.send_json({"type": "message.edit", "message_id": sent[0]["id"], "body": "m0!"})
    await frame_of(bob_ws, "message.updated")
    assert await in_thread(monkeypatch, "delete-message", str(sent[1]["id"])) == 0
    deleted = await frame_of(bob_ws, "message.deleted", timeout=2)
    assert deleted == {"type": "message.deleted", "room_id": 1, "message_id": sent[1]["id"], "seq": 2,
                       "change_seq": 2}
    assert await frame_of(ana_ws, "message.deleted", skip=("presence", "message.updated")) == deleted
    # Two deletions before the next poll: both arrive, in order (the first read back as a gap).
    assert await in_thread(monkeypatch, "delete-message", str(sent[0]["id"])) == 0
    await ana_ws.send_json({"type": "message.send", "room_id": 1, "body": "m2", "client_id": "a2"})
    third = (await frame_of(ana_ws, "message.ack", skip=("presence", "message.deleted")))["message"]
    assert await in_thread(monkeypatch, "delete-message", str(third["id"])) == 0
    got = [await frame_of(bob_ws, "message.deleted", timeout=3, skip=("presence", "message.new")) for _ in range(2)]
    assert [(f["message_id"], f["change_seq"]) for f in got] == [(sent[0]["id"], 3), (third["id"], 4)]
    capsys.readouterr()
