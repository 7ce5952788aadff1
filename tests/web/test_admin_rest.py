"""The admin REST API: refused to non-admins, and what each endpoint does to live connections (both backends)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from conftest import PASSWORD, Chat, close_code, connect, eventually, frame_of
from parley import keys
from parley.store import open_store

ENDPOINTS = [
    ("GET", "/api/admin/online"),
    ("GET", "/api/admin/users"),
    ("POST", "/api/admin/users/1/disable"),
    ("POST", "/api/admin/users/1/enable"),
    ("POST", "/api/admin/rooms/1/archive"),
    ("POST", "/api/admin/rooms/1/unarchive"),
    ("POST", "/api/admin/invites"),
    ("GET", "/api/admin/invites"),
    ("DELETE", "/api/admin/invites/1"),
]


async def make_admin(chat: Chat, server: TestServer, name: str) -> TestClient[Any, Any]:
    """A registered user promoted in the database (the session reads is_admin on every request)."""
    client = await chat.user(server, name)
    user_id = (await (await client.get("/api/me")).json())["user"]["id"]
    store = await open_store(chat.url)
    try:
        await store.set_admin(user_id, True)
    finally:
        await store.close()
    return client


async def error_of(resp: Any, status: int) -> str:
    assert resp.status == status, await resp.text()
    body = await resp.json()
    assert set(body["error"]) >= {"code", "message"}
    code: str = body["error"]["code"]
    return code


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_non_admins_are_refused(chat: Chat, method: str, path: str) -> None:
    server = await chat.server()
    ann = await chat.user(server, "ann")
    assert await error_of(await ann.request(method, path), 403) == "forbidden"
    anonymous = await chat.client(server)
    assert await error_of(await anonymous.request(method, path), 401) == "not_authenticated"
    # Refused before acting: ann is still enabled, general still writable.
    assert (await ann.get("/api/me")).status == 200
    rooms = (await (await ann.get("/api/rooms")).json())["rooms"]
    assert rooms[0]["archived"] is False


async def test_online_lists_this_process_connections(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    ann = await chat.user(server, "ann")
    bob = await chat.user(server, "bob")
    assert (await (await boss.get("/api/admin/online")).json()) == {"online": []}
    await connect(ann)
    await connect(ann)
    bob_ws, _ = await connect(bob)
    await bob_ws.send_json({"type": "presence.set", "status": "idle"})

    async def bob_idle() -> bool:
        return server.app[keys.LIVE].status(3) == "idle"

    await eventually(bob_idle)
    body = await (await boss.get("/api/admin/online")).json()
    assert body == {
        "online": [
            {"user": {"id": 2, "username": "ann"}, "status": "online", "connections": 2},
            {"user": {"id": 3, "username": "bob"}, "status": "idle", "connections": 1},
        ]
    }


async def test_users_lists_every_account(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    await chat.user(server, "ann")
    await connect(boss)
    users = (await (await boss.get("/api/admin/users")).json())["users"]
    assert [(u["id"], u["username"], u["is_admin"], u["disabled"], u["status"]) for u in users] == [
        (2, "ann", False, False, "offline"),
        (1, "boss", True, False, "online"),
    ]
    assert set(users[0]) == {"id", "username", "is_admin", "disabled", "created_at", "last_seen", "status"}


async def test_disable_closes_sockets_at_once_and_enable_restores_login(chat: Chat) -> None:
    # The revocation poll is slowed to a minute: the close below can only come from the API's own broker call.
    server = await chat.server(revocation_poll_ms=60_000)
    boss = await make_admin(chat, server, "boss")
    ann = await chat.user(server, "ann")
    ws, _ = await connect(ann)
    resp = await boss.post("/api/admin/users/2/disable")
    assert resp.status == 200
    user = (await resp.json())["user"]
    assert (user["id"], user["username"], user["disabled"]) == (2, "ann", True)
    assert await close_code(ws, timeout=1.0) == 4401
    assert await error_of(await ann.get("/api/me"), 401) == "not_authenticated"
    login = await ann.post("/api/auth/login", json={"username": "ann", "password": PASSWORD})
    assert await error_of(login, 401) == "invalid_credentials"

    resp = await boss.post("/api/admin/users/2/enable")
    assert resp.status == 200 and (await resp.json())["user"]["disabled"] is False
    login = await ann.post("/api/auth/login", json={"username": "ann", "password": PASSWORD})
    assert login.status == 200


async def test_disable_mistakes(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    assert await error_of(await boss.post("/api/admin/users/1/disable"), 409) == "cannot_disable_self"
    assert await error_of(await boss.post("/api/admin/users/99/disable"), 404) == "user_not_found"
    assert await error_of(await boss.post("/api/admin/users/abc/enable"), 404) == "user_not_found"
    assert await error_of(await boss.post("/api/admin/users/0/enable"), 404) == "user_not_found"
    assert (await boss.get("/api/me")).status == 200


async def test_archive_tells_the_room_and_makes_it_read_only(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    ann = await chat.user(server, "ann")
    ws, _ = await connect(ann)
    resp = await boss.post("/api/admin/rooms/1/archive")
    assert resp.status == 200
    room = (await resp.json())["room"]
    assert (room["id"], room["name"], room["archived"], room["joined"]) == (1, "general", True, True)
    updated = await frame_of(ws, "room.updated")
    assert updated["room"] == room

    await ws.send_json({"type": "message.send", "room_id": 1, "body": "hello?", "client_id": "c1"})
    refused = await frame_of(ws, "error")
    assert (refused["code"], refused["client_id"]) == ("room_archived", "c1")

    resp = await boss.post("/api/admin/rooms/1/unarchive")
    assert resp.status == 200 and (await resp.json())["room"]["archived"] is False
    assert (await frame_of(ws, "room.updated"))["room"]["archived"] is False
    await ws.send_json({"type": "message.send", "room_id": 1, "body": "hello", "client_id": "c2"})
    assert (await frame_of(ws, "message.ack"))["message"]["seq"] == 1


async def test_archived_rooms_refuse_joins(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    ann = await chat.user(server, "ann")
    resp = await boss.post("/api/rooms", json={"name": "old"})
    room_id = (await resp.json())["room"]["id"]
    resp = await boss.post(f"/api/admin/rooms/{room_id}/archive")
    assert (await resp.json())["room"]["joined"] is True
    assert await error_of(await ann.post(f"/api/rooms/{room_id}/join"), 403) == "room_archived"


async def test_archive_unknown_room(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    assert await error_of(await boss.post("/api/admin/rooms/99/archive"), 404) == "room_not_found"
    assert await error_of(await boss.post("/api/admin/rooms/x/unarchive"), 404) == "room_not_found"


async def test_cross_site_admin_posts_are_refused(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    resp = await boss.post("/api/admin/rooms/1/archive", headers={"Origin": "https://evil.example"})
    assert await error_of(resp, 403) == "forbidden_origin"
