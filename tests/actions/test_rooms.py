"""Rooms over REST: create, list, join, leave, members, and private rooms invisible to outsiders."""

from __future__ import annotations

from typing import Any

from conftest import Chat, connect, frame_of


async def _room(client: Any, **body: Any) -> dict[str, Any]:
    resp = await client.post("/api/rooms", json=body)
    assert resp.status == 201, await resp.text()
    room: dict[str, Any] = (await resp.json())["room"]
    return room


async def test_create_list_join_leave(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bo_")
    room = await _room(ana, name="Design", topic="pixels")
    assert room == {"id": room["id"], "kind": "room", "name": "Design", "topic": "pixels", "private": False,
                    "archived": False, "joined": True, "last_seq": 0, "change_seq": 0, "last_read_seq": 0,
                    "unread": 0, "mentions": 0, "muted": False}
    listed = (await (await bo.get("/api/rooms")).json())["rooms"]
    assert [(r["name"], r["joined"]) for r in listed] == [("Design", False), ("general", True)]
    resp = await bo.post(f"/api/rooms/{room['id']}/join")
    assert resp.status == 200
    assert (await resp.json())["room"]["joined"] is True
    assert (await bo.post(f"/api/rooms/{room['id']}/join")).status == 200  # twice is fine
    members = (await (await ana.get(f"/api/rooms/{room['id']}/members")).json())["members"]
    assert [m["username"] for m in members] == ["ana", "bo_"]
    assert set(members[0]) == {"id", "username", "status", "last_seen"}
    assert (await bo.post(f"/api/rooms/{room['id']}/leave")).status == 204
    assert (await bo.post(f"/api/rooms/{room['id']}/leave")).status == 204
    members = (await (await ana.get(f"/api/rooms/{room['id']}/members")).json())["members"]
    assert [m["username"] for m in members] == ["ana"]


async def test_room_validation_and_conflicts(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    await _room(ana, name="Ops")
    resp = await ana.post("/api/rooms", json={"name": "ops"})
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "room_name_taken"
    for body in [{}, {"name": ""}, {"name": " padded"}, {"name": "x" * 65}, {"name": "ok", "topic": "t" * 251},
                 {"name": "ok", "private": "yes"}, {"name": "bad\nname"}]:
        resp = await ana.post("/api/rooms", json=body)
        assert resp.status == 400, body
        assert (await resp.json())["error"]["code"] == "validation_failed"


async def test_private_room_is_invisible_and_unreadable(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    eve = await chat.user(server, "eve")
    secret = await _room(ana, name="secret", private=True)
    ws, _ = await connect(ana)
    await ws.send_json({"type": "message.send", "room_id": secret["id"], "body": "psst", "client_id": "s1"})
    await frame_of(ws, "message.ack")
    rooms = (await (await eve.get("/api/rooms")).json())["rooms"]
    assert "secret" not in [r["name"] for r in rooms]
    for method, path in [("GET", "messages"), ("GET", "members"), ("POST", "join"), ("POST", "leave")]:
        resp = await eve.request(method, f"/api/rooms/{secret['id']}/{path}")
        assert resp.status == 404, path
        assert (await resp.json())["error"]["code"] == "room_not_found"
    resp = await eve.post(f"/api/rooms/{secret['id']}/members", json={"username": "eve"})
    assert resp.status == 404
    # Eve cannot post into it over the socket either, nor learn it exists.
    eve_ws, hello = await connect(eve)
    assert secret["id"] not in [r["id"] for r in hello["rooms"]]
    await eve_ws.send_json({"type": "message.send", "room_id": secret["id"], "body": "hi", "client_id": "e1"})
    error = await frame_of(eve_ws, "error")
    assert error["code"] == "not_a_member"
    assert error["client_id"] == "e1"


async def test_member_adds_someone_to_a_private_room(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    secret = await _room(ana, name="secret", private=True)
    bo_ws, _ = await connect(bo)
    resp = await ana.post(f"/api/rooms/{secret['id']}/members", json={"username": "BOB"})
    assert resp.status == 200
    assert (await resp.json())["member"]["username"] == "bob"
    joined = await frame_of(bo_ws, "room.joined")
    assert joined["room"]["id"] == secret["id"]
    resp = await ana.post(f"/api/rooms/{secret['id']}/members", json={"username": "ghost"})
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "user_not_found"
    # Now Bob reads it, and live messages reach him.
    assert (await bo.get(f"/api/rooms/{secret['id']}/messages")).status == 200
    ana_ws, _ = await connect(ana)
    await ana_ws.send_json({"type": "message.send", "room_id": secret["id"], "body": "welcome", "client_id": "w"})
    new = await frame_of(bo_ws, "message.new", skip=("presence", "member.joined"))
    assert new["message"]["body"] == "welcome"


async def test_join_and_leave_change_live_delivery(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    room = await _room(ana, name="news")
    ana_ws, _ = await connect(ana)
    bo_ws, _ = await connect(bo)
    await bo.post(f"/api/rooms/{room['id']}/join")
    assert (await frame_of(bo_ws, "room.joined"))["room"]["name"] == "news"
    member = await frame_of(ana_ws, "member.joined")
    assert member == {"type": "member.joined", "room_id": room["id"], "user": {"id": 2, "username": "bob"}}
    await ana_ws.send_json({"type": "message.send", "room_id": room["id"], "body": "one", "client_id": "1"})
    await frame_of(ana_ws, "message.ack")
    assert (await frame_of(bo_ws, "message.new"))["message"]["body"] == "one"
    await bo.post(f"/api/rooms/{room['id']}/leave")
    assert await frame_of(bo_ws, "room.left") == {"type": "room.left", "room_id": room["id"]}
    assert (await frame_of(ana_ws, "member.left"))["user"]["username"] == "bob"
    await ana_ws.send_json({"type": "message.send", "room_id": room["id"], "body": "two", "client_id": "2"})
    await frame_of(ana_ws, "message.ack")
    # Bob hears nothing more from the room: the next thing he gets is his own general message's ack.
    await bo_ws.send_json({"type": "message.send", "room_id": 1, "body": "g", "client_id": "g"})
    assert (await frame_of(bo_ws, "message.ack"))["message"]["room_id"] == 1
    await bo_ws.send_json({"type": "message.send", "room_id": room["id"], "body": "x", "client_id": "x"})
    assert (await frame_of(bo_ws, "error"))["code"] == "not_a_member"


async def test_bad_room_ids(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    for path in ["/api/rooms/abc/join", "/api/rooms/0/join", "/api/rooms/99999999999999999999999/join",
                 "/api/rooms/424242/join"]:
        resp = await ana.post(path)
        assert resp.status == 404, path
        assert (await resp.json())["error"]["code"] == "room_not_found"


async def test_a_new_user_is_announced_to_general(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ana_ws, _ = await connect(ana)
    await chat.user(server, "newbie")
    joined = await frame_of(ana_ws, "member.joined")
    assert joined == {"type": "member.joined", "room_id": 1, "user": {"id": 2, "username": "newbie"}}
