"""Messages: storing sends (through group commit) and reading history pages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from ..models import Message, Page, User
from .conversations import ConversationQueries
from .core import MESSAGE_COLUMNS, Conflict, NotFound, RoomArchived, StoreError, Tx, message_from_row
from .files import FileNotAttachable
from .group_commit import GroupCommit, Send
from .search import backlog_statement, placed


class MessageQueries(ConversationQueries):
    # Concurrent sends share a transaction; backends make it in __init__ with store_sends.
    group_commit: GroupCommit
    # Set after sends were committed to the search backlog (backends make it in __init__).
    backlog_added: asyncio.Event
    # The step between the ids of one multi-row INSERT when the backend promises them consecutive (MySQL's
    # innodb_autoinc_lock_mode 0 or 1, MariaDB's default), so they follow from the first without reading them
    # back; None: read them back.
    consecutive_id_step: int | None = None

    async def insert_message(
        self,
        room_id: int,
        author: User,
        body: str,
        client_id: str,
        now_ms: int,
        mentions: Sequence[int] = (),
        file_ids: Sequence[int] = (),
    ) -> tuple[Message, bool]:
        """Store a message with the room's next seq, the users it mentions and its files; return after its commit.

        Returns (message, True), or (the earlier message, False) when this user already sent this client_id.
        Raises NotFound for a missing room, RoomArchived for a read-only one, FileNotAttachable (nothing stored)
        when a file id is not the author's own unsent upload to this room. Concurrent sends share a transaction
        (group_commit.py).
        """
        send = Send(room_id, author, body, client_id, now_ms, tuple(mentions), tuple(file_ids))
        return await self.group_commit.submit(send)

    async def store_sends(self, sends: list[Send]) -> list[tuple[Message, bool] | StoreError]:
        """Store a batch of sends in one transaction; one by one when that cannot be done at once.

        A batch fails as a whole when one of its sends repeats a stored client_id (or another in the batch), a
        room is missing or archived, or a file cannot be attached; each send then goes alone and gets its own
        answer (or refusal).
        """
        if len(sends) > 1:
            try:
                return [(m, True) for m in await self._insert_new(sends)]
            except (Conflict, NotFound, RoomArchived, FileNotAttachable):
                pass
        answers: list[tuple[Message, bool] | StoreError] = []
        for send in sends:
            try:
                answers.append(await self._insert_one(send))
            except (Conflict, NotFound, RoomArchived, FileNotAttachable) as refused:
                answers.append(refused)
        return answers

    async def _insert_one(self, send: Send) -> tuple[Message, bool]:
        # Optimistic: a new client_id is the common case, so no look-up first; a repeat hits the unique key.
        try:
            return (await self._insert_new([send]))[0], True
        except (Conflict, RoomArchived):
            # Conflict: the same client_id committed concurrently (a resend racing the original); that one wins.
            # RoomArchived: a resend of a message stored before the room was archived still gets its original.
            earlier = await self.message_by_client_id(send.author.id, send.client_id)
            if earlier is None:
                raise
            return earlier, False

    async def _insert_new(self, sends: list[Send]) -> list[Message]:
        """Insert new messages, each under its room's row lock with the room's next seq, in one transaction.

        Rooms are locked in ascending id (one statement), the order every process uses, so batches do not
        deadlock; each room's last_seq moves by its count of sends at once. What follows the lock goes in one
        pipeline (one round trip on MySQL, with the COMMIT when nothing else is to be written): the rooms' new
        last_seq, the message rows and their search backlog rows, each one statement for the lot.
        """
        counts: dict[int, int] = {}
        for send in sends:
            counts[send.room_id] = counts.get(send.room_id, 0) + 1
        rooms = sorted(counts)
        marks = ", ".join(["%s"] * len(rooms))
        async with self.transaction() as tx:
            rows = await self._lock_rooms(tx, rooms)
            if len(rows) < len(rooms):
                raise NotFound("room")
            if any(archived for _, _, archived in rows):
                raise RoomArchived("room")
            next_seq = {room_id: last_seq + 1 for room_id, last_seq, _ in rows}
            # (room, first seq, last seq) of each room's new messages: this transaction owns those places.
            places = [(room_id, next_seq[room_id], next_seq[room_id] + counts[room_id] - 1) for room_id in rooms]
            update: tuple[str, list[Any]]
            if len(rooms) == 1:
                update = ("UPDATE rooms SET last_seq = %s WHERE id = %s", [places[0][2], rooms[0]])
            else:
                cases = " ".join(["WHEN %s THEN %s"] * len(rooms))
                args: list[Any] = []
                for room_id, _, last in places:
                    args += (room_id, last)
                update = (f"UPDATE rooms SET last_seq = CASE id {cases} END WHERE id IN ({marks})", [*args, *rooms])
            seqs = []
            for send in sends:
                seqs.append(next_seq[send.room_id])
                next_seq[send.room_id] += 1
            values: list[Any] = []
            for seq, send in zip(seqs, sends, strict=True):
                values += (send.room_id, seq, send.author.id, send.body, send.client_id, send.now_ms)
            insert = (
                "INSERT INTO messages (room_id, seq, user_id, body, client_id, created_at) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(sends)),
                values,
            )
            step = self.consecutive_id_step if len(sends) > 1 else 1
            # Mentions and files are written with the message ids, and ids that are not computed are read back:
            # then the transaction goes on after the pipeline.
            more = step is None or any(send.mentions or send.file_ids for send in sends)
            # Only a marker for the search index: the indexer writes the tokens after the commit, in batches
            # (store/search.py, live/search_indexer.py).
            first_id = (await tx.pipeline([update, insert, backlog_statement(places)], commit=not more))[1]
            if step is not None:
                # One statement's ids are consecutive here, and the insert id it reports is its first row's.
                ids = [first_id + i * step for i in range(len(sends))]
            else:
                ids = await self._read_ids(tx, sends, seqs, places)
            messages = []
            for message_id, seq, send in zip(ids, seqs, sends, strict=True):
                if send.mentions:
                    await self.insert_mentions(tx, message_id, send.room_id, seq, send.mentions)
                files = await self.attach_files(tx, message_id, send.room_id, send.author.id, send.file_ids)
                messages.append(
                    Message(
                        message_id,
                        send.room_id,
                        seq,
                        send.author.id,
                        send.author.username,
                        send.body,
                        send.now_ms,
                        send.client_id,
                        send.mentions,
                        files=files,
                    )
                )
        self.backlog_added.set()
        return messages

    async def _lock_rooms(self, tx: Tx, rooms: list[int]) -> list[tuple[int, int, int]]:
        """(id, last_seq, archived) of those of `rooms` that exist, locked in ascending id (one packed row where the
        backend reads so)."""
        marks = ", ".join(["%s"] * len(rooms))
        where = f" FROM rooms WHERE id IN ({marks})"
        if self.packed_reads:
            row = await tx.fetchone(
                "SELECT COUNT(*), GROUP_CONCAT(id, ' ', last_seq, ' ', archived ORDER BY id SEPARATOR ' ')"
                + where
                + self.for_update,
                rooms,
            )
            numbers = [int(x) for x in row[1].split()] if row is not None and row[1] is not None else []
            # Whole unless cut at group_concat_max_len (the backend checked it is long enough for a batch); if it
            # was cut, the rows below are read under the locks already taken.
            if row is not None and len(numbers) == 3 * int(row[0]):
                return list(zip(numbers[0::3], numbers[1::3], numbers[2::3], strict=True))
        found = await tx.fetchall("SELECT id, last_seq, archived" + where + " ORDER BY id" + self.for_update, rooms)
        return [(int(r[0]), int(r[1]), int(r[2])) for r in found]

    async def _read_ids(
        self, tx: Tx, sends: list[Send], seqs: list[int], places: list[tuple[int, int, int]]
    ) -> list[int]:
        """The ids of a multi-row insert where they are not promised consecutive (MySQL 8's default interleaved
        lock mode, SQLite), in the order of `sends`: read back by (room, seq)."""
        rows = await tx.fetchall(
            "SELECT id, room_id, seq FROM messages WHERE " + placed(len(places)),
            [x for place in places for x in place],
        )
        by_place = {(int(r[1]), int(r[2])): int(r[0]) for r in rows}
        return [by_place[(send.room_id, seq)] for seq, send in zip(seqs, sends, strict=True)]

    async def message_by_client_id(self, user_id: int, client_id: str) -> Message | None:
        async with self.read() as tx:
            row = await tx.fetchone(
                f"SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id"
                " WHERE m.user_id = %s AND m.client_id = %s",
                (user_id, client_id),
            )
            return None if row is None else (await self.complete(tx, [message_from_row(row)]))[0]

    async def messages_before(self, room_id: int, before_seq: int | None, limit: int) -> Page:
        """The newest `limit` messages below `before_seq` (all if None), oldest first."""
        bound = "" if before_seq is None else " AND m.seq < %s"
        args: tuple[Any, ...] = (room_id,) if before_seq is None else (room_id, before_seq)
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id"
                f" WHERE m.room_id = %s{bound} ORDER BY m.seq DESC LIMIT %s",
                (*args, limit + 1),
            )
            messages = await self.complete(tx, [message_from_row(r) for r in reversed(rows[:limit])])
        return Page(messages, len(rows) > limit)

    async def messages_after(self, room_id: int, after_seq: int, limit: int) -> Page:
        """The oldest `limit` messages above `after_seq`, oldest first."""
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id"
                " WHERE m.room_id = %s AND m.seq > %s ORDER BY m.seq LIMIT %s",
                (room_id, after_seq, limit + 1),
            )
            messages = await self.complete(tx, [message_from_row(r) for r in rows[:limit]])
        return Page(messages, len(rows) > limit)

    async def messages_between(self, room_id: int, after_seq: int, upto_seq: int) -> list[Message]:
        """Messages with after_seq < seq <= upto_seq, oldest first (filling a gap in live delivery)."""
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id"
                " WHERE m.room_id = %s AND m.seq > %s AND m.seq <= %s ORDER BY m.seq",
                (room_id, after_seq, upto_seq),
            )
            return await self.complete(tx, [message_from_row(r) for r in rows])

    async def iter_messages(self, room_id: int | None, batch: int = 1000) -> AsyncIterator[Message]:
        """Every message (of one room or all), by id, with its files and reactions, fetched in batches so memory
        stays flat."""
        last_id = 0
        room_filter = "" if room_id is None else " AND m.room_id = %s"
        while True:
            args: tuple[Any, ...] = (last_id,) if room_id is None else (last_id, room_id)
            async with self.read() as tx:
                rows = await tx.fetchall(
                    f"SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id"
                    f" WHERE m.id > %s{room_filter} ORDER BY m.id LIMIT %s",
                    (*args, batch),
                )
                messages = await self.with_files(tx, await self.with_reactions(tx, [message_from_row(r) for r in rows]))
            for message in messages:
                yield message
            if len(rows) < batch:
                return
            last_id = int(rows[-1][0])
