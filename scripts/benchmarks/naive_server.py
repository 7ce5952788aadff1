"""The other baseline: the naive aiohttp broadcast loop that STYLE.md warns against, as a tutorial writes it.

    python naive_server.py PORT

Every text frame is sent to every connected socket, one `await ws.send_str` after another, inline in the sender's
handler. aiohttp's defaults throughout (so permessage-deflate is accepted when a client offers it). No login, no
storage, no queues: the floor of what a broadcast costs in Python.
"""

from __future__ import annotations

import sys

from aiohttp import WSMsgType, web


def make_app() -> web.Application:
    clients: list[web.WebSocketResponse] = []

    async def chat(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        clients.append(ws)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    for client in clients:
                        await client.send_str(msg.data)
        finally:
            clients.remove(ws)
        return ws

    app = web.Application()
    app.router.add_get("/ws", chat)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
