"""message.edit and message.delete over /ws: who may, what every member's connection hears (with the change
cursor), tombstones in history, and every refusal code, each echoing the frame's message_id."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from conftest import Chat, connect, frame_of, next_frame
from parley.store import open_store

Client = TestClient[Any, Any]
Socket = aiohttp.ClientWebSocketResponse


async def _send(ws: Socket, room_id: int, body: str, client_id: str) -> dict[str, Any]:
    await ws.send_json({"type": "message.send", "room_id": room_id, "body": body, "client_id": client_id})
    skip = ("presence", "message.new", "room.joined")
    message: dict[str, Any] = (await frame_of(ws, "message.ack", skip=skip))["message"]
    return message


async def _error(ws: Socket, frame: dict[str, Any]) -> dict[str, Any]:
    await ws.send_json(frame)
    return await frame_of(ws, "error")


async def _make_admin(chat: Chat, username: str) -> None:
    store = await open_store(chat.url)
    try:
        account = await store.account_by_name(username)
        assert account is not None
        await store.set_admin(account.id, True)
    finally:
        await store.close()


async def test_the_author_edits_and_every_member_s_connection_hears_it(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    ana_ws, hello = await connect(ana)
    assert hello["rooms"][0]["change_seq"] == 0
    ana_tab2, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    original = await _send(ana_ws, 1, "helo", "m1")
    assert (original["edited_at"], original["deleted"], original["change_seq"], original["reactions"]) == (
        None, False, 0, [])
    await ana_ws.send_json({"type": "message.edit", "message_id": original["id"], "body": "  hello  "})
    updated = await frame_of(ana_ws, "message.updated")
    edited = updated["message"]
    assert updated == {"type": "message.updated", "room_id": 1, "change_seq": 1, "message": edited}
    assert edited == original | {"body": "hello", "edited_at": edited["edited_at"], "change_seq": 1}
    assert isinstance(edited["edited_at"], int) and edited["edited_at"] >= original["created_at"]
    for ws in (ana_tab2, bob_ws):
        assert await frame_of(ws, "message.updated", skip=("presence", "message.new")) == updated
    page = await (await bob.get("/api/rooms/1/messages")).json()
    assert page["messages"] == [edited]
    # The same body again changes nothing and sends nothing: the next frame is the next edit's.
    await ana_ws.send_json({"type": "message.edit", "message_id": original["id"], "body": "hello"})
    await ana_ws.send_json({"type": "message.edit", "message_id": original["id"], "body": "hello!"})
    again = await frame_of(bob_ws, "message.updated")
    assert (again["change_seq"], again["message"]["body"]) == (2, "hello!")
    _, hello = await connect(bob)
    assert hello["rooms"][0]["change_seq"] == 2


async def test_the_author_or_an_admin_deletes_and_a_tombstone_stays(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    await chat.user(server, "boss")
    await _make_admin(chat, "boss")
    boss = await chat.client(server)
    await boss.post("/api/auth/login", json={"username": "boss", "password": "correct horse battery"})
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    boss_ws, _ = await connect(boss)
    first = await _send(ana_ws, 1, "oops", "m1")
    second = await _send(bob_ws, 1, "spam", "m2")
    await bob_ws.send_json({"type": "reaction.add", "message_id": first["id"], "emoji": ":+1:"})
    await frame_of(ana_ws, "reactions", skip=("presence", "message.new"))
    await frame_of(bob_ws, "reactions")
    # Bob may not delete Ana's message.
    error = await _error(bob_ws, {"type": "message.delete", "message_id": first["id"]})
    assert error == {"type": "error", "code": "not_author",
                     "message": "Only the author or an admin can delete a message.", "message_id": first["id"]}
    await ana_ws.send_json({"type": "message.delete", "message_id": first["id"]})
    deleted = {"type": "message.deleted", "room_id": 1, "message_id": first["id"], "seq": 1, "change_seq": 2}
    for ws in (ana_ws, bob_ws, boss_ws):
        assert await frame_of(ws, "message.deleted", skip=("presence", "message.new", "reactions")) == deleted
    # The admin deletes Bob's.
    await boss_ws.send_json({"type": "message.delete", "message_id": second["id"]})
    assert (await frame_of(bob_ws, "message.deleted"))["message_id"] == second["id"]
    assert (await frame_of(ana_ws, "message.deleted"))["message_id"] == second["id"]
    # Deleting again changes nothing and sends nothing.
    await ana_ws.send_json({"type": "message.delete", "message_id": first["id"]})
    third = await _send(ana_ws, 1, "next", "m3")
    assert third["seq"] == 3  # seq stays gap-free
    page = await (await bob.get("/api/rooms/1/messages")).json()
    tombstone = first | {"body": "", "deleted": True, "change_seq": 2, "reactions": []}
    assert page["messages"][0] == tombstone
    assert page["messages"][1] == second | {"body": "", "deleted": True, "change_seq": 3}
    # A tombstone takes no edit and no reaction.
    for frame in ({"type": "message.edit", "message_id": first["id"], "body": "back"},
                  {"type": "reaction.add", "message_id": first["id"], "emoji": ":+1:"},
                  {"type": "reaction.remove", "message_id": first["id"], "emoji": ":+1:"}):
        error = await _error(ana_ws, frame)
        assert (error["code"], error["message_id"]) == ("message_deleted", first["id"])


async def test_an_admin_moderates_a_public_room_without_joining_it(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    await chat.user(server, "boss")
    await _make_admin(chat, "boss")
    boss = await chat.client(server)
    await boss.post("/api/auth/login", json={"username": "boss", "password": "correct horse battery"})
    room = (await (await ana.post("/api/rooms", json={"name": "lobby"})).json())["room"]
    ana_ws, _ = await connect(ana)
    message = await _send(ana_ws, room["id"], "buy now", "m1")
    boss_ws, _ = await connect(boss)
    # Not a member: the admin cannot edit or react there, but can delete.
    error = await _error(boss_ws, {"type": "reaction.add", "message_id": message["id"], "emoji": ":x:"})
    assert (error["code"], error["message_id"]) == ("not_a_member", message["id"])
    await boss_ws.send_json({"type": "message.delete", "message_id": message["id"]})
    assert (await frame_of(ana_ws, "message.deleted"))["message_id"] == message["id"]


async def test_admin_rights_taken_away_end_moderation_on_an_open_socket(chat: Chat) -> None:
    """The socket was opened by an admin; once the rights are gone, deleting others' messages is refused."""
    server = await chat.server()
    ana = await chat.user(server, "ana")
    await chat.user(server, "boss")
    await _make_admin(chat, "boss")
    boss = await chat.client(server)
    await boss.post("/api/auth/login", json={"username": "boss", "password": "correct horse battery"})
    room = (await (await ana.post("/api/rooms", json={"name": "lobby"})).json())["room"]
    ana_ws, _ = await connect(ana)
    in_lobby = await _send(ana_ws, room["id"], "lobby", "m1")
    in_general = await _send(ana_ws, 1, "general", "m2")
    boss_ws, _ = await connect(boss)
    store = await open_store(chat.url)
    try:
        account = await store.account_by_name("boss")
        assert account is not None
        await store.set_admin(account.id, False)
    finally:
        await store.close()
    error = await _error(boss_ws, {"type": "message.delete", "message_id": in_lobby["id"]})
    assert (error["code"], error["message_id"]) == ("not_a_member", in_lobby["id"])
    error = await _error(boss_ws, {"type": "message.delete", "message_id": in_general["id"]})
    assert (error["code"], error["message_id"]) == ("not_author", in_general["id"])


async def test_refusals_echo_the_message_id(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    mine = await _send(ana_ws, 1, "mine", "m1")
    lobby = (await (await bob.post("/api/rooms", json={"name": "lobby"})).json())["room"]
    secret = (await (await bob.post("/api/rooms", json={"name": "secret", "private": True})).json())["room"]
    in_lobby = await _send(bob_ws, lobby["id"], "public", "b1")
    in_secret = await _send(bob_ws, secret["id"], "hidden", "b2")
    mid = mine["id"]
    cases = [
        ({"type": "message.edit", "message_id": mid, "body": "   "}, "body_empty"),
        ({"type": "message.edit", "message_id": mid, "body": "x" * 4001}, "body_too_long"),
        ({"type": "message.edit", "message_id": 999_999, "body": "x"}, "message_not_found"),
        ({"type": "message.edit", "message_id": in_secret["id"], "body": "x"}, "message_not_found"),
        ({"type": "message.edit", "message_id": in_lobby["id"], "body": "x"}, "not_a_member"),
        ({"type": "message.delete", "message_id": 999_999}, "message_not_found"),
        ({"type": "message.delete", "message_id": in_secret["id"]}, "message_not_found"),
        ({"type": "message.delete", "message_id": in_lobby["id"]}, "not_a_member"),
        ({"type": "message.edit", "message_id": mid}, "invalid_frame"),
        ({"type": "message.edit", "message_id": mid, "body": 5}, "invalid_frame"),
    ]
    for frame, code in cases:
        error = await _error(ana_ws, frame)
        assert (error["code"], error["message_id"]) == (code, frame["message_id"]), frame
    error = await _error(bob_ws, {"type": "message.edit", "message_id": mid, "body": "mine now"})
    assert error == {"type": "error", "code": "not_author", "message": "Only the author can edit a message.",
                     "message_id": mid}
    # A message_id that is not a usable id is not echoed.
    for bad in ("1", True, 0, 2**63, 1.5, None):
        error = await _error(ana_ws, {"type": "message.delete", "message_id": bad})
        assert error["code"] == "invalid_frame" and "message_id" not in error, bad


async def test_an_archived_room_takes_no_changes(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ana_ws, _ = await connect(ana)
    message = await _send(ana_ws, 1, "frozen", "m1")
    store = await open_store(chat.url)
    try:
        await store.set_archived(1, True)
    finally:
        await store.close()
    for frame in ({"type": "message.edit", "message_id": message["id"], "body": "thawed"},
                  {"type": "message.delete", "message_id": message["id"]},
                  {"type": "reaction.add", "message_id": message["id"], "emoji": ":+1:"}):
        error = await _error(ana_ws, frame)
        assert (error["code"], error["message_id"]) == ("room_archived", message["id"]), frame
    page = await (await ana.get("/api/rooms/1/messages")).json()
    assert page["messages"] == [message]


async def test_changes_share_the_sending_budget(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    message = await _send(ws, 1, "v0", "m1")  # one token of the burst of 20
    for i in range(1, 30):
        await ws.send_json({"type": "message.edit", "message_id": message["id"], "body": f"v{i}"})
    answers = [await next_frame(ws) for _ in range(1, 30)]
    assert [a["message"]["body"] for a in answers[:19]] == [f"v{i}" for i in range(1, 20)]
    refused = [a for a in answers if a["type"] == "error"]
    assert refused and all((e["code"], e["message_id"]) == ("rate_limited", message["id"]) for e in refused)


@pytest.mark.parametrize("kind", ["message.edit", "message.delete"])
async def test_a_dm_s_messages_do_not_exist_for_others(chat: Chat, kind: str) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    await chat.user(server, "bob")
    eve = await chat.user(server, "eve")
    dm = (await (await ana.post("/api/dms", json={"usernames": ["bob"]})).json())["room"]
    ana_ws, _ = await connect(ana)
    message = await _send(ana_ws, dm["id"], "just us", "m1")
    eve_ws, _ = await connect(eve)
    error = await _error(eve_ws, {"type": kind, "message_id": message["id"], "body": "x"})
    assert error == {"type": "error", "code": "message_not_found", "message": "No such message.",
                     "message_id": message["id"]}


async def test_a_deleted_message_is_not_unread_and_mentions_nobody(chat: Chat) -> None:
    """Unread counts are of messages by others after the marker that are not deleted; a tombstone mentions nobody."""
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    ana_ws, _ = await connect(ana)
    kept = await _send(ana_ws, 1, "hello @bob", "m1")
    gone = await _send(ana_ws, 1, "oops @bob", "m2")
    assert kept["mentions"] == gone["mentions"] == [2]

    async def general() -> dict[str, Any]:
        rooms = (await (await bob.get("/api/rooms")).json())["rooms"]
        room: dict[str, Any] = next(r for r in rooms if r["id"] == 1)
        return room

    assert ((await general())["unread"], (await general())["mentions"]) == (2, 2)
    await ana_ws.send_json({"type": "message.delete", "message_id": gone["id"]})
    await frame_of(ana_ws, "message.deleted")
    room = await general()
    assert (room["unread"], room["mentions"]) == (1, 1)
    page = await (await bob.get("/api/rooms/1/messages")).json()
    assert [(m["body"], m["mentions"]) for m in page["messages"]] == [("hello @bob", [2]), ("", [])]


async def test_an_edit_resolves_mentions_again(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    await chat.user(server, "bob")
    await chat.user(server, "cyd")
    ana_ws, _ = await connect(ana)
    message = await _send(ana_ws, 1, "hi @bob", "m1")
    assert message["mentions"] == [2]
    await ana_ws.send_json({"type": "message.edit", "message_id": message["id"], "body": "hi @cyd and @ANA"})
    updated = await frame_of(ana_ws, "message.updated")
    assert updated["message"]["mentions"] == [3]  # never the author
    page = await (await ana.get("/api/rooms/1/messages")).json()
    assert page["messages"][0]["mentions"] == [3]
    await ana_ws.send_json({"type": "message.edit", "message_id": message["id"], "body": "hi all"})
    assert (await frame_of(ana_ws, "message.updated"))["message"]["mentions"] == []


async def test_an_edit_to_room_in_a_crowd_is_refused(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ana_ws, _ = await connect(ana)
    message = await _send(ana_ws, 1, "hi", "m1")
    store = await open_store(chat.url)
    try:
        for i in range(50):
            await store.create_user(f"crowd{i}", "h", 1)  # each joins general
    finally:
        await store.close()
    error = await _error(ana_ws, {"type": "message.edit", "message_id": message["id"], "body": "hey @room"})
    assert (error["code"], error["message_id"]) == ("mention_room_too_large", message["id"])
    assert "client_id" not in error
    page = await (await ana.get("/api/rooms/1/messages")).json()
    assert page["messages"][0]["body"] == "hi"


async def test_edits_are_cleaned_like_sends_and_bad_unicode_is_refused(chat: Chat) -> None:
    """An edit's body loses NUL, other control characters and bidi controls as a send's does; a lone surrogate in
    any string of a change frame is an invalid_frame (never a server fault)."""
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    message = await _send(ws, 1, "plain", "m1")
    await ws.send_json({"type": "message.edit", "message_id": message["id"], "body": "a\x00b\u202ec\u2066d\te"})
    assert (await frame_of(ws, "message.updated"))["message"]["body"] == "abcd\te"
    error = await _error(ws, {"type": "message.edit", "message_id": message["id"], "body": "\u202e\x00 "})
    assert (error["code"], error["message_id"]) == ("body_empty", message["id"])
    for frame in ('{"type": "message.edit", "message_id": %d, "body": "x\\ud800"}',
                  '{"type": "reaction.add", "message_id": %d, "emoji": "\\ud83d"}'):
        await ws.send_str(frame % message["id"])
        error = await frame_of(ws, "error")
        assert (error["code"], error["message_id"]) == ("invalid_frame", message["id"]), frame
    resp = await ana.post(
        "/api/dms", data=b'{"usernames": ["bob\\ud800"]}', headers={"Content-Type": "application/json"}
    )
    assert (resp.status, (await resp.json())["error"]["code"]) == (400, "validation_failed")
