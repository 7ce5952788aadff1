"""Ended sessions reach every process: each one polls the revocations log and closes its matching sockets.

Logout in this process closes its sockets at once through the broker; this poll is how a session ended
elsewhere (another app process, `parley disable-user` in a shell) closes here too, within one poll interval,
with no Redis needed.
"""

from __future__ import annotations

import asyncio
import logging

from parley.clock import Clock
from parley.live.hub import CLOSE_SESSION_ENDED, Hub
from parley.settings import SESSION_MAX_AGE_S
from parley.store import Store, StoreError

log = logging.getLogger(__name__)

# A day: longer than any process could be stalled, so no poller misses a row that is pruned.
KEEP_MS = 24 * 3600 * 1000
# Prune at most this often; the table only grows by logouts and password changes.
PRUNE_EVERY_MS = 3600 * 1000


class RevocationWatcher:
    def __init__(self, *, store: Store, hub: Hub, clock: Clock, poll_s: float) -> None:
        self._store = store
        self._hub = hub
        self._clock = clock
        self._poll_s = poll_s
        self._last_id = 0
        self._last_prune_ms = 0

    async def start(self) -> None:
        """Skip what was ended before this process served anyone."""
        self._last_id = await self._store.last_revocation_id()
        self._last_prune_ms = self._clock.monotonic_ms()

    async def poll_once(self) -> int:
        rows = await self._store.revocations_after(self._last_id)
        for row_id, session_id, reason in rows:
            self._hub.close_sessions([session_id], CLOSE_SESSION_ENDED, reason.replace("_", " "))
            self._last_id = row_id
        now = self._clock.monotonic_ms()
        if now - self._last_prune_ms >= PRUNE_EVERY_MS:
            self._last_prune_ms = now
            now_ms = self._clock.now_ms()
            await self._store.prune_revocations(now_ms - KEEP_MS)
            await self._store.prune_sessions(now_ms - SESSION_MAX_AGE_S * 1000)
        return len(rows)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._poll_s)
            try:
                await self.poll_once()
            except StoreError as exc:
                log.warning("revocation poll failed: %s", exc)
            except Exception:
                log.exception("revocation poll failed")
