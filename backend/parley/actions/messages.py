"""The rules of messages: reading history, and sending (cap the account's rate, validate, authorize, store under
the room's seq, then announce in seq order through the broker, with the ack to the sending connection)."""

from __future__ import annotations

from typing import Any

from parley import errors
from parley.actions import names
from parley.actions.mentions import Mentions
from parley.actions.rooms import Rooms
from parley.clock import Clock
from parley.live import wire
from parley.live.broker import Broker
from parley.live.hub import Connection
from parley.live.limits import Limits
from parley.live.state import Live
from parley.models import Page, User
from parley.settings import Settings
from parley.store import NotFound, RoomArchived, Store


class Messages:
    def __init__(
        self,
        *,
        store: Store,
        broker: Broker,
        live: Live,
        rooms: Rooms,
        mentions: Mentions,
        limits: Limits,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self._store = store
        self._mentions = mentions
        self._limits = limits
        self._broker = broker
        # Messages stored by this process (a resend of a known client_id is not counted), for metrics.
        self.stored = 0
        self._live = live
        self._rooms = rooms
        self._clock = clock
        self._settings = settings

    async def history(self, user: User, room_id: int, query: dict[str, Any]) -> Page:
        before, after, limit = query["before"], query["after"], query["limit"]
        if before is not None and after is not None:
            raise errors.ApiError(400, "invalid_query", "Use either before or after, not both.")
        await self._rooms.visible_room(user, room_id)
        limit = min(limit, self._settings.history_page_max)
        if after is not None:
            return await self._store.messages_after(room_id, after, limit)
        return await self._store.messages_before(room_id, before, limit)

    async def check_rate(self, user: User, client_id: str) -> None:
        """One message.send of the account's budget (all its sockets and processes share it), or rate_limited.

        Taken before anything else is checked, so refused sends (empty, not a member) cost the same as good ones.
        """
        wait_ms = await self._limits.take("message", user.id)
        if wait_ms:
            raise errors.rate_limited("Slow down: too many messages.", wait_ms, client_id=client_id)

    def check_send(self, conn: Connection, frame: dict[str, Any]) -> tuple[int, str, str]:
        """Validate and authorize a message.send; return (room_id, body as stored, client_id).

        The body is stored without NUL, other control characters but tab and newline, and bidi controls (an
        override would reorder the rest of the line for every reader), then trimmed."""
        client_id: str = frame["client_id"]
        body = names.clean_text(frame["body"]).strip()
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
        # Without an '@' there is nothing to resolve, and no query: the common case costs one substring scan.
        mentions = await self._mentions.resolve(room_id, conn.user.id, body, client_id) if "@" in body else ()
        try:
            message, created = await self._store.insert_message(
                room_id, conn.user, body, client_id, self._clock.now_ms(), mentions
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
        self.stored += 1
        self._live.message_sent(room_id, conn.user.id)
        self._broker.message(
            room_id, message.seq, wire.encode({"type": "message.new", "message": payload}), ack, conn.id
        )
