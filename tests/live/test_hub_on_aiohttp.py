"""The hub's write path against aiohttp itself, over a real socket.

Connections write whole frames straight to aiohttp's transport (parley/web/ws_socket.py), one write per loop turn,
instead of a `send_frame` coroutine per frame. That relies on aiohttp (pinned to 3.14.x in pyproject.toml) as
follows: frames written to the transport reach an aiohttp client intact; `WebSocketResponse.closed` is set before
the close frame goes out; the protocol's `writing_paused` and `_drain_helper` report and wait out a paused
transport. If an aiohttp upgrade changes any of it, these tests fail by name, before a message is lost or
reordered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from parley.live.hub import Connection, Hub
from parley.live.write_batch import text_frame
from parley.models import User
from parley.web.ws_socket import WebSocketSocket

Handler = Callable[[web.WebSocketResponse, web.Request], Awaitable[None]]
Serve = Callable[[Handler], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[TestServer] = []

    async def start(on_open: Handler) -> str:
        async def handler(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse(compress=False)
            await ws.prepare(request)
            await on_open(ws, request)
            async for _ in ws:
                pass
            return ws

        app = web.Application()
        app.router.add_get("/ws", handler)
        server = TestServer(app)
        await server.start_server()
        servers.append(server)
        return str(server.make_url("/ws"))

    yield start
    for server in servers:
        await server.close()


async def test_frames_written_to_the_transport_arrive_and_none_after_the_close(serve: Serve) -> None:
    """The adapter writes whole frames to aiohttp's transport (the client reads them as aiohttp's own), and
    refuses a write once aiohttp has begun closing, so no data frame ever follows the close frame."""
    outcome: list[str] = []

    async def on_open(ws: web.WebSocketResponse, request: web.Request) -> None:
        sock = WebSocketSocket(ws, request.protocol)
        sock.write(text_frame(b'{"type":"probe"}') + text_frame(b"x" * 70_000))
        closing = asyncio.ensure_future(sock.close(code=4401, message=b"bye"))
        await asyncio.sleep(0)  # the close has begun: aiohttp is writing the close frame
        try:
            sock.write(text_frame(b"late"))
        except ConnectionError:
            outcome.append("refused after close")
        await closing

    url = await serve(on_open)
    async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
        first, second = await ws.receive(timeout=5), await ws.receive(timeout=5)
        closing = await ws.receive(timeout=5)
    assert (first.type, first.data) == (WSMsgType.TEXT, '{"type":"probe"}')
    assert (second.type, len(second.data)) == (WSMsgType.TEXT, 70_000)
    assert (closing.type, closing.data) == (WSMsgType.CLOSE, 4401)
    assert outcome == ["refused after close"]


async def test_a_paused_transport_hands_over_to_a_task_and_keeps_order(serve: Serve) -> None:
    """A reader that stops reading pauses the server's transport: the hand-stepped send suspends, a task finishes
    it, and every frame still arrives, in order, once the reader reads again."""
    frames = 300
    payload = "x" * 60_000
    suspended: list[bool] = []
    hub = Hub(fill_gap=lambda room, after, upto: asyncio.sleep(0, []))

    async def on_open(ws: web.WebSocketResponse, request: web.Request) -> None:
        sock = WebSocketSocket(ws, request.protocol)
        conn = Connection(
            hub.next_connection_id(),
            User(1, "reader"),
            "s1",
            sock,
            hub.writes,
            queue_max=frames + 1,
            queue_max_bytes=2**30,
        )
        hub.register(conn, [1])
        for seq in range(1, frames + 1):
            hub.message(1, seq, f'{{"seq":{seq},"pad":"{payload}"}}'.encode(), None, None)
            suspended.append(conn.queued() > 0)
            await asyncio.sleep(0)  # a turn: the write batch flushes

    url = await serve(on_open)
    async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
        await asyncio.sleep(0.3)  # let the server fill the socket buffers while nobody reads
        seqs = []
        for _ in range(frames):
            msg = await ws.receive(timeout=10)
            assert msg.type == WSMsgType.TEXT
            seqs.append(int(msg.data[7 : msg.data.index(",")]))
    assert seqs == list(range(1, frames + 1))
    assert any(suspended), "18 MB never paused the transport: the slow path was not exercised"


async def test_a_reader_a_megabyte_behind_is_closed_with_4408(serve: Serve) -> None:
    """Over a real socket: once the peer stops reading and 1 MiB waits in the queue, the connection is closed with
    4408; the reader gets what was written before, then the close frame, and the queue is dropped."""
    payload = "x" * 60_000
    conns: list[Connection] = []
    hub = Hub(fill_gap=lambda room, after, upto: asyncio.sleep(0, []))

    async def on_open(ws: web.WebSocketResponse, request: web.Request) -> None:
        conn = Connection(
            hub.next_connection_id(),
            User(1, "reader"),
            "s1",
            WebSocketSocket(ws, request.protocol),
            hub.writes,
            queue_max=10_000,
            queue_max_bytes=2**20,
        )
        conns.append(conn)
        hub.register(conn, [1])
        for seq in range(1, 301):  # 18 MB: far more than the socket buffers and the bound together
            hub.message(1, seq, f'{{"seq":{seq},"pad":"{payload}"}}'.encode(), None, None)
            await asyncio.sleep(0)
            if conn.closing:
                break

    url = await serve(on_open)
    async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
        await asyncio.sleep(0.3)
        received = 0
        while True:
            msg = await ws.receive(timeout=10)
            if msg.type != WSMsgType.TEXT:
                break
            received += 1
        assert (msg.type, msg.data) == (WSMsgType.CLOSE, 4408)
    assert conns[0].closing and conns[0].queued_bytes() == 0
    assert 0 < received < 300
