"""One WebSocket connection: who it is, which rooms it hears, and its bounded outgoing queue.

Policy:
- Frames are bytes encoded once by whoever broadcasts them; a connection writes one straight to the socket when
  nothing is queued, else queues it and a writer task of its own drains the queue, so a stalled receiver delays
  nobody else. One that falls `queue_max` frames or `queue_max_bytes` bytes behind is closed with 4408 and
  catches up over REST (never a silent gap).
- A connection is held (frames queue, none is written) until its hello is put first.
- A close the peer does not answer within CLOSE_TIMEOUT_S drops the TCP connection.
- Heartbeat: one sweep (Hub.run_heartbeat) beats every connection every heartbeat_s / BEATS_PER_HEARTBEAT; any
  frame from the peer (a pong too) resets its count. Silent for a heartbeat: it is pinged; silent half a
  heartbeat more: the TCP connection is dropped (so a vanished peer is found within 1.5 x heartbeat_s, as with
  aiohttp's own heartbeat, but with no timer handle and no ping task per connection).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from aiohttp import WSMsgType

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
    """The part of aiohttp's WebSocketResponse a connection uses."""

    async def send_frame(self, message: bytes, opcode: WSMsgType, compress: int | None = None) -> None: ...

    async def close(self, *, code: int = ..., message: bytes = ..., drain: bool = ...) -> bool: ...

    @property
    def closed(self) -> bool: ...


class Connection:
    """One WebSocket: who it is, which rooms it hears, and its bounded outgoing queue."""

    __slots__ = (
        "_abort",
        "_close_timeout_s",
        "_closing",
        "_held",
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
        # Made when a frame has to wait and dropped when drained: most connections are idle, and an empty deque
        # is still ~600 bytes each.
        self._queue: deque[bytes] | None = None
        self._queued_bytes = 0
        # The most frames ever queued here at once (metrics): kept at enqueue, an int compare.
        self.high_water = 0
        self._writer: asyncio.Task[None] | None = None
        self._closing = False
        # Held: frames wait in the queue until `push_first` puts the hello before them (a connection registered
        # while its hello is still being read from the database must not send anything ahead of it).
        self._held = held
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
        if self._writer is None and not queue and not self._held:
            self._send_now(data)
            return
        if queue is None:
            queue = self._queue = deque()
        depth = len(queue)
        if depth >= self.queue_max or self._queued_bytes + len(data) > self.queue_max_bytes:
            self.close(CLOSE_TOO_SLOW, "too slow: reconnect and catch up")
            return
        queue.append(data)
        self._queued_bytes += len(data)
        if depth >= self.high_water:
            self.high_water = depth + 1
        if self._writer is None and not self._held:
            # A writer exists only while there is something to write: idle connections hold no task.
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    def push_first(self, data: bytes) -> None:
        """Put a frame before everything queued so far (the hello, which must be the first frame) and stop
        holding the queue back."""
        self._held = False
        if self._closing:
            return
        if self._queue is None:
            self._queue = deque()
        self._queue.appendleft(data)
        self._queued_bytes += len(data)
        self.high_water = max(self.high_water, len(self._queue))
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    def _send_now(self, data: bytes) -> None:
        """The fast path of a fan-out: nothing is queued, so write at once, without a task per frame.

        Without compression, aiohttp's send_frame writes to the transport and only suspends when the transport
        is paused (the peer is not reading). So its coroutine is stepped here by hand; in the rare case it does
        suspend, a task finishes that send and then drains whatever queued up behind it.
        """
        send = self.socket.send_frame(data, WSMsgType.TEXT)
        try:
            waiting = send.send(None)
        except StopIteration:
            return
        except (ConnectionError, RuntimeError):
            return  # the peer went away; the reader loop sees the close and unregisters us
        self._writer = asyncio.get_running_loop().create_task(self._finish(send, waiting))

    async def _finish(self, send: Coroutine[Any, Any, None], waiting: Any) -> None:
        try:
            while True:
                # Wait for what the send is waiting on (a future, or None for a bare yield), then resume it: it
                # sees that future's outcome itself, as it would under a task.
                if waiting is None:
                    await asyncio.sleep(0)
                else:
                    # What a task does with a yielded future: clear its "blocking" mark, then wait on it.
                    waiting._asyncio_future_blocking = False
                    with contextlib.suppress(Exception):
                        await waiting
                try:
                    waiting = send.send(None)
                except StopIteration:
                    break
        except (ConnectionError, RuntimeError):
            self._clear()
            self._writer = None
            return
        except BaseException:
            send.close()
            self._writer = None
            raise
        await self._drain()

    async def _drain(self) -> None:
        try:
            while self._queue and not self._closing:
                data = self._queue.popleft()
                self._queued_bytes -= len(data)
                await self.socket.send_frame(data, WSMsgType.TEXT)
            self._queue = None
        except (ConnectionError, RuntimeError):
            # The peer went away mid-write; the reader loop sees the close and unregisters us.
            self._clear()
        finally:
            self._writer = None

    def _clear(self) -> None:
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
            send = self.socket.send_frame(b"", WSMsgType.PING)
            try:
                send.send(None)
            except StopIteration:
                return
            except (ConnectionError, RuntimeError):
                return
            # Written, and now waiting for a paused transport to drain: a peer that far behind gets no more.
            send.close()
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
