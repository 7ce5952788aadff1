"""The operator's queries (`parley` admin commands, /api/admin): renames, archiving, bulk history."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from ..models import Account, Message, Room
from .core import (
    ACCOUNT_COLUMNS,
    Conflict,
    NotFound,
    Tx,
    account_from_row,
    room_name_key,
    username_key,
)
from .files import FileQueries
from .search import index_message, unindex_messages


class AdminQueries(FileQueries):
    # -- admin --------------------------------------------------------------------------------------------
    # What the operator's tools need (`parley` admin commands, /api/admin): renames, archiving, bulk history.

    async def rename_room(self, room_id: int, name: str) -> Room | None:
        """Rename a room; None if there is no such room. Conflict if another room has the name."""
        async with self.transaction() as tx:
            if await tx.fetchone("SELECT id FROM rooms WHERE id = %s" + self.for_update, (room_id,)) is None:
                return None
            await tx.execute(
                "UPDATE rooms SET name = %s, name_key = %s WHERE id = %s", (name, room_name_key(name), room_id)
            )
        return await self.room(room_id)

    async def set_archived(self, room_id: int, archived: bool) -> Room | None:
        """Make a room read-only (or writable again); None if there is no such room.

        Under the room's row lock, so no message is stored in an archived room after this returns.
        """
        async with self.transaction() as tx:
            if await tx.fetchone("SELECT id FROM rooms WHERE id = %s" + self.for_update, (room_id,)) is None:
                return None
            await tx.execute("UPDATE rooms SET archived = %s WHERE id = %s", (int(archived), room_id))
        return await self.room(room_id)

    async def search_accounts(self, query: str, offset: int, limit: int) -> tuple[list[Account], int]:
        """Accounts whose username contains `query` (as uniqueness compares names: any case), ordered by
        username, one page of them; and how many match in all."""
        # LIKE's wildcards in the query are literal ("!" escapes them, in both SQLite and MariaDB).
        pattern = "%" + username_key(query).replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
        where = " WHERE username_key LIKE %s ESCAPE '!'"
        async with self.read() as tx:
            row = await tx.fetchone("SELECT COUNT(*) FROM users" + where, (pattern,))
            rows = await tx.fetchall(
                f"SELECT {ACCOUNT_COLUMNS} FROM users{where} ORDER BY username_key, id LIMIT %s OFFSET %s",
                (pattern, limit, offset),
            )
        return [account_from_row(r) for r in rows], int(row[0]) if row else 0

    async def room_member_counts(self) -> dict[int, int]:
        async with self.read() as tx:
            rows = await tx.fetchall("SELECT room_id, COUNT(*) FROM room_members GROUP BY room_id")
        return {int(r[0]): int(r[1]) for r in rows}

    async def admin_counts(self) -> dict[str, int]:
        """Totals for `parley stats`."""
        async with self.read() as tx:
            row = await tx.fetchone(
                "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM users WHERE disabled = 1),"
                " (SELECT COUNT(*) FROM users WHERE is_admin = 1), (SELECT COUNT(*) FROM rooms),"
                " (SELECT COUNT(*) FROM rooms WHERE archived = 1), (SELECT COUNT(*) FROM messages),"
                " (SELECT COUNT(*) FROM sessions)"
            )
        names = ("users", "disabled_users", "admins", "rooms", "archived_rooms", "messages", "sessions")
        return dict(zip(names, (int(v) for v in row or (0,) * len(names)), strict=True))

    async def count_messages(self, room_id: int | None = None, before_ms: int | None = None) -> int:
        """How many messages (of one room or all; only those created before `before_ms` if given)."""
        where, args = _message_filter(room_id, before_ms)
        async with self.read() as tx:
            row = await tx.fetchone(f"SELECT COUNT(*) FROM messages{where}", args)
        return int(row[0]) if row else 0

    async def purge_before(
        self, cutoff_ms: int, *, room_id: int | None = None, batch: int = 1000, dropped_keys: list[str] | None = None
    ) -> AsyncIterator[int]:
        """Delete messages created before `cutoff_ms`, oldest first, `batch` per transaction; yield each count.

        Their files' rows go with them; the files' blob keys are added to `dropped_keys` (delete them afterwards).

        Short transactions keep a running server serving: between batches its writes get the table (SQLite's
        one writer, MySQL's row locks). Rooms keep their last_seq, so new messages never reuse a purged seq.
        """
        where, args = _message_filter(room_id, cutoff_ms)
        while True:
            async with self.transaction() as tx:
                rows = await tx.fetchall(
                    f"SELECT id FROM messages{where} ORDER BY created_at, id LIMIT %s", (*args, batch)
                )
                deleted = 0
                if rows:
                    if dropped_keys is not None:
                        dropped_keys.extend(await self.message_file_keys(tx, [int(r[0]) for r in rows]))
                    marks = ", ".join(["%s"] * len(rows))
                    # The messages first, then their tokens: the order the indexer locks them in (no deadlock).
                    deleted = await tx.execute(f"DELETE FROM messages WHERE id IN ({marks})", [r[0] for r in rows])
                    await unindex_messages(tx, self.kind, [int(r[0]) for r in rows])
            if not rows:
                return
            yield deleted
            if len(rows) < batch:
                return

    async def import_messages(self, messages: Sequence[Message]) -> list[ImportOutcome]:
        """Store exported messages as they were (id, room, seq, author, body, time, client_id, edit time, deleted),
        in one transaction.

        Each outcome is "added"; "present" when a message with that id is already stored and is the same one
        (room, seq, author, client_id), which makes importing twice add nothing; or "conflict" when that id, that
        room's seq or that author's client_id belongs to a different message (nothing is stored for it).
        The rooms are locked first, in id order, and their last_seq raised to the highest seq now stored, so
        messages sent afterwards continue the sequence. NotFound if a room does not exist.
        """
        outcomes: list[ImportOutcome] = []
        async with self.transaction() as tx:
            top: dict[int, int] = {}
            for room_id in sorted({m.room_id for m in messages}):
                row = await tx.fetchone("SELECT last_seq FROM rooms WHERE id = %s" + self.for_update, (room_id,))
                if row is None:
                    raise NotFound(f"room {room_id}")
                top[room_id] = int(row[0])
            for m in messages:
                row = await tx.fetchone("SELECT room_id, seq, user_id, client_id FROM messages WHERE id = %s", (m.id,))
                if row is not None:
                    same = (int(row[0]), int(row[1]), int(row[2]), row[3]) == (m.room_id, m.seq, m.user_id, m.client_id)
                    outcomes.append("present" if same else "conflict")
                    if same:
                        top[m.room_id] = max(top[m.room_id], m.seq)
                    continue
                try:
                    await tx.execute(
                        "INSERT INTO messages (id, room_id, seq, user_id, body, client_id, created_at, edited_at,"
                        " deleted) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        (
                            m.id,
                            m.room_id,
                            m.seq,
                            m.user_id,
                            m.body,
                            m.client_id,
                            m.created_at,
                            m.edited_at,
                            int(m.deleted),
                        ),
                    )
                except Conflict:
                    # Only this statement failed; the transaction and the rest of the batch go on.
                    outcomes.append("conflict")
                    continue
                outcomes.append("added")
                if not m.deleted:
                    await index_message(tx, self.kind, m.id, m.room_id, m.body)
                top[m.room_id] = max(top[m.room_id], m.seq)
                await self._import_reactions(tx, m)
            for room_id, seq in top.items():
                await tx.execute("UPDATE rooms SET last_seq = %s WHERE id = %s AND last_seq < %s", (seq, room_id, seq))
        return outcomes

    async def _import_reactions(self, tx: Tx, m: Message) -> None:
        """An imported message's reactions, timed so they read back in the order the export gave them."""
        at = m.created_at
        for reaction in m.reactions:
            for user in reaction.users:
                await tx.execute(
                    "INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES (%s, %s, %s, %s)",
                    (m.id, user.id, reaction.emoji, at),
                )
                at += 1


ImportOutcome = Literal["added", "present", "conflict"]


def _message_filter(room_id: int | None, before_ms: int | None) -> tuple[str, tuple[Any, ...]]:
    clauses, args = [], []
    if room_id is not None:
        clauses.append("room_id = %s")
        args.append(room_id)
    if before_ms is not None:
        clauses.append("created_at < %s")
        args.append(before_ms)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)
