"""The store: every SQL statement Parley runs, written once for both databases.

Backends (mysql.py, sqlite.py) supply connections and transactions; this class supplies the queries. SQL is
written with %s placeholders; the SQLite backend rewrites them to ?. Dialect differences are the few
attributes a backend sets (`for_update`).
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal

from ..models import Account, Member, Message, Page, Room, User

Row = tuple[Any, ...]
Args = Sequence[Any]


class StoreError(Exception):
    pass


class Conflict(StoreError):
    """A unique key refused the write."""


class NotFound(StoreError):
    pass


class RoomArchived(StoreError):
    pass


class DatabaseUnavailable(StoreError):
    """The database cannot be reached (down, refused, timed out)."""


class Tx(abc.ABC):
    """One connection, inside or outside a transaction."""

    @abc.abstractmethod
    async def fetchone(self, sql: str, args: Args = ()) -> Row | None: ...

    @abc.abstractmethod
    async def fetchall(self, sql: str, args: Args = ()) -> list[Row]: ...

    @abc.abstractmethod
    async def execute(self, sql: str, args: Args = ()) -> int:
        """Run a statement; return the number of rows it changed. Raises Conflict on a unique key."""

    @abc.abstractmethod
    async def execute_script_statement(self, sql: str) -> None:
        """Run one statement of a migration as written: no placeholders, so a literal % stays a %."""

    @abc.abstractmethod
    async def insert(self, sql: str, args: Args = ()) -> int:
        """Run an INSERT; return the new row's id. Raises Conflict on a unique key."""


_MESSAGE_COLUMNS = "m.id, m.room_id, m.seq, m.user_id, u.username, m.body, m.created_at, m.client_id"
_ROOM_COLUMNS = "r.id, r.name, r.topic, r.is_private, r.archived, r.last_seq, r.created_at"
_ACCOUNT_COLUMNS = "id, username, password_hash, is_admin, disabled, created_at, last_seen"


def _message(row: Row) -> Message:
    return Message(
        id=int(row[0]),
        room_id=int(row[1]),
        seq=int(row[2]),
        user_id=int(row[3]),
        username=row[4],
        body=row[5],
        created_at=int(row[6]),
        client_id=row[7],
    )


def _room(row: Row) -> Room:
    return Room(
        id=int(row[0]),
        name=row[1],
        topic=row[2],
        private=bool(row[3]),
        archived=bool(row[4]),
        last_seq=int(row[5]),
        created_at=int(row[6]),
    )


def _account(row: Row) -> Account:
    return Account(
        id=int(row[0]),
        username=row[1],
        password_hash=row[2],
        is_admin=bool(row[3]),
        disabled=bool(row[4]),
        created_at=int(row[5]),
        last_seen=None if row[6] is None else int(row[6]),
    )


def username_key(username: str) -> str:
    return username.lower()


def room_name_key(name: str) -> str:
    return name.casefold()


class Store(abc.ABC):
    """Parley's persistence. Subclasses provide `read`, `transaction`, `close` and the dialect bits."""

    #: appended to the SELECT that locks a room row before a message takes the next seq
    for_update: str = ""
    kind: str = ""

    # -- plumbing -----------------------------------------------------------------------------------------

    @abc.abstractmethod
    def read(self) -> AbstractAsyncContextManager[Tx]:
        """A connection for reads (autocommit)."""

    @abc.abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """A connection inside one transaction: committed on normal exit, rolled back on an exception."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def apply_migration(self, version: int, name: str, statements: list[str], now_ms: int) -> None:
        """Run one migration's statements and record its version."""

    @abc.abstractmethod
    async def ensure_version_table(self) -> None: ...

    @abc.abstractmethod
    async def database_size_bytes(self) -> int: ...

    async def ping(self) -> None:
        async with self.read() as tx:
            await tx.fetchone("SELECT 1")

    async def applied_versions(self) -> set[int]:
        async with self.read() as tx:
            rows = await tx.fetchall("SELECT version FROM schema_version")
        return {int(r[0]) for r in rows}

    # -- users and sessions -------------------------------------------------------------------------------

    async def create_user(self, username: str, password_hash: str, now_ms: int, *, is_admin: bool = False) -> Account:
        """Create a user and make them a member of every room named general. Conflict if the name is taken."""
        async with self.transaction() as tx:
            user_id = await tx.insert(
                "INSERT INTO users (username, username_key, password_hash, is_admin, created_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                (username, username_key(username), password_hash, int(is_admin), now_ms),
            )
            await tx.execute(
                "INSERT INTO room_members (room_id, user_id, joined_at)"
                " SELECT id, %s, %s FROM rooms WHERE name_key = 'general'",
                (user_id, now_ms),
            )
        return Account(user_id, username, password_hash, is_admin, False, now_ms, None)

    async def account_by_name(self, username: str) -> Account | None:
        async with self.read() as tx:
            row = await tx.fetchone(
                f"SELECT {_ACCOUNT_COLUMNS} FROM users WHERE username_key = %s", (username_key(username),)
            )
        return None if row is None else _account(row)

    async def account_by_id(self, user_id: int) -> Account | None:
        async with self.read() as tx:
            row = await tx.fetchone(f"SELECT {_ACCOUNT_COLUMNS} FROM users WHERE id = %s", (user_id,))
        return None if row is None else _account(row)

    async def list_accounts(self) -> list[Account]:
        async with self.read() as tx:
            rows = await tx.fetchall(f"SELECT {_ACCOUNT_COLUMNS} FROM users ORDER BY username_key")
        return [_account(r) for r in rows]

    async def set_password(self, user_id: int, password_hash: str, now_ms: int) -> list[str]:
        """Change the hash and end every session of the user; return the ended session ids."""
        async with self.transaction() as tx:
            await tx.execute("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user_id))
            return await self._end_sessions(tx, user_id, "password_changed", now_ms)

    async def set_disabled(self, user_id: int, disabled: bool, now_ms: int) -> list[str]:
        """Disable or enable a user; disabling ends every session. Returns the ended session ids."""
        async with self.transaction() as tx:
            await tx.execute("UPDATE users SET disabled = %s WHERE id = %s", (int(disabled), user_id))
            return await self._end_sessions(tx, user_id, "disabled", now_ms) if disabled else []

    async def set_admin(self, user_id: int, is_admin: bool) -> None:
        async with self.transaction() as tx:
            await tx.execute("UPDATE users SET is_admin = %s WHERE id = %s", (int(is_admin), user_id))

    async def set_last_seen(self, user_id: int, when_ms: int) -> None:
        async with self.transaction() as tx:
            await tx.execute("UPDATE users SET last_seen = %s WHERE id = %s", (when_ms, user_id))

    async def create_session(self, session_id: str, user_id: int, now_ms: int) -> None:
        async with self.transaction() as tx:
            await tx.insert(
                "INSERT INTO sessions (id, user_id, created_at) VALUES (%s, %s, %s)", (session_id, user_id, now_ms)
            )

    async def session_user(self, session_id: str, not_before_ms: int) -> User | None:
        """The user of a live session: it exists, is younger than the cut-off and its user is enabled."""
        async with self.read() as tx:
            row = await tx.fetchone(
                "SELECT u.id, u.username, u.is_admin FROM sessions s JOIN users u ON u.id = s.user_id"
                " WHERE s.id = %s AND s.created_at >= %s AND u.disabled = 0",
                (session_id, not_before_ms),
            )
        return None if row is None else User(int(row[0]), row[1], bool(row[2]))

    async def end_session(self, session_id: str, now_ms: int) -> None:
        async with self.transaction() as tx:
            if await tx.execute("DELETE FROM sessions WHERE id = %s", (session_id,)):
                await self._log_revocation(tx, session_id, "logged_out", now_ms)

    async def _end_sessions(self, tx: Tx, user_id: int, reason: str, now_ms: int) -> list[str]:
        rows = await tx.fetchall("SELECT id FROM sessions WHERE user_id = %s", (user_id,))
        await tx.execute("DELETE FROM sessions WHERE user_id = %s", (user_id,))
        for row in rows:
            await self._log_revocation(tx, row[0], reason, now_ms)
        return [r[0] for r in rows]

    async def _log_revocation(self, tx: Tx, session_id: str, reason: str, now_ms: int) -> None:
        await tx.insert(
            "INSERT INTO revocations (session_id, reason, created_at) VALUES (%s, %s, %s)",
            (session_id, reason, now_ms),
        )

    async def revocations_after(self, after_id: int, limit: int = 1000) -> list[tuple[int, str, str]]:
        """Sessions ended since `after_id`, oldest first: (id, session_id, reason)."""
        async with self.read() as tx:
            rows = await tx.fetchall(
                "SELECT id, session_id, reason FROM revocations WHERE id > %s ORDER BY id LIMIT %s",
                (after_id, limit),
            )
        return [(int(r[0]), r[1], r[2]) for r in rows]

    async def last_revocation_id(self) -> int:
        async with self.read() as tx:
            row = await tx.fetchone("SELECT COALESCE(MAX(id), 0) FROM revocations")
        return int(row[0]) if row else 0

    async def prune_revocations(self, before_ms: int) -> int:
        async with self.transaction() as tx:
            return await tx.execute("DELETE FROM revocations WHERE created_at < %s", (before_ms,))

    # -- rooms --------------------------------------------------------------------------------------------

    async def create_room(self, name: str, topic: str, private: bool, creator_id: int | None, now_ms: int) -> Room:
        """Create a room with its creator as first member. Conflict if the name is taken."""
        async with self.transaction() as tx:
            room_id = await tx.insert(
                "INSERT INTO rooms (name, name_key, topic, is_private, created_by, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (name, room_name_key(name), topic, int(private), creator_id, now_ms),
            )
            if creator_id is not None:
                await tx.insert(
                    "INSERT INTO room_members (room_id, user_id, joined_at) VALUES (%s, %s, %s)",
                    (room_id, creator_id, now_ms),
                )
        return Room(room_id, name, topic, private, False, 0, now_ms)

    async def room(self, room_id: int) -> Room | None:
        async with self.read() as tx:
            row = await tx.fetchone(f"SELECT {_ROOM_COLUMNS} FROM rooms r WHERE r.id = %s", (room_id,))
        return None if row is None else _room(row)

    async def room_by_name(self, name: str) -> Room | None:
        async with self.read() as tx:
            row = await tx.fetchone(
                f"SELECT {_ROOM_COLUMNS} FROM rooms r WHERE r.name_key = %s", (room_name_key(name),)
            )
        return None if row is None else _room(row)

    async def visible_rooms(self, user_id: int) -> list[tuple[Room, bool]]:
        """Every public room and every private room the user is in, by name, each with 'joined'."""
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {_ROOM_COLUMNS}, m.user_id FROM rooms r"
                " LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = %s"
                " WHERE r.is_private = 0 OR m.user_id IS NOT NULL ORDER BY r.name_key",
                (user_id,),
            )
        return [(_room(r), r[7] is not None) for r in rows]

    async def user_rooms(self, user_id: int) -> list[Room]:
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {_ROOM_COLUMNS} FROM room_members m JOIN rooms r ON r.id = m.room_id"
                " WHERE m.user_id = %s ORDER BY r.name_key",
                (user_id,),
            )
        return [_room(r) for r in rows]

    async def all_rooms(self) -> list[Room]:
        async with self.read() as tx:
            rows = await tx.fetchall(f"SELECT {_ROOM_COLUMNS} FROM rooms r ORDER BY r.name_key")
        return [_room(r) for r in rows]

    async def is_member(self, room_id: int, user_id: int) -> bool:
        async with self.read() as tx:
            row = await tx.fetchone(
                "SELECT 1 FROM room_members WHERE room_id = %s AND user_id = %s", (room_id, user_id)
            )
        return row is not None

    async def add_member(self, room_id: int, user_id: int, now_ms: int) -> bool:
        """Add a member; False if they already were one."""
        async with self.transaction() as tx:
            row = await tx.fetchone(
                "SELECT 1 FROM room_members WHERE room_id = %s AND user_id = %s", (room_id, user_id)
            )
            if row is not None:
                return False
            await tx.insert(
                "INSERT INTO room_members (room_id, user_id, joined_at) VALUES (%s, %s, %s)",
                (room_id, user_id, now_ms),
            )
        return True

    async def remove_member(self, room_id: int, user_id: int) -> bool:
        """Remove a member; False if they were not one."""
        async with self.transaction() as tx:
            changed = await tx.execute(
                "DELETE FROM room_members WHERE room_id = %s AND user_id = %s", (room_id, user_id)
            )
        return changed > 0

    async def members(self, room_id: int) -> list[Member]:
        async with self.read() as tx:
            rows = await tx.fetchall(
                "SELECT u.id, u.username, u.last_seen FROM room_members m JOIN users u ON u.id = m.user_id"
                " WHERE m.room_id = %s ORDER BY u.username_key",
                (room_id,),
            )
        return [Member(int(r[0]), r[1], None if r[2] is None else int(r[2])) for r in rows]

    async def co_members(self, user_id: int, candidates: Sequence[int]) -> list[Member]:
        """Those of `candidates` who share at least one room with the user (the user included if listed)."""
        if not candidates:
            return []
        marks = ", ".join(["%s"] * len(candidates))
        async with self.read() as tx:
            rows = await tx.fetchall(
                "SELECT DISTINCT u.id, u.username, u.last_seen FROM room_members mine"
                " JOIN room_members theirs ON theirs.room_id = mine.room_id"
                " JOIN users u ON u.id = theirs.user_id"
                f" WHERE mine.user_id = %s AND theirs.user_id IN ({marks})",
                (user_id, *candidates),
            )
        return [Member(int(r[0]), r[1], None if r[2] is None else int(r[2])) for r in rows]

    async def room_ids_of(self, user_id: int) -> list[int]:
        async with self.read() as tx:
            rows = await tx.fetchall("SELECT room_id FROM room_members WHERE user_id = %s", (user_id,))
        return [int(r[0]) for r in rows]

    async def room_seqs(self) -> dict[int, int]:
        """Every room's last seq: where live delivery starts when a process comes up."""
        async with self.read() as tx:
            rows = await tx.fetchall("SELECT id, last_seq FROM rooms")
        return {int(r[0]): int(r[1]) for r in rows}

    # -- messages -----------------------------------------------------------------------------------------

    async def insert_message(
        self, room_id: int, author: User, body: str, client_id: str, now_ms: int
    ) -> tuple[Message, bool]:
        """Store a message under the room's row lock with the next seq.

        Returns (message, True), or (the earlier message, False) when this user already sent this client_id.
        Raises NotFound for a missing room, RoomArchived for a read-only one.
        """
        user_id = author.id
        # Optimistic: a new client_id is the common case, so no look-up first; a repeat hits the unique key.
        try:
            async with self.transaction() as tx:
                row = await tx.fetchone(
                    "SELECT last_seq, archived FROM rooms WHERE id = %s" + self.for_update, (room_id,)
                )
                if row is None:
                    raise NotFound("room")
                if row[1]:
                    raise RoomArchived("room")
                seq = int(row[0]) + 1
                await tx.execute("UPDATE rooms SET last_seq = %s WHERE id = %s", (seq, room_id))
                message_id = await tx.insert(
                    "INSERT INTO messages (room_id, seq, user_id, body, client_id, created_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    (room_id, seq, user_id, body, client_id, now_ms),
                )
        except Conflict:
            # The same client_id committed concurrently (a resend racing the original): that one wins.
            earlier = await self.message_by_client_id(user_id, client_id)
            if earlier is None:
                raise
            return earlier, False
        return Message(message_id, room_id, seq, user_id, author.username, body, now_ms, client_id), True

    async def message_by_client_id(self, user_id: int, client_id: str) -> Message | None:
        async with self.read() as tx:
            row = await tx.fetchone(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id"
                " WHERE m.user_id = %s AND m.client_id = %s",
                (user_id, client_id),
            )
        return None if row is None else _message(row)

    async def messages_before(self, room_id: int, before_seq: int | None, limit: int) -> Page:
        """The newest `limit` messages below `before_seq` (all if None), oldest first."""
        bound = "" if before_seq is None else " AND m.seq < %s"
        args: tuple[Any, ...] = (room_id,) if before_seq is None else (room_id, before_seq)
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id"
                f" WHERE m.room_id = %s{bound} ORDER BY m.seq DESC LIMIT %s",
                (*args, limit + 1),
            )
        has_more = len(rows) > limit
        return Page([_message(r) for r in reversed(rows[:limit])], has_more)

    async def messages_after(self, room_id: int, after_seq: int, limit: int) -> Page:
        """The oldest `limit` messages above `after_seq`, oldest first."""
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id"
                " WHERE m.room_id = %s AND m.seq > %s ORDER BY m.seq LIMIT %s",
                (room_id, after_seq, limit + 1),
            )
        return Page([_message(r) for r in rows[:limit]], len(rows) > limit)

    async def messages_between(self, room_id: int, after_seq: int, upto_seq: int) -> list[Message]:
        """Messages with after_seq < seq <= upto_seq, oldest first (filling a gap in live delivery)."""
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id"
                " WHERE m.room_id = %s AND m.seq > %s AND m.seq <= %s ORDER BY m.seq",
                (room_id, after_seq, upto_seq),
            )
        return [_message(r) for r in rows]

    async def iter_messages(self, room_id: int | None, batch: int = 1000) -> AsyncIterator[Message]:
        """Every message (of one room or all), by id, fetched in batches so memory stays flat."""
        last_id = 0
        room_filter = "" if room_id is None else " AND m.room_id = %s"
        while True:
            args: tuple[Any, ...] = (last_id,) if room_id is None else (last_id, room_id)
            async with self.read() as tx:
                rows = await tx.fetchall(
                    f"SELECT {_MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id"
                    f" WHERE m.id > %s{room_filter} ORDER BY m.id LIMIT %s",
                    (*args, batch),
                )
            for row in rows:
                yield _message(row)
            if len(rows) < batch:
                return
            last_id = int(rows[-1][0])

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
        self, cutoff_ms: int, *, room_id: int | None = None, batch: int = 1000
    ) -> AsyncIterator[int]:
        """Delete messages created before `cutoff_ms`, oldest first, `batch` per transaction; yield each count.

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
                    marks = ", ".join(["%s"] * len(rows))
                    deleted = await tx.execute(f"DELETE FROM messages WHERE id IN ({marks})", [r[0] for r in rows])
            if not rows:
                return
            yield deleted
            if len(rows) < batch:
                return

    async def import_messages(self, messages: Sequence[Message]) -> list[ImportOutcome]:
        """Store exported messages as they were (id, room, seq, author, body, time, client_id), in one transaction.

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
                        "INSERT INTO messages (id, room_id, seq, user_id, body, client_id, created_at)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                        (m.id, m.room_id, m.seq, m.user_id, m.body, m.client_id, m.created_at),
                    )
                except Conflict:
                    # Only this statement failed; the transaction and the rest of the batch go on.
                    outcomes.append("conflict")
                    continue
                outcomes.append("added")
                top[m.room_id] = max(top[m.room_id], m.seq)
            for room_id, seq in top.items():
                await tx.execute("UPDATE rooms SET last_seq = %s WHERE id = %s AND last_seq < %s", (seq, room_id, seq))
        return outcomes


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
