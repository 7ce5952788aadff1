"""Typing: who is typing in which room, and when that ends.

Policy (issue #3):

* ``start`` makes a user typing in a room until ``now + expiry_ms``. Clients refresh about every
  ``typing_refresh_ms`` (3 s); a refresh of an active state only moves the deadline and reports nothing.
* A state not refreshed by its deadline expires. Expiry is inclusive: at exactly ``deadline_ms`` the state is
  over (a tick at that instant ends it, and a ``start`` at that instant begins a new one).
* ``stop`` (the client sent ``active: false``), ``message_sent``, ``left_room`` and ``user_gone`` (the user's
  last connection closed) end a state at once.
* Only transitions are reported: ``active=True`` when a state begins, ``active=False`` when it ends. Ending a
  state that does not exist reports nothing.

The outcome depends only on the event times, not on how punctual the sweeper is: a ``start`` arriving after
its state's deadline but before a tick noticed first reports the overdue ``active=False``, exactly as the tick
would have. Nothing is kept for a state once it ended.

Pure state machine: events in (with ``now_ms`` where time matters), changes out; no clock, no aiohttp.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

# Rebuild the deadline heap once stale entries outnumber live states by this factor (and there are at least
# _COMPACT_MIN_ENTRIES): every refresh leaves one stale entry behind until its old deadline passes.
_COMPACT_FACTOR = 3
_COMPACT_MIN_ENTRIES = 64


@dataclass(frozen=True, slots=True)
class TypingChange:
    room_id: int
    user_id: int
    active: bool


class TypingTracker:
    def __init__(self, *, expiry_ms: int) -> None:
        if expiry_ms <= 0:
            raise ValueError("expiry_ms must be positive")
        self._expiry_ms = expiry_ms
        # room_id -> user_id -> deadline_ms: the states themselves (typing_in reads one room directly).
        self._rooms: dict[int, dict[int, int]] = {}
        # user_id -> rooms they type in, so user_gone does not scan every room.
        self._user_rooms: dict[int, set[int]] = {}
        # (deadline_ms, room_id, user_id). A min-heap so tick pops only what expired instead of scanning every
        # state. A refresh or an early end does not remove the old entry (that would be O(n)); when popped, an
        # entry counts only if its deadline is still that state's deadline (lazy deletion).
        self._heap: list[tuple[int, int, int]] = []
        # Number of states (live heap entries), kept so the compaction check is O(1).
        self._count = 0

    # -- events ----------------------------------------------------------------------------------------

    def start(self, room_id: int, user_id: int, now_ms: int) -> list[TypingChange]:
        """``typing: true``: begin a state (reported) or refresh one (silent, deadline extended)."""
        changes: list[TypingChange] = []
        deadline_ms = self._deadline(room_id, user_id)
        if deadline_ms is not None and deadline_ms <= now_ms:
            changes.extend(self._end(room_id, user_id))  # overdue, a tick would have ended it already
            deadline_ms = None
        new_deadline_ms = now_ms + self._expiry_ms
        self._rooms.setdefault(room_id, {})[user_id] = new_deadline_ms
        self._user_rooms.setdefault(user_id, set()).add(room_id)
        heapq.heappush(self._heap, (new_deadline_ms, room_id, user_id))
        self._maybe_compact()
        if deadline_ms is None:
            self._count += 1
            changes.append(TypingChange(room_id, user_id, True))
        return changes

    def stop(self, room_id: int, user_id: int) -> list[TypingChange]:
        """``typing: false``: the composer was cleared or lost focus."""
        return self._end(room_id, user_id)

    def message_sent(self, room_id: int, user_id: int) -> list[TypingChange]:
        """The user sent a message in the room: they are no longer typing there."""
        return self._end(room_id, user_id)

    def left_room(self, room_id: int, user_id: int) -> list[TypingChange]:
        """The user left or was removed from the room."""
        return self._end(room_id, user_id)

    def user_gone(self, user_id: int) -> list[TypingChange]:
        """The user's last connection closed: end their states in every room (in room id order)."""
        changes: list[TypingChange] = []
        for room_id in sorted(self._user_rooms.get(user_id, ())):
            changes.extend(self._end(room_id, user_id))
        return changes

    def tick(self, now_ms: int) -> list[TypingChange]:
        """End every state whose deadline is at or before ``now_ms``, in deadline order."""
        changes: list[TypingChange] = []
        while self._heap and self._heap[0][0] <= now_ms:
            deadline_ms, room_id, user_id = heapq.heappop(self._heap)
            if self._deadline(room_id, user_id) == deadline_ms:
                changes.extend(self._end(room_id, user_id))
        return changes

    # -- queries ---------------------------------------------------------------------------------------

    def typing_in(self, room_id: int) -> list[int]:
        """Users typing in the room, in id order (as announced: a state past due but not yet ticked is listed)."""
        return sorted(self._rooms.get(room_id, ()))

    def next_deadline_ms(self) -> int | None:
        """The earliest deadline, so a sweeper can sleep exactly until then; None when nobody types."""
        # Drop stale entries from the top so the sweeper does not wake for nothing.
        while self._heap:
            deadline_ms, room_id, user_id = self._heap[0]
            if self._deadline(room_id, user_id) == deadline_ms:
                return deadline_ms
            heapq.heappop(self._heap)
        return None

    def is_empty(self) -> bool:
        """True when nothing at all is held: no state, no index entry, no pending deadline."""
        return not self._rooms and not self._user_rooms and not self._heap

    # -- internals -------------------------------------------------------------------------------------

    def _deadline(self, room_id: int, user_id: int) -> int | None:
        room = self._rooms.get(room_id)
        return None if room is None else room.get(user_id)

    def _end(self, room_id: int, user_id: int) -> list[TypingChange]:
        room = self._rooms.get(room_id)
        if room is None or user_id not in room:
            return []
        del room[user_id]
        self._count -= 1
        if not room:
            del self._rooms[room_id]
        user_rooms = self._user_rooms[user_id]
        user_rooms.discard(room_id)
        if not user_rooms:
            del self._user_rooms[user_id]
        if not self._rooms:
            self._heap.clear()  # no state left, so every entry is stale
        return [TypingChange(room_id, user_id, False)]

    def _maybe_compact(self) -> None:
        if len(self._heap) >= _COMPACT_MIN_ENTRIES and len(self._heap) > _COMPACT_FACTOR * self._count:
            self._heap = [
                (deadline_ms, room_id, user_id)
                for room_id, users in self._rooms.items()
                for user_id, deadline_ms in users.items()
            ]
            heapq.heapify(self._heap)
