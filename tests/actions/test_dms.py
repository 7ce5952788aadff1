"""Direct messages over REST and /ws: one room per set of people, private to them, live to every tab, with
every refusal code; leaving, disabled members, and names that can never clash with rooms'."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from conftest import Chat, connect, frame_of
from parley.store import open_store

Client = TestClient[Any, Any]


async def _open(client: Client, *usernames: str, status: int = 200) -> dict[str, Any]:
    resp = await client.post("/api/dms", json={"usernames": list(usernames)})
    body: dict[str, Any] = await resp.json()
    assert resp.status == status, body
    return body


async def _room_ids(client: Client) -> list[int]:
    return [room["id"] for room in (await (await client.get("/api/rooms")).json())["rooms"]]


async def test_the_same_people_get_the_same_room_whoever_asks(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "Bob")
    cyd = await chat.user(server, "cyd")
    dm = (await _open(ana, "bob"))["room"]
    assert dm == {
        "id": dm["id"], "kind": "dm", "name": "", "topic": "", "private": True, "archived": False, "joined": True,
        "last_seq": 0, "change_seq": 0, "members": [{"id": 1, "username": "ana"}, {"id": 2, "username": "Bob"}],
        "last_read_seq": 0, "unread": 0, "mentions": 0, "muted": False,
    }
    assert (await _open(bob, "ANA"))["room"] == dm
    assert (await _open(ana, "BOB", "bob"))["room"] == dm  # the same name twice is one person
    group = (await _open(cyd, "bob", "ana"))["room"]
    assert group["id"] != dm["id"]
    assert [m["username"] for m in group["members"]] == ["ana", "Bob", "cyd"]
    assert (await _open(ana, "cyd", "Bob"))["room"]["id"] == group["id"]
    assert (await _open(bob, "Ana", "CYD"))["room"]["id"] == group["id"]


async def test_every_member_s_every_tab_hears_it_and_only_members_see_it(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    eve = await chat.user(server, "eve")
    ana_tabs = [(await connect(ana))[0] for _ in range(2)]
    bob_ws, _ = await connect(bob)
    eve_ws, _ = await connect(eve)
    dm = (await _open(ana, "bob"))["room"]
    for ws in (*ana_tabs, bob_ws):
        assert await frame_of(ws, "room.joined") == {"type": "room.joined", "room": dm}
    # Live messages of the DM follow, to its members only.
    await ana_tabs[0].send_json({"type": "message.send", "room_id": dm["id"], "body": "hi bob", "client_id": "d1"})
    ack = await frame_of(ana_tabs[0], "message.ack")
    assert (await frame_of(bob_ws, "message.new"))["message"] == ack["message"]
    assert (await frame_of(ana_tabs[1], "message.new"))["message"] == ack["message"]
    await eve_ws.send_json({"type": "presence.set", "status": "online"})
    await eve_ws.send_json({"type": "message.send", "room_id": 1, "body": "marker", "client_id": "e1"})
    assert (await frame_of(eve_ws, "message.ack"))["message"]["body"] == "marker"  # nothing of the DM before it
    # Listed in hello and GET /api/rooms for its members only.
    for client in (ana, bob):
        assert dm["id"] in await _room_ids(client)
        _, hello = await connect(client)
        assert dm["id"] in [room["id"] for room in hello["rooms"]]
    assert dm["id"] not in await _room_ids(eve)
    _, hello = await connect(eve)
    assert dm["id"] not in [room["id"] for room in hello["rooms"]]
    # Not joinable, not readable, not addable to.
    for method, tail in (("POST", "join"), ("GET", "messages"), ("GET", "members"), ("GET", "changes?since=0")):
        resp = await eve.request(method, f"/api/rooms/{dm['id']}/{tail}")
        assert (resp.status, (await resp.json())["error"]["code"]) == (404, "room_not_found")
    await eve_ws.send_json({"type": "message.send", "room_id": dm["id"], "body": "let me in", "client_id": "e2"})
    assert (await frame_of(eve_ws, "error"))["code"] == "not_a_member"


async def test_refusals(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    for name in ("bob", "cyd", "dee", "eli", "fay", "gus", "hal", "ivy", "jo_"):
        await chat.user(server, name)
    store = await open_store(chat.url)
    try:
        gone = await store.account_by_name("jo_")
        assert gone is not None
        await store.set_disabled(gone.id, True, 0)
    finally:
        await store.close()
    body = await _open(ana, "bob", "nobody", status=404)
    assert body == {"error": {"code": "user_not_found", "message": "No such user.", "username": "nobody"}}
    body = await _open(ana, "JO_", status=404)
    assert body["error"] == {"code": "user_not_found", "message": "No such user.", "username": "JO_"}
    nine = ["bob", "cyd", "dee", "eli", "fay", "gus", "hal", "ivy", "ana2"]
    assert (await _open(ana, *nine, status=400))["error"]["code"] == "validation_failed"
    eight = (await _open(ana, *nine[:8]))["room"]
    assert len(eight["members"]) == 9
    for bad in ({}, {"usernames": []}, {"usernames": "bob"}, {"usernames": [5]}, {"usernames": [""]},
                {"usernames": ["x" * 65]}, {"usernames": ["ana"]}, {"usernames": ["bob", "ANA"]}):
        resp = await ana.post("/api/dms", json=bad)
        assert resp.status == 400, bad
        assert (await resp.json())["error"]["code"] == "validation_failed", bad
    assert (await ana.post("/api/dms", data=b"[")).status == 400
    anonymous = await chat.client(server)
    assert (await anonymous.post("/api/dms", json={"usernames": ["bob"]})).status == 401
    # A DM's members are fixed: adding someone is refused to its members.
    dm = (await _open(ana, "bob"))["room"]
    resp = await ana.post(f"/api/rooms/{dm['id']}/members", json={"username": "cyd"})
    assert (resp.status, (await resp.json())["error"]["code"]) == (403, "dm_members_fixed")


async def test_leaving_removes_only_the_leaver_and_only_they_can_come_back(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    dm = (await _open(ana, "bob"))["room"]
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    await ana_ws.send_json({"type": "message.send", "room_id": dm["id"], "body": "before", "client_id": "a1"})
    await frame_of(ana_ws, "message.ack")
    await frame_of(bob_ws, "message.new")
    assert (await bob.post(f"/api/rooms/{dm['id']}/leave")).status == 204
    assert await frame_of(bob_ws, "room.left") == {"type": "room.left", "room_id": dm["id"]}
    left = await frame_of(ana_ws, "member.left")
    assert left == {"type": "member.left", "room_id": dm["id"], "user": {"id": 2, "username": "bob"}}
    assert dm["id"] not in await _room_ids(bob)
    assert (await bob.get(f"/api/rooms/{dm['id']}/messages")).status == 404
    # Ana keeps it, history and all; opening it again does not bring Bob back.
    reopened = (await _open(ana, "bob"))["room"]
    assert reopened["id"] == dm["id"]
    assert [m["username"] for m in reopened["members"]] == ["ana"]
    await ana_ws.send_json({"type": "message.send", "room_id": dm["id"], "body": "alone", "client_id": "a2"})
    await frame_of(ana_ws, "message.ack")
    # Bob opens it again himself: the same room, with its history; both sides are told.
    back = (await _open(bob, "ana"))["room"]
    assert back["id"] == dm["id"]
    assert [m["username"] for m in back["members"]] == ["ana", "bob"]
    assert (await frame_of(bob_ws, "room.joined"))["room"] == back
    joined = await frame_of(ana_ws, "member.joined")
    assert joined == {"type": "member.joined", "room_id": dm["id"], "user": {"id": 2, "username": "bob"}}
    page = await (await bob.get(f"/api/rooms/{dm['id']}/messages")).json()
    assert [m["body"] for m in page["messages"]] == ["before", "alone"]


async def test_a_disabled_member_s_dm_stays_readable_by_the_others(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    dm = (await _open(ana, "bob"))["room"]
    bob_ws, _ = await connect(bob)
    await bob_ws.send_json({"type": "message.send", "room_id": dm["id"], "body": "bye", "client_id": "b1"})
    await frame_of(bob_ws, "message.ack")
    store = await open_store(chat.url)
    try:
        await store.set_disabled(2, True, 0)
    finally:
        await store.close()
    assert dm["id"] in await _room_ids(ana)
    page = await (await ana.get(f"/api/rooms/{dm['id']}/messages")).json()
    assert [m["body"] for m in page["messages"]] == ["bye"]
    _, hello = await connect(ana)
    [listed] = [room for room in hello["rooms"] if room["id"] == dm["id"]]
    assert [m["username"] for m in listed["members"]] == ["ana", "bob"]
    # Opening it by name is refused like any disabled name.
    assert (await _open(ana, "bob", status=404))["error"]["code"] == "user_not_found"


async def test_dms_and_rooms_never_clash_by_name(chat: Chat) -> None:
    """A DM takes no room name, and no room name can take a DM's place."""
    server = await chat.server()
    ana = await chat.user(server, "ana")
    await chat.user(server, "bob")
    for name in ("dm:1,2", "1,2", "Ana, Bob"):
        assert (await ana.post("/api/rooms", json={"name": name})).status == 201
    dm = (await _open(ana, "bob"))["room"]
    assert dm["kind"] == "dm"
    for name in ("", "\x1fdm:1,2", "\x1fdm:1,2,3"):
        resp = await ana.post("/api/rooms", json={"name": name})
        assert (resp.status, (await resp.json())["error"]["code"]) == (400, "validation_failed")
    # Many DMs, all with an empty name: none blocks another.
    for other in ("cyd", "dee"):
        await chat.user(server, other)
        assert (await _open(ana, other))["room"]["name"] == ""


async def test_concurrent_openings_make_one_room(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    answers = await asyncio.gather(*[_open(c, n) for c, n in [(ana, "bob"), (bob, "ana")] * 4])
    assert len({a["room"]["id"] for a in answers}) == 1
    store = await open_store(chat.url)
    try:
        assert [r.kind for r in await store.all_rooms()].count("dm") == 1
    finally:
        await store.close()


async def test_opening_dms_spends_the_rest_write_budget(chat: Chat) -> None:
    """Each opening is a write (it may make a room and tell everyone in it): the account's REST write budget."""
    server = await chat.server(rest_write_burst=3, rest_write_per_min=1)
    ana = await chat.user(server, "ana")
    await chat.user(server, "bob")
    for _ in range(3):
        await _open(ana, "bob")
    body = await _open(ana, "bob", status=429)
    assert body["error"]["code"] == "rate_limited"
    assert body["error"]["retry_after_ms"] > 0
