"""Presence: one status per user, combined from all of that user's connections.

Policy (issue #3):

* A user is ``online`` if any connection is active, ``idle`` if every connection has reported idle, and
  ``offline`` once the last connection has gone *and* the grace period ran out with no new connection.
* A new connection starts active, so it makes an idle or offline user ``online``.
* Closing the last connection announces nothing at once: the user keeps their last status for ``grace_ms``.
  A connection arriving inside the grace (a page reload) cancels it silently, so a reload shows neither
  ``offline`` nor a second ``online``.
* The grace is over at exactly ``disconnect + grace_ms`` (inclusive): an event or tick at that instant sees
  the user offline.
* ``last_seen_ms`` is the moment the last connection closed (the disconnect time), not the end of the grace:
  that is when the user was last really there. The offline change's ``at_ms`` is the end of the grace, the
  time the status changed by this policy, whichever tick happens to notice it.
* Only transitions of the announced status are reported; the caller turns each ``PresenceChange`` into a
  ``presence`` frame.

The outcome depends only on the event times, not on how punctual the sweeper is: an event for a user
whose grace already ran out first reports the overdue ``offline``, exactly as a tick at the deadline would
have. Offline users are forgotten entirely (nothing is kept per closed connection); the caller persists
``last_seen_ms`` from the offline change if it wants to show it later.

Pure state machine: events in with ``now_ms``, announcements out. It never reads a clock and imports no
aiohttp, so tests drive it with literal times.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["online", "idle", "offline"]
ConnStatus = Literal["online", "idle"]

# Rebuild the deadline heap once stale entries outnumber live ones by this factor (and there are at least
# _COMPACT_MIN_ENTRIES), so reload churn cannot grow it without bound between sweeps.
_COMPACT_FACTOR = 2
_COMPACT_MIN_ENTRIES = 64


@dataclass(frozen=True, slots=True)
class PresenceChange:
    user_id: int
    status: Status
    # Server time of the change: the event time, or the end of the grace for ``offline``.
    at_ms: int
    # Set only for ``offline``: when the user's last connection closed.
    last_seen_ms: int | None


@dataclass(frozen=True, slots=True)
class _Grace:
    disconnected_at_ms: int
    deadline_ms: int
    # Identifies the live heap entry; entries of cancelled graces carry other tokens and are skipped.
    token: int


@dataclass(slots=True)
class _User:
    # conn_id -> what that connection last reported; empty while the user is in grace.
    conns: dict[str, ConnStatus] = field(default_factory=dict)
    # What the others were last told (never "offline": offline users are not kept).
    announced: ConnStatus = "online"
    # Set while the user is in grace (no connections left).
    grace: _Grace | None = None


class PresenceTracker:
    def __init__(self, *, grace_ms: int) -> None:
        if grace_ms < 0:
            raise ValueError("grace_ms must not be negative")
        self._grace_ms = grace_ms
        self._users: dict[int, _User] = {}
        # (grace deadline, token, user_id). A min-heap so tick pops only the expired graces instead of scanning
        # every user. Cancelled graces are not removed (that would be O(n)); they are skipped when popped
        # because their token no longer matches the user's (lazy deletion).
        self._heap: list[tuple[int, int, int]] = []
        self._next_token = 0
        # How many users are in grace, i.e. how many heap entries are live (kept so compaction checks are O(1)).
        self._in_grace = 0

    # -- events ----------------------------------------------------------------------------------------

    def connect(self, user_id: int, conn_id: str, now_ms: int) -> list[PresenceChange]:
        """A connection opened; it starts active. Reports ``online`` unless the user was already online."""
        changes = self._settle_overdue(user_id, now_ms)
        user = self._users.get(user_id)
        if user is None:
            user = _User(conns={conn_id: "online"}, announced="online")
            self._users[user_id] = user
            changes.append(PresenceChange(user_id, "online", now_ms, None))
            return changes
        if user.grace is not None:
            # A reload inside the grace: cancel it; the stale heap entry is skipped later.
            user.grace = None
            self._in_grace -= 1
        # A repeated conn_id is treated as that connection becoming active again.
        user.conns[conn_id] = "online"
        changes.extend(self._announce(user_id, user, now_ms))
        return changes

    def disconnect(self, user_id: int, conn_id: str, now_ms: int) -> list[PresenceChange]:
        """A connection closed. The remaining connections decide the status; the last one starts the grace."""
        user = self._users.get(user_id)
        if user is None or conn_id not in user.conns:
            return []  # unknown or already closed: closing twice is harmless
        del user.conns[conn_id]
        if user.conns:
            # E.g. the only active tab closed while another is idle: the user becomes idle.
            return self._announce(user_id, user, now_ms)
        grace = _Grace(disconnected_at_ms=now_ms, deadline_ms=now_ms + self._grace_ms, token=self._next_token)
        self._next_token += 1
        user.grace = grace
        self._in_grace += 1
        heapq.heappush(self._heap, (grace.deadline_ms, grace.token, user_id))
        self._maybe_compact()
        return []

    def report(self, user_id: int, conn_id: str, status: ConnStatus, now_ms: int) -> list[PresenceChange]:
        """A connection reported its activity (``presence.set``)."""
        user = self._users.get(user_id)
        if user is None or conn_id not in user.conns:
            return []  # a frame that raced its connection's close
        user.conns[conn_id] = status
        return self._announce(user_id, user, now_ms)

    def tick(self, now_ms: int) -> list[PresenceChange]:
        """Announce ``offline`` for every user whose grace has run out by ``now_ms`` (deadline inclusive)."""
        changes: list[PresenceChange] = []
        while self._heap and self._heap[0][0] <= now_ms:
            _, token, user_id = heapq.heappop(self._heap)
            if self._is_live(user_id, token):
                changes.append(self._go_offline(user_id))
        return changes

    # -- queries ---------------------------------------------------------------------------------------

    def status(self, user_id: int) -> Status:
        """The announced status; a user in grace still shows their last one (they are not offline yet)."""
        user = self._users.get(user_id)
        return "offline" if user is None else user.announced

    def online_user_ids(self) -> list[int]:
        """Users not offline (those in grace included), in id order."""
        return sorted(self._users)

    def has_connections(self, user_id: int) -> bool:
        """Whether the user has an open connection (False for a user in grace)."""
        user = self._users.get(user_id)
        return user is not None and bool(user.conns)

    def next_deadline_ms(self) -> int | None:
        """The earliest grace end, so a sweeper can sleep exactly until then; None when nobody is in grace."""
        # Drop cancelled entries from the top so the sweeper does not wake for nothing.
        while self._heap:
            deadline_ms, token, user_id = self._heap[0]
            if self._is_live(user_id, token):
                return deadline_ms
            heapq.heappop(self._heap)
        return None

    def is_empty(self) -> bool:
        """True when nothing at all is held: no user, no pending deadline."""
        return not self._users and not self._heap

    # -- internals -------------------------------------------------------------------------------------

    def _announce(self, user_id: int, user: _User, now_ms: int) -> list[PresenceChange]:
        status: ConnStatus = "online" if any(s == "online" for s in user.conns.values()) else "idle"
        if status == user.announced:
            return []
        user.announced = status
        return [PresenceChange(user_id, status, now_ms, None)]

    def _settle_overdue(self, user_id: int, now_ms: int) -> list[PresenceChange]:
        """If this user's grace ran out but no tick has noticed yet, go offline first (as the tick would have)."""
        user = self._users.get(user_id)
        if user is None or user.grace is None or user.grace.deadline_ms > now_ms:
            return []
        # Its heap entry stays behind; the token check skips it.
        return [self._go_offline(user_id)]

    def _go_offline(self, user_id: int) -> PresenceChange:
        """Forget a user whose grace ran out and say so. Only called for users in grace."""
        grace = self._users.pop(user_id).grace
        if grace is None:
            raise RuntimeError(f"user {user_id} is not in grace")
        self._in_grace -= 1
        if not self._users:
            self._heap.clear()  # every remaining entry belongs to a forgotten user
        return PresenceChange(user_id, "offline", grace.deadline_ms, grace.disconnected_at_ms)

    def _is_live(self, user_id: int, token: int) -> bool:
        user = self._users.get(user_id)
        return user is not None and user.grace is not None and user.grace.token == token

    def _maybe_compact(self) -> None:
        if len(self._heap) >= _COMPACT_MIN_ENTRIES and len(self._heap) > _COMPACT_FACTOR * self._in_grace:
            self._heap = [
                (u.grace.deadline_ms, u.grace.token, uid) for uid, u in self._users.items() if u.grace is not None
            ]
            heapq.heapify(self._heap)
