"""Writes coalesced per loop turn: what is pushed to a connection during one turn of the event loop leaves in one
write at the start of the next, each broadcast framed once whatever its number of recipients.

Why: over TCP most of a delivery's cost is the kernel's, once per send(); a connection that gets several frames
in a turn (a group commit acks and announces a batch of messages at once, a presence batch follows a message)
gets one send() for all of them. The cost is one loop turn of latency: the flush is the first callback of the
next turn, ahead of the I/O that turn brings in.
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


class Flushable(Protocol):
    def flush(self, framed: dict[bytes, bytes]) -> None: ...


class WriteBatch:
    """The connections with something pushed this turn; flushed together, once, at the start of the next."""

    __slots__ = ("_dirty", "flushes", "writes")

    def __init__(self) -> None:
        self._dirty: list[Flushable] = []
        # For the bench and tests: flushes run and connection writes made (metrics-grade counts, no timing).
        self.flushes = 0
        self.writes = 0

    def add(self, conn: Flushable) -> None:
        """`conn` has its first frame of this turn pending: flush it with the others at the next turn."""
        dirty = self._dirty
        dirty.append(conn)
        if len(dirty) == 1:
            asyncio.get_running_loop().call_soon(self.flush)

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
