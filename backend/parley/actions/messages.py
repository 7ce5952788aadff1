"""The rules of messages: reading history, sending (cap the account's rate, validate, authorize, store under the
room's seq, then announce in seq order through the broker, with the ack to the sending connection), editing and
deleting.

Edits and deletions do not take a seq: each takes the room's next change_seq (store/conversations.py) and is
announced to the room in change_seq order. Only the author edits; the author or an admin deletes. To someone
who is not a member of a private room or DM, its messages do not exist: `message_not_found`, as for an id never
used. A refusal echoes the frame's `message_id`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from parley import errors
from parley.actions import names
from parley.actions.files import Files
from parley.actions.mentions import Mentions
from parley.actions.rooms import Rooms
from parley.clock import Clock
from parley.live import wire
from parley.live.broker import Broker
from parley.live.hub import Connection
from parley.live.limits import Limits
from parley.live.state import Live
from parley.models import Message, Page, User
from parley.settings import Settings
from parley.store import FileNotAttachable, MessageDeleted, NotFound, RoomArchived, Store


def message_not_found(message_id: int) -> errors.ApiError:
    return errors.ApiError(404, "message_not_found", "No such message.", message_id=message_id)


def message_deleted(message_id: int) -> errors.ApiError:
    return errors.ApiError(409, "message_deleted", "The message was deleted.", message_id=message_id)


def room_archived(message_id: int) -> errors.ApiError:
    return errors.ApiError(403, "room_archived", "This room is read-only.", message_id=message_id)


class Messages:
    def __init__(
        self,
        *,
        store: Store,
        broker: Broker,
        live: Live,
        rooms: Rooms,
        mentions: Mentions,
        files: Files,
        limits: Limits,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self._store = store
        self._files = files
        self._mentions = mentions
        self._limits = limits
        self._broker = broker
        # Messages stored by this process (a resend of a known client_id is not counted), for metrics.
        self.stored = 0
        self._live = live
        self._rooms = rooms
        self._clock = clock
        self._settings = settings

    async def history(self, user: User, room_id: int, query: dict[str, Any]) -> tuple[Page, bool | None]:
        """A page of history, and with `around` whether newer messages follow it (else None).

        `around=seq` centres the page on that seq: (limit - 1) // 2 messages before it, the rest from it on (a
        search hit shown in its context); `has_more` then says whether older ones precede the page."""
        before, after, around, limit = query["before"], query["after"], query["around"], query["limit"]
        if sum(x is not None for x in (before, after, around)) > 1:
            raise errors.ApiError(400, "invalid_query", "Use one of before, after and around.")
        await self._rooms.visible_room(user, room_id)
        limit = min(limit, self._settings.history_page_max)
        if around is not None:
            older_count = (limit - 1) // 2
            older = await self._store.messages_before(room_id, around, older_count)
            newer = await self._store.messages_after(room_id, around - 1, limit - older_count)
            return Page(older.messages + newer.messages, older.has_more), newer.has_more
        if after is not None:
            return await self._store.messages_after(room_id, after, limit), None
        return await self._store.messages_before(room_id, before, limit), None

    async def check_rate(self, user: User, client_id: str) -> None:
        """One message.send of the account's budget (all its sockets and processes share it), or rate_limited.

        Taken before anything else is checked, so refused sends (empty, not a member) cost the same as good ones.
        """
        wait_ms = await self._limits.take("message", user.id)
        if wait_ms:
            raise errors.rate_limited("Slow down: too many messages.", wait_ms, client_id=client_id)

    async def check_change_rate(self, user: User, **echo: Any) -> None:
        """One edit, deletion or reaction of the account's message budget (the one message.send spends)."""
        wait_ms = await self._limits.take("message", user.id)
        if wait_ms:
            raise errors.rate_limited("Slow down: too many changes.", wait_ms, **echo)

    def check_send(self, conn: Connection, frame: dict[str, Any]) -> tuple[int, str, str]:
        """Validate and authorize a message.send; return (room_id, body as stored, client_id).

        The body is stored without NUL, other control characters but tab and newline, and bidi controls (an
        override would reorder the rest of the line for every reader), then trimmed."""
        client_id: str = frame["client_id"]
        body = names.clean_text(frame["body"]).strip()
        # A message may be only its files.
        if not body and not frame.get("file_ids"):
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

    async def send(
        self, conn: Connection, room_id: int, body: str, client_id: str, file_ids: Sequence[int] = ()
    ) -> None:
        """Store and announce; `file_ids` (the sender's own unsent uploads to this room) are sent with it."""
        # Without an '@' there is nothing to resolve, and no query: the common case costs one substring scan.
        mentions = await self._mentions.resolve(room_id, conn.user.id, body, client_id=client_id) if "@" in body else ()
        try:
            message, created = await self._store.insert_message(
                room_id, conn.user, body, client_id, self._clock.now_ms(), mentions, file_ids
            )
        except FileNotAttachable as exc:
            raise errors.ApiError(
                400,
                "file_not_attachable",
                "That file cannot be sent here: only your own upload to this room, once.",
                client_id=client_id,
                file_id=exc.file_id,
            ) from None
        except NotFound:
            raise errors.ApiError(404, "room_not_found", "No such room.", client_id=client_id) from None
        except RoomArchived:
            raise errors.ApiError(403, "room_archived", "This room is read-only.", client_id=client_id) from None
        new, ack = wire.message_frames(message, client_id)
        if not created:
            conn.push(ack)
            return
        self.stored += 1
        self._live.message_sent(room_id, conn.user.id)
        self._broker.message(room_id, message.seq, new, ack, conn.id)

    # -- edit and delete --------------------------------------------------------------------------------------

    def check_edit(self, frame: dict[str, Any]) -> tuple[int, str]:
        """Validate a message.edit: (message_id, body as stored), cleaned and limited as a send's body is."""
        message_id: int = frame["message_id"]
        body = names.clean_text(frame["body"]).strip()
        if not body:
            raise errors.ApiError(400, "body_empty", "The message is empty.", message_id=message_id)
        if len(body) > self._settings.max_body_chars:
            raise errors.ApiError(
                400, "body_too_long", f"At most {self._settings.max_body_chars} characters.", message_id=message_id
            )
        return message_id, body

    async def target(self, conn: Connection, message_id: int, *, as_moderator: bool = False) -> Message:
        """The message a change frame names, if this connection may change it.

        Refused with `message_not_found` when there is no such message or it is in a private room or DM the user is
        not in (the same answer, so ids reveal nothing), and `not_a_member` in a public room the user has not
        joined, unless `as_moderator` and the user is an admin (who may delete anywhere they can read).
        """
        message = await self._store.message(message_id)
        if message is None:
            raise message_not_found(message_id)
        if message.room_id not in conn.rooms:
            room = await self._store.room(message.room_id)
            if room is None or room.private:
                raise message_not_found(message_id)
            if not (as_moderator and await self._is_admin(conn)):
                raise errors.ApiError(403, "not_a_member", "Join the room first.", message_id=message_id)
        return message

    async def edit(self, conn: Connection, message_id: int, body: str) -> None:
        """The author replaces the body; the room hears message.updated. The same body again changes nothing."""
        message = await self.target(conn, message_id)
        if message.user_id != conn.user.id:
            raise errors.ApiError(403, "not_author", "Only the author can edit a message.", message_id=message_id)
        if message.deleted:
            raise message_deleted(message_id)
        # Mentions are resolved again, as for a send: the edited body is what they are of.
        mentions = (
            await self._mentions.resolve(message.room_id, conn.user.id, body, message_id=message_id)
            if "@" in body
            else ()
        )
        try:
            edited = await self._store.edit_message(message_id, body, self._clock.now_ms(), mentions)
        except NotFound:
            raise message_not_found(message_id) from None
        except RoomArchived:
            raise room_archived(message_id) from None
        except MessageDeleted:
            raise message_deleted(message_id) from None
        if edited is not None:
            self._broker.change(edited.room_id, edited.change_seq, wire.message_updated(edited))

    async def _is_admin(self, conn: Connection) -> bool:
        """Admin rights as they are now, not as they were when the socket connected (they may have been taken)."""
        account = await self._store.account_by_id(conn.user.id)
        return account is not None and account.is_admin and not account.disabled

    async def delete(self, conn: Connection, message_id: int) -> None:
        """The author or an admin makes the message a tombstone; the room hears message.deleted. Deleting a
        deleted message changes nothing."""
        message = await self.target(conn, message_id, as_moderator=True)
        if message.user_id != conn.user.id and not await self._is_admin(conn):
            raise errors.ApiError(
                403, "not_author", "Only the author or an admin can delete a message.", message_id=message_id
            )
        if message.deleted:
            return
        dropped: list[str] = []
        try:
            deleted = await self._store.delete_message(message_id, dropped_keys=dropped)
        except NotFound:
            raise message_not_found(message_id) from None
        except RoomArchived:
            raise room_archived(message_id) from None
        # After the commit: the rows are gone, so no one can fetch the bytes any more; now they go too.
        await self._files.forget(dropped)
        if deleted is not None:
            self._broker.change(deleted.room_id, deleted.change_seq, wire.message_deleted(deleted))

    async def changes(self, user: User, room_id: int, since: int, limit: int) -> tuple[Page, int]:
        """The room's messages changed after the cursor `since`, and the cursor to pass next time."""
        await self._rooms.visible_room(user, room_id)
        page = await self._store.changes_after(room_id, since, min(limit, self._settings.history_page_max))
        return page, page.messages[-1].change_seq if page.messages else since
