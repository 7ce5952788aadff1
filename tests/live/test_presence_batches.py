"""Presence batching and large rooms (issue #14): changes within one interval reach each member as one frame;
a room with more users present than `presence_room_max` carries no presence, and a client asks for the members
it shows with `presence.watch` (co-members only)."""

from __future__ import annotations

from typing import Any

from conftest import Chat, connect, eventually, frame_of, next_frame, server_pair
from parley import keys
from parley.clock import FakeClock

BATCH_MS = 1_000


async def test_a_connect_storm_reaches_a_member_as_one_batch(chat: Chat) -> None:
    clock = FakeClock()
    server = await chat.server(clock=clock, presence_batch_ms=BATCH_MS)
    live = server.app[keys.LIVE]
    ana = await chat.user(server, "ana")
    others = [await chat.user(server, f"user{n}") for n in range(8)]
    ana_ws, _ = await connect(ana)

    async def nothing_held() -> bool:
        return live.outbox.pending() == 0

    clock.advance(BATCH_MS)
    await eventually(nothing_held)
    # The clock stands still: these eight come online within one interval.
    for client in others:
        await connect(client)
    assert live.outbox.pending() == 8
    at = clock.now_ms()
    clock.advance(BATCH_MS)

    frame = await next_frame(ana_ws)
    assert frame == {
        "type": "presence.batch",
        "changes": [
            {"user": {"id": n + 2, "username": f"user{n}"}, "status": "online", "last_seen": None, "at": at}
            for n in range(8)
        ],
    }


async def test_a_single_change_is_a_plain_presence_frame(chat: Chat) -> None:
    clock = FakeClock()
    server = await chat.server(clock=clock, presence_batch_ms=BATCH_MS)
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    clock.advance(BATCH_MS)
    frame = await next_frame(ana_ws)
    assert frame == {
        "type": "presence",
        "user": {"id": 2, "username": "bob"},
        "status": "online",
        "last_seen": None,
        "at": clock.now_ms() - BATCH_MS,
    }
    await bob_ws.close()
    await ana_ws.close()


async def _heard_until(ws: Any, username: str, status: str) -> list[tuple[str, str]]:
    """Every (username, status) in the presence frames `ws` gets, up to the one of `username` with `status`."""
    heard: list[tuple[str, str]] = []
    while (username, status) not in heard:
        frame = await next_frame(ws)
        changes = frame["changes"] if frame["type"] == "presence.batch" else [frame]
        heard.extend((c["user"]["username"], c["status"]) for c in changes)
    return heard


async def test_a_large_room_sends_presence_of_watched_members_only(chat: Chat) -> None:
    server = await chat.server(presence_batch_ms=0, presence_room_max=3)
    live = server.app[keys.LIVE]
    clients = {name: await chat.user(server, name) for name in ("ana", "bob", "cyd", "dee", "eve")}
    sockets = {}
    hellos = {}
    for name, client in clients.items():
        sockets[name], hellos[name] = await connect(client)
    # Three present before her: general is not large yet for cyd's snapshot, but it is for eve's.
    assert [p["user"]["username"] for p in hellos["cyd"]["presence"]] == ["ana", "bob"]
    assert hellos["eve"]["presence"] == []

    eve = sockets["eve"]
    await eve.send_json({"type": "presence.watch", "user_ids": [1, 2, 99]})
    watched = await frame_of(eve, "presence.batch", skip=("presence",))
    assert [(c["user"]["username"], c["status"], c["last_seen"]) for c in watched["changes"]] == [
        ("ana", "online", None),
        ("bob", "online", None),
    ]

    async def cy_idle() -> bool:
        return live.status(3) == "idle"

    # cyd is not watched: eve does not hear her go idle; ana is, and eve hears that.
    await sockets["cyd"].send_json({"type": "presence.set", "status": "idle"})
    await eventually(cy_idle)
    await sockets["ana"].send_json({"type": "presence.set", "status": "idle"})
    heard = await _heard_until(eve, "ana", "idle")
    assert ("cyd", "idle") not in heard


async def test_watching_someone_who_shares_no_room_tells_nothing(chat: Chat) -> None:
    """An attacker names user ids it shares no room with: the reply leaves them out, and their changes never
    reach it."""
    server = await chat.server(presence_batch_ms=0)
    ana = await chat.user(server, "ana")
    zed = await chat.user(server, "zed")
    assert (await zed.post("/api/rooms/1/leave")).status == 204
    zed_ws, _ = await connect(zed)
    ana_ws, _ = await connect(ana)
    await ana_ws.send_json({"type": "presence.watch", "user_ids": [2]})
    assert await frame_of(ana_ws, "presence.batch") == {"type": "presence.batch", "changes": []}
    await zed_ws.send_json({"type": "presence.set", "status": "idle"})
    # Ana's next frame is the reply to a second watch, not zed's change.
    await ana_ws.send_json({"type": "presence.watch", "user_ids": []})
    assert await next_frame(ana_ws) == {"type": "presence.batch", "changes": []}


async def test_a_watch_naming_too_many_users_is_refused(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ana_ws, _ = await connect(ana)
    await ana_ws.send_json({"type": "presence.watch", "user_ids": list(range(1, 102))})
    frame = await frame_of(ana_ws, "error")
    assert frame["code"] == "invalid_frame"
    assert "user_ids" in frame["fields"]


async def test_batches_carry_changes_from_another_process(chat: Chat, redis_namespace: str) -> None:
    """Two processes through Redis: users connecting to the second reach a member on the first in that process's
    own batches (each process batches for its own connections)."""
    one, two = await server_pair(chat, redis_namespace, presence_batch_ms=300)
    ana = await chat.user(one, "ana")
    others = [await chat.user(two, f"user{n}") for n in range(4)]
    ana_ws, _ = await connect(ana)
    for client in others:
        await connect(client)
    heard: set[str] = set()
    while len(heard) < 4:
        frame = await next_frame(ana_ws)
        changes = frame["changes"] if frame["type"] == "presence.batch" else [frame]
        heard.update(c["user"]["username"] for c in changes if c["status"] == "online")
    assert heard == {f"user{n}" for n in range(4)}
