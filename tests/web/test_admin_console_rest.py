"""The admin console's endpoints (issue 15): user search with pages, the admin flag, ending a user's sessions,
the room list, renaming, member lists and removal, the totals. Each is refused to non-admins (403), to the
anonymous (401) and across sites (403 forbidden_origin), and each bad input has its stable code. Both backends
(the `chat` fixture runs every test on SQLite and on MariaDB)."""

from __future__ import annotations

from typing import Any

import pytest
from test_admin_rest import error_of, make_admin

from conftest import PASSWORD, Chat, close_code, connect, frame_of, server_pair

NEW_ENDPOINTS = [
    ("GET", "/api/admin/stats", None),
    ("GET", "/api/admin/users?q=a", None),
    ("PUT", "/api/admin/users/2/admin", {"is_admin": True}),
    ("DELETE", "/api/admin/users/2/sessions", None),
    ("GET", "/api/admin/rooms", None),
    ("PATCH", "/api/admin/rooms/1", {"name": "taken-over"}),
    ("GET", "/api/admin/rooms/1/members", None),
    ("DELETE", "/api/admin/rooms/1/members/2", None),
]


@pytest.mark.parametrize(("method", "path", "body"), NEW_ENDPOINTS)
async def test_non_admins_and_strangers_are_refused(chat: Chat, method: str, path: str, body: Any) -> None:
    server = await chat.server()
    await chat.user(server, "boss")
    ann = await chat.user(server, "ann")
    assert await error_of(await ann.request(method, path, json=body), 403) == "forbidden"
    anonymous = await chat.client(server)
    assert await error_of(await anonymous.request(method, path, json=body), 401) == "not_authenticated"
    # Refused before acting: ann is no admin, still logged in, still in general, which kept its name.
    me = (await (await ann.get("/api/me")).json())["user"]
    assert me["is_admin"] is False
    rooms = (await (await ann.get("/api/rooms")).json())["rooms"]
    assert [(r["name"], r["joined"]) for r in rooms] == [("general", True)]


@pytest.mark.parametrize(("method", "path", "body"), [e for e in NEW_ENDPOINTS if e[0] != "GET"])
async def test_an_admins_cross_site_request_is_refused(chat: Chat, method: str, path: str, body: Any) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    await chat.user(server, "ann")
    resp = await boss.request(method, path, json=body, headers={"Origin": "https://evil.example"})
    assert await error_of(resp, 403) == "forbidden_origin"
    users = (await (await boss.get("/api/admin/users")).json())["users"]
    assert [(u["username"], u["is_admin"]) for u in users] == [("ann", False), ("boss", True)]


async def test_user_search_pages_and_treats_wildcards_literally(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    for name in ("Anna", "hannah", "bob", "a_b", "axb"):
        await chat.user(server, name)

    async def search(query: str) -> dict[str, Any]:
        resp = await boss.get("/api/admin/users" + query)
        assert resp.status == 200, await resp.text()
        body: dict[str, Any] = await resp.json()
        return body

    body = await search("?q=ANN")
    assert ([u["username"] for u in body["users"]], body["total"]) == (["Anna", "hannah"], 2)
    body = await search("?q=_")
    assert [u["username"] for u in body["users"]] == ["a_b"]
    body = await search("?q=%25")
    assert (body["users"], body["total"]) == ([], 0)
    first = await search("?limit=2")
    second = await search("?limit=2&offset=2")
    last = await search("?limit=2&offset=6")
    assert first["total"] == second["total"] == 6
    assert [u["username"] for u in first["users"] + second["users"]] == ["a_b", "Anna", "axb", "bob"]
    assert last["users"] == []


@pytest.mark.parametrize(
    "query", ["?limit=0", "?limit=201", "?offset=-1", "?limit=x", "?q=" + "a" * 65, "?offset=99999999999"]
)
async def test_user_search_bad_queries(chat: Chat, query: str) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    assert await error_of(await boss.get("/api/admin/users" + query), 400) == "invalid_query"


async def test_admin_flag_applies_at_once_and_an_admin_cannot_demote_themselves(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    ann = await chat.user(server, "ann")
    assert await error_of(await ann.get("/api/admin/users"), 403) == "forbidden"
    resp = await boss.put("/api/admin/users/2/admin", json={"is_admin": True})
    assert resp.status == 200
    assert (await resp.json())["user"] | {"created_at": 0} == {
        "id": 2,
        "username": "ann",
        "is_admin": True,
        "disabled": False,
        "created_at": 0,
        "last_seen": None,
        "status": "offline",
    }
    assert (await ann.get("/api/admin/users")).status == 200
    # Neither admin can take their own flag away; one can take the other's.
    assert await error_of(await boss.put("/api/admin/users/1/admin", json={"is_admin": False}), 409) == (
        "cannot_demote_self"
    )
    resp = await ann.put("/api/admin/users/1/admin", json={"is_admin": False})
    assert resp.status == 200 and (await resp.json())["user"]["is_admin"] is False
    assert await error_of(await boss.get("/api/admin/users"), 403) == "forbidden"
    assert await error_of(await ann.put("/api/admin/users/2/admin", json={"is_admin": False}), 409) == (
        "cannot_demote_self"
    )


@pytest.mark.parametrize("body", [{}, {"is_admin": 1}, {"is_admin": "true"}, {"is_admin": None}])
async def test_admin_flag_bad_bodies(chat: Chat, body: dict[str, Any]) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    await chat.user(server, "ann")
    assert await error_of(await boss.put("/api/admin/users/2/admin", json=body), 400) == "validation_failed"
    resp = await boss.put("/api/admin/users/2/admin", data=b"{not json", headers={"Content-Type": "application/json"})
    assert await error_of(resp, 400) == "invalid_json"
    for path in ("/api/admin/users/99/admin", "/api/admin/users/abc/admin", "/api/admin/users/0/admin"):
        assert await error_of(await boss.put(path, json={"is_admin": True}), 404) == "user_not_found"


async def test_ending_sessions_logs_a_user_out_everywhere_but_keeps_the_password(chat: Chat) -> None:
    # A one-minute revocation poll: the close can only come from the endpoint's own broker call.
    server = await chat.server(revocation_poll_ms=60_000)
    boss = await make_admin(chat, server, "boss")
    ann = await chat.user(server, "ann")
    other_device = await chat.client(server)
    assert (await other_device.post("/api/auth/login", json={"username": "ann", "password": PASSWORD})).status == 200
    ws, _ = await connect(ann)
    resp = await boss.delete("/api/admin/users/2/sessions")
    assert resp.status == 200
    body = await resp.json()
    assert (body["ended"], body["user"]["username"], body["user"]["disabled"]) == (2, "ann", False)
    assert await close_code(ws, timeout=1.0) == 4401
    for client in (ann, other_device):
        assert await error_of(await client.get("/api/me"), 401) == "not_authenticated"
    login = await ann.post("/api/auth/login", json={"username": "ann", "password": PASSWORD})
    assert login.status == 200
    assert (await (await boss.delete("/api/admin/users/2/sessions")).json())["ended"] == 1
    assert await error_of(await boss.delete("/api/admin/users/99/sessions"), 404) == "user_not_found"


async def test_rooms_lists_every_room_but_no_direct_conversation(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    ann = await chat.user(server, "ann")
    assert (await ann.post("/api/rooms", json={"name": "secret", "private": True})).status == 201
    dm = await ann.post("/api/dms", json={"usernames": ["boss"]})
    assert dm.status in (200, 201)
    dm_id = (await dm.json())["room"]["id"]
    rooms = (await (await boss.get("/api/admin/rooms")).json())["rooms"]
    assert [(r["name"], r["private"], r["archived"], r["member_count"]) for r in rooms] == [
        ("general", False, False, 2),
        ("secret", True, False, 1),
    ]
    assert set(rooms[0]) == {"id", "name", "topic", "private", "archived", "last_seq", "created_at", "member_count"}
    # A DM is not a room here: no rename, archive, member list or removal.
    for method, path, body in (
        ("PATCH", f"/api/admin/rooms/{dm_id}", {"name": "ours"}),
        ("POST", f"/api/admin/rooms/{dm_id}/archive", None),
        ("GET", f"/api/admin/rooms/{dm_id}/members", None),
        ("DELETE", f"/api/admin/rooms/{dm_id}/members/2", None),
    ):
        assert await error_of(await boss.request(method, path, json=body), 409) == "not_a_room"


async def test_rename_tells_the_members_and_refuses_bad_or_taken_names(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    ann = await chat.user(server, "ann")
    assert (await ann.post("/api/rooms", json={"name": "lobby"})).status == 201
    ws, _ = await connect(ann)
    resp = await boss.patch("/api/admin/rooms/1", json={"name": "Town Square"})
    assert resp.status == 200
    room = (await resp.json())["room"]
    assert (room["id"], room["name"], room["joined"]) == (1, "Town Square", True)
    updated = await frame_of(ws, "room.updated")
    assert updated["room"] == room
    assert await error_of(await boss.patch("/api/admin/rooms/1", json={"name": "LOBBY"}), 409) == "room_name_taken"
    for body in ({}, {"name": ""}, {"name": " padded"}, {"name": "x" * 65}, {"name": 5}, {"name": "tab\there"}):
        assert await error_of(await boss.patch("/api/admin/rooms/1", json=body), 400) == "validation_failed"
    assert await error_of(await boss.patch("/api/admin/rooms/99", json={"name": "x"}), 404) == "room_not_found"
    names = [r["name"] for r in (await (await boss.get("/api/admin/rooms")).json())["rooms"]]
    assert names == ["lobby", "Town Square"]


async def test_members_and_removal_reach_the_removed_member_live(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    ann = await chat.user(server, "ann")
    ws, _ = await connect(ann)
    members = (await (await boss.get("/api/admin/rooms/1/members")).json())["members"]
    assert [(m["id"], m["username"], m["status"]) for m in members] == [(2, "ann", "online"), (1, "boss", "offline")]
    resp = await boss.delete("/api/admin/rooms/1/members/2")
    assert resp.status == 200 and await resp.json() == {"removed": True}
    assert (await frame_of(ws, "room.left", skip=("presence", "member.left")))["room_id"] == 1
    assert [m["username"] for m in (await (await boss.get("/api/admin/rooms/1/members")).json())["members"]] == ["boss"]
    assert await (await boss.delete("/api/admin/rooms/1/members/2")).json() == {"removed": False}
    assert await error_of(await boss.delete("/api/admin/rooms/1/members/99"), 404) == "user_not_found"
    assert await error_of(await boss.delete("/api/admin/rooms/99/members/2"), 404) == "room_not_found"
    assert await error_of(await boss.get("/api/admin/rooms/abc/members"), 404) == "room_not_found"


async def test_stats_counts_the_database_and_the_live_side(chat: Chat) -> None:
    server = await chat.server()
    boss = await make_admin(chat, server, "boss")
    ann = await chat.user(server, "ann")
    await chat.user(server, "bob")
    await connect(ann)
    await connect(ann)
    ws, _ = await connect(boss)
    await ws.send_json({"type": "message.send", "room_id": 1, "body": "hello", "client_id": "c1"})
    await frame_of(ws, "message.ack", skip=("presence", "message.new"))
    assert (await boss.post("/api/admin/users/3/disable")).status == 200
    stats = (await (await boss.get("/api/admin/stats")).json())["stats"]
    assert stats["database_bytes"] > 0
    assert stats | {"database_bytes": 0} == {
        "users": 3,
        "disabled_users": 1,
        "admins": 1,
        "rooms": 1,
        "archived_rooms": 0,
        "messages": 1,
        "sessions": 2,
        "database_bytes": 0,
        "database": chat.url.scheme,
        "online": 2,
        "connections": 3,
    }


async def test_two_processes_on_mariadb_end_sessions_and_remove_members_everywhere(
    mysql_chat: Chat, redis_namespace: str
) -> None:
    """Two server processes on one MariaDB and Redis: what an admin does on one reaches a user on the other."""
    a, b = await server_pair(mysql_chat, redis_namespace)
    boss = await make_admin(mysql_chat, a, "boss")
    ann = await mysql_chat.user(a, "ann")
    ann_on_b = await mysql_chat.client(b)
    assert (await ann_on_b.post("/api/auth/login", json={"username": "ann", "password": PASSWORD})).status == 200
    ws, _ = await connect(ann_on_b)
    resp = await boss.delete("/api/admin/rooms/1/members/2")
    assert await resp.json() == {"removed": True}
    assert (await frame_of(ws, "room.left", skip=("presence", "member.left")))["room_id"] == 1
    resp = await boss.delete("/api/admin/users/2/sessions")
    assert (await resp.json())["ended"] == 2
    assert await close_code(ws) == 4401
    for client in (ann, ann_on_b):
        assert await error_of(await client.get("/api/me"), 401) == "not_authenticated"
