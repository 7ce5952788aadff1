"""The rules of read state: moving a user's read marker, and the rooms as that user sees them (their marker,
unread and mention counts, mute).

A `read` frame moves the marker forward, never back, and is clamped to the room's newest message. It costs no
database work in the common case: membership as the connection knows it, the newest seq as this process has
delivered it, and the marker kept in memory for the batch writer (live/read_markers.py). Every connection of the
user, on every process, gets the `read` frame, so a badge clears in every tab. Reads of room state combine the
stored markers with the ones still waiting to be written here.
"""

from __future__ import annotations

from parley import errors
from parley.live import wire
from parley.live.broker import Broker
from parley.live.hub import Connection, Hub
from parley.live.read_markers import ReadMarkers
from parley.models import Room, User
from parley.store import Store


class Reads:
    def __init__(self, *, store: Store, broker: Broker, hub: Hub, markers: ReadMarkers) -> None:
        self._store = store
        self._broker = broker
        self._hub = hub
        self._markers = markers

    async def read(self, conn: Connection, room_id: int, seq: int) -> None:
        # Membership as this connection knows it (kept current by join/leave events): no query. A room the user
        # is not in does not exist for this frame, whether it is public, private or was never created.
        if room_id not in conn.rooms:
            raise errors.ApiError(404, "room_not_found", "No such room.", room_id=room_id)
        newest = self._hub.delivered_seq(room_id)
        if seq > newest:
            # Beyond what this process has delivered: the client may have it from history, or be wrong. Ask.
            room = await self._store.room(room_id)
            newest = max(newest, room.last_seq if room is not None else 0)
        seq = min(seq, newest)
        if self._markers.note(conn.user.id, room_id, seq):
            self._broker.to_user(conn.user.id, wire.encode(wire.read_frame(room_id, seq)))

    async def my_rooms(self, user_id: int) -> list[Room]:
        """The rooms the user is in, by name, each with the user's own state."""
        return await self._store.member_rooms(user_id, self._markers.pending_of(user_id))

    async def my_rooms_if_live(self, session_id: str, not_before_ms: int, user_id: int) -> list[Room] | None:
        """`my_rooms`, or None if the session ended meanwhile (a new WebSocket's check, read with its rooms)."""
        return await self._store.live_session_rooms(
            session_id, not_before_ms, user_id, self._markers.pending_of(user_id)
        )

    async def my_room(self, user_id: int, room_id: int) -> Room | None:
        """One room with the user's own state; None if they are not a member."""
        rooms = await self._store.member_rooms(user_id, self._markers.pending_of(user_id), room_id=room_id)
        return rooms[0] if rooms else None

    async def visible_rooms(self, user: User) -> list[tuple[Room, bool]]:
        """Every public room and every private room the user is in, by name, with 'joined' and, for those the user
        is in, their own state."""
        mine = {room.id: room for room in await self.my_rooms(user.id)}
        return [(mine.get(room.id, room), joined) for room, joined in await self._store.visible_rooms(user.id)]
