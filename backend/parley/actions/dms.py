"""The rules of direct messages: a private conversation of 2 to 9 people, one per set of people.

Policy (docs/protocol.md, "Direct messages"):
- Opening a DM names 1 to 8 other users (regardless of case; unknown or disabled: `user_not_found`). The same
  people always get the same room, whoever asks and in whatever order; it is made on first use, with all of
  them as members, and each member's connections get `room.joined`.
- A DM is a private room of kind "dm": invisible to others (`room_not_found`, as for an id never used), no name
  of its own, and its members cannot change (`dm_members_fixed`).
- Leaving a DM removes only the one who leaves: it leaves their room list and they get none of its messages;
  the others keep it, history and all. Opening it again (POST /api/dms with the same people) brings the caller
  back into the same room; nobody else can bring them back.
"""

from __future__ import annotations

from parley import errors
from parley.actions.reads import Reads
from parley.actions.rooms import Rooms, room_joined_frame
from parley.clock import Clock
from parley.live.broker import Broker
from parley.live.state import Live
from parley.models import Room, User
from parley.store import Store
from parley.store.base import username_key

# Other people in one DM at most (the schema refuses more): a group conversation, not a room.
MAX_OTHERS = 8


class Dms:
    def __init__(
        self, *, store: Store, broker: Broker, live: Live, rooms: Rooms, reads: Reads, clock: Clock
    ) -> None:
        self._store = store
        self._broker = broker
        self._live = live
        self._rooms = rooms
        self._reads = reads
        self._clock = clock

    async def open(self, user: User, usernames: list[str]) -> Room:
        """The DM of the caller and these users, made (and announced to all of them) if it does not exist yet.

        Every call spends one of the account's REST writes, like creating or joining a room."""
        await self._rooms.check_write(user)
        keys = {username_key(name): name for name in usernames}
        if username_key(user.username) in keys:
            raise errors.validation_failed({"usernames": ["Name the other people, not yourself."]})
        others: list[User] = []
        for key in sorted(keys):
            account = await self._store.account_by_name(keys[key])
            if account is None or account.disabled:
                raise errors.ApiError(404, "user_not_found", "No such user.", username=keys[key])
            others.append(User(account.id, account.username, account.is_admin))
        people = [user, *others]
        room, created = await self._store.open_dm([p.id for p in people], user.id, self._clock.now_ms())
        if created:
            frame = room_joined_frame(room)
            members = await self._store.members(room.id)
            for person in people:
                self._broker.joined(person.id, room.id, frame)
            for person in people:
                self._live.joined(person, room.id, members)
        elif not await self._store.is_member(room.id, user.id):
            await self._rooms.add(user, room)
        return await self._reads.my_room(user.id, room.id) or room
