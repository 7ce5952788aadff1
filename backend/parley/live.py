"""Live state: presence and typing of this process's connections, announced through the broker.

The decisions live in the pure trackers (presence.py, typing_state.py); this module feeds them events from
the WebSocket layer with the clock's time, runs one periodic sweep for their deadlines, and turns their
changes into frames for the users who share a room with the subject. Nothing here touches the database
except `last_seen`, written once when a user goes offline.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from . import wire
from .broker import Broker
from .clock import Clock
from .hub import Connection, Hub
from .models import Member, User
from .presence import PresenceChange, PresenceTracker
from .settings import Settings
from .store import Store
from .typing_state import TypingChange, TypingTracker

log = logging.getLogger(__name__)


class Live:
    def __init__(self, *, store: Store, hub: Hub, broker: Broker, clock: Clock, settings: Settings) -> None:
        self._store = store
        self._hub = hub
        self._broker = broker
        self._clock = clock
        self._sweep_s = settings.sweep_interval_ms / 1000
        self.presence = PresenceTracker(grace_ms=settings.presence_grace_ms)
        self.typing = TypingTracker(expiry_ms=settings.typing_expiry_ms)
        # Who each present user is and which rooms they were in, kept until their offline is announced
        # (their connections are gone by then, but the announcement still needs both).
        self._users: dict[int, User] = {}
        self._rooms: dict[int, set[int]] = {}
        self._pending: set[asyncio.Task[None]] = set()

    # -- events from the WebSocket layer ------------------------------------------------------------------

    def connected(self, conn: Connection) -> None:
        user = conn.user
        self._users[user.id] = user
        self._rooms[user.id] = self._local_rooms(user.id)
        self._announce_presence(self.presence.connect(user.id, conn.id, self._clock.now_ms()))

    def disconnected(self, conn: Connection) -> None:
        user_id = conn.user.id
        changes = self.presence.disconnect(user_id, conn.id, self._clock.now_ms())
        if not self.presence.has_connections(user_id):
            self._announce_typing(self.typing.user_gone(user_id))
        else:
            self._rooms[user_id] = self._local_rooms(user_id)
        self._announce_presence(changes)

    def report(self, conn: Connection, status: Literal["online", "idle"]) -> None:
        self._announce_presence(self.presence.report(conn.user.id, conn.id, status, self._clock.now_ms()))

    def typing_frame(self, user: User, room_id: int, active: bool) -> None:
        self._users.setdefault(user.id, user)
        if active:
            changes = self.typing.start(room_id, user.id, self._clock.now_ms())
        else:
            changes = self.typing.stop(room_id, user.id)
        self._announce_typing(changes)

    def message_sent(self, room_id: int, user_id: int) -> None:
        """Typing ends with the message; announced before the message goes out, so nobody sees both."""
        self._announce_typing(self.typing.message_sent(room_id, user_id))

    def joined(self, user: User, room_id: int, members: list[Member]) -> None:
        """A user joined: the room hears their presence, they get the room's present members'."""
        if user.id in self._rooms:
            self._rooms[user.id].add(room_id)
        status = self.presence.status(user.id)
        if status != "offline":
            frame = self._presence_frame(user, status, None, self._clock.now_ms())
            self._broker.to_room(room_id, frame, exclude_user=user.id)
        for member in members:
            member_status = self.presence.status(member.id)
            if member.id != user.id and member_status != "offline":
                self._broker.to_user(user.id, self._presence_frame(member, member_status, None, self._clock.now_ms()))

    def left(self, user_id: int, room_id: int) -> None:
        if user_id in self._rooms:
            self._rooms[user_id].discard(room_id)
        self._announce_typing(self.typing.left_room(room_id, user_id))

    # -- queries ------------------------------------------------------------------------------------------

    def status(self, user_id: int) -> str:
        return self.presence.status(user_id)

    async def snapshot(self, user_id: int) -> list[wire.Json]:
        """Presence entries of the users who share a room with `user_id` and are online or idle."""
        present = [uid for uid in self.presence.online_user_ids() if uid != user_id]
        members = await self._store.co_members(user_id, present)
        return [wire.presence_entry(m, self.presence.status(m.id)) for m in members]

    def is_empty(self) -> bool:
        return self.presence.is_empty() and self.typing.is_empty() and not self._users and not self._rooms

    # -- the sweep ----------------------------------------------------------------------------------------

    def tick(self) -> None:
        now_ms = self._clock.now_ms()
        self._announce_typing(self.typing.tick(now_ms))
        self._announce_presence(self.presence.tick(now_ms))

    async def run_sweeper(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_s)
            try:
                self.tick()
            except Exception:
                log.exception("presence/typing sweep failed")

    async def stop(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    # -- announcing ---------------------------------------------------------------------------------------

    def _local_rooms(self, user_id: int) -> set[int]:
        rooms: set[int] = set()
        for conn in self._hub.user_connections(user_id):
            rooms.update(conn.rooms)
        return rooms

    def _presence_frame(self, user: User | Member, status: str, last_seen: int | None, at_ms: int) -> bytes:
        return wire.encode(
            {"type": "presence", "user": wire.user(user), "status": status, "last_seen": last_seen, "at": at_ms}
        )

    def _announce_presence(self, changes: list[PresenceChange]) -> None:
        for change in changes:
            user = self._users.get(change.user_id)
            if user is None:
                continue
            rooms = self._rooms.get(change.user_id, set())
            frame = self._presence_frame(user, change.status, change.last_seen_ms, change.at_ms)
            self._broker.to_rooms(rooms, frame, exclude_user=change.user_id)
            if change.status == "offline":
                self._users.pop(change.user_id, None)
                self._rooms.pop(change.user_id, None)
                if change.last_seen_ms is not None:
                    self._spawn(self._store.set_last_seen(change.user_id, change.last_seen_ms))

    def _announce_typing(self, changes: list[TypingChange]) -> None:
        for change in changes:
            user = self._users.get(change.user_id)
            if user is None:
                continue
            frame = wire.encode(
                {"type": "typing", "room_id": change.room_id, "user": wire.user(user), "active": change.active}
            )
            self._broker.to_room(change.room_id, frame, exclude_user=change.user_id)

    def _spawn(self, coro: object) -> None:
        async def guarded() -> None:
            try:
                await coro  # type: ignore[misc]
            except Exception:
                log.exception("writing last_seen failed")

        task = asyncio.get_running_loop().create_task(guarded())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
