"""The rules of rooms: who sees which room, creating, joining, leaving, members. Archiving and renaming are the
administrator's (actions/administration.py).

A private room is invisible to non-members: the same `room_not_found` as for an id never used. Every change is
stored first and announced after (through the broker, so every process's connections hear it).

Every change a user asks for (create, join, leave, add a member) comes out of the account's REST write budget
(live/limits.py): each is a frame to every member of the room, so a loop of them must not reach everyone. A user
who is not an admin creates at most `rooms_per_day` rooms in any 24 hours (counted in the database, so restarts
and processes do not multiply it): every room is listed to everyone.
"""

from __future__ import annotations

from parley import errors
from parley.actions import names
from parley.actions.reads import Reads
from parley.clock import Clock
from parley.live import wire
from parley.live.broker import Broker
from parley.live.limits import Limits
from parley.live.state import Live
from parley.models import Member, Room, User
from parley.settings import Settings
from parley.store import Conflict, QuotaExceeded, Store

# The window of the rooms-per-account cap.
DAY_MS = 24 * 3600 * 1000


class Rooms:
    def __init__(
        self,
        *,
        store: Store,
        broker: Broker,
        live: Live,
        reads: Reads,
        limits: Limits,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self._store = store
        self._reads = reads
        self._broker = broker
        self._live = live
        self._limits = limits
        self._clock = clock
        self._settings = settings

    async def check_write(self, user: User) -> None:
        """One change of the account's REST write budget, or rate_limited."""
        wait_ms = await self._limits.take("rest_write", user.id)
        if wait_ms:
            raise errors.rate_limited(f"Too many changes; try again in {wait_ms // 1000 + 1} s.", wait_ms)

    async def visible_room(self, user: User, room_id: int) -> tuple[Room, bool]:
        """The room and whether the user is a member; a private room is invisible to non-members."""
        room = await self._store.room(room_id)
        if room is None:
            raise errors.room_not_found()
        member = await self._store.is_member(room_id, user.id)
        if room.private and not member:
            raise errors.room_not_found()
        return room, member

    async def list_rooms(self, user: User) -> list[tuple[Room, bool]]:
        return await self._reads.visible_rooms(user)

    async def create_room(self, user: User, name: str, topic: str, private: bool) -> Room:
        """A new room (name and topic as checked by actions/names.py; the topic stored cleaned)."""
        await self.check_write(user)
        now_ms = self._clock.now_ms()
        most = self._settings.rooms_per_day
        quota = None if user.is_admin else (most, now_ms - DAY_MS + 1)
        try:
            room = await self._store.create_room(name, names.clean_text(topic), private, user.id, now_ms, quota=quota)
        except Conflict:
            raise errors.ApiError(409, "room_name_taken", "A room with that name exists.") from None
        except QuotaExceeded as exc:
            wait_ms = max(1, exc.oldest_ms + DAY_MS - now_ms)
            message = f"At most {most} new rooms in 24 hours; the next one in {wait_ms // 60_000 + 1} min."
            raise errors.ApiError(429, "too_many_rooms", message, retry_after_ms=wait_ms) from None
        self._broker.joined(user.id, room.id, room_joined_frame(room))
        return room

    async def join(self, user: User, room_id: int) -> Room:
        await self.check_write(user)
        room, member = await self.visible_room(user, room_id)
        if not member:
            if room.archived:
                raise errors.room_archived()
            await self.add(user, room)
        return await self._reads.my_room(user.id, room.id) or room

    async def add_member(self, actor: User, room_id: int, username: str) -> Member:
        await self.check_write(actor)
        room, member = await self.visible_room(actor, room_id)
        if not member and not actor.is_admin:
            raise errors.not_a_member()
        if room.kind == "dm":
            # Other people make another conversation: POST /api/dms with all of them.
            raise errors.ApiError(403, "dm_members_fixed", "A direct conversation's members cannot change.")
        if room.archived:
            raise errors.room_archived()
        account = await self._store.account_by_name(username)
        if account is None or account.disabled:
            raise errors.user_not_found()
        target = User(account.id, account.username, account.is_admin)
        if not await self._store.is_member(room.id, target.id):
            await self.add(target, room)
        return Member(target.id, target.username, account.last_seen)

    async def add(self, user: User, room: Room) -> None:
        """Make a user a member and tell everyone concerned (nothing if they already are one)."""
        if not await self._store.add_member(room.id, user.id, self._clock.now_ms()):
            return
        fresh = await self._reads.my_room(user.id, room.id) or room
        self._broker.joined(user.id, room.id, room_joined_frame(fresh))
        self._broker.to_room(
            room.id,
            wire.encode({"type": "member.joined", "room_id": room.id, "user": wire.user(user)}),
            exclude_user=user.id,
        )
        self._live.joined(user, room.id, await self._store.members(room.id))

    async def leave(self, user: User, room_id: int) -> None:
        await self.check_write(user)
        await self.visible_room(user, room_id)
        await self.remove_member(user, room_id)

    async def remove_member(self, user: User, room_id: int) -> None:
        if not await self._store.remove_member(room_id, user.id):
            return
        self._live.left(user.id, room_id)
        self._broker.left(user.id, room_id, wire.encode({"type": "room.left", "room_id": room_id}))
        self._broker.to_room(room_id, wire.encode({"type": "member.left", "room_id": room_id, "user": wire.user(user)}))

    async def members(self, user: User, room_id: int) -> list[tuple[Member, str]]:
        room, _ = await self.visible_room(user, room_id)
        return [(m, self._live.status(m.id)) for m in await self._store.members(room.id)]


def room_joined_frame(room: Room) -> bytes:
    return wire.encode({"type": "room.joined", "room": wire.room(room, joined=True)})
