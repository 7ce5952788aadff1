"""The hub: this process's live connections, by user, by session and by room, and fan-out to them.

Policy:
- A broadcast is bytes encoded once by the caller; the hub hands the same object to each recipient's
  connection and never awaits a peer. Each connection drains its own bounded queue (live/connection.py), so a
  stalled receiver delays nobody else; one too far behind is closed with 4408 and catches up over REST.
- Connection slots: a handshake takes one of its account's slots (`reserve`) in the same step that checks the
  cap, before anything awaits, and gives it back (`release`) when its handler ends; so concurrent handshakes
  can never hold more than the cap between them.
- Room messages go out in seq order. Commits happen in seq order, but publishes can arrive out of order
  (two coroutines racing after their commits, or two processes through Redis). A message that arrives ahead of
  a missing seq waits in a small per-room buffer; if the gap is not filled within `gap_wait_s`, the missing
  messages are read back from the store, so a slow or lost publish never becomes a lost message.
- Changes of messages (edits, deletions, reactions) go out in the room's change_seq order the same way, in a
  second stream per room; a gap is read back as the changed messages' current state.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from parley.counters import Tally, frame_type
from parley.live.connection import (
    BEATS_PER_HEARTBEAT,
    CLOSE_GOING_AWAY,
    CLOSE_POLICY,
    CLOSE_SESSION_ENDED,
    CLOSE_TOO_SLOW,
    Connection,
)
from parley.live.write_batch import WriteBatch

# The connection and its close codes are re-exported: most of the live layer knows them as the hub's.
__all__ = [
    "CLOSE_GOING_AWAY",
    "CLOSE_POLICY",
    "CLOSE_SESSION_ENDED",
    "CLOSE_TOO_SLOW",
    "Connection",
    "GapFiller",
    "Hub",
]

log = logging.getLogger(__name__)

# (room_id, after_seq, upto_seq) -> [(seq, frame bytes)] read back from the store, in ascending seq: message.new
# frames for the message stream, change frames (by change_seq) for the change stream
GapFiller = Callable[[int, int, int], Awaitable[list[tuple[int, bytes]]]]


async def _no_changes(room_id: int, after: int, upto: int) -> list[tuple[int, bytes]]:
    return []


class _RoomStream:
    """Per-room delivery order: the last seq handed out here, frames waiting for a gap to fill, and how to read
    a gap back."""

    __slots__ = ("fill", "gap_task", "last_seq", "waiting")

    def __init__(self, last_seq: int, fill: GapFiller) -> None:
        self.last_seq = last_seq
        self.fill = fill
        self.waiting: dict[int, tuple[bytes, bytes | None, str | None]] = {}
        self.gap_task: asyncio.Task[None] | None = None


class Hub:
    def __init__(
        self,
        *,
        fill_gap: GapFiller,
        fill_changes: GapFiller = _no_changes,
        gap_wait_s: float = 0.25,
        write_linger_s: float = 0.0,
    ) -> None:
        self._fill_gap = fill_gap
        self._fill_changes = fill_changes
        self._gap_wait_s = gap_wait_s
        self.connections: dict[str, Connection] = {}
        # Every connection's writes of one loop turn go out together at the start of the next.
        self.writes = WriteBatch(write_linger_s)
        self._by_user: dict[int, set[Connection]] = {}
        self._by_session: dict[str, set[Connection]] = {}
        self._by_room: dict[int, set[Connection]] = {}
        self._streams: dict[int, _RoomStream] = {}
        # Connection slots held per user: by registered connections and by handshakes still on their way.
        self._slots: dict[int, int] = {}
        self._change_streams: dict[int, _RoomStream] = {}
        self._ids = itertools.count(1)
        # Connection ids are unique across processes too, so a Redis-borne ack finds its one sending connection.
        self.process_id = f"{os.getpid()}.{os.urandom(3).hex()}"
        # For metrics: frames handed to connections, by type (counted once per broadcast, times its recipients),
        # and room messages delivered (message.new and the sender's ack).
        self.frames_out = Tally()
        self.deliveries = 0
        # The deepest send queue of the connections that have closed (the open ones keep their own, see
        # queue_high_water()).
        self._closed_high_water = 0

    def next_connection_id(self) -> str:
        return f"{self.process_id}.{next(self._ids)}"

    # -- registry -----------------------------------------------------------------------------------------

    def seed(self, room_seqs: dict[int, int]) -> None:
        """Start each room's stream at the seq already committed before this process served anyone."""
        _seed(self._streams, room_seqs, self._fill_gap)

    def seed_changes(self, change_seqs: dict[int, int]) -> None:
        """Start each room's change stream at the change_seq already committed before this process served anyone."""
        _seed(self._change_streams, change_seqs, self._fill_changes)

    def reserve(self, user_id: int, limit: int) -> bool:
        """Take one of the user's `limit` connection slots, or say there is none left. No await in between, so
        two handshakes can never both take the last one."""
        held = self._slots.get(user_id, 0)
        if held >= limit:
            return False
        self._slots[user_id] = held + 1
        return True

    def release(self, user_id: int) -> None:
        held = self._slots.get(user_id, 0) - 1
        if held > 0:
            self._slots[user_id] = held
        else:
            self._slots.pop(user_id, None)

    def register(self, conn: Connection, room_ids: Iterable[int]) -> None:
        self.connections[conn.id] = conn
        self._by_user.setdefault(conn.user.id, set()).add(conn)
        self._by_session.setdefault(conn.session_id, set()).add(conn)
        for room_id in room_ids:
            self._subscribe(conn, room_id)

    def unregister(self, conn: Connection) -> None:
        if self.connections.pop(conn.id, None) is None:
            return
        if conn.high_water > self._closed_high_water:
            self._closed_high_water = conn.high_water
        _discard(self._by_user, conn.user.id, conn)
        _discard(self._by_session, conn.session_id, conn)
        for room_id in conn.rooms:
            _discard(self._by_room, room_id, conn)

    def _subscribe(self, conn: Connection, room_id: int) -> None:
        conn.rooms.add(room_id)
        self._by_room.setdefault(room_id, set()).add(conn)

    def rooms_of_user(self, user_id: int) -> set[int] | None:
        """The rooms a user's open connections hear (kept current by every join and leave event since they
        registered), or None when the user has none here."""
        for conn in self._by_user.get(user_id, ()):
            return set(conn.rooms)
        return None

    def user_connections(self, user_id: int) -> set[Connection]:
        return self._by_user.get(user_id, set())

    def room_connections(self, room_id: int) -> set[Connection]:
        return self._by_room.get(room_id, set())

    def delivered_seq(self, room_id: int) -> int:
        """The room's newest seq this process has delivered (or seeded at start-up): what its clients can have."""
        stream = self._streams.get(room_id)
        return 0 if stream is None else stream.last_seq

    def queue_high_water(self) -> int:
        """The most frames any connection of this process has had queued at once, since start-up (each one
        tracks its own at enqueue; this is read at scrape time only)."""
        return max(self._closed_high_water, max((c.high_water for c in self.connections.values()), default=0))

    def local_user_ids(self) -> list[int]:
        return list(self._by_user)

    def is_empty(self) -> bool:
        return not (self.connections or self._by_user or self._by_session or self._by_room or self._slots)

    # -- membership ---------------------------------------------------------------------------------------

    def joined(self, user_id: int, room_id: int, frame: bytes | None) -> None:
        """A user joined a room: all their connections hear it from now on (and are told, if `frame`)."""
        for conn in self._by_user.get(user_id, ()):
            self._subscribe(conn, room_id)
            if frame is not None:
                conn.push(frame)

    def left(self, user_id: int, room_id: int, frame: bytes | None) -> None:
        for conn in self._by_user.get(user_id, ()):
            conn.rooms.discard(room_id)
            _discard(self._by_room, room_id, conn)
            if frame is not None:
                conn.push(frame)

    # -- fan-out ------------------------------------------------------------------------------------------

    def to_user(self, user_id: int, frame: bytes) -> None:
        conns = self._by_user.get(user_id, ())
        for conn in conns:
            conn.push(frame)
        if conns:
            self.frames_out.add(frame_type(frame), len(conns))

    def to_room(self, room_id: int, frame: bytes, *, exclude_user: int | None = None) -> None:
        sent = 0
        for conn in self._by_room.get(room_id, ()):
            if conn.user.id != exclude_user:
                conn.push(frame)
                sent += 1
        if sent:
            self.frames_out.add(frame_type(frame), sent)

    def to_rooms(self, room_ids: Iterable[int], frame: bytes, *, exclude_user: int | None = None) -> None:
        """Once per connection, however many of the rooms it is in."""
        targets: set[Connection] = set()
        for room_id in room_ids:
            targets.update(self._by_room.get(room_id, ()))
        sent = 0
        for conn in targets:
            if conn.user.id != exclude_user:
                conn.push(frame)
                sent += 1
        if sent:
            self.frames_out.add(frame_type(frame), sent)

    def close_sessions(self, session_ids: Iterable[str], code: int, reason: str) -> None:
        for session_id in session_ids:
            for conn in list(self._by_session.get(session_id, ())):
                conn.close(code, reason)

    def close_user(self, user_id: int, code: int, reason: str) -> None:
        for conn in list(self._by_user.get(user_id, ())):
            conn.close(code, reason)

    def close_all(self, code: int, reason: str) -> None:
        for conn in list(self.connections.values()):
            conn.close(code, reason)

    # -- ordered room messages ----------------------------------------------------------------------------

    def message(self, room_id: int, seq: int, new: bytes, ack: bytes | None, origin: str | None) -> None:
        """Deliver a stored message in seq order: `ack` to the sending connection, `new` to everyone else."""
        stream = self._streams.get(room_id)
        if stream is None:
            # A room created after start-up: its first message is seq 1.
            stream = self._streams[room_id] = _RoomStream(0, self._fill_gap)
        self._offer(room_id, stream, seq, new, ack, origin)

    def change(self, room_id: int, change_seq: int, frame: bytes) -> None:
        """Deliver a change of a stored message (edit, deletion, reactions) to the room in change_seq order."""
        stream = self._change_streams.get(room_id)
        if stream is None:
            # A room created after start-up: its first change is change_seq 1.
            stream = self._change_streams[room_id] = _RoomStream(0, self._fill_changes)
        self._offer(room_id, stream, change_seq, frame, None, None)

    def _offer(
        self, room_id: int, stream: _RoomStream, seq: int, new: bytes, ack: bytes | None, origin: str | None
    ) -> None:
        if seq <= stream.last_seq or seq in stream.waiting:
            return
        if seq != stream.last_seq + 1:
            stream.waiting[seq] = (new, ack, origin)
            if stream.gap_task is None:
                stream.gap_task = asyncio.get_running_loop().create_task(self._close_gap(room_id, stream))
            return
        self._emit(room_id, new, ack, origin)
        stream.last_seq = seq
        self._release(room_id, stream)

    def _emit(self, room_id: int, new: bytes, ack: bytes | None, origin: str | None) -> None:
        conns = self._by_room.get(room_id, ())
        for conn in conns:
            conn.push(ack if ack is not None and conn.id == origin else new)
        if conns:
            # Counted once per message, not per recipient: the ack went to the sender's connection if it is here.
            acked = 1 if ack is not None and origin is not None and origin in self.connections else 0
            if acked:
                self.frames_out.add("message.ack")
            if len(conns) > acked:
                self.frames_out.add("message.new", len(conns) - acked)
            self.deliveries += len(conns)

    def _release(self, room_id: int, stream: _RoomStream) -> None:
        while stream.waiting:
            entry = stream.waiting.pop(stream.last_seq + 1, None)
            if entry is None:
                break
            self._emit(room_id, *entry)
            stream.last_seq += 1
        if not stream.waiting and stream.gap_task is not None and stream.gap_task is not asyncio.current_task():
            stream.gap_task.cancel()
            stream.gap_task = None

    async def _close_gap(self, room_id: int, stream: _RoomStream) -> None:
        try:
            await asyncio.sleep(self._gap_wait_s)
            while stream.waiting:
                upto = min(stream.waiting) - 1
                if upto > stream.last_seq:
                    for seq, frame in await stream.fill(room_id, stream.last_seq, upto):
                        # Ascending; one the store does not have (a purged message, or a change superseded by a
                        # later change of the same message) is passed over rather than stalling the rest.
                        if stream.last_seq < seq <= upto:
                            self._emit(room_id, frame, None, None)
                            stream.last_seq = seq
                    if stream.last_seq < upto:
                        if stream.fill is self._fill_gap:
                            first = stream.last_seq + 1
                            log.warning("room %s: seq %s..%s missing from the store", room_id, first, upto)
                        stream.last_seq = upto
                self._release(room_id, stream)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("room %s: filling a delivery gap failed; retrying", room_id)
            stream.gap_task = None
            if stream.waiting:
                stream.gap_task = asyncio.get_running_loop().create_task(self._close_gap(room_id, stream))
            return
        stream.gap_task = None

    async def run_heartbeat(self, heartbeat_s: float) -> None:
        """One sweep pings every silent connection and drops the ones that do not answer (see
        live/connection.py), instead of a timer per connection."""
        while True:
            await asyncio.sleep(heartbeat_s / BEATS_PER_HEARTBEAT)
            for conn in list(self.connections.values()):
                try:
                    conn.beat()
                except Exception:
                    log.exception("heartbeat of a connection failed")

    async def stop(self) -> None:
        streams = [*self._streams.values(), *self._change_streams.values()]
        tasks = [s.gap_task for s in streams if s.gap_task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _seed(streams: dict[int, _RoomStream], seqs: dict[int, int], fill: GapFiller) -> None:
    for room_id, seq in seqs.items():
        stream = streams.get(room_id)
        if stream is None:
            streams[room_id] = _RoomStream(seq, fill)
        elif seq > stream.last_seq and not stream.waiting:
            stream.last_seq = seq


def _discard(index: dict[Any, set[Connection]], key: Any, conn: Connection) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(conn)
        if not members:
            del index[key]
