"""Read state over real sockets: the `read` frame (forward only, clamped, heard by every tab of the reader on every
process), unread and mention counts in `hello`, `GET /api/rooms` and `room.joined`, markers reflected within 1 s
although written in batches, the last batch written at shutdown, and every refusal."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from conftest import PASSWORD, Chat, connect, eventually, frame_of, next_frame, server_pair
from parley.models import User
from parley.store import open_store

GENERAL = 1


async def _send(ws: aiohttp.ClientWebSocketResponse, room_id: int, bodies: list[str], tag: str) -> None:
    for i, body in enumerate(bodies):
        await ws.send_json({"type": "message.send", "room_id": room_id, "body": body, "client_id": f"{tag}{i}"})
        await frame_of(ws, "message.ack", skip=("presence", "member.joined", "message.new"))


async def _rooms(client: Any) -> dict[str, dict[str, Any]]:
    rooms = (await (await client.get("/api/rooms")).json())["rooms"]
    return {room["name"]: room for room in rooms}


def _own(room: dict[str, Any]) -> tuple[int, int, int, int, bool]:
    return room["last_seq"], room["last_read_seq"], room["unread"], room["mentions"], room["muted"]


async def _read(ws: aiohttp.ClientWebSocketResponse, room_id: int, seq: int) -> None:
    await ws.send_json({"type": "read", "room_id": room_id, "seq": seq})


async def test_a_read_moves_the_marker_and_every_tab_hears_it(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    ana_ws, _ = await connect(ana)
    await _send(ana_ws, GENERAL, ["one", "two", "three", "four", "five"], "a")
    tab1, hello = await connect(bob)
    assert _own(hello["rooms"][0]) == (5, 0, 5, 0, False)
    tab2, _ = await connect(bob)
    await _read(tab1, GENERAL, 3)
    for tab in (tab1, tab2):
        assert await frame_of(tab, "read") == {"type": "read", "room_id": GENERAL, "seq": 3}
    # This process's reads see the marker before it is written.
    assert _own((await _rooms(bob))["general"]) == (5, 3, 2, 0, False)
    # Back changes nothing and says nothing: the next frame either tab hears is the next forward read.
    await _read(tab2, GENERAL, 2)
    await _read(tab2, GENERAL, 3)
    await _read(tab2, GENERAL, 4)
    for tab in (tab1, tab2):
        assert await frame_of(tab, "read") == {"type": "read", "room_id": GENERAL, "seq": 4}
    # Beyond the newest message: clamped to it.
    await _read(tab1, GENERAL, 1_000)
    for tab in (tab1, tab2):
        assert await frame_of(tab, "read") == {"type": "read", "room_id": GENERAL, "seq": 5}
    _, hello = await connect(bob)
    assert _own(hello["rooms"][0]) == (5, 5, 0, 0, False)
    # The author's own messages were never unread for her, and Bob's reads are not hers.
    ana_room = (await _rooms(ana))["general"]
    assert _own(ana_room) == (5, 0, 0, 0, False)


async def test_a_seq_this_process_has_not_delivered_is_not_clamped_back(chat: Chat) -> None:
    """Messages stored past this process (the admin CLI's import, or another process whose publish is late) are
    still readable: a read beyond what was delivered here asks the store for the room's newest seq."""
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    bob_ws, _ = await connect(bob)
    store = await open_store(chat.url)
    try:
        account = await store.account_by_name("ana")
        assert account is not None
        for i in range(3):
            await store.insert_message(GENERAL, User(account.id, "ana"), f"m{i}", f"cli{i}", 0)
    finally:
        await store.close()
    await _read(bob_ws, GENERAL, 2)
    assert await frame_of(bob_ws, "read") == {"type": "read", "room_id": GENERAL, "seq": 2}
    await _read(bob_ws, GENERAL, 9)
    assert await frame_of(bob_ws, "read") == {"type": "read", "room_id": GENERAL, "seq": 3}
    assert _own((await _rooms(bob))["general"]) == (3, 3, 0, 0, False)
    assert _own((await _rooms(ana))["general"]) == (3, 0, 0, 0, False)


async def test_counts_in_hello_rooms_and_room_joined(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    resp = await ana.post("/api/rooms", json={"name": "ops"})
    ops = (await resp.json())["room"]["id"]
    ana_ws, _ = await connect(ana)
    await _send(ana_ws, GENERAL, ["hi", "@bob look", "@room all", "bye"], "g")
    await _send(ana_ws, ops, ["before bob came"], "o")
    _, hello = await connect(bob)
    assert [(r["name"], _own(r)) for r in hello["rooms"]] == [("general", (4, 0, 4, 2, False))]
    listed = await _rooms(bob)
    assert _own(listed["general"]) == (4, 0, 4, 2, False)
    assert _own(listed["ops"]) == (1, 0, 0, 0, False)  # not joined: no state of his
    assert listed["ops"]["joined"] is False
    bob_ws, _ = await connect(bob)
    resp = await bob.post(f"/api/rooms/{ops}/join")
    joined = (await resp.json())["room"]
    # What was said before he joined is not unread for him.
    assert _own(joined) == (1, 1, 0, 0, False)
    frame = await frame_of(bob_ws, "room.joined")
    assert _own(frame["room"]) == (1, 1, 0, 0, False)
    await _send(ana_ws, ops, ["now", "@BOB you too"], "p")
    assert _own((await _rooms(bob))["ops"]) == (3, 1, 2, 1, False)
    # Joining again answers with his current state.
    assert _own((await (await bob.post(f"/api/rooms/{ops}/join")).json())["room"]) == (3, 1, 2, 1, False)


async def test_refusals_reveal_nothing(chat: Chat) -> None:
    """A room the reader is not in (public, private or never created) gets the same answer, echoing room_id."""
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    public = (await (await ana.post("/api/rooms", json={"name": "open"})).json())["room"]["id"]
    private = (await (await ana.post("/api/rooms", json={"name": "secret", "private": True})).json())["room"]["id"]
    ana_ws, _ = await connect(ana)
    await _send(ana_ws, private, ["hidden"], "s")
    bob_ws, _ = await connect(bob)
    answers = []
    for room_id in (public, private, 999_999):
        await _read(bob_ws, room_id, 1)
        answers.append(await frame_of(bob_ws, "error"))
    for room_id, answer in zip((public, private, 999_999), answers, strict=True):
        assert answer == {"type": "error", "code": "room_not_found", "message": "No such room.", "room_id": room_id}
    # Ana's marker did not move, and she heard nothing of it.
    assert _own((await _rooms(ana))["secret"]) == (1, 0, 0, 0, False)


async def test_bad_read_frames(chat: Chat) -> None:
    server = await chat.server()
    bob = await chat.user(server, "bob")
    ws, _ = await connect(bob)
    for bad in (
        {"room_id": GENERAL},
        {"seq": 1},
        {"room_id": GENERAL, "seq": -1},
        {"room_id": GENERAL, "seq": "1"},
        {"room_id": GENERAL, "seq": True},
        {"room_id": GENERAL, "seq": 2**63},
        {"room_id": 0, "seq": 1},
        {"room_id": "1", "seq": 1},
    ):
        await ws.send_json({"type": "read", **bad})
        frame = await next_frame(ws)
        assert frame["type"] == "error" and frame["code"] == "invalid_frame", (bad, frame)
        assert frame["fields"], frame
    # The connection is fine.
    await _read(ws, GENERAL, 0)
    await ws.send_json({"type": "message.send", "room_id": GENERAL, "body": "still here", "client_id": "x"})
    assert (await frame_of(ws, "message.ack"))["message"]["seq"] == 1


async def test_reads_share_the_chatter_budget_and_are_refused_over_it(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    ana_ws, _ = await connect(ana)
    await _send(ana_ws, GENERAL, [f"m{i}" for i in range(12)], "a")
    ws, _ = await connect(bob)
    for seq in range(1, 13):
        await _read(ws, GENERAL, seq)
    frames = [await frame_of(ws, "read", skip=("presence", "error")) for _ in range(10)]
    assert [f["seq"] for f in frames] == list(range(1, 11))
    refused = await frame_of(ws, "error")
    assert (refused["code"], refused["room_id"]) == ("rate_limited", GENERAL)


async def test_a_read_reaches_another_process_within_a_second(mysql_chat: Chat, redis_namespace: str) -> None:
    a, b = await server_pair(mysql_chat, redis_namespace)
    ana = await mysql_chat.user(a, "ana")
    await mysql_chat.user(a, "bob")
    bob_a = await mysql_chat.client(a)
    bob_b = await mysql_chat.client(b)
    for client in (bob_a, bob_b):
        await client.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
    ana_ws, _ = await connect(ana)
    await _send(ana_ws, GENERAL, ["one", "two", "three"], "a")
    tab_a, _ = await connect(bob_a)
    tab_b, hello = await connect(bob_b)
    assert _own(hello["rooms"][0]) == (3, 0, 3, 0, False)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await _read(tab_a, GENERAL, 3)
    assert await frame_of(tab_b, "read", skip=("presence", "message.new")) == {
        "type": "read",
        "room_id": GENERAL,
        "seq": 3,
    }
    assert await frame_of(tab_a, "read", skip=("presence", "message.new")) == {
        "type": "read",
        "room_id": GENERAL,
        "seq": 3,
    }

    async def seen_on_b() -> bool:
        return _own((await _rooms(bob_b))["general"]) == (3, 3, 0, 0, False)

    await eventually(seen_on_b, timeout=2, interval=0.02)
    elapsed = loop.time() - started
    assert elapsed < 1.0, f"process B reflected the read after {elapsed:.2f} s"
    _, hello = await connect(bob_b)
    assert _own(hello["rooms"][0]) == (3, 3, 0, 0, False)


async def test_the_last_batch_is_written_at_shutdown(chat: Chat) -> None:
    server = await chat.server(read_flush_ms=3_600_000)  # nothing is written by the timer in this test
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    ana_ws, _ = await connect(ana)
    await _send(ana_ws, GENERAL, ["one", "two"], "a")
    bob_ws, _ = await connect(bob)
    await _read(bob_ws, GENERAL, 2)
    await frame_of(bob_ws, "read")
    await server.close()
    again = await chat.server()
    bob_again = await chat.client(again)
    await bob_again.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
    assert _own((await _rooms(bob_again))["general"]) == (2, 2, 0, 0, False)
