"""The search indexer in a running server (live/search_indexer.py), on SQLite and MariaDB: a sent message becomes
searchable a moment after its ack; messages a crashed process committed but never indexed are indexed by the next
start; two servers on one MariaDB index everything once; a clean stop leaves nothing behind."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from conftest import Chat, connect, eventually, frame_of, migrated, server_pair
from parley.models import User
from parley.store import Store, open_store
from parley.store.search import tokens

NOW = 1_700_000_000_000
Client = TestClient[Any, Any]


async def _bodies(client: Client, q: str) -> list[str]:
    resp = await client.get("/api/search", params={"q": q, "limit": "50"})
    assert resp.status == 200, await resp.text()
    return [r["message"]["body"] for r in (await resp.json())["results"]]


async def _count(store: Store, sql: str) -> int:
    async with store.read() as tx:
        row = await tx.fetchone(sql)
    assert row is not None
    return int(row[0])


async def test_a_sent_message_becomes_searchable(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    await ws.send_json({"type": "message.send", "room_id": 1, "body": "indexed after the ack 稍后", "client_id": "c1"})
    await frame_of(ws, "message.ack", skip=("presence", "message.new"))

    async def found() -> bool:
        return await _bodies(ana, "稍后 ack") == ["indexed after the ack 稍后"]

    await eventually(found)


async def test_a_crash_before_indexing_loses_nothing(chat: Chat) -> None:
    """A process committed sends and died before its indexer ran (here: a store with no indexer at all, closed with
    the rows in the backlog); the next server to start indexes them."""
    await migrated(chat.url)
    crashed = await open_store(chat.url)
    try:
        bob = await crashed.create_user("bob", "x", NOW)
        for i in range(3):
            await crashed.insert_message(1, User(bob.id, "bob"), f"stored before the crash {i} 恢复", f"k{i}", NOW)
        assert await _count(crashed, "SELECT COUNT(*) FROM search_backlog") == 3
    finally:
        await crashed.close()
    server = await chat.server()
    ana = await chat.user(server, "ana")

    async def found() -> bool:
        return len(await _bodies(ana, "恢复 crash")) == 3

    await eventually(found)
    assert await _bodies(ana, "crash 2") == ["stored before the crash 2 恢复"]


async def test_a_clean_stop_leaves_no_backlog(chat: Chat) -> None:
    server = await chat.server(message_burst=100)
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    for i in range(20):
        await ws.send_json({"type": "message.send", "room_id": 1, "body": f"last words {i}", "client_id": f"w{i}"})
    for _ in range(20):
        await frame_of(ws, "message.ack", skip=("presence", "message.new"))
    await ws.close()
    await chat.close()
    store = await open_store(chat.url)
    try:
        assert await _count(store, "SELECT COUNT(*) FROM search_backlog") == 0
        table = "search_docs" if store.kind == "sqlite" else "search_tokens"
        assert await _count(store, f"SELECT COUNT(*) FROM {table}") == (20 if store.kind == "sqlite" else 60)
    finally:
        await store.close()


async def test_two_servers_on_one_mariadb_index_each_message_once(mysql_chat: Chat, redis_namespace: str) -> None:
    first, second = await server_pair(mysql_chat, redis_namespace, message_burst=100)
    ana = await mysql_chat.user(first, "ana")
    bob = await mysql_chat.user(second, "bob")
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    bodies = {"ana": [f"alpha together {i} 一起" for i in range(30)], "bob": [f"beta together {i}" for i in range(30)]}

    async def send_all(ws: Any, name: str) -> None:
        for i, body in enumerate(bodies[name]):
            await ws.send_json({"type": "message.send", "room_id": 1, "body": body, "client_id": f"{name}{i}"})
        for _ in bodies[name]:
            await frame_of(ws, "message.ack", skip=("presence", "message.new"))

    await asyncio.gather(send_all(ana_ws, "ana"), send_all(bob_ws, "bob"))

    async def found() -> bool:
        return len(await _bodies(ana, "alpha")) == 30 and len(await _bodies(bob, "beta")) == 30

    await eventually(found)
    assert sorted(await _bodies(bob, "一起 together")) == sorted(bodies["ana"])
    store = await open_store(mysql_chat.url)
    try:
        assert await _count(store, "SELECT COUNT(*) FROM search_backlog") == 0
        expected = sum(len(tokens(b)) for name in bodies for b in bodies[name])
        assert await _count(store, "SELECT COUNT(*) FROM search_tokens") == expected
    finally:
        await store.close()
