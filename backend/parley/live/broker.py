"""The broker: how an event reaches every process's hub.

Chat actions announce through a Broker, never to the hub directly, so one process (LocalBroker: straight into
this process's hub) and several (a Redis broker: through pub/sub into every process's hub) are the same code
path for everything above this line. Frames arrive already encoded: a broadcast is serialized once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol

from parley.live.hub import Hub
from parley.live.presence import Status
from parley.models import User


class PresenceListener(Protocol):
    """What the broker tells about other processes (Live implements it)."""

    def remote_presence(
        self, process: str, user: User, rooms: frozenset[int], status: Status, at_ms: int, last_seen: int | None
    ) -> None: ...

    def process_gone(self, process: str) -> None: ...

    def local_states(self) -> list[tuple[User, frozenset[int], Status]]: ...

    def processes(self) -> set[str]: ...


# What readiness says of the link between processes: working, broken, or not configured (one process).
LinkState = Literal["ok", "down", "off"]


class Broker(Protocol):
    async def start(self, listener: PresenceListener) -> None: ...

    async def stop(self) -> None: ...

    async def link_state(self) -> LinkState:
        """Whether events reach the other processes now (for /api/ready)."""

    def presence(
        self, process: str, user: User, rooms: frozenset[int], status: Status, at_ms: int, last_seen: int | None
    ) -> None:
        """This process's own status for a user, for the other processes' boards."""

    def message(self, room_id: int, seq: int, new: bytes, ack: bytes | None, origin: str | None) -> None: ...

    def change(self, room_id: int, change_seq: int, frame: bytes) -> None:
        """A change of a stored message (edit, deletion, reactions), delivered in the room's change_seq order."""

    def to_room(self, room_id: int, frame: bytes, *, exclude_user: int | None = None) -> None: ...

    def to_rooms(self, room_ids: Iterable[int], frame: bytes, *, exclude_user: int | None = None) -> None: ...

    def to_user(self, user_id: int, frame: bytes) -> None: ...

    def joined(self, user_id: int, room_id: int, frame: bytes | None) -> None: ...

    def left(self, user_id: int, room_id: int, frame: bytes | None) -> None: ...

    def close_sessions(self, session_ids: Iterable[str], code: int, reason: str) -> None: ...

    def close_user(self, user_id: int, code: int, reason: str) -> None: ...


class LocalBroker:
    """One process: every event goes straight to this process's hub."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    async def start(self, listener: PresenceListener) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def link_state(self) -> LinkState:
        return "off"

    def presence(
        self, process: str, user: User, rooms: frozenset[int], status: Status, at_ms: int, last_seen: int | None
    ) -> None:
        return None  # no other process to tell

    def message(self, room_id: int, seq: int, new: bytes, ack: bytes | None, origin: str | None) -> None:
        self._hub.message(room_id, seq, new, ack, origin)

    def change(self, room_id: int, change_seq: int, frame: bytes) -> None:
        self._hub.change(room_id, change_seq, frame)

    def to_room(self, room_id: int, frame: bytes, *, exclude_user: int | None = None) -> None:
        self._hub.to_room(room_id, frame, exclude_user=exclude_user)

    def to_rooms(self, room_ids: Iterable[int], frame: bytes, *, exclude_user: int | None = None) -> None:
        self._hub.to_rooms(room_ids, frame, exclude_user=exclude_user)

    def to_user(self, user_id: int, frame: bytes) -> None:
        self._hub.to_user(user_id, frame)

    def joined(self, user_id: int, room_id: int, frame: bytes | None) -> None:
        self._hub.joined(user_id, room_id, frame)

    def left(self, user_id: int, room_id: int, frame: bytes | None) -> None:
        self._hub.left(user_id, room_id, frame)

    def close_sessions(self, session_ids: Iterable[str], code: int, reason: str) -> None:
        self._hub.close_sessions(session_ids, code, reason)

    def close_user(self, user_id: int, code: int, reason: str) -> None:
        self._hub.close_user(user_id, code, reason)
