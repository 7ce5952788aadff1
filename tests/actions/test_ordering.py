"""Order without gaps under concurrent senders on MySQL: every seq 1..N exactly once, commit order = seq order,
and every receiver sees each room's messages in seq order."""

from __future__ import annotations

import asyncio
from typing import Any

from conftest import Chat, connect, frame_of

SENDERS = 8
PER_SENDER = 25


async def test_concurrent_senders_get_gap_free_seqs_in_order(mysql_chat: Chat) -> None:
    server = await mysql_chat.server(db_pool_max=16)
    watcher = await mysql_chat.user(server, "watcher")
    watch_ws, _ = await connect(watcher)
    senders = [await mysql_chat.user(server, f"sender{i}") for i in range(SENDERS)]
    sockets = [(await connect(c))[0] for c in senders]

    async def blast(index: int, ws: Any) -> list[int]:
        # Everything in flight at once; the per-connection rate limit (burst 20) is why sends are paced a bit.
        seqs = []
        for n in range(PER_SENDER):
            frame = {"type": "message.send", "room_id": 1, "body": f"{index}:{n}", "client_id": f"{index}-{n}"}
            await ws.send_json(frame)
            if n % 10 == 9:
                await asyncio.sleep(0.5)
        while len(seqs) < PER_SENDER:
            frame = await frame_of(ws, "message.ack", timeout=20, skip=("presence", "message.new"))
            seqs.append(frame["message"]["seq"])
        return seqs

    results = await asyncio.gather(*(blast(i, ws) for i, ws in enumerate(sockets)))
    total = SENDERS * PER_SENDER
    acked = sorted(seq for seqs in results for seq in seqs)
    assert acked == list(range(1, total + 1))

    live = []
    while len(live) < total:
        # The senders' registrations were announced to general (member.joined) before any message.
        frame = await frame_of(watch_ws, "message.new", timeout=20, skip=("presence", "member.joined"))
        live.append(frame["message"]["seq"])
    assert live == list(range(1, total + 1)), "live delivery must follow seq order with no gaps"

    history: list[dict[str, Any]] = []
    after = 0
    while True:
        page = await (await watcher.get(f"/api/rooms/1/messages?after={after}&limit=100")).json()
        history += page["messages"]
        if not page["has_more"]:
            break
        after = page["messages"][-1]["seq"]
    assert [m["seq"] for m in history] == list(range(1, total + 1))
    # The insert happens under the room's row lock, so within a room ids rise with seq: no id allocated earlier
    # was committed later.
    ids = [m["id"] for m in history]
    assert ids == sorted(ids)
    assert len(set(ids)) == total
    assert sorted(m["body"] for m in history) == sorted(f"{i}:{n}" for i in range(SENDERS) for n in range(PER_SENDER))
