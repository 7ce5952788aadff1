"""aiohttp's WebSocket as the live layer's `Socket`: whole frames written straight to its transport.

Why not `WebSocketResponse.send_frame`: it builds the frame again for every recipient and is a coroutine per
write; the hub frames a broadcast once and writes a connection's frames of one loop turn together
(live/write_batch.py). What is used of aiohttp beyond its public API: the protocol's `_drain_helper` (the wait
for a paused transport that send_frame itself uses); aiohttp is pinned to 3.14.x, and
tests/live/test_hub_on_aiohttp.py checks it over a real socket.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.base_protocol import BaseProtocol

_PING = b"\x89\x00"  # FIN, opcode 9, no payload


class WebSocketSocket:
    __slots__ = ("_protocol", "_ws")

    def __init__(self, ws: web.WebSocketResponse, protocol: BaseProtocol) -> None:
        self._ws = ws
        self._protocol = protocol

    def write(self, data: bytes) -> None:
        transport = self._protocol.transport
        # Closed: aiohttp has sent (or is sending) the close frame, after which no data frame may follow.
        if self._ws.closed or transport is None or transport.is_closing():
            raise ConnectionResetError("the WebSocket is closing")
        transport.write(data)

    @property
    def writing_paused(self) -> bool:
        return self._protocol.writing_paused

    async def drained(self) -> None:
        await self._protocol._drain_helper()

    def ping(self) -> None:
        self.write(_PING)

    async def close(self, *, code: int, message: bytes) -> object:
        return await self._ws.close(code=code, message=message)
