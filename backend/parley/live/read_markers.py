"""Read markers, written in batches: never one UPDATE per `read` frame.

Policy:
- A `read` frame only touches memory: the newest marker per (user, room) waits here. Many frames for one
  (user, room) cost one row of one write.
- Every pending marker is written within `flush_ms` of the first one noted since the last write (checked every
  fifth of it), all of them in one transaction, forward only (`WHERE last_read_seq < new`). So another process
  reads a marker from the database within flush_ms + flush_ms / 5 + one short write (about 0.6 s at the default
  0.5 s): under the 1 s that `GET /api/rooms` and `hello` promise.
- This process's own reads of room state combine the stored markers with the ones waiting here (and with the
  batch being written), so here a read shows at once.
- A failed write puts its markers back (the later marker wins) for the next tick. On shutdown the last batch is
  written. A process that dies loses at most what waited here (about 0.6 s of reads); a marker is never moved
  back, by a lost batch, a late batch from another process, or a stale frame.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from parley.clock import Clock

log = logging.getLogger(__name__)


class MarkerWriter(Protocol):
    """The store's side of it: move markers forward, (user_id, room_id, seq) each, in one transaction."""

    async def save_read_markers(self, markers: Sequence[tuple[int, int, int]]) -> int: ...


class ReadMarkers:
    def __init__(self, *, store: MarkerWriter, clock: Clock, flush_ms: int) -> None:
        self._store = store
        self._clock = clock
        self._flush_ms = flush_ms
        # How often the writer checks whether a batch is due: a fifth of the wait adds at most 20% to it.
        self._poll_s = flush_ms / 5 / 1000
        # user id -> room id -> newest marker not yet written; and the batch being written now.
        self._pending: dict[int, dict[int, int]] = {}
        self._writing: dict[int, dict[int, int]] = {}
        # Monotonic time by which the pending markers must be written; None while nothing waits.
        self._due_ms: int | None = None
        self._lock = asyncio.Lock()

    def note(self, user_id: int, room_id: int, seq: int) -> bool:
        """Keep a marker for the next write; False (nothing kept) if one at least as new already waits here."""
        rooms = self._pending.setdefault(user_id, {})
        if seq <= max(rooms.get(room_id, 0), self._writing.get(user_id, {}).get(room_id, 0)):
            if not rooms:
                del self._pending[user_id]
            return False
        rooms[room_id] = seq
        if self._due_ms is None:
            self._due_ms = self._clock.monotonic_ms() + self._flush_ms
        return True

    def pending_of(self, user_id: int) -> dict[int, int]:
        """The user's markers not yet in the database (waiting or being written), by room."""
        merged = dict(self._writing.get(user_id, {}))
        for room_id, seq in self._pending.get(user_id, {}).items():
            merged[room_id] = max(seq, merged.get(room_id, 0))
        return merged

    def waiting(self) -> int:
        return sum(len(rooms) for rooms in self._pending.values())

    async def tick(self) -> int:
        """Write the pending markers if they are due; return how many were written."""
        if self._due_ms is None or self._clock.monotonic_ms() < self._due_ms:
            return 0
        return await self.flush()

    async def flush(self) -> int:
        """Write every pending marker now, in one transaction; return how many were written."""
        async with self._lock:
            batch, self._pending, self._due_ms = self._pending, {}, None
            if not batch:
                return 0
            self._writing = batch
            rows = [(user_id, room_id, seq) for user_id, rooms in batch.items() for room_id, seq in rooms.items()]
            try:
                await self._store.save_read_markers(rows)
            except BaseException:
                self._writing = {}
                for user_id, room_id, seq in rows:
                    self.note(user_id, room_id, seq)
                raise
            self._writing = {}
            return len(rows)

    async def run(self) -> None:
        """The periodic writer: one task per process, cancelled at shutdown (then `flush` writes the rest)."""
        while True:
            await asyncio.sleep(self._poll_s)
            try:
                await self.tick()
            except Exception as exc:
                log.warning("writing read markers failed (%s); retrying", exc)
