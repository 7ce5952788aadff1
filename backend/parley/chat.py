"""The rules: every check (validate, authorize, cap) and every action (store, then announce) of rooms and messages.

REST handlers and the WebSocket reader call in here and nowhere else. Events go out only after the commit.
"""

from __future__ import annotations

from typing import Any

from . import errors, wire
from .broker import Broker
from .clock import Clock
from .hub import Connection
from .live import Live
from .models import Member, Page, Room, User
from .settings import Settings
from .store import Conflict, NotFound, RoomArchived, Store


class Chat:
    def __init__(self, *, store: Store, broker: Broker, live: Live, clock: Clock, settings: Settings) -> None:
        self._store = store
        self._broker = broker
        self._live = live
        self._clock = clock
        self._settings = settings

    # -- rooms --------------------------------------------------------------------------------------------

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
        return await self._store.visible_rooms(user.id)

    async def create_room(self, user: User, name: str, topic: str, private: bool) -> Room:
        try:
            room = await self._store.create_room(name, topic, private, user.id, self._clock.now_ms())
        except Conflict:
            raise errors.ApiError(409, "room_name_taken", "A room with that name exists.") from None
        self._broker.joined(user.id, room.id, _room_joined(room))
        return room

    async def join(self, user: User, room_id: int) -> Room:
        room, member = await self.visible_room(user, room_id)
        if member:
            return room
        if room.archived:
            raise errors.room_archived()
        await self._add(user, room)
        return room

    async def add_member(self, actor: User, room_id: int, username: str) -> Member:
        room, member = await self.visible_room(actor, room_id)
        if not member and not actor.is_admin:
            raise errors.not_a_member()
        if room.archived:
            raise errors.room_archived()
        account = await self._store.account_by_name(username)
        if account is None or account.disabled:
            raise errors.ApiError(404, "user_not_found", "No such user.")
        target = User(account.id, account.username, account.is_admin)
        if not await self._store.is_member(room.id, target.id):
            await self._add(target, room)
        return Member(target.id, target.username, account.last_seen)

    async def _add(self, user: User, room: Room) -> None:
        if not await self._store.add_member(room.id, user.id, self._clock.now_ms()):
            return
        fresh = await self._store.room(room.id) or room
        self._broker.joined(user.id, room.id, _room_joined(fresh))
        self._broker.to_room(
            room.id, wire.encode({"type": "member.joined", "room_id": room.id, "user": wire.user(user)}),
            exclude_user=user.id,
        )
        self._live.joined(user, room.id, await self._store.members(room.id))

    async def leave(self, user: User, room_id: int) -> None:
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

    # -- history ------------------------------------------------------------------------------------------

    async def history(self, user: User, room_id: int, query: dict[str, Any]) -> Page:
        before, after, limit = query["before"], query["after"], query["limit"]
        if before is not None and after is not None:
            raise errors.ApiError(400, "invalid_query", "Use either before or after, not both.")
        await self.visible_room(user, room_id)
        limit = min(limit, self._settings.history_page_max)
        if after is not None:
            return await self._store.messages_after(room_id, after, limit)
        return await self._store.messages_before(room_id, before, limit)

    # -- messages -----------------------------------------------------------------------------------------

    def check_send(self, conn: Connection, frame: dict[str, Any]) -> tuple[int, str, str]:
        """Validate and authorize a message.send; return (room_id, trimmed body, client_id)."""
        client_id: str = frame["client_id"]
        body = frame["body"].strip()
        if not body:
            raise errors.ApiError(400, "body_empty", "The message is empty.", client_id=client_id)
        if len(body) > self._settings.max_body_chars:
            raise errors.ApiError(
                400, "body_too_long", f"At most {self._settings.max_body_chars} characters.", client_id=client_id
            )
        room_id: int = frame["room_id"]
        # Membership as this connection knows it: set from the database at connect and kept current by
        # join/leave events, so a send costs no extra query.
        if room_id not in conn.rooms:
            raise errors.ApiError(403, "not_a_member", "Join the room first.", client_id=client_id)
        return room_id, body, client_id

    async def send(self, conn: Connection, room_id: int, body: str, client_id: str) -> None:
        try:
            message, created = await self._store.insert_message(
                room_id, conn.user, body, client_id, self._clock.now_ms()
            )
        except NotFound:
            raise errors.ApiError(404, "room_not_found", "No such room.", client_id=client_id) from None
        except RoomArchived:
            raise errors.ApiError(403, "room_archived", "This room is read-only.", client_id=client_id) from None
        payload = wire.message(message)
        ack = wire.encode({"type": "message.ack", "client_id": client_id, "message": payload})
        if not created:
            conn.push(ack)
            return
        self._live.message_sent(room_id, conn.user.id)
        self._broker.message(
            room_id, message.seq, wire.encode({"type": "message.new", "message": payload}), ack, conn.id
        )

    def check_typing(self, conn: Connection, room_id: int) -> None:
        if room_id not in conn.rooms:
            raise errors.not_a_member()


def _room_joined(room: Room) -> bytes:
    return wire.encode({"type": "room.joined", "room": wire.room(room, joined=True)})
