"""The search indexer: writes the index for sent messages after their commit, in batches.

Policy (docs/search.md, "When the index is written"):
- A send's transaction only adds its message id to the search backlog (store/messages.py). This process's
  indexer wakes when a commit added some (the store's `backlog_added` event), waits SETTLE_MS so a burst of sends
  becomes one batch, then indexes the backlog BATCH rows per transaction until it is empty. It also looks every
  POLL_MS, for rows another process left (it crashed, or it was stopped before it had indexed them).
- So a message is searchable about SETTLE_MS plus one indexing transaction after its ack (tens of ms) while the
  server keeps up, and within POLL_MS in the worst ordinary case.
- At start-up the whole backlog is indexed first (what a crash or a hurried stop left). At shutdown the loop ends
  after its current batch (never cancelled inside a transaction), then the backlog is indexed until it is empty or
  the stop deadline passes; what is left waits, in the database, for the next start.
- Processes sharing a database take different rows (SKIP LOCKED on MySQL; SQLite has one writer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from parley.clock import Clock

log = logging.getLogger(__name__)

# Wait after a wake-up before indexing: sends that commit meanwhile join the batch (fewer, larger transactions);
# short enough that a sender never notices search lagging.
SETTLE_MS = 50
# Look at the backlog at least this often even when this process sent nothing: rows another process left.
POLL_MS = 1000
# Messages per indexing transaction: enough to amortize the commit, few enough to keep its locks short.
BATCH = 500


class BacklogStore(Protocol):
    """The store's side of it."""

    backlog_added: asyncio.Event

    async def index_backlog(self, limit: int) -> int: ...


class SearchIndexer:
    def __init__(
        self,
        *,
        store: BacklogStore,
        clock: Clock,
        settle_ms: int = SETTLE_MS,
        poll_ms: int = POLL_MS,
        batch: int = BATCH,
    ) -> None:
        self._store = store
        self._clock = clock
        self._settle_s = settle_ms / 1000
        self._poll_s = poll_ms / 1000
        self._batch = batch
        self._stopping = False

    async def drain(self, deadline_ms: int | None = None) -> int:
        """Index backlog batches until none is left (or the monotonic deadline passed); return how many rows.
        Without a deadline (the loop's rounds), it also ends between batches once `stop` was called."""
        done = 0
        while True:
            if deadline_ms is None and self._stopping:
                break
            if deadline_ms is not None and self._clock.monotonic_ms() >= deadline_ms:
                break
            taken = await self._store.index_backlog(self._batch)
            done += taken
            if taken < self._batch:
                break
        return done

    def stop(self) -> None:
        """Ask the loop to end after its current batch (a transaction is never cut in the middle)."""
        self._stopping = True
        self._store.backlog_added.set()

    async def run(self) -> None:
        """The loop: one task per process, ended by `stop` at shutdown (then `drain` with a deadline does the rest)."""
        wake = self._store.backlog_added
        while not self._stopping:
            try:
                # Cleared before indexing: a commit during the batch wakes the next round.
                wake.clear()
                await self.drain()
            except Exception as exc:  # the rows stay in the backlog: the next round takes them again
                log.warning("indexing sent messages for search failed (%s); retrying", exc)
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self._poll_s)
            if not self._stopping:
                await asyncio.sleep(self._settle_s)
