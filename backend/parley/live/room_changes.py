"""Room changes made outside the servers reach open connections: each process polls the room_events log.

The admin CLI works on the database directly, so a room it archives, renames or changes the members of, or a
message it deletes, would otherwise look unchanged to everyone connected until they reconnect (and a member it
adds would not hear the room's live messages). Every process applies each logged change to its own connections
only; changes made through the REST API are announced by the broker instead and are not logged here, so nothing
is told twice.
"""

from __future__ import annotations

import asyncio
import logging

from parley.clock import Clock
from parley.live import wire
from parley.live.hub import Hub
from parley.live.state import Live
from parley.models import User
from parley.store import Store, StoreError

log = logging.getLogger(__name__)

ROOM_UPDATED = "updated"
MEMBER_ADDED = "member_added"
MEMBER_REMOVED = "member_removed"
# Messages of the room changed (`parley delete-message`): the room's change stream catches up to its newest change.
MESSAGES_CHANGED = "messages_changed"
# A day, as for the revocations log: no process is stalled longer than that.
KEEP_MS = 24 * 3600 * 1000


class RoomChangeWatcher:
    def __init__(self, *, store: Store, hub: Hub, live: Live, clock: Clock, poll_s: float) -> None:
        self._store = store
        self._hub = hub
        self._live = live
        self._clock = clock
        self._poll_s = poll_s
        self._last_id = 0

    async def start(self) -> None:
        """Skip what changed before this process served anyone (its connections read the state fresh)."""
        self._last_id = await self._store.last_room_event_id()

    async def poll_once(self) -> int:
        rows = await self._store.room_events_after(self._last_id)
        for row_id, room_id, user_id, kind in rows:
            await self._apply(room_id, user_id, kind)
            self._last_id = row_id
        return len(rows)

    async def _apply(self, room_id: int, user_id: int | None, kind: str) -> None:
        room = await self._store.room(room_id)
        if room is None:
            return
        hub = self._hub
        if kind == ROOM_UPDATED:
            hub.to_room(room_id, wire.encode({"type": "room.updated", "room": wire.shared_room(room, joined=True)}))
            return
        if kind == MESSAGES_CHANGED:
            # The newest change; any this process has not delivered before it are read back as a gap.
            latest = await self._store.latest_change(room_id)
            if latest is not None:
                hub.change(room_id, latest.change_seq, wire.changed(latest))
            return
        account = await self._store.account_by_id(user_id) if user_id is not None else None
        if account is None:
            return
        user = User(account.id, account.username, account.is_admin)
        if kind == MEMBER_ADDED:
            # The new member's own view: their read marker (set when they were added) and counts since.
            mine = await self._store.member_rooms(user.id, room_id=room_id)
            room = mine[0] if mine else room
            hub.joined(user.id, room_id, wire.encode({"type": "room.joined", "room": wire.room(room, joined=True)}))
            frame = {"type": "member.joined", "room_id": room_id, "user": wire.user(user)}
            hub.to_room(room_id, wire.encode(frame), exclude_user=user.id)
            self._live.joined(user, room_id, await self._store.members(room_id), here_only=True)
        elif kind == MEMBER_REMOVED:
            hub.left(user.id, room_id, wire.encode({"type": "room.left", "room_id": room_id}))
            hub.to_room(room_id, wire.encode({"type": "member.left", "room_id": room_id, "user": wire.user(user)}))

    async def prune(self) -> None:
        await self._store.prune_room_events(self._clock.now_ms() - KEEP_MS)

    async def run(self) -> None:
        polls = 0
        while True:
            await asyncio.sleep(self._poll_s)
            try:
                await self.poll_once()
                polls += 1
                # About hourly at the default interval; the table only grows by admin commands.
                if polls % 7200 == 0:
                    await self.prune()
            except StoreError as exc:
                log.warning("room change poll failed: %s", exc)
            except Exception:
                log.exception("room change poll failed")
