"""The presence board: every process's view of each user, merged into the one status clients see.

Policy: each app process owns the presence of its own connections (its PresenceTracker decides, grace
included) and reports that per-process status here, its own and, through the broker, the others'. A user is
``online`` if any process says online, ``idle`` if every process that has them says idle, ``offline`` when no
process has them. A process that dies is dropped whole, which may take its users offline. With one process
the board holds just that process and passes its statuses through unchanged.

Pure state: no I/O, no clock; the caller announces the changes it returns.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from parley.live.presence import Status
from parley.models import User


@dataclass(frozen=True, slots=True)
class BoardChange:
    user: User
    status: Status
    # The rooms the user was last known to be in: who should hear about it.
    rooms: frozenset[int]


_EMPTY: frozenset[int] = frozenset()


def _merge(statuses: dict[str, Status]) -> Status:
    if not statuses:
        return "offline"
    if any(s == "online" for s in statuses.values()):
        return "online"
    return "idle"


class PresenceBoard:
    def __init__(self) -> None:
        self._statuses: dict[int, dict[str, Status]] = {}
        self._users: dict[int, User] = {}
        self._rooms: dict[int, dict[str, frozenset[int]]] = {}
        # room_id -> the users present (online or idle on some process) who are in it: how crowded a room is,
        # and whose presence a newcomer's snapshot can hold, without asking the database.
        self._present: dict[int, set[int]] = {}

    def update(self, process: str, user: User, rooms: frozenset[int], status: Status) -> BoardChange | None:
        """One process's status for a user; returns the merged change, if the merged status changed."""
        before = self.status(user.id)
        rooms_before = self.rooms(user.id)
        per_process = self._statuses.setdefault(user.id, {})
        if status == "offline":
            per_process.pop(process, None)
            self._rooms.get(user.id, {}).pop(process, None)
        else:
            per_process[process] = status
            self._rooms.setdefault(user.id, {})[process] = rooms
            self._users[user.id] = user
        after = self.status(user.id)
        if after == "offline":
            self._forget(user.id)
        self._reindex(user.id, rooms_before, self.rooms(user.id))
        if after == before:
            return None
        return BoardChange(user, after, rooms_before | rooms if after == "offline" else self.rooms(user.id))

    def drop_process(self, process: str) -> list[BoardChange]:
        """A process is gone: its users are as if every one of its connections closed."""
        changes = []
        for user_id in [uid for uid, per in self._statuses.items() if process in per]:
            user = self._users[user_id]
            change = self.update(process, user, frozenset(), "offline")
            if change is not None:
                changes.append(change)
        return changes

    def status(self, user_id: int) -> Status:
        return _merge(self._statuses.get(user_id, {}))

    def rooms(self, user_id: int) -> frozenset[int]:
        found: frozenset[int] = frozenset()
        for rooms in self._rooms.get(user_id, {}).values():
            found |= rooms
        return found

    def add_room(self, user_id: int, room_id: int) -> None:
        """A present user joined a room: count them in it from now on (their status does not change)."""
        per_process = self._rooms.get(user_id)
        if not per_process:
            return
        before = self.rooms(user_id)
        for process, rooms in per_process.items():
            per_process[process] = rooms | {room_id}
        self._reindex(user_id, before, self.rooms(user_id))

    def present_in(self, room_id: int) -> AbstractSet[int]:
        """The users present in a room."""
        return self._present.get(room_id, _EMPTY)

    def present_count(self, room_id: int) -> int:
        return len(self._present.get(room_id, _EMPTY))

    def user(self, user_id: int) -> User | None:
        return self._users.get(user_id)

    def present_user_ids(self) -> list[int]:
        return [uid for uid, per in self._statuses.items() if per]

    def status_counts(self) -> dict[Status, int]:
        """Users online and idle on the board (for metrics; one pass, at scrape time)."""
        counts: dict[Status, int] = {"online": 0, "idle": 0}
        for per in self._statuses.values():
            if per:
                counts[_merge(per)] += 1
        return counts

    def processes(self) -> set[str]:
        return {proc for per in self._statuses.values() for proc in per}

    def is_empty(self) -> bool:
        return not self._statuses and not self._users and not self._rooms and not self._present

    def _reindex(self, user_id: int, before: frozenset[int], after: frozenset[int]) -> None:
        if before == after:
            return
        for room_id in before - after:
            present = self._present.get(room_id)
            if present is not None:
                present.discard(user_id)
                if not present:
                    del self._present[room_id]
        for room_id in after - before:
            self._present.setdefault(room_id, set()).add(user_id)

    def _forget(self, user_id: int) -> None:
        self._statuses.pop(user_id, None)
        self._users.pop(user_id, None)
        self._rooms.pop(user_id, None)
