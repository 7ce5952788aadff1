"""Writes coalesced per loop turn: what is pushed to a connection during one turn of the event loop leaves in one
write at the start of the next, each broadcast framed once whatever its number of recipients.

Why: over TCP most of a delivery's cost is the kernel's, once per send(); a connection that gets several frames
in a turn (a group commit acks and announces a batch of messages at once, a presence batch follows a message)
gets one send() for all of them. The cost is one loop turn of latency: the flush is the first callback of the
next turn, ahead of the I/O that turn brings in.

Under load (the last flush wrote to at least BUSY_WRITES connections, and was less than `linger_s` ago), the
next flush waits until `linger_s` after the last one, so that the broadcasts of those few milliseconds share
writes too; a quiet server (a DM, typing, a small room) still writes at the next turn. The latency this costs
is at most `linger_s` (WS_WRITE_LINGER_MS, 10 ms by default; measured in docs/benchmarks.md: at 100 messages/s
into 1,000 sockets it takes a fifth off the CPU and lowers the latency, since the server queues less).
"""

from __future__ import annotations

import asyncio
import logging
import struct
from typing import Protocol

log = logging.getLogger(__name__)

# The drain of a connection that fell behind writes its queue in chunks of about this size, so what sits in
# the transport's buffer stays near its high-water mark and the rest stays in the bounded queue (4408).
WRITE_CHUNK_BYTES = 64 * 1024

# A flush that wrote to this many connections means a fan-out is under way: the next one may linger.
BUSY_WRITES = 100

_TEXT_FIN = 0x81  # FIN, no RSV bits (never compressed), opcode 1 (text)
_LEN16 = struct.Struct("!BBH")
_LEN64 = struct.Struct("!BBQ")


def text_frame(payload: bytes) -> bytes:
    """An unmasked, unfragmented, uncompressed text frame (RFC 6455 section 5.2), as a server sends it. With
    permessage-deflate negotiated a message may still be sent uncompressed (RFC 7692 section 6: RSV1 clear)."""
    size = len(payload)
    if size < 126:
        return bytes((_TEXT_FIN, size)) + payload
    if size < 65536:
        return _LEN16.pack(_TEXT_FIN, 126, size) + payload
    return _LEN64.pack(_TEXT_FIN, 127, size) + payload


def frames(payloads: list[bytes], framed: dict[bytes, bytes]) -> bytes:
    """The frames of `payloads`, in order, as one write. `framed` maps a payload to its frame (filled as it
    goes): shared by a flush's connections, so a broadcast is framed once, not once per recipient."""
    parts = []
    for payload in payloads:
        frame = framed.get(payload)
        if frame is None:
            frame = framed[payload] = text_frame(payload)
        parts.append(frame)
    return parts[0] if len(parts) == 1 else b"".join(parts)


class Flushable(Protocol):
    def flush(self, framed: dict[bytes, bytes]) -> None: ...


class WriteBatch:
    """The connections with something pushed this turn; flushed together, once, at the start of the next."""

    __slots__ = ("_busy_until", "_dirty", "_linger_s", "flushes", "writes")

    def __init__(self, linger_s: float = 0.0) -> None:
        self._dirty: list[Flushable] = []
        self._linger_s = linger_s
        # Loop time until which a flush lingers (set by a busy flush), 0 when none does.
        self._busy_until = 0.0
        # For the bench and tests: flushes run and connection writes made (metrics-grade counts, no timing).
        self.flushes = 0
        self.writes = 0

    def add(self, conn: Flushable) -> None:
        """`conn` has its first frame of this turn pending: flush it with the others at the next turn."""
        dirty = self._dirty
        dirty.append(conn)
        if len(dirty) == 1:
            loop = asyncio.get_running_loop()
            if self._busy_until and loop.time() < self._busy_until:
                loop.call_at(self._busy_until, self.flush)
            else:
                loop.call_soon(self.flush)

    def flush(self) -> None:
        dirty = self._dirty
        if not dirty:
            return
        self._dirty = []
        # Payload -> its frame, for this flush only: bytes cache their hash, and the broadcast's one object is
        # the key for all its recipients, so each lookup is an identity compare.
        framed: dict[bytes, bytes] = {}
        for conn in dirty:
            try:
                conn.flush(framed)
            except Exception:
                # A bug of ours: the others still get their frames (and this one its next turn's).
                log.exception("flushing a connection failed")
        self.flushes += 1
        self.writes += len(dirty)
        if self._linger_s and len(dirty) >= BUSY_WRITES:
            self._busy_until = asyncio.get_running_loop().time() + self._linger_s
        else:
            self._busy_until = 0.0
