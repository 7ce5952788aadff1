"""Messages over /ws with real clients: send -> ack -> delivery, idempotency, every bad frame, the handshake."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from conftest import Chat, close_code, connect, frame_of, next_frame


async def test_send_ack_and_delivery(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    ana_ws, hello = await connect(ana)
    assert hello["user"] == {"id": 1, "username": "ana", "is_admin": False}
    assert [r["name"] for r in hello["rooms"]] == ["general"]
    assert set(hello["config"]) == {"heartbeat_s", "presence_grace_ms", "typing_refresh_ms", "typing_expiry_ms",
                                    "idle_after_ms", "max_body_chars"}
    ana_tab2, _ = await connect(ana)
    bo_ws, _ = await connect(bo)
    await ana_ws.send_json({"type": "message.send", "room_id": 1, "body": "  hello bob  ", "client_id": "abc-1"})
    ack = await frame_of(ana_ws, "message.ack")
    message = ack["message"]
    assert ack["client_id"] == "abc-1"
    assert message == {"id": message["id"], "room_id": 1, "seq": 1, "user": {"id": 1, "username": "ana"},
                       "body": "hello bob", "created_at": message["created_at"], "client_id": "abc-1",
                       "mentions": [], "edited_at": None, "deleted": False, "change_seq": 0, "reactions": [],
                       "files": []}
    assert await frame_of(bo_ws, "message.new") == {"type": "message.new", "message": message}
    assert await frame_of(ana_tab2, "message.new") == {"type": "message.new", "message": message}
    history = await (await bo.get("/api/rooms/1/messages")).json()
    assert history == {"messages": [message], "has_more": False}


async def test_resend_with_same_client_id_stores_nothing(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    ana_ws, _ = await connect(ana)
    bo_ws, _ = await connect(bo)
    frame = {"type": "message.send", "room_id": 1, "body": "once", "client_id": "dup"}
    await ana_ws.send_json(frame)
    first = await frame_of(ana_ws, "message.ack")
    await ana_ws.close()
    retry_ws, _ = await connect(ana)  # the ack was "lost": the client retries on a new connection
    await retry_ws.send_json(frame | {"body": "once (edited?)"})
    again = await frame_of(retry_ws, "message.ack")
    assert again == first
    assert (await frame_of(bo_ws, "message.new"))["message"] == first["message"]
    await bo_ws.send_json({"type": "message.send", "room_id": 1, "body": "next", "client_id": "b1"})
    # Bob's next frame is his own ack (seq 2): the resend was not delivered again.
    ack = await frame_of(bo_ws, "message.ack")
    assert ack["message"]["seq"] == 2
    page = await (await bo.get("/api/rooms/1/messages")).json()
    assert [m["body"] for m in page["messages"]] == ["once", "next"]


BAD_FRAMES = [
    ("not json", "bad_json"),
    ("[1, 2]", "bad_json"),
    ('"text"', "bad_json"),
    ("{}", "unknown_type"),
    ('{"type": "nope"}', "unknown_type"),
    ('{"type": 5}', "unknown_type"),
    ('{"type": "message.send"}', "invalid_frame"),
    ('{"type": "message.send", "room_id": "1", "body": "x", "client_id": "c"}', "invalid_frame"),
    ('{"type": "message.send", "room_id": true, "body": "x", "client_id": "c"}', "invalid_frame"),
    ('{"type": "message.send", "room_id": 1, "body": 5, "client_id": "c"}', "invalid_frame"),
    ('{"type": "message.send", "room_id": 1, "body": "x", "client_id": "has space"}', "invalid_frame"),
    ('{"type": "message.send", "room_id": 1, "body": "x", "client_id": ""}', "invalid_frame"),
    ('{"type": "message.send", "room_id": 0, "body": "x", "client_id": "c"}', "invalid_frame"),
    ('{"type": "message.send", "room_id": 1, "body": "   ", "client_id": "c"}', "body_empty"),
    ('{"type": "message.send", "room_id": 1, "body": "' + "x" * 4001 + '", "client_id": "c"}', "body_too_long"),
    ('{"type": "message.send", "room_id": 777, "body": "x", "client_id": "c"}', "not_a_member"),
    ('{"type": "typing", "room_id": 1}', "invalid_frame"),
    ('{"type": "typing", "room_id": 1, "active": "yes"}', "invalid_frame"),
    ('{"type": "presence.set", "status": "away"}', "invalid_frame"),
]


@pytest.mark.parametrize(("text", "code"), BAD_FRAMES)
async def test_bad_frames_get_an_error_and_the_socket_lives(chat: Chat, text: str, code: str) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    await ws.send_str(text)
    error = await next_frame(ws)
    assert error["type"] == "error"
    assert error["code"] == code
    assert isinstance(error["message"], str)
    await ws.send_json({"type": "message.send", "room_id": 1, "body": "still fine", "client_id": "ok"})
    assert (await next_frame(ws))["type"] == "message.ack"


async def test_error_echoes_client_id(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    await ws.send_json({"type": "message.send", "room_id": 1, "body": "", "client_id": "mine"})
    assert await next_frame(ws) == {"type": "error", "code": "body_empty", "message": "The message is empty.",
                                    "client_id": "mine"}


async def test_longest_valid_body_passes(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    body = "😀" * 4000  # 4,000 characters, 16,000 bytes of UTF-8
    await ws.send_json({"type": "message.send", "room_id": 1, "body": body, "client_id": "long"})
    ack = await next_frame(ws)
    assert ack["message"]["body"] == body


async def test_binary_frame_refused(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    await ws.send_bytes(b'{"type": "message.send"}')
    assert (await next_frame(ws))["code"] == "binary_unsupported"


async def test_oversized_frame_closes_with_1009(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    bo_ws, _ = await connect(bo)
    ws, _ = await connect(ana)
    await ws.send_str("x" * 70_000)
    assert await close_code(ws) == 1009
    # The server and everyone else carry on.
    await bo_ws.send_json({"type": "message.send", "room_id": 1, "body": "fine", "client_id": "f"})
    assert (await frame_of(bo_ws, "message.ack"))["message"]["body"] == "fine"


async def test_rate_limit(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    for i in range(40):
        await ws.send_json({"type": "message.send", "room_id": 1, "body": f"m{i}", "client_id": f"r{i}"})
    frames = [await next_frame(ws) for _ in range(40)]
    limited = [f for f in frames if f["type"] == "error"]
    assert limited, "40 sends at once must exceed the burst of 20"
    assert {f["code"] for f in limited} == {"rate_limited"}
    assert all(f["client_id"].startswith("r") for f in limited)
    assert len([f for f in frames if f["type"] == "message.ack"]) >= 20


async def test_unauthenticated_websocket_refused(chat: Chat) -> None:
    server = await chat.server()
    stranger = await chat.client(server)
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await stranger.ws_connect("/ws")
    assert info.value.status == 401


async def test_cross_origin_websocket_refused(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await ana.ws_connect("/ws", headers={"Origin": "https://evil.example"})
    assert info.value.status == 403
    ws, _ = await connect(ana, headers={"Origin": f"http://{server.host}:{server.port}"})
    await ws.close()


async def test_no_compression_negotiated(chat: Chat) -> None:
    """Fan-out frames are encoded once: the server must not agree to per-recipient deflate."""
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws = await ana.ws_connect("/ws", compress=15)
    assert ws.compress == 0
    await ws.close()


async def test_connections_per_account_are_capped(chat: Chat) -> None:
    server = await chat.server(max_connections_per_user=3)
    ana = await chat.user(server, "ana")
    sockets = [(await connect(ana))[0] for _ in range(3)]
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await ana.ws_connect("/ws")
    assert info.value.status == 429
    await sockets[0].close()
    for _ in range(50):  # the server unregisters the closed one as soon as it sees the close
        try:
            ws, _ = await connect(ana)
            break
        except aiohttp.WSServerHandshakeError:
            await asyncio.sleep(0.02)
    await ws.close()


async def test_presence_flood_is_dropped_not_broadcast(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    bo_ws, _ = await connect(bo)
    ana_ws, _ = await connect(ana)
    assert (await frame_of(bo_ws, "presence", skip=()))["status"] == "online"
    for i in range(200):
        await ana_ws.send_json({"type": "presence.set", "status": "idle" if i % 2 == 0 else "online"})
    await ana_ws.send_json({"type": "message.send", "room_id": 1, "body": "end", "client_id": "end"})
    changes = 0
    while True:
        frame = await next_frame(bo_ws)
        if frame["type"] == "message.new":
            break
        assert frame["type"] == "presence"
        changes += 1
    assert changes <= 12, f"{changes} presence frames reached Bob from a flood of 200"
