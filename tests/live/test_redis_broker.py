"""Two app instances sharing MariaDB and Redis behave as one server: messages, typing, presence and
revocation cross between them. (Separate OS processes, nginx and kill -9 are in test_nginx.py.)"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from conftest import PASSWORD, Chat, close_code, connect, frame_of

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def redis_namespace() -> AsyncIterator[str]:
    from conftest import service_missing

    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception:
        await client.aclose()
        service_missing("Redis at 127.0.0.1:6379")
    namespace = f"parley-test-{uuid.uuid4().hex[:8]}"
    try:
        yield namespace
    finally:
        async for key in client.scan_iter(match=f"{namespace}:*"):
            await client.delete(key)
        await client.aclose()


async def _pair(chat: Chat, namespace: str, **overrides: Any) -> tuple[Any, Any]:
    settings = {"redis_url": REDIS_URL, "redis_namespace": namespace, "presence_grace_ms": 200} | overrides
    return await chat.server(**settings), await chat.server(**settings)


async def test_messages_cross_once_and_in_order(mysql_chat: Chat, redis_namespace: str) -> None:
    a, b = await _pair(mysql_chat, redis_namespace)
    ana = await mysql_chat.user(a, "ana")
    bo = await mysql_chat.client(b)
    await mysql_chat.user(a, "bob")
    await bo.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
    bo_ws, _ = await connect(bo)
    ana_ws, _ = await connect(ana)
    for i in range(20):  # the per-connection burst allowance
        await ana_ws.send_json({"type": "message.send", "room_id": 1, "body": f"m{i}", "client_id": f"c{i}"})
    got = [(await frame_of(bo_ws, "message.new"))["message"]["seq"] for _ in range(20)]
    assert got == list(range(1, 21))
    # ... and exactly once: Bob's next frame is his own ack, seq 21.
    await bo_ws.send_json({"type": "message.send", "room_id": 1, "body": "reply", "client_id": "r"})
    assert (await frame_of(bo_ws, "message.ack"))["message"]["seq"] == 21
    assert (await frame_of(ana_ws, "message.new", skip=("presence", "message.ack")))["message"]["body"] == "reply"


async def test_presence_and_typing_cross(mysql_chat: Chat, redis_namespace: str) -> None:
    a, b = await _pair(mysql_chat, redis_namespace)
    ana = await mysql_chat.user(a, "ana")
    await mysql_chat.user(a, "bob")
    bo = await mysql_chat.client(b)
    await bo.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
    bo_ws, _ = await connect(bo)
    ana_ws, _ = await connect(ana)
    online = await frame_of(bo_ws, "presence", skip=())
    assert (online["user"]["username"], online["status"]) == ("ana", "online")
    await ana_ws.send_json({"type": "typing", "room_id": 1, "active": True})
    assert (await frame_of(bo_ws, "typing"))["user"]["username"] == "ana"
    await ana_ws.send_json({"type": "presence.set", "status": "idle"})
    assert (await frame_of(bo_ws, "presence", skip=()))["status"] == "idle"
    # A second tab of Ana on the other instance: online again (online anywhere wins), no offline in between.
    ana_on_b = await mysql_chat.client(b)
    await ana_on_b.post("/api/auth/login", json={"username": "ana", "password": PASSWORD})
    ana_ws2, hello = await connect(ana_on_b)
    assert [(p["user"]["username"], p["status"]) for p in hello["presence"]] == [("bob", "online")]
    assert (await frame_of(bo_ws, "presence", skip=()))["status"] == "online"
    await ana_ws.close()
    await ana_ws2.close()
    offline = await frame_of(bo_ws, "presence", skip=("typing",))
    assert offline["status"] == "offline"
    assert offline["last_seen"] is not None


async def test_logout_on_one_instance_closes_sockets_on_the_other(mysql_chat: Chat, redis_namespace: str) -> None:
    a, b = await _pair(mysql_chat, redis_namespace)
    ana = await mysql_chat.user(a, "ana")
    # The same session (cookie) used against instance B.
    ana_b = await mysql_chat.client(b)
    ana_b.session.cookie_jar.update_cookies({c.key: c.value for c in ana.session.cookie_jar})
    ws_b, _ = await connect(ana_b)
    await ana.post("/api/auth/logout")
    assert await close_code(ws_b, timeout=3) == 4401


async def test_a_stopped_instance_takes_its_users_offline(mysql_chat: Chat, redis_namespace: str) -> None:
    a, b = await _pair(mysql_chat, redis_namespace)
    ana = await mysql_chat.user(a, "ana")
    await mysql_chat.user(a, "bob")
    bo = await mysql_chat.client(b)
    await bo.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
    bo_ws, _ = await connect(bo)
    await connect(ana)
    assert (await frame_of(bo_ws, "presence", skip=()))["status"] == "online"
    await a.close()  # a clean stop says goodbye through Redis
    offline = await frame_of(bo_ws, "presence", skip=(), timeout=5)
    assert (offline["user"]["username"], offline["status"]) == ("ana", "offline")


async def test_admin_online_sees_users_on_every_instance(mysql_chat: Chat, redis_namespace: str) -> None:
    from parley.store import open_store

    a, b = await _pair(mysql_chat, redis_namespace)
    boss = await mysql_chat.user(a, "boss")
    store = await open_store(mysql_chat.url)
    try:
        account = await store.account_by_name("boss")
        assert account is not None
        await store.set_admin(account.id, True)
    finally:
        await store.close()
    await mysql_chat.user(a, "bob")
    bo = await mysql_chat.client(b)
    await bo.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
    boss_ws, _ = await connect(boss)
    await connect(bo)
    assert (await frame_of(boss_ws, "presence", skip=()))["status"] == "online"
    body = await (await boss.get("/api/admin/online")).json()
    assert body == {"online": [
        {"user": {"id": 2, "username": "bob"}, "status": "online", "connections": 0},
        {"user": {"id": 1, "username": "boss"}, "status": "online", "connections": 1},
    ]}
