"""Who may register (REGISTRATION) and invites, over REST on both databases (docs/protocol.md "Registration").

Finding 4 of issue 10: anyone who could reach the server could register and read every public room.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from conftest import PASSWORD, Chat, migrated
from parley.app import create_app
from parley.clock import FakeClock
from parley.settings import ConfigError, Settings
from parley.store import open_store
from parley.web.access_log import loggable_path

KEY = "k" * 40


async def make_admin(chat: Chat, server: TestServer, name: str = "boss") -> TestClient[Any, Any]:
    client = await chat.user(server, name)
    user_id = (await (await client.get("/api/me")).json())["user"]["id"]
    store = await open_store(chat.url)
    try:
        await store.set_admin(user_id, True)
    finally:
        await store.close()
    return client


async def invite(admin: TestClient[Any, Any], **body: Any) -> str:
    resp = await admin.post("/api/admin/invites", json=body)
    assert resp.status == 201, await resp.text()
    token: str = (await resp.json())["token"]
    return token


async def register(server: TestServer, chat: Chat, name: str, token: str | None = None) -> tuple[int, dict[str, Any]]:
    client = await chat.client(server)
    body: dict[str, Any] = {"username": name, "password": PASSWORD}
    if token is not None:
        body["invite"] = token
    resp = await client.post("/api/auth/register", json=body)
    return resp.status, await resp.json()


async def test_a_public_server_registers_by_invite_only(chat: Chat, tmp_path: Path) -> None:
    """Finding 4: with default settings on a public address, a stranger registered and read every public room."""
    # ALLOWED_HOSTS is required off loopback; the test's client reaches the server as 127.0.0.1.
    public = Settings.from_env({"HOST": "0.0.0.0", "SECRET_KEY": KEY, "ALLOWED_HOSTS": "127.0.0.1"}, cwd=tmp_path)
    await migrated(chat.url)
    server = TestServer(create_app(replace(public, database=chat.url, frontend_dir=None)))
    await server.start_server()
    chat.servers.append(server)
    stranger = await chat.client(server)
    resp = await stranger.post("/api/auth/register", json={"username": "stranger", "password": PASSWORD})
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "invite_invalid"
    assert (await stranger.get("/api/rooms")).status == 401
    resp = await stranger.get("/api/auth/registration")
    assert await resp.json() == {"registration": "invite"}


def test_the_default_depends_on_who_can_reach_the_server(tmp_path: Path) -> None:
    def mode(**env: str) -> str:
        env = {"SECRET_KEY": KEY, "ALLOWED_HOSTS": "chat.example.com", **env}
        return Settings.from_env(env, cwd=tmp_path).registration

    assert mode() == "open"
    assert mode(HOST="::1") == "open"
    assert mode(HOST="0.0.0.0") == "invite"
    assert mode(HOST="10.0.0.11") == "invite"
    # Behind a proxy a loopback server is public.
    assert mode(TRUSTED_PROXIES="127.0.0.1") == "invite"
    assert mode(HOST="0.0.0.0", REGISTRATION="Open") == "open"
    assert mode(REGISTRATION="closed") == "closed"


async def test_closed_registration_refuses_everyone(chat: Chat) -> None:
    server = await chat.server(registration="open")
    admin = await make_admin(chat, server)
    token = await invite(admin)
    closed = await chat.server(registration="closed")
    for token_or_none in (None, token):
        status, body = await register(closed, chat, "newbie", token_or_none)
        assert status == 403
        assert body["error"]["code"] == "registration_closed"
    # Logins go on as before.
    client = await chat.client(closed)
    resp = await client.post("/api/auth/login", json={"username": "boss", "password": PASSWORD})
    assert resp.status == 200


async def test_an_invite_makes_exactly_one_account(chat: Chat) -> None:
    open_server = await chat.server(registration="open")
    admin = await make_admin(chat, open_server)
    server = await chat.server(registration="invite")
    token = await invite(admin)
    status, body = await register(server, chat, "newbie", token)
    assert status == 201, body
    assert body["user"]["username"] == "newbie"
    status, body = await register(server, chat, "second", token)
    assert (status, body["error"]["code"]) == (403, "invite_invalid")
    invites = (await (await admin.get("/api/admin/invites")).json())["invites"]
    assert len(invites) == 1
    assert invites[0]["state"] == "used"
    assert invites[0]["used_by"]["username"] == "newbie"
    assert invites[0]["created_by"]["username"] == "boss"


async def test_unknown_used_revoked_and_expired_invites_look_alike(chat: Chat) -> None:
    clock = FakeClock()
    server = await chat.server(clock=clock, registration="invite")
    admin = await make_admin(chat, await chat.server(clock=clock, registration="open"))
    used, revoked, expiring = await invite(admin), await invite(admin), await invite(admin, expires_s=60)
    assert (await register(server, chat, "first", used))[0] == 201
    revoked_id = next(i["id"] for i in (await (await admin.get("/api/admin/invites")).json())["invites"][1:2])
    resp = await admin.delete(f"/api/admin/invites/{revoked_id}")
    assert resp.status == 200
    assert (await resp.json())["invite"]["state"] == "revoked"
    clock.advance(60_000)
    answers = []
    for token in (used, revoked, expiring, "no-such-invite-token-at-all", "bad token!", "x" * 128, ""):
        status, body = await register(server, chat, "hopeful", token)
        answers.append((status, body["error"]["code"], body["error"]["message"]))
    assert set(answers) == {(403, "invite_invalid", answers[0][2])}
    states = {i["id"]: i["state"] for i in (await (await admin.get("/api/admin/invites")).json())["invites"]}
    assert sorted(states.values()) == ["expired", "revoked", "used"]


async def test_two_registrations_racing_for_one_invite(chat: Chat) -> None:
    """Using an invite is atomic: of ten registrations sent at once with one token, one account is made."""
    server = await chat.server(registration="invite")
    admin = await make_admin(chat, await chat.server(registration="open"))
    token = await invite(admin)
    results = await asyncio.gather(*(register(server, chat, f"racer{i}", token) for i in range(10)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [403] * 9
    users = (await (await admin.get("/api/admin/users")).json())["users"]
    assert len([u for u in users if u["username"].startswith("racer")]) == 1


async def test_a_taken_name_leaves_the_invite_unused(chat: Chat) -> None:
    server = await chat.server(registration="invite")
    admin = await make_admin(chat, await chat.server(registration="open"))
    token = await invite(admin)
    status, body = await register(server, chat, "boss", token)
    assert (status, body["error"]["code"]) == (409, "username_taken")
    assert (await register(server, chat, "newbie", token))[0] == 201


async def test_only_the_tokens_hash_is_stored(chat: Chat) -> None:
    server = await chat.server()
    admin = await make_admin(chat, server)
    token = await invite(admin)
    store = await open_store(chat.url)
    try:
        async with store.read() as tx:
            rows = await tx.fetchall("SELECT * FROM invites")
    finally:
        await store.close()
    assert len(rows) == 1
    assert not any(token in str(cell) for cell in rows[0])
    assert hashlib.sha256(token.encode()).hexdigest() in rows[0]


async def test_an_open_server_uses_an_invite_it_is_given(chat: Chat) -> None:
    server = await chat.server(registration="open")
    admin = await make_admin(chat, server)
    token = await invite(admin)
    assert (await register(server, chat, "plain"))[0] == 201
    assert (await register(server, chat, "invited", token))[0] == 201
    status, body = await register(server, chat, "again", token)
    assert (status, body["error"]["code"]) == (403, "invite_invalid")


async def test_admin_invite_endpoints(chat: Chat) -> None:
    server = await chat.server()
    admin = await make_admin(chat, server)
    member = await chat.user(server, "member")
    assert (await member.post("/api/admin/invites", json={})).status == 403
    assert (await (await admin.get("/api/admin/invites")).json()) == {"invites": []}
    resp = await admin.post("/api/admin/invites")  # no body: the default week
    assert resp.status == 201
    created = (await resp.json())["invite"]
    assert created["expires_at"] - created["created_at"] == 7 * 86_400_000
    assert created["state"] == "active"
    assert set(created) == {
        "id", "state", "created_at", "expires_at", "created_by", "used_at", "used_by", "revoked_at"
    }
    for bad in ({"expires_s": 0}, {"expires_s": 90 * 86_400 + 1}, {"expires_s": "1"}, {"expires_s": 1.5}):
        resp = await admin.post("/api/admin/invites", json=bad)
        assert resp.status == 400, bad
        assert (await resp.json())["error"]["code"] == "validation_failed"
    for path in ("/api/admin/invites/999", "/api/admin/invites/x", "/api/admin/invites/0"):
        resp = await admin.delete(path)
        assert resp.status == 404
        assert (await resp.json())["error"]["code"] == "invite_not_found"


def test_settings_refuse_a_bad_registration_mode(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="REGISTRATION: expected open, invite or closed"):
        Settings.from_env({"REGISTRATION": "sometimes"}, cwd=tmp_path)


def test_invite_tokens_stay_out_of_the_access_log() -> None:
    token = "AbCdEfGhIjKlMnOpQrStUvWxYz012-_9"
    assert loggable_path(f"/invite/{token}") == "/invite/…"
    assert loggable_path(f"/invite/{token}?x=1") == "/invite/…?x=1"
    assert loggable_path(f"/?invite={token}") == "/?invite=…"
    assert loggable_path(f"/?a=1&invite={token}&b=2") == "/?a=1&invite=…&b=2"
    assert loggable_path("/api/rooms/1/messages?after=3") == "/api/rooms/1/messages?after=3"
