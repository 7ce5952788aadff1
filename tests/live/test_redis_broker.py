"""Two app instances sharing MariaDB and Redis behave as one server: messages, typing, presence and
revocation cross between them. (Separate OS processes, nginx and kill -9 are in test_nginx.py.)"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import redis.asyncio as aioredis

from conftest import PASSWORD, Chat, close_code, connect, frame_of, make_settings
from parley import keys
from parley.live.signing import Signer, event_key

REDIS_URL = "redis://127.0.0.1:6379/0"


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
    # Each closed tab stays for the grace period, ending on each process's own sweep: when B's ends first, the
    # idle tab on A is briefly all that is left of Ana, and Bob may see "idle" on the way to "offline".
    offline = await frame_of(bo_ws, "presence", skip=("typing",))
    if offline["status"] == "idle":
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


# -- Redis is not trusted: events are signed (issue 10, finding 7) ----------------------------------------------


async def _victim_and_peer(chat: Chat, namespace: str) -> tuple[Any, Any, Any, Any]:
    """Ana's socket on instance B, Bob's on instance A; both online for each other. Returns (a, b, ana_ws, bo_ws)."""
    a, b = await _pair(chat, namespace)
    await chat.user(a, "ana")
    bo = await chat.user(a, "bob")
    ana = await chat.client(b)
    await ana.post("/api/auth/login", json={"username": "ana", "password": PASSWORD})
    ana_ws, _ = await connect(ana)
    bo_ws, _ = await connect(bo)
    assert (await frame_of(ana_ws, "presence", skip=()))["user"]["username"] == "bob"
    return a, b, ana_ws, bo_ws


def _forged_message(seq: int) -> bytes:
    return json.dumps({"type": "message.new", "message": {
        "id": 999, "room_id": 1, "seq": seq, "user": {"id": 99, "username": "admin"},
        "body": "Your session expired: log in again at https://evil.example", "created_at": 1, "client_id": "x",
    }}).encode()


async def test_unsigned_events_published_on_redis_are_dropped(mysql_chat: Chat, redis_namespace: str) -> None:
    """Anyone who can PUBLISH on Parley's channel: a forged admin message, and a forged close, reach nobody."""
    a, b, ana_ws, bo_ws = await _victim_and_peer(mysql_chat, redis_namespace)
    attacker = aioredis.Redis.from_url(REDIS_URL)
    channel = f"{redis_namespace}:events"
    forged = [
        b'{"k":"user","u":1,"p":"evil"}\n' + _forged_message(50),
        b'{"k":"msg","r":1,"s":1,"p":"evil"}\n' + _forged_message(1),
        b'{"k":"close_user","u":1,"c":4401,"why":"logged out","p":"evil"}\n',
        b"x" * 32 + b'{"k":"close_user","u":1,"c":4401,"why":"logged out","p":"evil"}\n',
    ]
    try:
        for data in forged:
            assert await attacker.publish(channel, data) == 2  # both instances got it
    finally:
        await attacker.aclose()
    # A real message from Bob on the other instance, published after the forgeries: it is the next frame Ana
    # gets, it is seq 1 (the forged seq 1 did not take its place), and her socket is open to receive it.
    await bo_ws.send_json({"type": "message.send", "room_id": 1, "body": "hi ana", "client_id": "c1"})
    got = await frame_of(ana_ws, "message.new", skip=())
    assert (got["message"]["seq"], got["message"]["body"], got["message"]["user"]["username"]) == (1, "hi ana", "bob")
    assert not ana_ws.closed
    broker = b.app[keys.BROKER]
    assert broker.rejected_events == len(forged)
    assert a.app[keys.BROKER].rejected_events == len(forged)


async def test_wrongly_signed_and_replayed_events_are_dropped(
    mysql_chat: Chat, redis_namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A MAC under another key (another SECRET_KEY or namespace) is refused; a captured valid event replayed is too.
    However many are dropped, one warning line says so."""
    _, b, ana_ws, bo_ws = await _victim_and_peer(mysql_chat, redis_namespace)
    channel = f"{redis_namespace}:events"
    attacker = aioredis.Redis.from_url(REDIS_URL)
    listening = attacker.pubsub(ignore_subscribe_messages=True)
    await listening.subscribe(channel)
    try:
        # Bob starts typing: capture the envelope instance A publishes for it.
        await bo_ws.send_json({"type": "typing", "room_id": 1, "active": True})
        assert (await frame_of(ana_ws, "typing"))["active"] is True
        captured = None
        for _ in range(100):  # None comes back for the subscription's own confirmation, too
            message = await listening.get_message(timeout=0.05)
            if message is not None and b'"typing"' in message["data"]:
                captured = message["data"]
                break
        assert captured is not None, "instance A published no typing event"
        await listening.unsubscribe(channel)
        await bo_ws.send_json({"type": "typing", "room_id": 1, "active": False})
        assert (await frame_of(ana_ws, "typing"))["active"] is False

        other = Signer(event_key(b"another-secret-key-that-is-long-enough-000", redis_namespace))
        wrong_key = other.sign(b'{"k":"close_user","u":1,"c":4401,"why":"x","p":"evil","q":1}\n')
        other_namespace = Signer(event_key(make_settings(mysql_chat.url).secret_key, "elsewhere"))
        wrong_namespace = other_namespace.sign(b'{"k":"close_user","u":1,"c":4401,"why":"x","p":"evil","q":1}\n')
        flipped = bytearray(captured)
        flipped[-3] ^= 1
        with caplog.at_level(logging.WARNING, logger="parley.live.redis_broker"):
            for data in (wrong_key, wrong_namespace, bytes(flipped), captured, captured):
                assert await attacker.publish(channel, data) >= 2  # both instances (and maybe the spy)
            # The next thing Ana sees is Bob's real message, not "Bob is typing" again, and she is still connected.
            await bo_ws.send_json({"type": "message.send", "room_id": 1, "body": "real", "client_id": "c1"})
            got = await frame_of(ana_ws, "message.new", skip=())
        assert got["message"]["body"] == "real"
        assert not ana_ws.closed
        broker = b.app[keys.BROKER]
        assert (broker.rejected_events, broker.replayed_events) == (3, 2)
        # One line per instance (both run in this test's process), for three rejections each.
        warnings = [r.getMessage() for r in caplog.records if r.name == "parley.live.redis_broker"]
        assert len(warnings) == 2, warnings
        assert all(w.startswith("dropped 1 event(s) from Redis") for w in warnings), warnings
    finally:
        await listening.aclose()
        await attacker.aclose()


async def test_forged_presence_entries_in_redis_are_ignored(mysql_chat: Chat, redis_namespace: str) -> None:
    """A fake process key and presence hash written into Redis: a starting instance neither shows the
    fake user online nor fails to start on a garbage entry."""
    server = await mysql_chat.server()
    ana = await mysql_chat.user(server, "ana")
    await mysql_chat.user(server, "bob")
    await server.close()
    attacker = aioredis.Redis.from_url(REDIS_URL)
    try:
        await attacker.set(f"{redis_namespace}:process:evil", "1", px=60_000)
        await attacker.hset(f"{redis_namespace}:presence:evil", mapping={
            "2": json.dumps({"n": "bob", "r": [1], "st": "online"}),
            "3": "{not json",
        })
        _, b = await _pair(mysql_chat, redis_namespace)
    finally:
        await attacker.aclose()
    ana_b = await mysql_chat.client(b)
    ana_b.session.cookie_jar.update_cookies({c.key: c.value for c in ana.session.cookie_jar})
    _, hello = await connect(ana_b)
    assert hello["presence"] == []
    assert b.app[keys.BROKER].rejected_events == 2
