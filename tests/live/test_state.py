"""Presence and typing with real clients against the running app: online, idle, typing, offline, abrupt drops,
a frozen client, and privacy (no one outside a shared room hears anything)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
import time
from typing import Any

import aiohttp

from conftest import PASSWORD, Chat, connect, eventually, frame_of, next_frame

FAST = {"heartbeat_s": 1.0, "presence_grace_ms": 400, "typing_expiry_ms": 1000}


async def _presence(ws: aiohttp.ClientWebSocketResponse, username: str, timeout: float = 5.0) -> dict[str, Any]:
    while True:
        frame = await frame_of(ws, "presence", timeout=timeout, skip=())
        if frame["user"]["username"] == username:
            return frame


async def _ana_online_for_bob(chat: Chat) -> tuple[Any, Any]:
    """Bob connected, then Ana; Bob has seen Ana come online. Returns (ana_ws, bo_ws)."""
    server = await chat.server(**FAST)
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    bo_ws, _ = await connect(bo)
    ana_ws, _ = await connect(ana)
    await _presence(bo_ws, "ana")
    return ana_ws, bo_ws


async def _ana_typing_to_bob(chat: Chat) -> tuple[Any, Any]:
    """Ana and Bob online in general; Ana has started typing and Bob has seen it. Returns (ana_ws, bo_ws)."""
    ana_ws, bo_ws = await _ana_online_for_bob(chat)
    await ana_ws.send_json({"type": "typing", "room_id": 1, "active": True})
    assert (await frame_of(bo_ws, "typing"))["active"] is True
    return ana_ws, bo_ws


async def test_b_sees_a_online_idle_typing_and_offline(chat: Chat) -> None:
    server = await chat.server(**FAST)
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    bo_ws, _ = await connect(bo)
    ana_ws, ana_hello = await connect(ana)
    assert [p["user"]["username"] for p in ana_hello["presence"]] == ["bob"]
    online = await _presence(bo_ws, "ana")
    assert online["status"] == "online"
    assert online["last_seen"] is None
    assert isinstance(online["at"], int)
    listed = (await (await bo.get("/api/presence")).json())["presence"]
    assert [(p["user"]["username"], p["status"]) for p in listed] == [("ana", "online")]

    await ana_ws.send_json({"type": "presence.set", "status": "idle"})
    assert (await _presence(bo_ws, "ana"))["status"] == "idle"
    await ana_ws.send_json({"type": "presence.set", "status": "online"})
    assert (await _presence(bo_ws, "ana"))["status"] == "online"

    await ana_ws.send_json({"type": "typing", "room_id": 1, "active": True})
    typing = await frame_of(bo_ws, "typing")
    assert typing == {"type": "typing", "room_id": 1, "user": {"id": 1, "username": "ana"}, "active": True}
    await ana_ws.send_json({"type": "typing", "room_id": 1, "active": False})
    assert (await frame_of(bo_ws, "typing"))["active"] is False

    closed_at = time.monotonic()
    await ana_ws.close()
    offline = await _presence(bo_ws, "ana")
    assert offline["status"] == "offline"
    assert isinstance(offline["last_seen"], int)
    assert time.monotonic() - closed_at >= 0.3  # not before the grace

    async def last_seen_stored() -> bool:
        # last_seen is written after the offline announcement, off the announcing path: wait for it, bounded.
        members = (await (await bo.get("/api/rooms/1/members")).json())["members"]
        return {m["username"]: (m["status"], m["last_seen"] is not None) for m in members} == {
            "ana": ("offline", True), "bob": ("online", False)}

    await eventually(last_seen_stored)


async def test_typing_never_echoes_to_own_tabs_and_ends_before_the_message(chat: Chat) -> None:
    server = await chat.server(**FAST)
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    bo_ws, _ = await connect(bo)
    ana_ws, _ = await connect(ana)
    ana_tab2, _ = await connect(ana)
    await _presence(bo_ws, "ana")
    await ana_ws.send_json({"type": "typing", "room_id": 1, "active": True})
    assert (await frame_of(bo_ws, "typing"))["active"] is True
    await ana_ws.send_json({"type": "message.send", "room_id": 1, "body": "done typing", "client_id": "t1"})
    stop = await frame_of(bo_ws, "typing")
    assert stop["active"] is False
    assert (await next_frame(bo_ws))["type"] == "message.new"
    # Ana's other tab got the message but never her own typing frames.
    assert (await frame_of(ana_tab2, "message.new"))["message"]["body"] == "done typing"


async def test_typing_expires_without_refresh(chat: Chat) -> None:
    _, bo_ws = await _ana_typing_to_bob(chat)
    started = time.monotonic()
    assert (await frame_of(bo_ws, "typing", timeout=5))["active"] is False
    assert time.monotonic() - started >= 0.8


async def test_typing_ends_when_the_last_connection_closes(chat: Chat) -> None:
    ana_ws, bo_ws = await _ana_typing_to_bob(chat)
    await ana_ws.close()
    assert (await frame_of(bo_ws, "typing", timeout=0.5))["active"] is False


async def test_reload_inside_the_grace_does_not_flap(chat: Chat) -> None:
    server = await chat.server(heartbeat_s=10.0, presence_grace_ms=1500)
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    bo_ws, _ = await connect(bo)
    ana_ws, _ = await connect(ana)
    await _presence(bo_ws, "ana")
    await ana_ws.close()
    ana_ws, _ = await connect(ana)  # the reload
    await asyncio.sleep(2.0)
    await ana_ws.send_json({"type": "message.send", "room_id": 1, "body": "back", "client_id": "r"})
    # Bob's next frame is the message: no offline and no second online in between.
    assert (await next_frame(bo_ws))["type"] == "message.new"


async def test_aborted_client_goes_offline_after_the_grace(chat: Chat) -> None:
    ana_ws, bo_ws = await _ana_online_for_bob(chat)
    transport = ana_ws._response.connection.transport  # type: ignore[union-attr]
    assert transport is not None
    dropped = time.monotonic()
    transport.abort()  # the TCP connection just ends: no close frame
    offline = await _presence(bo_ws, "ana", timeout=5)
    elapsed = time.monotonic() - dropped
    assert offline["status"] == "offline"
    assert 0.3 <= elapsed < 0.4 + 1.0, elapsed  # the grace, plus sweep slack


FROZEN_CLIENT = textwrap.dedent(
    """
    import asyncio, sys, aiohttp
    async def main():
        url, password = sys.argv[1], sys.argv[2]
        async with aiohttp.ClientSession(url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
            r = await s.post("/api/auth/login", json={"username": "ana", "password": password})
            assert r.status == 200
            # autoping off is irrelevant once stopped: a SIGSTOPped process answers nothing at all.
            async with s.ws_connect("/ws") as ws:
                await ws.receive()
                print("ready", flush=True)
                await asyncio.sleep(60)
    asyncio.run(main())
    """
)


async def test_frozen_client_is_detected_by_heartbeat(chat: Chat) -> None:
    server = await chat.server(**FAST)
    await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    bo_ws, _ = await connect(bo)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", FROZEN_CLIENT, f"http://{server.host}:{server.port}", PASSWORD,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), 10)  # type: ignore[union-attr]
        assert line.strip() == b"ready"
        assert (await _presence(bo_ws, "ana"))["status"] == "online"
        os.kill(proc.pid, signal.SIGSTOP)
        frozen = time.monotonic()
        offline = await _presence(bo_ws, "ana", timeout=10)
        elapsed = time.monotonic() - frozen
        assert offline["status"] == "offline"
        # Bound: 2 x heartbeat + grace = 2.4 s; allow sweep slack.
        assert elapsed < 2 * 1.0 + 0.4 + 0.5, elapsed
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 10)


async def test_no_presence_or_typing_outside_shared_rooms(chat: Chat) -> None:
    server = await chat.server(**FAST)
    ana = await chat.user(server, "ana")
    loner = await chat.user(server, "loner")
    await loner.post("/api/rooms/1/leave")
    loner_ws, hello = await connect(loner)
    assert hello["presence"] == []
    ana_ws, _ = await connect(ana)
    await ana_ws.send_json({"type": "typing", "room_id": 1, "active": True})
    await ana_ws.send_json({"type": "presence.set", "status": "idle"})
    await ana_ws.close()
    assert (await (await loner.get("/api/presence")).json())["presence"] == []
    # Joining a room Ana is in brings her presence: the first frame the loner hears is room.joined, then nothing
    # about Ana until then.
    room = (await (await ana.post("/api/rooms", json={"name": "shared"})).json())["room"]
    ana_ws, _ = await connect(ana)
    await loner.post(f"/api/rooms/{room['id']}/join")
    first = await next_frame(loner_ws)
    assert first["type"] == "room.joined"
    ana_presence = await next_frame(loner_ws)
    assert ana_presence["type"] == "presence"
    assert ana_presence["user"]["username"] == "ana"
    assert ana_presence["status"] == "online"


async def test_state_is_empty_after_everyone_leaves(chat: Chat) -> None:
    server = await chat.server(**FAST)
    users = [await chat.user(server, f"user{i}") for i in range(3)]
    sockets = [(await connect(u))[0] for u in users for _ in range(2)]
    for ws in sockets[:3]:
        await ws.send_json({"type": "typing", "room_id": 1, "active": True})
    for ws in sockets:
        await ws.close()
    from parley import keys

    app = server.app
    assert app is not None

    async def drained() -> bool:
        return app[keys.LIVE].is_empty() and app[keys.HUB].is_empty()

    await eventually(drained, timeout=5)
