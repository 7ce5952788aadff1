"""The store's queries for conversations: direct messages, edits and deletions, reactions, and the change log.

Policy:
- A DM is a private room of kind "dm" whose `dm_key` (its members' ids, sorted) is unique, so the same people
  always get the same room and two concurrent creations end in one.
- Every change of a message (edit, deletion, reaction added or removed) runs under its room's row lock, as a
  send does, bumps `rooms.change_seq` in the same transaction, stamps the message with the new value and records
  it in `message_changes` (one row per changed message: its latest change). So change_seq order is commit order,
  and `changes_after` pages through what changed after a client's cursor. A send writes none of this.
- What a change returns is read inside its transaction, so what is announced is what was committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from ..models import Message, Page, Reaction, Room, User
from .core import (
    MESSAGE_COLUMNS,
    ROOM_COLUMNS,
    Conflict,
    NotFound,
    RoomArchived,
    StoreError,
    Tx,
    message_from_row,
    room_from_row,
)
from .files import FileQueries, blob_keys
from .mentions import MentionQueries
from .reads import ReadQueries
from .search import index_message, unindex_messages

# A DM's name_key: a control character (which no room name may hold) and the dm_key, so a DM never takes or
# blocks a room's name.
DM_NAME_PREFIX = "\x1fdm:"
# Ids per IN (...) list: far below SQLite's limit on bound variables, large enough for one query in practice.
IN_CHUNK = 500


class MessageDeleted(StoreError):
    """The message is a tombstone: it takes no edits and no reactions."""


class TooManyReactions(StoreError):
    """The message already carries the most distinct emoji allowed."""


def dm_key(member_ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(set(member_ids)))


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start : start + IN_CHUNK]


def _marks(ids: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(ids))


class ConversationQueries(ReadQueries, MentionQueries, FileQueries):
    # -- direct messages ----------------------------------------------------------------------------------

    async def open_dm(self, member_ids: Sequence[int], creator_id: int, now_ms: int) -> tuple[Room, bool]:
        """The DM of exactly these members (the creator among them), made with all of them as members if missing.

        Returns (room, created). Two concurrent calls for the same people get the same room: one insert wins the
        unique dm_key, the other reads the winner's room.
        """
        key = dm_key(member_ids)
        found = await self.dm_by_key(key)
        if found is not None:
            return found, False
        try:
            async with self.transaction() as tx:
                room_id = await tx.insert(
                    "INSERT INTO rooms (name, name_key, topic, is_private, created_by, created_at, kind, dm_key)"
                    " VALUES ('', %s, '', 1, %s, %s, 'dm', %s)",
                    (DM_NAME_PREFIX + key, creator_id, now_ms, key),
                )
                for user_id in sorted(set(member_ids)):
                    await tx.insert(
                        "INSERT INTO room_members (room_id, user_id, joined_at) VALUES (%s, %s, %s)",
                        (room_id, user_id, now_ms),
                    )
        except Conflict:
            found = await self.dm_by_key(key)
            if found is None:
                raise
            return found, False
        created = await self.room(room_id)
        if created is None:
            raise NotFound("room")
        return created, True

    async def dm_by_key(self, key: str) -> Room | None:
        async with self.read() as tx:
            row = await tx.fetchone(f"SELECT {ROOM_COLUMNS} FROM rooms r WHERE r.dm_key = %s", (key,))
        if row is None:
            return None
        return (await self.with_members([room_from_row(row)]))[0]

    async def room(self, room_id: int) -> Room | None:
        """A room by id; a DM with its members."""
        found = await super().room(room_id)
        if found is None or found.kind != "dm":
            return found
        return (await self.with_members([found]))[0]

    async def member_rooms(
        self, user_id: int, pending: Mapping[int, int] | None = None, room_id: int | None = None
    ) -> list[Room]:
        """The user's rooms with their own state (reads.py), each DM with its members."""
        return await self.with_members(await super().member_rooms(user_id, pending, room_id))

    async def live_session_rooms(
        self, session_id: str, not_before_ms: int, user_id: int, pending: Mapping[int, int] | None = None
    ) -> list[Room] | None:
        """The session's user's rooms as member_rooms gives them, or None if the session is no longer live."""
        rooms = await super().live_session_rooms(session_id, not_before_ms, user_id, pending)
        return None if rooms is None else await self.with_members(rooms)

    async def with_members(self, rooms: list[Room]) -> list[Room]:
        """The rooms, each DM among them with its members filled in (one query, whatever the number of DMs)."""
        dm_ids = [r.id for r in rooms if r.kind == "dm"]
        if not dm_ids:
            return rooms
        members: dict[int, list[User]] = {}
        async with self.read() as tx:
            for chunk in _chunks(dm_ids):
                rows = await tx.fetchall(
                    "SELECT m.room_id, u.id, u.username FROM room_members m JOIN users u ON u.id = m.user_id"
                    f" WHERE m.room_id IN ({_marks(chunk)}) ORDER BY u.username_key",
                    tuple(chunk),
                )
                for row in rows:
                    members.setdefault(int(row[0]), []).append(User(int(row[1]), row[2]))
        return [replace(r, members=tuple(members.get(r.id, ()))) if r.kind == "dm" else r for r in rooms]

    # -- reading messages with their reactions ------------------------------------------------------------

    async def message(self, message_id: int) -> Message | None:
        async with self.read() as tx:
            return await self._message(tx, message_id)

    async def complete(self, tx: Tx, messages: list[Message]) -> list[Message]:
        """The messages as the wire shows them: with their mentions, reactions and files."""
        return await self.with_files(tx, await self.with_reactions(tx, await self.with_mentions(tx, messages)))

    async def _message(self, tx: Tx, message_id: int) -> Message | None:
        row = await tx.fetchone(
            f"SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id WHERE m.id = %s",
            (message_id,),
        )
        if row is None:
            return None
        return (await self.complete(tx, [message_from_row(row)]))[0]

    async def with_reactions(self, tx: Tx, messages: list[Message]) -> list[Message]:
        """Each message with its reactions: emoji in the order they were first added, users in the order they
        reacted. Deleted messages carry none (their rows were removed with the deletion)."""
        ids = [m.id for m in messages if not m.deleted]
        found: dict[int, dict[str, list[User]]] = {}
        for chunk in _chunks(ids):
            rows = await tx.fetchall(
                "SELECT r.message_id, r.emoji, u.id, u.username FROM reactions r JOIN users u ON u.id = r.user_id"
                f" WHERE r.message_id IN ({_marks(chunk)}) ORDER BY r.created_at, r.user_id, r.emoji",
                tuple(chunk),
            )
            for row in rows:
                found.setdefault(int(row[0]), {}).setdefault(row[1], []).append(User(int(row[2]), row[3]))
        if not found:
            return messages
        return [
            replace(m, reactions=tuple(Reaction(e, tuple(users)) for e, users in found[m.id].items()))
            if m.id in found
            else m
            for m in messages
        ]

    # -- changes: each under the room's row lock, with the next change_seq ---------------------------------

    async def _lock(self, tx: Tx, message_id: int, *, allow_archived: bool = False) -> tuple[Message, int]:
        """Lock the message's room and read the message under that lock: (message, the room's next change_seq).

        Raises NotFound (no such message), RoomArchived (a read-only room, unless `allow_archived`).
        """
        row = await tx.fetchone("SELECT room_id FROM messages WHERE id = %s", (message_id,))
        if row is None:
            raise NotFound("message")
        room = await tx.fetchone(
            "SELECT archived, change_seq FROM rooms WHERE id = %s" + self.for_update, (int(row[0]),)
        )
        if room is None:
            raise NotFound("room")
        if room[0] and not allow_archived:
            raise RoomArchived("room")
        message = await self._message(tx, message_id)
        if message is None:  # purged between the two reads
            raise NotFound("message")
        return message, int(room[1]) + 1

    async def _stamp(self, tx: Tx, message: Message, change_seq: int) -> None:
        """Record a change: the room's counter, the message's stamp and the change log's row for the message."""
        await tx.execute("UPDATE rooms SET change_seq = %s WHERE id = %s", (change_seq, message.room_id))
        await tx.execute("UPDATE messages SET change_seq = %s WHERE id = %s", (change_seq, message.id))
        # change_seq only grows, so an existing row always changes here; none means the first change.
        if not await tx.execute(
            "UPDATE message_changes SET change_seq = %s WHERE message_id = %s", (change_seq, message.id)
        ):
            await tx.insert(
                "INSERT INTO message_changes (message_id, room_id, change_seq) VALUES (%s, %s, %s)",
                (message.id, message.room_id, change_seq),
            )

    async def edit_message(
        self, message_id: int, body: str, now_ms: int, mentions: Sequence[int] = ()
    ) -> Message | None:
        """Replace a message's body and the users it mentions; None if the body already is that (nothing changes).

        Raises NotFound, RoomArchived, MessageDeleted.
        """
        async with self.transaction() as tx:
            message, change_seq = await self._lock(tx, message_id)
            if message.deleted:
                raise MessageDeleted("message")
            if message.body == body:
                return None
            await tx.execute("UPDATE messages SET body = %s, edited_at = %s WHERE id = %s", (body, now_ms, message_id))
            await tx.execute("DELETE FROM message_mentions WHERE message_id = %s", (message_id,))
            await self.insert_mentions(tx, message_id, message.room_id, message.seq, mentions)
            await unindex_messages(tx, self.kind, [message_id])
            await index_message(tx, self.kind, message_id, message.room_id, body)
            await self._stamp(tx, message, change_seq)
        return replace(message, body=body, edited_at=now_ms, change_seq=change_seq, mentions=tuple(mentions))

    async def delete_message(
        self, message_id: int, *, allow_archived: bool = False, dropped_keys: list[str] | None = None
    ) -> Message | None:
        """Make a message a tombstone (empty body, no mentions, no reactions, no files); None if it already was one.

        Raises NotFound, RoomArchived (unless `allow_archived`: the operator's command may clean an archived room).
        The blob keys of the files it had are added to `dropped_keys`: the caller deletes them after the commit.
        """
        async with self.transaction() as tx:
            message, change_seq = await self._lock(tx, message_id, allow_archived=allow_archived)
            if message.deleted:
                return None
            await tx.execute("UPDATE messages SET body = '', deleted = 1 WHERE id = %s", (message_id,))
            await tx.execute("DELETE FROM reactions WHERE message_id = %s", (message_id,))
            await tx.execute("DELETE FROM message_mentions WHERE message_id = %s", (message_id,))
            if message.files:
                await tx.execute("DELETE FROM files WHERE message_id = %s", (message_id,))
            await unindex_messages(tx, self.kind, [message_id])
            await self._stamp(tx, message, change_seq)
        if dropped_keys is not None:
            dropped_keys.extend(blob_keys(message.files))
        return replace(message, body="", deleted=True, change_seq=change_seq, reactions=(), mentions=(), files=())

    async def add_reaction(
        self, message_id: int, user_id: int, emoji: str, now_ms: int, *, max_emoji: int
    ) -> Message | None:
        """Add a user's reaction; None if they already had it (nothing changes).

        Raises NotFound, RoomArchived, MessageDeleted, and TooManyReactions when the emoji would be the message's
        (max_emoji + 1)-th distinct one.
        """
        async with self.transaction() as tx:
            message, change_seq = await self._lock(tx, message_id)
            if message.deleted:
                raise MessageDeleted("message")
            present = {r.emoji: r for r in message.reactions}
            if emoji in present and any(u.id == user_id for u in present[emoji].users):
                return None
            if emoji not in present and len(present) >= max_emoji:
                raise TooManyReactions("message")
            await tx.insert(
                "INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES (%s, %s, %s, %s)",
                (message_id, user_id, emoji, now_ms),
            )
            await self._stamp(tx, message, change_seq)
            return await self._message(tx, message_id)

    async def remove_reaction(self, message_id: int, user_id: int, emoji: str) -> Message | None:
        """Remove a user's reaction; None if they did not have it (nothing changes).

        Raises NotFound, RoomArchived, MessageDeleted.
        """
        async with self.transaction() as tx:
            message, change_seq = await self._lock(tx, message_id)
            if message.deleted:
                raise MessageDeleted("message")
            removed = await tx.execute(
                "DELETE FROM reactions WHERE message_id = %s AND user_id = %s AND emoji = %s",
                (message_id, user_id, emoji),
            )
            if not removed:
                return None
            await self._stamp(tx, message, change_seq)
            return await self._message(tx, message_id)

    # -- the change log -----------------------------------------------------------------------------------

    async def changes_after(self, room_id: int, since: int, limit: int) -> Page:
        """The current state of the room's messages whose latest change is after `since`, in change_seq order."""
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {MESSAGE_COLUMNS} FROM message_changes c JOIN messages m ON m.id = c.message_id"
                " JOIN users u ON u.id = m.user_id"
                " WHERE c.room_id = %s AND c.change_seq > %s ORDER BY c.change_seq LIMIT %s",
                (room_id, since, limit + 1),
            )
            messages = await self.complete(tx, [message_from_row(r) for r in rows[:limit]])
        return Page(messages, len(rows) > limit)

    async def changes_between(self, room_id: int, after: int, upto: int) -> list[Message]:
        """Messages whose latest change is in (after, upto], in change_seq order (filling a gap in live delivery)."""
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {MESSAGE_COLUMNS} FROM message_changes c JOIN messages m ON m.id = c.message_id"
                " JOIN users u ON u.id = m.user_id"
                " WHERE c.room_id = %s AND c.change_seq > %s AND c.change_seq <= %s ORDER BY c.change_seq",
                (room_id, after, upto),
            )
            return await self.complete(tx, [message_from_row(r) for r in rows])

    async def latest_change(self, room_id: int) -> Message | None:
        """The room's most recently changed message, in its current state."""
        async with self.read() as tx:
            row = await tx.fetchone(
                "SELECT message_id FROM message_changes WHERE room_id = %s ORDER BY change_seq DESC LIMIT 1",
                (room_id,),
            )
            return None if row is None else await self._message(tx, int(row[0]))

    async def room_change_seqs(self) -> dict[int, int]:
        """Every room's change_seq: where live delivery of changes starts when a process comes up."""
        async with self.read() as tx:
            rows = await tx.fetchall("SELECT id, change_seq FROM rooms")
        return {int(r[0]): int(r[1]) for r in rows}
