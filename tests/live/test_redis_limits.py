"""Finding 6 with several processes: two app instances sharing MariaDB and Redis share each account's budgets,
so opening sockets on both does not double them; without Redis, each process still limits on its own."""

from __future__ import annotations

import socket
from typing import Any

from conftest import PASSWORD, Chat, connect, frame_of
from parley.clock import FakeClock
from parley.live.limits import Rate
from parley.live.redis_limits import RedisLimits

REDIS_URL = "redis://127.0.0.1:6379/0"
RATES = {"message": Rate(20, 600), "chatter": Rate(10, 120), "rest_write": Rate(20, 30)}


async def _ana_on_both(chat: Chat, namespace: str, clock: FakeClock) -> tuple[Any, Any]:
    """Ana logged in on instance A and on instance B (one clock for both, standing still)."""
    settings = {"redis_url": REDIS_URL, "redis_namespace": namespace}
    a = await chat.server(clock=clock, **settings)
    b = await chat.server(clock=clock, **settings)
    ana_a = await chat.user(a, "ana")
    ana_b = await chat.client(b)
    assert (await ana_b.post("/api/auth/login", json={"username": "ana", "password": PASSWORD})).status == 200
    return ana_a, ana_b


async def test_message_budget_is_shared_by_two_instances(mysql_chat: Chat, redis_namespace: str) -> None:
    clock = FakeClock()
    ana_a, ana_b = await _ana_on_both(mysql_chat, redis_namespace, clock)
    ws_a, _ = await connect(ana_a)
    ws_b, _ = await connect(ana_b)
    for i in range(20):
        await ws_a.send_json({"type": "message.send", "room_id": 1, "body": "x", "client_id": f"a{i}"})
    acks = [await frame_of(ws_a, "message.ack") for _ in range(20)]
    assert [a["client_id"] for a in acks] == [f"a{i}" for i in range(20)]
    # The burst is spent on A: B is refused too, with the same wait.
    await ws_b.send_json({"type": "message.send", "room_id": 1, "body": "x", "client_id": "b0"})
    refused = await frame_of(ws_b, "error", skip=("presence", "message.new"))
    assert (refused["code"], refused["client_id"], refused["retry_after_ms"]) == ("rate_limited", "b0", 100)
    # Half a second refills 5 tokens: B takes them all in one round trip (a lease), so A now waits.
    clock.advance(500)
    await ws_b.send_json({"type": "message.send", "room_id": 1, "body": "x", "client_id": "b1"})
    assert (await frame_of(ws_b, "message.ack", skip=("presence", "message.new")))["client_id"] == "b1"
    await ws_a.send_json({"type": "message.send", "room_id": 1, "body": "x", "client_id": "a20"})
    assert (await frame_of(ws_a, "error", skip=("presence", "message.new")))["code"] == "rate_limited"
    for i in range(2, 6):
        await ws_b.send_json({"type": "message.send", "room_id": 1, "body": "x", "client_id": f"b{i}"})
        assert (await frame_of(ws_b, "message.ack", skip=("presence", "message.new")))["client_id"] == f"b{i}"
    await ws_b.send_json({"type": "message.send", "room_id": 1, "body": "x", "client_id": "b6"})
    assert (await frame_of(ws_b, "error", skip=("presence", "message.new")))["code"] == "rate_limited"
    page = await (await ana_a.get("/api/rooms/1/messages?limit=100")).json()
    assert len(page["messages"]) == 25


async def test_rest_write_budget_is_shared_by_two_instances(mysql_chat: Chat, redis_namespace: str) -> None:
    ana_a, ana_b = await _ana_on_both(mysql_chat, redis_namespace, FakeClock())
    statuses = []
    for i in range(24):
        client = ana_a if i % 4 < 2 else ana_b
        statuses.append((await client.post(f"/api/rooms/1/{'leave' if i % 2 == 0 else 'join'}")).status)
    assert statuses == [204, 200] * 10 + [429] * 4
    resp = await ana_a.post("/api/rooms/1/leave")
    assert (await resp.json())["error"]["retry_after_ms"] == 2000


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_without_redis_each_process_still_limits() -> None:
    """Redis unreachable: no send waits on it or fails because of it; this process's own buckets apply."""
    clock = FakeClock()
    limits = RedisLimits(f"redis://127.0.0.1:{_closed_port()}/0", namespace="unused", rates=RATES, clock=clock)
    try:
        assert [await limits.take("message", 1) for _ in range(21)] == [0] * 20 + [100]
        assert limits.round_trips == 1  # after the first failure Redis is left alone for a while
        clock.advance(100)
        assert await limits.take("message", 1) == 0
    finally:
        await limits.stop()


async def test_messages_cost_one_redis_round_trip_per_lease(redis_namespace: str) -> None:
    clock = FakeClock()
    limits = RedisLimits(REDIS_URL, namespace=redis_namespace, rates=RATES, clock=clock)
    try:
        assert [await limits.take("message", 1) for _ in range(20)] == [0] * 20
        assert limits.round_trips == 4  # 20 messages, leases of 5
        assert await limits.take("message", 1) == 100
        assert [await limits.take("chatter", 1) for _ in range(11)] == [0] * 10 + [500]
    finally:
        await limits.stop()
