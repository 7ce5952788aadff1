"""Live state: presence and typing of this process's connections, announced to everyone who shares a room.

The decisions live in pure state machines: PresenceTracker (this process's connections, grace included),
PresenceBoard (every process's view merged into one status) and TypingTracker. This module feeds them events
from the WebSocket layer with the clock's time, runs one periodic sweep for their deadlines, and turns their
changes into frames. Presence frames are built by each process for its own connections from the merged
board, so a user on several processes is announced once per change, not once per process. Nothing here
touches the database except `last_seen`, written once when a user goes offline everywhere.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable
from typing import Any, Literal

from parley.clock import Clock
from parley.live import wire
from parley.live.broker import Broker
from parley.live.hub import Connection, Hub
from parley.live.presence import PresenceChange, PresenceTracker, Status
from parley.live.presence_board import BoardChange, PresenceBoard
from parley.live.presence_outbox import PresenceOutbox, batch_of, entry, frame_of
from parley.live.typing_state import TypingChange, TypingTracker
from parley.models import Member, User
from parley.settings import Settings
from parley.store import Store

log = logging.getLogger(__name__)

# Distinct room sets kept for sharing (see Live._room_sets): far more than the combinations real users are in.
_ROOM_SETS_MAX = 4_096


class Live:
    def __init__(self, *, store: Store, hub: Hub, broker: Broker, clock: Clock, settings: Settings) -> None:
        self._store = store
        self._hub = hub
        self._broker = broker
        self._clock = clock
        self._sweep_s = settings.sweep_interval_ms / 1000
        self.process_id = hub.process_id
        self.presence = PresenceTracker(grace_ms=settings.presence_grace_ms)
        self.board = PresenceBoard()
        self.outbox = PresenceOutbox(room_max=settings.presence_room_max)
        self._batch_ms = settings.presence_batch_ms
        self._next_flush_ms = 0
        self.typing = TypingTracker(expiry_ms=settings.typing_expiry_ms)
        # Users with a local connection or in their grace: who they are, and (once their last connection here
        # closed) the rooms they were in, which the offline announcement still needs.
        self._users: dict[int, User] = {}
        self._grace_rooms: dict[int, frozenset[int]] = {}
        self._pending: set[asyncio.Task[None]] = set()
        # One frozenset object per distinct set of rooms (most users are in the same few rooms): the board keeps
        # one per user and process, 200 bytes each otherwise. Forgotten whole past _ROOM_SETS_MAX.
        self._room_sets: dict[frozenset[int], frozenset[int]] = {}

    # -- events from the WebSocket layer ------------------------------------------------------------------

    def connected(self, conn: Connection) -> None:
        self._users[conn.user.id] = conn.user
        self._grace_rooms.pop(conn.user.id, None)
        self._local_changes(self.presence.connect(conn.user.id, conn.id, self._clock.now_ms()))

    def disconnected(self, conn: Connection) -> None:
        user_id = conn.user.id
        if conn.watching:
            self.outbox.unwatch(conn)
        if not self._hub.user_connections(user_id):
            self._grace_rooms[user_id] = frozenset(conn.rooms)
        changes = self.presence.disconnect(user_id, conn.id, self._clock.now_ms())
        if not self.presence.has_connections(user_id):
            self._announce_typing(self.typing.user_gone(user_id))
        self._local_changes(changes)

    def report(self, conn: Connection, status: Literal["online", "idle"]) -> None:
        self._local_changes(self.presence.report(conn.user.id, conn.id, status, self._clock.now_ms()))

    def typing_frame(self, user: User, room_id: int, active: bool) -> None:
        if active:
            changes = self.typing.start(room_id, user.id, self._clock.now_ms())
        else:
            changes = self.typing.stop(room_id, user.id)
        self._announce_typing(changes)

    def message_sent(self, room_id: int, user_id: int) -> None:
        """Typing ends with the message; announced before the message goes out, so nobody sees both."""
        self._announce_typing(self.typing.message_sent(room_id, user_id))

    def joined(self, user: User, room_id: int, members: list[Member], *, here_only: bool = False) -> None:
        """A user joined: the room hears their presence, and they get the present members' in one frame; not in
        a large room (see live/presence_outbox.py), where clients watch the members they show.

        `here_only` tells this process's connections only: for a change every process applies by itself (a
        room change logged by the admin CLI), where going through the broker would tell everyone once per process.
        """
        now_ms = self._clock.now_ms()
        to_room = self._hub.to_room if here_only else self._broker.to_room
        to_user = self._hub.to_user if here_only else self._broker.to_user
        self.board.add_room(user.id, room_id)
        if self.board.present_count(room_id) > self.outbox.room_max:
            return
        status = self.board.status(user.id)
        if status != "offline":
            to_room(room_id, presence_frame(user, status, None, now_ms), exclude_user=user.id)
        entries = []
        for member in members:
            member_status = self.board.status(member.id)
            if member.id != user.id and member_status != "offline":
                entries.append(entry(member, member_status, None, now_ms))
        if entries:
            to_user(user.id, frame_of(entries))

    def left(self, user_id: int, room_id: int) -> None:
        self._announce_typing(self.typing.left_room(room_id, user_id))

    # -- events from other processes (through the broker) -------------------------------------------------

    def remote_presence(
        self, process: str, user: User, rooms: frozenset[int], status: Status, at_ms: int, last_seen: int | None
    ) -> None:
        change = self.board.update(process, user, rooms, status)
        if change is not None:
            self._tell_local(change, at_ms, last_seen)

    def process_gone(self, process: str) -> None:
        """Another process died (or stopped): its users count as disconnected there from now."""
        now_ms = self._clock.now_ms()
        for change in self.board.drop_process(process):
            self._tell_local(change, now_ms, now_ms if change.status == "offline" else None)

    def local_states(self) -> list[tuple[User, frozenset[int], Status]]:
        """This process's own view of each of its users (for another process that needs the full picture)."""
        return [
            (user, self._rooms_of(user.id), self.presence.status(user.id))
            for user in self._users.values()
            if self.presence.status(user.id) != "offline"
        ]

    def processes(self) -> set[str]:
        return self.board.processes()

    # -- queries ------------------------------------------------------------------------------------------

    def status(self, user_id: int) -> Status:
        return self.board.status(user_id)

    async def snapshot(self, user_id: int, room_ids: Iterable[int]) -> list[wire.Json]:
        """Presence entries of the users who share a room with `user_id` (in `room_ids`, the user's rooms) and
        are online or idle; a large room's members are left out (the client watches those it shows)."""
        candidates: set[int] = set()
        for room_id in room_ids:
            present = self.board.present_in(room_id)
            if len(present) <= self.outbox.room_max:
                candidates.update(present)
        candidates.discard(user_id)
        if not candidates:
            return []
        members = await self._store.co_members(user_id, sorted(candidates))
        return [wire.presence_entry(m, self.board.status(m.id)) for m in members]

    async def watch(self, conn: Connection, user_ids: list[int]) -> bytes:
        """`conn` follows the presence of these users (its co-members among them) from now on, in place of
        what it watched before; returns the `presence.batch` of their current statuses."""
        members = await self._store.co_members(conn.user.id, sorted(set(user_ids) - {conn.user.id}))
        if conn.closing or self._hub.connections.get(conn.id) is not conn:
            return batch_of([])
        self.outbox.watch(conn, {m.id for m in members})
        now_ms = self._clock.now_ms()
        entries = []
        for m in members:
            status = self.board.status(m.id)
            entries.append(entry(m, status, m.last_seen if status == "offline" else None, now_ms))
        return batch_of(entries)

    def is_empty(self) -> bool:
        return (
            self.presence.is_empty()
            and self.typing.is_empty()
            and self.board.is_empty()
            and self.outbox.is_empty()
            and not self._users
            and not self._grace_rooms
        )

    # -- the sweep ----------------------------------------------------------------------------------------

    def tick(self) -> None:
        now_ms = self._clock.now_ms()
        self._announce_typing(self.typing.tick(now_ms))
        self._local_changes(self.presence.tick(now_ms))
        if now_ms >= self._next_flush_ms:
            self.flush_presence()
            self._next_flush_ms = now_ms + self._batch_ms

    def flush_presence(self) -> None:
        """Send the held presence changes (the sweep does, every `presence_batch_ms`)."""
        singles, batches = self.outbox.flush(self._hub.room_connections, self.board.present_count)
        if singles:
            self._hub.frames_out.add("presence", singles)
        if batches:
            self._hub.frames_out.add("presence.batch", batches)

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

    def _rooms_of(self, user_id: int) -> frozenset[int]:
        conns = self._hub.user_connections(user_id)
        if not conns:
            return self._grace_rooms.get(user_id, frozenset())
        rooms: set[int] = set()
        for conn in conns:
            rooms.update(conn.rooms)
        found = frozenset(rooms)
        if len(self._room_sets) >= _ROOM_SETS_MAX:
            self._room_sets.clear()
        return self._room_sets.setdefault(found, found)

    def _local_changes(self, changes: list[PresenceChange]) -> None:
        for change in changes:
            user = self._users.get(change.user_id)
            if user is None:
                continue
            rooms = self._rooms_of(change.user_id)
            self._broker.presence(self.process_id, user, rooms, change.status, change.at_ms, change.last_seen_ms)
            merged = self.board.update(self.process_id, user, rooms, change.status)
            if merged is not None:
                self._tell_local(merged, change.at_ms, change.last_seen_ms)
            if change.status == "offline":
                self._users.pop(change.user_id, None)
                self._grace_rooms.pop(change.user_id, None)
                if merged is not None and change.last_seen_ms is not None:
                    self._spawn(self._store.set_last_seen(change.user_id, change.last_seen_ms))

    def _tell_local(self, change: BoardChange, at_ms: int, last_seen: int | None) -> None:
        """Held for the next flush: this process's connections hear it with the other changes of the interval."""
        last = last_seen if change.status == "offline" else None
        self.outbox.hold(change.user.id, entry(change.user, change.status, last, at_ms), change.rooms)

    def _announce_typing(self, changes: list[TypingChange]) -> None:
        for change in changes:
            user = self._users.get(change.user_id)
            if user is None:
                continue
            frame = wire.encode(
                {"type": "typing", "room_id": change.room_id, "user": wire.user(user), "active": change.active}
            )
            self._broker.to_room(change.room_id, frame, exclude_user=change.user_id)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        async def guarded() -> None:
            try:
                await coro
            except Exception:
                log.exception("writing last_seen failed")

        task = asyncio.get_running_loop().create_task(guarded())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)


def presence_frame(user: User | Member, status: str, last_seen: int | None, at_ms: int) -> bytes:
    frame = {"type": "presence", "user": wire.user(user), "status": status, "last_seen": last_seen, "at": at_ms}
    return wire.encode(frame)
