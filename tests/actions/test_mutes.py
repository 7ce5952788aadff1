"""Muting a room: `PUT /api/rooms/{id}/mute`, stored on the server, told to every tab of the user (on every process),
carried in `hello` and `GET /api/rooms`; the server keeps counting. Every refusal."""

from __future__ import annotations

from typing import Any

from conftest import PASSWORD, Chat, connect, frame_of, server_pair

GENERAL = 1


async def _mute(client: Any, room_id: int, body: Any) -> tuple[int, Any]:
    resp = await client.put(f"/api/rooms/{room_id}/mute", json=body)
    return resp.status, await resp.json()


async def _muted(client: Any) -> dict[str, bool]:
    rooms = (await (await client.get("/api/rooms")).json())["rooms"]
    return {room["name"]: room["muted"] for room in rooms}


async def test_mute_is_stored_and_every_tab_hears_it(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    tab1, hello = await connect(bob)
    assert hello["rooms"][0]["muted"] is False
    tab2, _ = await connect(bob)
    assert await _mute(bob, GENERAL, {"muted": True}) == (200, {"room_id": GENERAL, "muted": True})
    for tab in (tab1, tab2):
        assert await frame_of(tab, "mute") == {"type": "mute", "room_id": GENERAL, "muted": True}
    assert await _muted(bob) == {"general": True}
    assert await _muted(ana) == {"general": False}  # his setting, not the room's
    # Muting again changes nothing and tells nobody: the next frame the tabs hear is the unmute.
    assert await _mute(bob, GENERAL, {"muted": True}) == (200, {"room_id": GENERAL, "muted": True})
    # The server still counts a muted room's unread messages and mentions.
    ana_ws, _ = await connect(ana)
    await ana_ws.send_json({"type": "message.send", "room_id": GENERAL, "body": "@bob psst", "client_id": "c1"})
    await frame_of(ana_ws, "message.ack")
    _, hello = await connect(bob)
    room = hello["rooms"][0]
    assert (room["muted"], room["unread"], room["mentions"]) == (True, 1, 1)
    assert await _mute(bob, GENERAL, {"muted": False}) == (200, {"room_id": GENERAL, "muted": False})
    for tab in (tab1, tab2):
        assert await frame_of(tab, "mute", skip=("presence", "message.new")) == {
            "type": "mute",
            "room_id": GENERAL,
            "muted": False,
        }
    assert await _muted(bob) == {"general": False}


async def test_leaving_forgets_the_setting(chat: Chat) -> None:
    server = await chat.server()
    bob = await chat.user(server, "bob")
    assert (await _mute(bob, GENERAL, {"muted": True}))[0] == 200
    assert (await bob.post(f"/api/rooms/{GENERAL}/leave")).status == 204
    assert (await bob.post(f"/api/rooms/{GENERAL}/join")).status == 200
    assert await _muted(bob) == {"general": False}


async def test_refusals(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    public = (await (await ana.post("/api/rooms", json={"name": "open"})).json())["room"]["id"]
    private = (await (await ana.post("/api/rooms", json={"name": "secret", "private": True})).json())["room"]["id"]
    status, body = await _mute(bob, private, {"muted": True})
    assert (status, body["error"]["code"]) == (404, "room_not_found")
    status, never = await _mute(bob, 999_999, {"muted": True})
    assert (status, never) == (404, body)  # a private room is no different from one that does not exist
    status, body = await _mute(bob, public, {"muted": True})
    assert (status, body["error"]["code"]) == (403, "not_a_member")
    for bad in ({}, {"muted": "yes"}, {"muted": 1}, {"muted": 0}, {"muted": None}):
        status, body = await _mute(bob, GENERAL, bad)
        assert (status, body["error"]["code"]) == (400, "validation_failed"), bad
        assert list(body["error"]["fields"]) == ["muted"]
    status, body = await _mute(bob, GENERAL, [])
    assert (status, body["error"]["code"]) == (400, "invalid_json")
    resp = await bob.put(f"/api/rooms/{GENERAL}/mute", data=b"{not json", headers={"Content-Type": "application/json"})
    assert (resp.status, (await resp.json())["error"]["code"]) == (400, "invalid_json")
    resp = await bob.put("/api/rooms/abc/mute", json={"muted": True})
    assert (resp.status, (await resp.json())["error"]["code"]) == (404, "room_not_found")
    anonymous = await chat.client(server)
    resp = await anonymous.put(f"/api/rooms/{GENERAL}/mute", json={"muted": True})
    assert resp.status == 401
    resp = await bob.put(f"/api/rooms/{GENERAL}/mute", json={"muted": True}, headers={"Origin": "https://evil.example"})
    assert (resp.status, (await resp.json())["error"]["code"]) == (403, "forbidden_origin")
    assert await _muted(ana) == {"general": False, "open": False, "secret": False}
    assert await _muted(bob) == {"general": False, "open": False}


async def test_a_mute_reaches_tabs_on_another_process(mysql_chat: Chat, redis_namespace: str) -> None:
    a, b = await server_pair(mysql_chat, redis_namespace)
    await mysql_chat.user(a, "bob")
    bob_b = await mysql_chat.client(b)
    await bob_b.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
    bob_a = await mysql_chat.client(a)
    await bob_a.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
    tab_b, _ = await connect(bob_b)
    assert (await _mute(bob_a, GENERAL, {"muted": True}))[0] == 200
    assert await frame_of(tab_b, "mute") == {"type": "mute", "room_id": GENERAL, "muted": True}
    _, hello = await connect(bob_b)
    assert hello["rooms"][0]["muted"] is True
