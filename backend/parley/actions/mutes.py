"""The rules of muting: a member's per-room setting, stored on the server and told to every connection of theirs.

The server still counts unread messages and mentions of a muted room; the setting is for clients, which silence
that room's notifications and unread badge. Setting what is already set changes nothing and sends no frame.
"""

from __future__ import annotations

from parley import errors
from parley.actions.rooms import Rooms
from parley.live import wire
from parley.live.broker import Broker
from parley.models import User
from parley.store import Store


class Mutes:
    def __init__(self, *, store: Store, broker: Broker, rooms: Rooms) -> None:
        self._store = store
        self._broker = broker
        self._rooms = rooms

    async def set_muted(self, user: User, room_id: int, muted: bool) -> None:
        # A private room the user is not in does not exist for them; a public one says to join first.
        await self._rooms.visible_room(user, room_id)
        changed = await self._store.set_muted(user.id, room_id, muted)
        if changed is None:
            raise errors.not_a_member()
        if changed:
            self._broker.to_user(user.id, wire.encode(wire.mute_frame(room_id, muted)))
