"""Redis restarts (a 3 s outage of a throwaway server, emptied as a restarted Redis is) under two app instances:
users connected throughout, each on a different instance, are never announced offline to each other.

The flap this guards against: after the restart, one instance's liveness check looked for the other's process
key on the empty Redis before the other had written it again, declared it gone, and announced its users
offline for about a second (10 of 10 tries)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from conftest import PASSWORD, Chat, connect, frame_of, presence_changes
from nginx_fixtures import presence_of
from throwaway_redis import ThrowawayRedis, throwaway_redis_server

# Fast timings, with the same relations as the defaults (tests/nginx_fixtures.FAST_APP_ENV).
PROCESS_TTL_MS = 2_000
OUTAGE_S = 3.0
# Watched after Redis is back: three TTLs, in which a wrongly judged process would be dropped and come back.
WATCH_S = 3 * PROCESS_TTL_MS / 1000 + 1.0


@pytest.fixture
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    with throwaway_redis_server() as server:
        yield server


async def _record(ws: aiohttp.ClientWebSocketResponse, seen: list[dict[str, Any]]) -> None:
    async for msg in ws:
        if msg.type == aiohttp.WSMsgType.TEXT:
            seen.extend(presence_changes(msg.json()))


async def test_users_connected_throughout_are_never_announced_offline(
    mysql_chat: Chat, throwaway_redis: ThrowawayRedis
) -> None:
    # presence_batch_ms=0: every announcement goes out as made, so no flap can hide inside a held batch.
    settings = {
        "redis_url": throwaway_redis.url,
        "process_ttl_ms": PROCESS_TTL_MS,
        "presence_grace_ms": 1_000,
        "presence_batch_ms": 0,
    }
    a = await mysql_chat.server(**settings)
    b = await mysql_chat.server(**settings)
    ana = await mysql_chat.user(a, "ana")
    await mysql_chat.user(a, "bob")
    bob = await mysql_chat.client(b)
    assert (await bob.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})).status == 200
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    await presence_of(ana_ws, "bob", "online")
    seen_by_ana: list[dict[str, Any]] = []
    seen_by_bob: list[dict[str, Any]] = []
    tasks = [asyncio.create_task(_record(ana_ws, seen_by_ana)), asyncio.create_task(_record(bob_ws, seen_by_bob))]
    try:
        await asyncio.to_thread(throwaway_redis.kill)
        await asyncio.sleep(OUTAGE_S)
        await asyncio.to_thread(throwaway_redis.start)
        await asyncio.sleep(WATCH_S)
        assert [f for f in seen_by_ana if f["user"]["username"] == "bob" and f["status"] == "offline"] == []
        assert [f for f in seen_by_bob if f["user"]["username"] == "ana" and f["status"] == "offline"] == []
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    # And the two instances still talk: a message crosses.
    await ana_ws.send_json({"type": "message.send", "room_id": 1, "body": "after", "client_id": "after-1"})
    assert (await frame_of(bob_ws, "message.new", timeout=10))["message"]["body"] == "after"
