"""Finding 6: limits are per account, across all its sockets, and REST writes and room creation have them too.

The clock is a FakeClock that stands still, so no bucket refills unless a test moves it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from conftest import Chat, connect, next_frame
from parley.clock import FakeClock
from parley.store import open_store

DAY_MS = 24 * 3600 * 1000


async def test_messages_are_limited_per_account_not_per_socket(chat: Chat) -> None:
    """Three sockets of one account send 20 each at once: 20 are stored in all, the rest are refused."""
    server = await chat.server(clock=FakeClock())
    ana = await chat.user(server, "ana")
    sockets = [(await connect(ana))[0] for _ in range(3)]
    for n, ws in enumerate(sockets):
        for i in range(20):
            await ws.send_json({"type": "message.send", "room_id": 1, "body": f"{n}.{i}", "client_id": f"c{n}-{i}"})
    responses = []
    for ws in sockets:  # each socket gets one answer per send, among its other tabs' message.new frames
        mine: list[dict[str, Any]] = []
        while len(mine) < 20:
            frame = await next_frame(ws)
            if frame["type"] in ("message.ack", "error"):
                mine.append(frame)
        responses += mine
    refusals = [f for f in responses if f["type"] == "error"]
    assert len(responses) - len(refusals) == 20
    assert {f["code"] for f in refusals} == {"rate_limited"}
    assert all(f["client_id"].startswith("c") and f["retry_after_ms"] == 100 for f in refusals)
    page = await (await ana.get("/api/rooms/1/messages?limit=100")).json()
    assert len(page["messages"]) == 20


async def test_chatter_is_limited_per_account(chat: Chat) -> None:
    """Typing toggled from three sockets of one account: Bob hears at most the account's burst of 10."""
    server = await chat.server(clock=FakeClock())
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    bo_ws, _ = await connect(bo)
    sockets = [(await connect(ana))[0] for _ in range(3)]
    for ws in sockets:
        for i in range(10):
            await ws.send_json({"type": "typing", "room_id": 1, "active": i % 2 == 0})
    await sockets[0].send_json({"type": "message.send", "room_id": 1, "body": "end", "client_id": "end"})
    typing = 0
    while (frame := await next_frame(bo_ws))["type"] != "message.new":
        assert frame["type"] in ("presence", "typing"), frame
        typing += frame["type"] == "typing"
    assert typing <= 11  # 10 toggles, and the typing-stopped that comes with the message


async def test_rest_writes_are_limited_per_account(chat: Chat) -> None:
    """Leaving and joining general in a loop: 20 changes pass, then 429 rate_limited (one more every 2 s)."""
    clock = FakeClock()
    server = await chat.server(clock=clock)
    ana = await chat.user(server, "ana")
    statuses = []
    for i in range(30):
        resp = await ana.post(f"/api/rooms/1/{'leave' if i % 2 == 0 else 'join'}")
        statuses.append(resp.status)
        if resp.status == 429:
            error = (await resp.json())["error"]
    assert statuses == [204, 200] * 10 + [429] * 10
    assert error == {"code": "rate_limited", "message": "Too many changes; try again in 3 s.", "retry_after_ms": 2000}
    # Another account is not affected, and Ana's budget refills with time.
    bo = await chat.user(server, "bob")
    assert (await bo.post("/api/rooms/1/leave")).status == 204
    clock.advance(2000)
    assert (await ana.post("/api/rooms/1/leave")).status == 204
    assert (await ana.post("/api/rooms/1/join")).status == 429


async def _create(client: Any, name: str) -> tuple[int, dict[str, Any]]:
    resp = await client.post("/api/rooms", json={"name": name})
    return resp.status, await resp.json()


async def test_rooms_per_account_per_day_are_capped(chat: Chat) -> None:
    """20 new rooms in 24 hours, then 429 too_many_rooms until the oldest is a day old; admins are exempt."""
    clock = FakeClock()
    server = await chat.server(clock=clock)
    ana = await chat.user(server, "ana")
    for i in range(20):
        assert (await _create(ana, f"room-{i}"))[0] == 201
        clock.advance(60_000)  # a minute apart: the REST write budget is never the limit here
    status, body = await _create(ana, "one-too-many")
    assert status == 429
    assert body["error"]["code"] == "too_many_rooms"
    assert body["error"]["retry_after_ms"] == DAY_MS - 20 * 60_000
    clock.advance(DAY_MS - 20 * 60_000)
    assert (await _create(ana, "a-day-later"))[0] == 201
    assert (await _create(ana, "and-only-one"))[0] == 429
    # An admin is not capped.
    boss = await chat.user(server, "boss")
    store = await open_store(chat.url)
    try:
        account = await store.account_by_name("boss")
        assert account is not None
        await store.set_admin(account.id, True)
    finally:
        await store.close()
    for i in range(21):
        assert (await _create(boss, f"boss-{i}"))[0] == 201
        clock.advance(60_000)


async def test_concurrent_creates_cannot_pass_the_room_cap(chat: Chat) -> None:
    """The cap is counted under a lock in the database: 12 creates at once with a cap of 5 make exactly 5 rooms."""
    server = await chat.server(clock=FakeClock(), rooms_per_day=5)
    ana = await chat.user(server, "ana")
    outcomes = await asyncio.gather(*(_create(ana, f"burst-{i}") for i in range(12)))
    assert sorted(status for status, _ in outcomes) == [201] * 5 + [429] * 7
    listed = (await (await ana.get("/api/rooms")).json())["rooms"]
    assert len([r for r in listed if r["name"].startswith("burst-")]) == 5
