"""The /ws edge under abuse: the connection cap holds under concurrent handshakes, error frames never echo what
the client sent, a run of invalid frames closes the socket, and a logout that lands mid-handshake still closes it.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pymysql
import pytest

from conftest import MYSQL_SOCKET, Chat, close_code, connect, eventually, next_frame
from parley import keys


async def test_concurrent_handshakes_cannot_pass_the_connection_cap(chat: Chat) -> None:
    """Finding 1: 40 handshakes of one account at once, cap 5: exactly 5 open, the other 35 get 429."""
    server = await chat.server(max_connections_per_user=5)
    ana = await chat.user(server, "ana")

    async def attempt() -> aiohttp.ClientWebSocketResponse | int:
        try:
            return await ana.ws_connect("/ws")
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status

    outcomes = await asyncio.gather(*(attempt() for _ in range(40)))
    opened = [o for o in outcomes if isinstance(o, aiohttp.ClientWebSocketResponse)]
    assert len(opened) == 5
    assert [o for o in outcomes if not isinstance(o, aiohttp.ClientWebSocketResponse)] == [429] * 35
    for ws in opened:
        assert (await next_frame(ws))["type"] == "hello"
    # What the refused ones were told (a plain request gets the JSON answer the handshake carried).
    resp = await ana.get("/ws")
    assert resp.status == 429
    assert (await resp.json())["error"]["code"] == "too_many_connections"
    # A closed socket frees its slot.
    await opened[0].close()
    for _ in range(100):
        try:
            ws, _ = await connect(ana)
            break
        except aiohttp.WSServerHandshakeError:
            await asyncio.sleep(0.02)
    else:
        raise AssertionError("the slot of a closed socket was never freed")
    await ws.close()


LONG = "z" * 60_000


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": LONG}, "unknown_type"),
        ({"type": "message.send", "room_id": 1, "body": "x", "client_id": LONG}, "invalid_frame"),
        ({"type": "message.send", "room_id": "1", "body": "x", "client_id": LONG}, "invalid_frame"),
        ({"type": "presence.set", "status": LONG}, "invalid_frame"),
    ],
)
async def test_error_frames_never_echo_client_input(chat: Chat, frame: dict[str, object], code: str) -> None:
    """Finding 1: an error frame is small whatever the client sent (60 KB in, at most a short prefix out)."""
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    await ws.send_str(json.dumps(frame))
    msg = await asyncio.wait_for(ws.receive(), 5)
    assert len(msg.data) < 300, msg.data[:300]
    error = json.loads(msg.data)
    assert error["code"] == code
    assert "client_id" not in error  # not a valid client_id, so not echoed


async def test_invalid_frames_in_a_row_close_the_socket_with_1008(chat: Chat) -> None:
    """20 invalid frames in a row close the socket (1008); a valid frame in between starts the count again."""
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    bad = ["not json", '{"type": "nope"}', '{"type": "typing", "room_id": "x", "active": true}']
    for i in range(19):
        await ws.send_str(bad[i % 3])
        assert (await next_frame(ws))["type"] == "error"
    await ws.send_json({"type": "presence.set", "status": "online"})  # valid: the count starts again
    for i in range(19):
        await ws.send_str(bad[i % 3])
        assert (await next_frame(ws))["type"] == "error"
    await ws.send_bytes(b"binary counts too")
    assert await close_code(ws) == 1008
    # The account itself is fine: a new socket works.
    again, _ = await connect(ana)
    await again.close()


def _lock_room_members(database: str) -> pymysql.connections.Connection:
    conn = pymysql.connect(unix_socket=MYSQL_SOCKET, user="root", password="", database=database, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("LOCK TABLES room_members WRITE")
    return conn


def _waiting_on_the_lock(database: str) -> bool:
    conn = pymysql.connect(unix_socket=MYSQL_SOCKET, user="root", password="", autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT COUNT(*) FROM information_schema.processlist"
                " WHERE db = %s AND state LIKE 'Waiting for table%%' AND info LIKE '%%room_members%%'",
                (database,),
            )
            row = cur.fetchone()
    finally:
        conn.close()
    return bool(row and row[0])


async def test_logout_between_authenticate_and_register_still_closes_the_socket(mysql_chat: Chat) -> None:
    """Finding 13: the handshake has checked the session and is reading the user's rooms (held up by a real table
    lock) when the user logs out and the revocation poll has passed; once it goes on, the socket is closed 4401."""
    server = await mysql_chat.server(revocation_poll_ms=50)
    ana = await mysql_chat.user(server, "ana")
    lock = await asyncio.to_thread(_lock_room_members, mysql_chat.url.name)
    try:
        handshake = asyncio.create_task(ana.ws_connect("/ws"))
        for _ in range(250):
            if await asyncio.to_thread(_waiting_on_the_lock, mysql_chat.url.name):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the handshake never reached the room query")
        assert (await ana.post("/api/auth/logout")).status == 204
        await asyncio.sleep(0.3)  # several revocation polls pass while the handshake still waits
    finally:
        await asyncio.to_thread(lock.close)  # ending the locking session releases the lock
    ws = await asyncio.wait_for(handshake, 5)
    first = await ws.receive(timeout=3)  # no hello: the session ended before the socket was ready
    assert (first.type, first.data) == (aiohttp.WSMsgType.CLOSE, 4401), first
    # Nothing is left behind: no connection, no slot, and no presence was ever announced for it.
    hub, live = server.app[keys.HUB], server.app[keys.LIVE]

    async def clean() -> bool:
        return hub.is_empty() and live.is_empty()

    await eventually(clean)
