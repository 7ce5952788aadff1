"""The presence outbox: presence changes held for a short interval, then one frame per connection.

Policy (issue #14):
- A user's changes within one interval collapse into their latest (its `at` says when it happened).
- At a flush each connection gets one frame with every held change of a user it shares a room with (its own
  left out), or that it watches: a `presence` frame for one change, a `presence.batch` for several. A storm of
  N users connecting costs each member one frame per interval, not N frames.
- A large room (more users present than `room_max`) does not carry its members' presence: its members hear
  it through smaller rooms they share, or by watching (`presence.watch`) the members they show.
- Frames are built once per distinct set of changes, not per recipient: the entries are encoded once, and
  connections that hear the same rooms share one frame.

Pure bookkeeping and encoding; the caller says when to flush (the sweep) and hands over the recipients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from typing import Any

from parley.live import wire
from parley.live.connection import Connection
from parley.models import Member, User

_BATCH_HEAD = b'{"type":"presence.batch","changes":['
_BATCH_TAIL = b"]}"


def entry(user: User | Member, status: str, last_seen: int | None, at_ms: int) -> bytes:
    """One change as it appears in a `presence.batch` (a `presence` frame without its type)."""
    return wire.encode({"user": wire.user(user), "status": status, "last_seen": last_seen, "at": at_ms})


def frame_of(entries: list[bytes]) -> bytes:
    """The frame that carries `entries`: a plain `presence` frame for one, a `presence.batch` for several."""
    if len(entries) == 1:
        return b'{"type":"presence",' + entries[0][1:]
    return _BATCH_HEAD + b",".join(entries) + _BATCH_TAIL


def batch_of(entries: list[bytes]) -> bytes:
    """Always a `presence.batch` (a reply to `presence.watch`, however many it lists)."""
    return _BATCH_HEAD + b",".join(entries) + _BATCH_TAIL


class PresenceOutbox:
    def __init__(self, *, room_max: int) -> None:
        self.room_max = room_max
        # user_id -> (encoded entry, the rooms that hear it); the latest change of each user only.
        self._held: dict[int, tuple[bytes, frozenset[int]]] = {}
        # watched user_id -> the connections watching them
        self._watchers: dict[int, set[Connection]] = {}

    def hold(self, user_id: int, encoded: bytes, rooms: frozenset[int]) -> None:
        self._held[user_id] = (encoded, rooms)

    def pending(self) -> int:
        return len(self._held)

    # -- watching -----------------------------------------------------------------------------------------

    def watch(self, conn: Connection, user_ids: AbstractSet[int]) -> None:
        """`conn` now watches exactly `user_ids` (replacing what it watched)."""
        self.unwatch(conn)
        for user_id in user_ids:
            self._watchers.setdefault(user_id, set()).add(conn)
        conn.watching = frozenset(user_ids)

    def unwatch(self, conn: Connection) -> None:
        for user_id in conn.watching:
            watchers = self._watchers.get(user_id)
            if watchers is not None:
                watchers.discard(conn)
                if not watchers:
                    del self._watchers[user_id]
        conn.watching = frozenset()

    def is_empty(self) -> bool:
        return not self._held and not self._watchers

    # -- flushing -----------------------------------------------------------------------------------------

    def flush(
        self, room_connections: Callable[[int], Iterable[Connection]], present_count: Callable[[int], int]
    ) -> tuple[int, int]:
        """Hand every held change to the connections that should hear it; returns the frames pushed
        (`presence`, `presence.batch`)."""
        if not self._held:
            return 0, 0
        held, self._held = self._held, {}
        # room -> the users whose change it carries (large rooms carry none)
        by_room: dict[int, list[int]] = {}
        for user_id, (_, their_rooms) in held.items():
            for room_id in their_rooms:
                by_room.setdefault(room_id, []).append(user_id)
        for room_id in [r for r in by_room if present_count(r) > self.room_max]:
            del by_room[room_id]
        # connection -> the rooms with changes it hears, and the watched users with changes
        heard: dict[Connection, list[int]] = {}
        for room_id in by_room:
            for conn in room_connections(room_id):
                rooms = heard.get(conn)
                if rooms is None:
                    heard[conn] = [room_id]
                else:
                    rooms.append(room_id)
        watched: dict[Connection, list[int]] = {}
        for user_id in held:
            for conn in self._watchers.get(user_id, ()):
                watched.setdefault(conn, []).append(user_id)
                heard.setdefault(conn, [])
        frames: dict[Any, bytes | None] = {}
        singles = batches = 0
        for conn, rooms in heard.items():
            me = conn.user.id
            extra = watched.get(conn)
            if len(rooms) == 1 and extra is None and me not in held:
                # The common case: one room's changes, shared by everyone in that room.
                key: Any = rooms[0]
                frame = frames.get(key, b"")
                if frame == b"":
                    frame = frames[key] = _build(held, by_room[rooms[0]])
            else:
                users = {u for r in rooms for u in by_room[r]}
                if extra is not None:
                    users.update(extra)
                users.discard(me)
                key = frozenset(users)
                frame = frames.get(key, b"")
                if frame == b"":
                    frame = frames[key] = _build(held, sorted(users))
            if frame is not None:
                conn.push(frame)
                if frame.startswith(_BATCH_HEAD):
                    batches += 1
                else:
                    singles += 1
        return singles, batches


def _build(held: dict[int, tuple[bytes, frozenset[int]]], user_ids: Iterable[int]) -> bytes | None:
    entries = [held[u][0] for u in user_ids]
    return frame_of(entries) if entries else None
