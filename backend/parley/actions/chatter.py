"""The rules of what a connection says about itself: typing indicators and presence reports.

Neither is stored; both are decided here and handed to live state, which announces them to co-members.
"""

from __future__ import annotations

from typing import Literal

from parley import errors
from parley.live.hub import Connection
from parley.live.state import Live


class Chatter:
    def __init__(self, *, live: Live) -> None:
        self._live = live

    def typing(self, conn: Connection, room_id: int, active: bool) -> None:
        if room_id not in conn.rooms:
            raise errors.not_a_member()
        self._live.typing_frame(conn.user, room_id, active)

    def presence(self, conn: Connection, status: Literal["online", "idle"]) -> None:
        self._live.report(conn, status)
