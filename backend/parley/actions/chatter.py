"""The rules of what a connection says about itself: typing indicators and presence reports.

Neither is stored; both are decided here and handed to live state, which announces them to co-members. Every
co-member hears them, so they come out of the account's chatter budget (live/limits.py); over it a frame is
dropped silently: a lost typing or presence frame only delays what the next one restores. A `read` frame (see
actions/reads.py) comes out of the same budget, but is refused when over it: the client does not repeat it.
"""

from __future__ import annotations

from typing import Any, Literal

from parley import errors
from parley.counters import Tally
from parley.live.hub import Connection
from parley.live.limits import Limits
from parley.live.state import Live


class Chatter:
    def __init__(self, *, live: Live, limits: Limits) -> None:
        self._live = live
        self._limits = limits
        # Frames dropped over the chatter budget, by frame type (typing, presence.set), for metrics.
        self.dropped = Tally()

    async def check_rate(self, conn: Connection, **echo: Any) -> None:
        """For a frame the client does not repeat (read): over the budget it is refused, not dropped."""
        wait_ms = await self._limits.take("chatter", conn.user.id)
        if wait_ms:
            raise errors.rate_limited("Slow down: too many frames.", wait_ms, **echo)

    async def typing(self, conn: Connection, room_id: int, active: bool) -> None:
        if room_id not in conn.rooms:
            raise errors.not_a_member()
        if await self._limits.take("chatter", conn.user.id):
            self.dropped.add("typing")
            return
        self._live.typing_frame(conn.user, room_id, active)

    async def watch(self, conn: Connection, user_ids: list[int]) -> bytes:
        """presence.watch: follow these users' presence (those who share a room with the user; others are left
        out unsaid). Sent on every room switch and each asks the database: over the budget it is refused, like
        a read. Returns the frame of their current statuses."""
        await self.check_rate(conn)
        return await self._live.watch(conn, user_ids)

    async def presence(self, conn: Connection, status: Literal["online", "idle"]) -> None:
        if await self._limits.take("chatter", conn.user.id):
            self.dropped.add("presence.set")
            return
        self._live.report(conn, status)
