"""The authorization matrix: every REST route and every WebSocket frame type, as each role, with the exact answer.

Roles: `anonymous` (no cookie), `member` (of the private room the row targets, and of a DM with `target`),
`outsider` (logged in, not a member), `disabled` (a session whose account an admin then disabled) and `admin` (an
administrator who is not a member of the private room: admins manage, they do not read private rooms). Each row gets
a fresh world, and the roles run in the order below, member last, so that what one cell changes (a leave, a disable)
cannot change another cell's answer. A route without a row fails the test that compares the table with the router.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from conftest import PASSWORD, Chat, connect, frame_of, next_frame
from parley.store import open_store

ROLES = ("anonymous", "outsider", "disabled", "admin", "member")
_names = itertools.count(1)


@dataclass
class World:
    server: TestServer
    private_room: int
    public_room: int
    target_user: int  # an ordinary account the admin routes act on
    invite: int  # an unused invite the admin routes act on
    clients: dict[str, TestClient[Any, Any]]
    private_message: int  # the member's, in the private room, with the member's 👍 on it
    dm_room: int  # the member's DM with target
    dm_message: int  # the member's, in that DM
    private_file: int  # an image the member sent in the private room


async def build_world(chat: Chat) -> World:
    server = await chat.server()
    member = await chat.user(server, "member")
    outsider = await chat.user(server, "outsider")
    admin = await chat.user(server, "admin")
    gone = await chat.user(server, "gone")
    target = await chat.user(server, "target")
    target_id = (await (await target.get("/api/me")).json())["user"]["id"]
    resp = await member.post("/api/rooms", json={"name": "secret", "private": True})
    private_room = (await resp.json())["room"]["id"]
    resp = await member.post("/api/rooms", json={"name": "open"})
    public_room = (await resp.json())["room"]["id"]
    resp = await member.post("/api/dms", json={"usernames": ["target"]})
    dm_room = (await resp.json())["room"]["id"]
    ws, _ = await connect(member)
    await ws.send_json({"type": "message.send", "room_id": private_room, "body": "psst", "client_id": "p1"})
    private_message = (await frame_of(ws, "message.ack"))["message"]["id"]
    await ws.send_json({"type": "reaction.add", "message_id": private_message, "emoji": "\U0001f44d"})
    await frame_of(ws, "reactions")
    await ws.send_json({"type": "message.send", "room_id": dm_room, "body": "just us", "client_id": "d1"})
    dm_message = (await frame_of(ws, "message.ack"))["message"]["id"]
    resp = await member.post(f"/api/rooms/{private_room}/files", data=_image_form())
    private_file = (await resp.json())["file"]["id"]
    frame = {"type": "message.send", "room_id": private_room, "body": "", "client_id": "f1", "file_ids": [private_file]}
    await ws.send_json(frame)
    await frame_of(ws, "message.ack")
    await ws.close()
    store = await open_store(chat.url)
    try:
        admin_id = (await (await admin.get("/api/me")).json())["user"]["id"]
        await store.set_admin(admin_id, True)
    finally:
        await store.close()
    resp = await admin.post("/api/admin/invites", json={})
    invite_id = (await resp.json())["invite"]["id"]
    gone_id = (await (await gone.get("/api/me")).json())["user"]["id"]
    assert (await admin.post(f"/api/admin/users/{gone_id}/disable")).status == 200
    clients = {
        "anonymous": await chat.client(server),
        "member": member,
        "outsider": outsider,
        "disabled": gone,
        "admin": admin,
    }
    return World(
        server, private_room, public_room, target_id, invite_id, clients, private_message, dm_room, dm_message,
        private_file,
    )


def _image_form() -> aiohttp.FormData:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "PNG")
    form = aiohttp.FormData()
    form.add_field("file", out.getvalue(), filename="green.png", content_type="image/png")
    return form


def _fresh() -> dict[str, Any]:
    return {"username": f"fresh{next(_names)}", "password": PASSWORD}


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # as the router names it
    expected: dict[str, int]
    body: Callable[[World], Any] | None = None
    path: Callable[[World], str] | None = None
    upload: bool = False  # a multipart body (a file) instead of JSON

    def url(self, world: World) -> str:
        return self.path(world) if self.path else self.route


def _everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def _logged_in(status: int, outsider: int | None = None, admin: int | None = None) -> dict[str, int]:
    return {
        "anonymous": 401,
        "disabled": 401,
        "member": status,
        "outsider": status if outsider is None else outsider,
        "admin": status if admin is None else admin,
    }


def _admin_only(status: int) -> dict[str, int]:
    return {"anonymous": 401, "disabled": 401, "member": 403, "outsider": 403, "admin": status}


def _private(w: World, tail: str) -> str:
    return f"/api/rooms/{w.private_room}/{tail}"


ROWS = [
    Row("GET", "/api/health", _everyone(200)),
    Row("GET", "/api/ready", _everyone(200)),
    Row("GET", "/api/openapi.yaml", _everyone(200)),
    Row("GET", "/api/auth/registration", _everyone(200)),
    Row("POST", "/api/auth/register", _everyone(201), body=lambda w: _fresh()),
    Row("POST", "/api/auth/login", _everyone(401), body=lambda w: {"username": "nobody", "password": "wrong-pass"}),
    Row("POST", "/api/auth/logout", _logged_in(204)),
    Row(
        "POST",
        "/api/auth/password",
        _logged_in(200),
        body=lambda w: {"current_password": PASSWORD, "new_password": PASSWORD},
    ),
    Row("GET", "/api/me", _logged_in(200)),
    Row("GET", "/api/presence", _logged_in(200)),
    Row("GET", "/api/rooms", _logged_in(200)),
    Row("POST", "/api/rooms", _logged_in(201), body=lambda w: {"name": f"room{next(_names)}"}),
    Row(
        "POST",
        "/api/rooms/{room_id}/join",
        _logged_in(200, outsider=404, admin=404),
        path=lambda w: _private(w, "join"),
    ),
    Row(
        "POST",
        "/api/rooms/{room_id}/leave",
        _logged_in(204, outsider=404, admin=404),
        path=lambda w: _private(w, "leave"),
    ),
    Row(
        "GET",
        "/api/rooms/{room_id}/members",
        _logged_in(200, outsider=404, admin=404),
        path=lambda w: _private(w, "members"),
    ),
    Row(
        "POST",
        "/api/rooms/{room_id}/members",
        _logged_in(200, outsider=404, admin=404),
        path=lambda w: _private(w, "members"),
        body=lambda w: {"username": "target"},
    ),
    Row(
        "PUT",
        "/api/rooms/{room_id}/mute",
        _logged_in(200, outsider=404, admin=404),
        path=lambda w: _private(w, "mute"),
        body=lambda w: {"muted": True},
    ),
    Row(
        "GET",
        "/api/rooms/{room_id}/messages",
        _logged_in(200, outsider=404, admin=404),
        path=lambda w: _private(w, "messages"),
    ),
    Row(
        "GET",
        "/api/rooms/{room_id}/changes",
        _logged_in(200, outsider=404, admin=404),
        path=lambda w: _private(w, "changes?since=0"),
    ),
    Row(
        "POST",
        "/api/rooms/{room_id}/files",
        _logged_in(201, outsider=404, admin=404),
        path=lambda w: _private(w, "files"),
        upload=True,
    ),
    Row(
        "GET",
        "/api/files/{file_id}",
        _logged_in(200, outsider=404, admin=404),
        path=lambda w: f"/api/files/{w.private_file}",
    ),
    Row(
        "GET",
        "/api/files/{file_id}/thumbnail",
        _logged_in(200, outsider=404, admin=404),
        path=lambda w: f"/api/files/{w.private_file}/thumbnail",
    ),
    Row("POST", "/api/dms", _logged_in(200), body=lambda w: {"usernames": ["target"]}),
    Row(
        "GET",
        "/api/search",
        _logged_in(200, outsider=404, admin=404),
        path=lambda w: f"/api/search?q=psst&room_id={w.private_room}",
    ),
    Row("GET", "/api/admin/online", _admin_only(200)),
    Row("GET", "/api/admin/users", _admin_only(200)),
    Row(
        "POST",
        "/api/admin/users/{user_id}/disable",
        _admin_only(200),
        path=lambda w: f"/api/admin/users/{w.target_user}/disable",
    ),
    Row(
        "POST",
        "/api/admin/users/{user_id}/enable",
        _admin_only(200),
        path=lambda w: f"/api/admin/users/{w.target_user}/enable",
    ),
    Row(
        "POST",
        "/api/admin/rooms/{room_id}/archive",
        _admin_only(200),
        path=lambda w: f"/api/admin/rooms/{w.public_room}/archive",
    ),
    Row(
        "POST",
        "/api/admin/rooms/{room_id}/unarchive",
        _admin_only(200),
        path=lambda w: f"/api/admin/rooms/{w.public_room}/unarchive",
    ),
    Row("GET", "/api/admin/invites", _admin_only(200)),
    Row("POST", "/api/admin/invites", _admin_only(201), body=lambda w: {}),
    Row(
        "DELETE",
        "/api/admin/invites/{invite_id}",
        _admin_only(200),
        path=lambda w: f"/api/admin/invites/{w.invite}",
    ),
    Row("GET", "/api/admin/stats", _admin_only(200)),
    Row(
        "PUT",
        "/api/admin/users/{user_id}/admin",
        _admin_only(200),
        path=lambda w: f"/api/admin/users/{w.target_user}/admin",
        body=lambda w: {"is_admin": True},
    ),
    Row(
        "DELETE",
        "/api/admin/users/{user_id}/sessions",
        _admin_only(200),
        path=lambda w: f"/api/admin/users/{w.target_user}/sessions",
    ),
    Row("GET", "/api/admin/rooms", _admin_only(200)),
    # Admins manage a private room's membership without being in it (they still cannot read it).
    Row(
        "PATCH",
        "/api/admin/rooms/{room_id}",
        _admin_only(200),
        path=lambda w: f"/api/admin/rooms/{w.private_room}",
        body=lambda w: {"name": "renamed"},
    ),
    Row(
        "GET",
        "/api/admin/rooms/{room_id}/members",
        _admin_only(200),
        path=lambda w: f"/api/admin/rooms/{w.private_room}/members",
    ),
    Row(
        "DELETE",
        "/api/admin/rooms/{room_id}/members/{user_id}",
        _admin_only(200),
        path=lambda w: f"/api/admin/rooms/{w.private_room}/members/{w.target_user}",
    ),
]


def test_every_route_has_a_row(tmp_path: Any) -> None:
    from test_openapi import routed

    assert {(row.method, row.route) for row in ROWS} == routed(tmp_path)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method} {r.route}")
async def test_rest_route(chat: Chat, row: Row) -> None:
    world = await build_world(chat)
    answers = {}
    for role in ROLES:
        client = world.clients[role]
        body = row.body(world) if row.body else None
        if row.upload:
            resp = await client.request(row.method, row.url(world), data=_image_form())
        else:
            resp = await client.request(row.method, row.url(world), json=body)
        answers[role] = resp.status
        if resp.status >= 400:
            assert (await resp.json())["error"]["code"], await resp.text()
    assert answers == row.expected


async def _private_room_is_listed(client: TestClient[Any, Any], room_id: int) -> bool:
    rooms = (await (await client.get("/api/rooms")).json())["rooms"]
    return any(room["id"] == room_id for room in rooms)


async def test_a_private_room_is_listed_to_its_members_only(chat: Chat) -> None:
    world = await build_world(chat)
    assert await _private_room_is_listed(world.clients["member"], world.private_room)
    assert not await _private_room_is_listed(world.clients["outsider"], world.private_room)
    assert not await _private_room_is_listed(world.clients["admin"], world.private_room)


# -- WebSocket ------------------------------------------------------------------------------------------------

Frame = Callable[[World], dict[str, Any]]
FRAMES: dict[str, Frame] = {
    "message.send": lambda w: {"type": "message.send", "room_id": w.private_room, "body": "hi", "client_id": "c1"},
    "message.edit": lambda w: {"type": "message.edit", "message_id": w.private_message, "body": "edited"},
    "message.delete": lambda w: {"type": "message.delete", "message_id": w.private_message},
    "reaction.add": lambda w: {"type": "reaction.add", "message_id": w.private_message, "emoji": "\U0001f389"},
    "reaction.remove": lambda w: {"type": "reaction.remove", "message_id": w.private_message, "emoji": "\U0001f44d"},
    "typing": lambda w: {"type": "typing", "room_id": w.private_room, "active": True},
    "presence.set": lambda w: {"type": "presence.set", "status": "idle"},
    "presence.watch": lambda w: {"type": "presence.watch", "user_ids": [1, 2, 3]},
    "read": lambda w: {"type": "read", "room_id": w.private_room, "seq": 0},
}


def _changes(member: str) -> dict[str, str | None]:
    """A change of the member's message in the private room: to anyone else that message does not exist."""
    return {"member": member, "outsider": "error:message_not_found", "admin": "error:message_not_found"}


# What each connected role gets for each frame sent to the private room: the frame type it answers with, or
# "error:<code>", or None for no answer to the sender (typing and presence answer others, not the sender).
WS_EXPECTED: dict[str, dict[str, str | None]] = {
    "message.send": {"member": "message.ack", "outsider": "error:not_a_member", "admin": "error:not_a_member"},
    "message.edit": _changes("message.updated"),
    "message.delete": _changes("message.deleted"),
    "reaction.add": _changes("reactions"),
    "reaction.remove": _changes("reactions"),
    "typing": {"member": None, "outsider": "error:not_a_member", "admin": "error:not_a_member"},
    "presence.set": {"member": None, "outsider": None, "admin": None},
    # Answered with a presence.batch, which passes by here like all presence: what it may hold is checked in
    # tests/live/test_presence_batches.py.
    "presence.watch": {"member": None, "outsider": None, "admin": None},
    "read": {"member": None, "outsider": "error:room_not_found", "admin": "error:room_not_found"},
}


def test_every_frame_type_has_a_row() -> None:
    from parley.web.schemas import CLIENT_FRAMES

    assert set(FRAMES) == set(CLIENT_FRAMES) == set(WS_EXPECTED)


@pytest.mark.parametrize("role", ["anonymous", "disabled"])
async def test_the_handshake_refuses(chat: Chat, role: str) -> None:
    world = await build_world(chat)
    resp = await world.clients[role].get("/ws", headers={"Connection": "Upgrade", "Upgrade": "websocket"})
    assert resp.status == 401


@pytest.mark.parametrize("kind", sorted(FRAMES))
async def test_ws_frame(chat: Chat, kind: str) -> None:
    world = await build_world(chat)
    answers: dict[str, str | None] = {}
    for role in ("outsider", "admin", "member"):
        ws, _ = await connect(world.clients[role])
        await ws.send_json(FRAMES[kind](world))
        await ws.send_json({"type": "presence.set", "status": "online"})  # a marker: nothing answers it
        answers[role] = await _answer(ws)
        await ws.close()
    assert answers == WS_EXPECTED[kind]


async def _answer(ws: Any) -> str | None:
    """The sender's own answer (an ack or an error), if one comes within 0.3 s; presence and typing pass by."""
    while True:
        try:
            frame = await next_frame(ws, timeout=0.3)
        except TimeoutError:
            return None
        if frame["type"] in ("message.ack", "read", "message.updated", "message.deleted", "reactions"):
            return str(frame["type"])
        if frame["type"] == "error":
            return f"error:{frame['code']}"
        assert frame["type"] in ("presence", "presence.batch", "typing"), frame


async def test_a_member_s_message_reaches_members_only(chat: Chat) -> None:
    """The cells above say what the sender hears; this says who else hears it: members, not outsiders or admins."""
    world = await build_world(chat)
    outsider, _ = await connect(world.clients["outsider"])
    admin, _ = await connect(world.clients["admin"])
    member, _ = await connect(world.clients["member"])
    await member.send_json(FRAMES["message.send"](world))
    ack = await frame_of(member, "message.ack")
    assert ack["message"]["room_id"] == world.private_room
    for ws in (outsider, admin):
        await ws.send_json({"type": "presence.set", "status": "online"})
        try:
            frame = await next_frame(ws, timeout=0.3)
        except TimeoutError:
            continue
        assert frame["type"] in ("presence", "presence.batch"), frame


async def test_a_dm_is_indistinguishable_from_nothing_to_others(chat: Chat) -> None:
    """An outsider (or an admin outside it) probing a DM's room id and message id gets exactly the answers an id that
    was never used gets: nothing tells that the DM exists."""
    world = await build_world(chat)
    never = 999_999
    requests = [("POST", "join", None), ("POST", "leave", None), ("GET", "members", None),
                ("POST", "members", {"username": "outsider"}), ("GET", "messages", None),
                ("GET", "changes?since=0", None)]
    for role in ("outsider", "admin"):
        client = world.clients[role]
        for method, tail, body in requests:
            answers = []
            for room_id in (world.dm_room, never):
                resp = await client.request(method, f"/api/rooms/{room_id}/{tail}", json=body)
                answers.append((resp.status, await resp.json()))
            assert answers[0] == answers[1] == (404, {"error": {"code": "room_not_found", "message": "No such room."}})
        rooms = (await (await client.get("/api/rooms")).json())["rooms"]
        assert world.dm_room not in [room["id"] for room in rooms]
        ws, hello = await connect(client)
        assert world.dm_room not in [room["id"] for room in hello["rooms"]]
        for kind in ("message.edit", "message.delete", "reaction.add", "reaction.remove"):
            errors = []
            for message_id in (world.dm_message, never):
                await ws.send_json({"type": kind, "message_id": message_id, "body": "x", "emoji": "\U0001f44d"})
                error = await frame_of(ws, "error")
                assert error.pop("message_id") == message_id
                errors.append(error)
            nothing = {"type": "error", "code": "message_not_found", "message": "No such message."}
            assert errors[0] == errors[1] == nothing
        await ws.close()
