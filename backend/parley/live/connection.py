"""One WebSocket connection: who it is, which rooms it hears, and its bounded outgoing queue.

Policy:
- Frames are bytes encoded once by whoever broadcasts them. A connection that is keeping up collects what is
  pushed to it during one turn of the event loop, and the hub's WriteBatch writes it at the start of the next
  turn in one write, framed once per broadcast (live/write_batch.py): one send() per connection per turn, not
  per frame, and no task or future per recipient.
- A connection whose transport is paused (the peer stopped reading) queues frames instead, and a writer task of
  its own drains the queue as the peer reads, so a stalled receiver delays nobody else. One that falls
  `queue_max` frames or `queue_max_bytes` bytes behind is closed with 4408 and catches up over REST (never a
  silent gap).
- A connection is held (frames queue, none is written) until its hello is put first.
- A close the peer does not answer within CLOSE_TIMEOUT_S drops the TCP connection.
- Heartbeat: one sweep (Hub.run_heartbeat) beats every connection every heartbeat_s / BEATS_PER_HEARTBEAT; any
  frame from the peer (a pong too) resets its count. Silent for a heartbeat: it is pinged; silent half a
  heartbeat more: the TCP connection is dropped (so a vanished peer is found within 1.5 x heartbeat_s, as with
  aiohttp's own heartbeat, but with no timer handle and no ping task per connection).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Protocol

from parley.live.write_batch import WRITE_CHUNK_BYTES, WriteBatch, frames
from parley.models import User

CLOSE_SESSION_ENDED = 4401
CLOSE_TOO_SLOW = 4408
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008

# A peer gets this long to answer its close frame (a healthy one does in a round trip); a peer that does not is
# then cut off, so its handler, file descriptor and connection slot are not held, nor its garbage read, for long.
CLOSE_TIMEOUT_S = 2.0

# Heartbeat sweeps per heartbeat_s: a quarter of a heartbeat is the slack in when a silent peer is pinged.
BEATS_PER_HEARTBEAT = 4
# Silent this many beats (a heartbeat): ping; this many (a heartbeat and a half): drop.
_PING_AT = BEATS_PER_HEARTBEAT
_DROP_AT = BEATS_PER_HEARTBEAT + BEATS_PER_HEARTBEAT // 2


class Socket(Protocol):
    """The byte side of a WebSocket that a connection writes to (web/ws.py adapts aiohttp's)."""

    def write(self, data: bytes) -> None:
        """Write whole frames now (the transport buffers what the kernel does not take); raises ConnectionError
        once the WebSocket is closing or the TCP connection is gone."""
        ...

    @property
    def writing_paused(self) -> bool:
        """The transport holds more than its high-water mark: the peer is not reading."""
        ...

    async def drained(self) -> None:
        """Return once the transport is below its low-water mark again (raises ConnectionError if it is lost)."""
        ...

    def ping(self) -> None: ...

    async def close(self, *, code: int, message: bytes) -> object: ...


class Connection:
    """One WebSocket: who it is, which rooms it hears, and its bounded outgoing queue."""

    __slots__ = (
        "_abort",
        "_batch",
        "_close_timeout_s",
        "_closing",
        "_pending",
        "_queue",
        "_queued_bytes",
        "_silent",
        "_writer",
        "close_task",
        "dropped",
        "high_water",
        "id",
        "queue_max",
        "queue_max_bytes",
        "rooms",
        "session_id",
        "socket",
        "user",
        "watching",
    )

    def __init__(
        self,
        conn_id: str,
        user: User,
        session_id: str,
        socket: Socket,
        batch: WriteBatch,
        *,
        queue_max: int,
        queue_max_bytes: int,
        abort: Callable[[], None] | None = None,
        held: bool = False,
        close_timeout_s: float = CLOSE_TIMEOUT_S,
    ) -> None:
        self.id = conn_id
        self.user = user
        self.session_id = session_id
        self.socket = socket
        self.queue_max = queue_max
        self.queue_max_bytes = queue_max_bytes
        self.rooms: set[int] = set()
        # The users whose presence this connection asked for (presence.watch), whatever room they share.
        self.watching: frozenset[int] = frozenset()
        self.close_task: asyncio.Task[None] | None = None
        self._batch = batch
        # What was pushed this loop turn, written by the batch at the start of the next (None when nothing is).
        self._pending: list[bytes] | None = None
        # Frames waiting for a paused transport (or for the hello): None while the connection keeps up. Made when
        # needed and dropped when drained: most connections are idle, and an empty deque is ~600 bytes.
        # Held: frames wait here until `push_first` puts the hello before them (a connection registered while
        # its hello is still being read from the database must not send anything ahead of it).
        self._queue: deque[bytes] | None = deque() if held else None
        self._queued_bytes = 0
        # The most frames ever queued here at once (metrics): kept at enqueue, an int compare.
        self.high_water = 0
        self._writer: asyncio.Task[None] | None = None
        self._closing = False
        # Drops the TCP connection at once (the transport's abort); None where there is none (tests' sockets).
        self._abort = abort
        self._close_timeout_s = close_timeout_s
        # Heartbeat sweeps since the peer last sent anything.
        self._silent = 0
        # Set when the heartbeat dropped the connection (recorded as 1006, as aiohttp's heartbeat would).
        self.dropped = False

    @property
    def closing(self) -> bool:
        return self._closing

    def push(self, data: bytes) -> None:
        """Send or queue a frame without waiting. A connection too far behind is closed instead (never a gap)."""
        if self._closing:
            return
        queue = self._queue
        if queue is None:
            pending = self._pending
            if pending is None:
                self._pending = [data]
                self._batch.add(self)
            else:
                pending.append(data)
            return
        depth = len(queue)
        if depth >= self.queue_max or self._queued_bytes + len(data) > self.queue_max_bytes:
            self.close(CLOSE_TOO_SLOW, "too slow: reconnect and catch up")
            return
        queue.append(data)
        self._queued_bytes += len(data)
        if depth >= self.high_water:
            self.high_water = depth + 1

    def push_first(self, data: bytes) -> None:
        """Put a frame before everything queued so far (the hello, which must be the first frame) and stop
        holding the queue back."""
        if self._closing:
            return
        if self._queue is None:
            self._queue = deque()
        self._queue.appendleft(data)
        self._queued_bytes += len(data)
        self.high_water = max(self.high_water, len(self._queue))
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    def flush(self, framed: dict[bytes, bytes]) -> None:
        """Write what was pushed this turn in one write (called by the WriteBatch). `framed` maps each payload
        to its frame for this flush, so a broadcast is framed once, not once per recipient."""
        pending = self._pending
        self._pending = None
        if pending is None or self._closing:
            return
        try:
            self.socket.write(frames(pending, framed))
        except (ConnectionError, RuntimeError):
            return  # the peer went away; the reader loop sees the close and unregisters us
        if self.socket.writing_paused and self._queue is None:
            # The peer is not reading: from now on frames queue (bounded) and a writer waits for it.
            self._queue = deque()
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        """Write the queue as the peer reads, in chunks, then go back to writing once per turn."""
        socket = self.socket
        try:
            while not self._closing:
                if socket.writing_paused:
                    await socket.drained()
                    continue
                queue = self._queue
                if not queue:
                    self._queue = None
                    break
                chunk: list[bytes] = []
                size = 0
                while queue and size < WRITE_CHUNK_BYTES:
                    payload = queue.popleft()
                    self._queued_bytes -= len(payload)
                    chunk.append(payload)
                    size += len(payload)
                socket.write(frames(chunk, {}))
        except (ConnectionError, RuntimeError):
            # The peer went away mid-write; the reader loop sees the close and unregisters us.
            self._clear()
        finally:
            self._writer = None

    def _clear(self) -> None:
        self._pending = None
        self._queue = None
        self._queued_bytes = 0

    def close(self, code: int, reason: str) -> None:
        """Close (from the reader loop or anywhere else): drop what is queued and send the close frame.

        The reader loop keeps running until aiohttp ends it; it must not act on frames once `closing` is set.
        """
        if self._closing:
            return
        self._closing = True
        self._clear()
        if self._writer is not None:
            self._writer.cancel()
        self.close_task = asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        try:
            async with asyncio.timeout(self._close_timeout_s):
                await self.socket.close(code=code, message=reason.encode())
        except TimeoutError:
            if self._abort is not None:
                self._abort()
        except (ConnectionError, RuntimeError):
            pass  # the peer is gone already

    def heard(self) -> None:
        """The peer sent something (a frame, a ping or a pong): it is there."""
        self._silent = 0

    def beat(self) -> None:
        """One heartbeat sweep: ping a peer silent for a heartbeat, drop one silent half a heartbeat after that."""
        self._silent += 1
        if self._silent == _PING_AT and not self._closing:
            try:
                self.socket.ping()
            except (ConnectionError, RuntimeError):
                return
        elif self._silent >= _DROP_AT and not self.dropped:
            self.dropped = True
            if self._abort is not None:
                self._abort()
            else:
                self.close(CLOSE_GOING_AWAY, "no pong")

    def queued(self) -> int:
        return 0 if self._queue is None else len(self._queue)

    def queued_bytes(self) -> int:
        return self._queued_bytes
