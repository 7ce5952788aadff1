"""The administrator's rules: users (search, disable, admin flag, ending sessions), rooms (archive, rename,
members) and the installation's totals. One place for both ways in: the admin REST API (web/admin_rest.py) and
the operator's `parley` commands (admin/commands.py) call the same methods here.

Policy:
- `actor` is the administrator acting through the web app; None is the operator at the shell (root on the
  machine, who can always repair things with `parley set-admin`). An actor cannot disable their own account nor
  take their own admin flag away, so the web app never locks the last administrator out by a slip.
- A direct conversation (kind "dm") is not a room here: it cannot be renamed, archived, listed or have members
  removed (`not_a_room`); its members are its business.
- Every change is stored first, then announced through an `Announcer`: a running server tells its connections
  at once through the broker (BrokerAnnouncer); the CLI, which has no connections, writes the room_events log
  that every server polls (LogAnnouncer). Ended sessions are in the revocations log either way (the store
  writes it), so servers that did not end them close their sockets within their poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from parley import errors
from parley.actions import names
from parley.clock import Clock
from parley.live import wire
from parley.live.broker import Broker
from parley.live.hub import CLOSE_SESSION_ENDED
from parley.live.room_changes import MEMBER_REMOVED, ROOM_UPDATED
from parley.live.state import Live
from parley.models import Account, Member, Room, User
from parley.store import Conflict, Store

# The most accounts one page of the user search returns.
MAX_PAGE = 200


class Announcer(Protocol):
    async def sessions_ended(self, session_keys: list[str], reason: str) -> None: ...
    async def room_updated(self, room: Room) -> None: ...
    async def member_removed(self, room_id: int, user: User) -> None: ...


class BrokerAnnouncer:
    """In a server: every process's connections hear it now (the broker reaches the others through Redis)."""

    def __init__(self, broker: Broker, live: Live) -> None:
        self._broker = broker
        self._live = live

    async def sessions_ended(self, session_keys: list[str], reason: str) -> None:
        self._broker.close_sessions(session_keys, CLOSE_SESSION_ENDED, reason)

    async def room_updated(self, room: Room) -> None:
        # Its members' connections are the ones subscribed to it, so for them the room is joined.
        self._broker.to_room(
            room.id, wire.encode({"type": "room.updated", "room": wire.shared_room(room, joined=True)})
        )

    async def member_removed(self, room_id: int, user: User) -> None:
        self._live.left(user.id, room_id)
        self._broker.left(user.id, room_id, wire.encode({"type": "room.left", "room_id": room_id}))
        frame = {"type": "member.left", "room_id": room_id, "user": wire.user(user)}
        self._broker.to_room(room_id, wire.encode(frame))


class LogAnnouncer:
    """In the CLI: running servers learn of the change from the room_events log (live/room_changes.py)."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def sessions_ended(self, session_keys: list[str], reason: str) -> None:
        """Nothing to add: the store logged the revocations in the same transaction."""

    async def room_updated(self, room: Room) -> None:
        await self._store.log_room_event(room.id, None, ROOM_UPDATED, self._clock.now_ms())

    async def member_removed(self, room_id: int, user: User) -> None:
        await self._store.log_room_event(room_id, user.id, MEMBER_REMOVED, self._clock.now_ms())


@dataclass(frozen=True, slots=True)
class UserPage:
    accounts: list[Account]
    # How many accounts match the search in all (for "page 2 of 5").
    total: int


@dataclass(frozen=True, slots=True)
class RoomEntry:
    room: Room
    members: int


def not_a_room() -> errors.ApiError:
    return errors.ApiError(409, "not_a_room", "A direct conversation cannot be changed from here.")


class Administration:
    def __init__(self, *, store: Store, clock: Clock, announcer: Announcer) -> None:
        self._store = store
        self._clock = clock
        self._announce = announcer

    # -- users ------------------------------------------------------------------------------------------------

    async def search_users(self, query: str, offset: int, limit: int) -> UserPage:
        """Accounts whose username contains `query` (any case), by username; `limit` at most MAX_PAGE."""
        accounts, total = await self._store.search_accounts(query, offset, min(limit, MAX_PAGE))
        return UserPage(accounts, total)

    async def account(self, user_id: int) -> Account:
        account = await self._store.account_by_id(user_id)
        if account is None:
            raise errors.user_not_found()
        return account

    async def set_disabled(self, actor: User | None, user_id: int, disabled: bool) -> tuple[Account, int]:
        """Lock a user out (every session ended, sockets closed) or let them back in; (account, sessions ended)."""
        await self.account(user_id)
        if disabled and actor is not None and user_id == actor.id:
            raise errors.ApiError(409, "cannot_disable_self", "You cannot disable your own account.")
        ended = await self._store.set_disabled(user_id, disabled, self._clock.now_ms())
        await self._announce.sessions_ended(ended, "account disabled")
        return await self.account(user_id), len(ended)

    async def set_admin(self, actor: User | None, user_id: int, is_admin: bool) -> Account:
        """Grant or take away administrator rights (read on every request, so they apply at once)."""
        await self.account(user_id)
        if not is_admin and actor is not None and user_id == actor.id:
            raise errors.ApiError(409, "cannot_demote_self", "You cannot take away your own administrator rights.")
        await self._store.set_admin(user_id, is_admin)
        return await self.account(user_id)

    async def end_sessions(self, user_id: int) -> tuple[Account, int]:
        """Log a user out everywhere (a lost phone): every session ends, sockets close with 4401; the password
        and the account stay as they are. Returns (account, sessions ended)."""
        await self.account(user_id)
        ended = await self._store.end_user_sessions(user_id, self._clock.now_ms())
        await self._announce.sessions_ended(ended, "sessions reset")
        return await self.account(user_id), len(ended)

    # -- rooms ------------------------------------------------------------------------------------------------

    async def rooms(self) -> list[RoomEntry]:
        """Every room (private ones included, direct conversations not), by name, with its member counts."""
        counts = await self._store.room_member_counts()
        rooms = [r for r in await self._store.all_rooms() if r.kind == "room"]
        rooms.sort(key=lambda r: (r.name.casefold(), r.id))
        return [RoomEntry(r, counts.get(r.id, 0)) for r in rooms]

    async def room(self, room_id: int) -> Room:
        room = await self._store.room(room_id)
        if room is None:
            raise errors.room_not_found()
        if room.kind != "room":
            raise not_a_room()
        return room

    async def set_archived(self, room_id: int, archived: bool) -> Room:
        """Make a room read-only or writable again; its members are told."""
        await self.room(room_id)
        room = await self._store.set_archived(room_id, archived)
        if room is None:
            raise errors.room_not_found()
        await self._announce.room_updated(room)
        return room

    async def rename_room(self, room_id: int, name: str) -> Room:
        """A new name (its id, members and history stay); the rules of names.room_name_problem."""
        old = await self.room(room_id)
        problem = names.room_name_problem(name)
        if problem is not None:
            raise errors.ApiError(
                400, "validation_failed", f"bad room name {name!r}: {problem}", fields={"name": [problem]}
            )
        try:
            room = await self._store.rename_room(old.id, name)
        except Conflict:
            raise errors.ApiError(409, "room_name_taken", f"a room named {name!r} exists") from None
        if room is None:
            raise errors.room_not_found()
        await self._announce.room_updated(room)
        return room

    async def is_member(self, room_id: int, user_id: int) -> bool:
        return await self._store.is_member(room_id, user_id)

    async def members(self, room_id: int) -> list[Member]:
        room = await self.room(room_id)
        return await self._store.members(room.id)

    async def remove_member(self, room_id: int, user_id: int) -> bool:
        """Take a user out of a room; False if they were not in it (nothing changes, nobody is told)."""
        room = await self.room(room_id)
        account = await self.account(user_id)
        if not await self._store.remove_member(room.id, account.id):
            return False
        await self._announce.member_removed(room.id, User(account.id, account.username, account.is_admin))
        return True

    # -- the installation -------------------------------------------------------------------------------------

    async def stats(self) -> dict[str, Any]:
        """What the database holds: users, admins, disabled users, rooms, archived rooms, messages, sessions,
        and its size in bytes and kind."""
        counts: dict[str, Any] = dict(await self._store.admin_counts())
        counts["database_bytes"] = await self._store.database_size_bytes()
        counts["database"] = self._store.kind
        return counts
