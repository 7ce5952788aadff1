"""The store: every SQL statement of the chat itself, written once for both databases.

Backends (mysql.py, sqlite.py) supply connections and transactions; the classes here supply the queries. SQL is
written with %s placeholders; the SQLite backend rewrites them to ?. Dialect differences are the few
attributes a backend sets (`for_update`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from ..counters import PoolMeter
from ..models import Account, Member, Message, Page, Room, User
from .admin import AdminQueries, ImportOutcome
from .conversations import ConversationQueries, MessageDeleted, TooManyReactions
from .core import (
    ACCOUNT_COLUMNS,
    MESSAGE_COLUMNS,
    NAME_KEY_MAX,
    ROOM_COLUMNS,
    Args,
    Conflict,
    Database,
    DatabaseUnavailable,
    NotFound,
    QuotaExceeded,
    RoomArchived,
    Row,
    StoreError,
    Tx,
    account_from_row,
    message_from_row,
    room_from_row,
    room_name_key,
    session_key,
    username_key,
)
from .group_commit import GroupCommit, Send
from .invites import InviteInvalid, InviteQueries, record_invitee, use_invite

__all__ = [
    "NAME_KEY_MAX",
    "Args",
    "Conflict",
    "Database",
    "DatabaseUnavailable",
    "ImportOutcome",
    "InviteInvalid",
    "MessageDeleted",
    "NotFound",
    "QuotaExceeded",
    "RoomArchived",
    "Row",
    "Store",
    "StoreError",
    "TooManyReactions",
    "Tx",
    "room_name_key",
    "session_key",
    "username_key",
]


class Store(ConversationQueries, AdminQueries, InviteQueries):
    """Parley's persistence: the chat's queries on top of the conversation (with read-state and mention), admin
    and invite ones and a backend's plumbing."""

    # Connections in use and waited for, and how long each use held one (read by the metrics at scrape time).
    meter: PoolMeter
    # Concurrent sends to one room share a transaction; backends make it in __init__ with store_sends.
    group_commit: GroupCommit

    # -- users and sessions -------------------------------------------------------------------------------

    async def create_user(
        self, username: str, password_hash: str, now_ms: int, *, is_admin: bool = False, invite_hash: str | None = None
    ) -> Account:
        """Create a user and make them a member of every room named general. Conflict if the name is taken.

        With `invite_hash`, the invite is used in the same transaction: InviteInvalid (and no user) unless it was
        still usable, and a Conflict leaves it unused.
        """
        async with self.transaction() as tx:
            if invite_hash is not None:
                await use_invite(tx, invite_hash, now_ms)
            user_id = await tx.insert(
                "INSERT INTO users (username, username_key, password_hash, is_admin, created_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                (username, username_key(username), password_hash, int(is_admin), now_ms),
            )
            # A new member's read marker starts at the room's newest message: what came before is not unread.
            await tx.execute(
                "INSERT INTO room_members (room_id, user_id, joined_at, last_read_seq)"
                " SELECT id, %s, %s, last_seq FROM rooms WHERE name_key = 'general'",
                (user_id, now_ms),
            )
            if invite_hash is not None:
                await record_invitee(tx, invite_hash, user_id)
        return Account(user_id, username, password_hash, is_admin, False, now_ms, None)

    async def account_by_name(self, username: str) -> Account | None:
        key = username_key(username)
        if not key.isascii():
            return None  # usernames are ASCII (MySQL's column refuses to even compare with anything else)
        async with self.read() as tx:
            row = await tx.fetchone(f"SELECT {ACCOUNT_COLUMNS} FROM users WHERE username_key = %s", (key,))
        return None if row is None else account_from_row(row)

    async def account_by_id(self, user_id: int) -> Account | None:
        async with self.read() as tx:
            row = await tx.fetchone(f"SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = %s", (user_id,))
        return None if row is None else account_from_row(row)

    async def list_accounts(self) -> list[Account]:
        async with self.read() as tx:
            rows = await tx.fetchall(f"SELECT {ACCOUNT_COLUMNS} FROM users ORDER BY username_key")
        return [account_from_row(r) for r in rows]

    async def set_password(self, user_id: int, password_hash: str, now_ms: int) -> list[str]:
        """Change the hash and end every session of the user; return the ended sessions' keys."""
        async with self.transaction() as tx:
            await tx.execute("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user_id))
            return await self._end_sessions(tx, user_id, "password_changed", now_ms)

    async def set_disabled(self, user_id: int, disabled: bool, now_ms: int) -> list[str]:
        """Disable or enable a user; disabling ends every session. Returns the ended sessions' keys."""
        async with self.transaction() as tx:
            await tx.execute("UPDATE users SET disabled = %s WHERE id = %s", (int(disabled), user_id))
            return await self._end_sessions(tx, user_id, "disabled", now_ms) if disabled else []

    async def set_admin(self, user_id: int, is_admin: bool) -> None:
        async with self.transaction() as tx:
            await tx.execute("UPDATE users SET is_admin = %s WHERE id = %s", (int(is_admin), user_id))

    async def set_last_seen(self, user_id: int, when_ms: int) -> None:
        async with self.transaction() as tx:
            await tx.execute("UPDATE users SET last_seen = %s WHERE id = %s", (when_ms, user_id))

    # Sessions are stored by key (session_key: a hash of the id the cookie carries), never by id; what comes out
    # of the store (ended sessions, the revocations log) names them by key too.

    async def create_session(self, session_id: str, user_id: int, now_ms: int) -> None:
        async with self.transaction() as tx:
            await tx.insert(
                "INSERT INTO sessions (id, user_id, created_at) VALUES (%s, %s, %s)",
                (session_key(session_id), user_id, now_ms),
            )

    async def session_user(self, session_id: str, not_before_ms: int) -> User | None:
        """The user of a live session: it exists, is younger than the cut-off and its user is enabled."""
        async with self.read() as tx:
            row = await tx.fetchone(
                "SELECT u.id, u.username, u.is_admin FROM sessions s JOIN users u ON u.id = s.user_id"
                " WHERE s.id = %s AND s.created_at >= %s AND u.disabled = 0",
                (session_key(session_id), not_before_ms),
            )
        return None if row is None else User(int(row[0]), row[1], bool(row[2]))

    async def end_session(self, session_id: str, now_ms: int) -> None:
        key = session_key(session_id)
        async with self.transaction() as tx:
            if await tx.execute("DELETE FROM sessions WHERE id = %s", (key,)):
                await self._log_revocation(tx, key, "logged_out", now_ms)

    async def _end_sessions(self, tx: Tx, user_id: int, reason: str, now_ms: int) -> list[str]:
        rows = await tx.fetchall("SELECT id FROM sessions WHERE user_id = %s", (user_id,))
        await tx.execute("DELETE FROM sessions WHERE user_id = %s", (user_id,))
        for row in rows:
            await self._log_revocation(tx, row[0], reason, now_ms)
        return [r[0] for r in rows]

    async def _log_revocation(self, tx: Tx, key: str, reason: str, now_ms: int) -> None:
        await tx.insert(
            "INSERT INTO revocations (session_id, reason, created_at) VALUES (%s, %s, %s)", (key, reason, now_ms)
        )

    async def revocations_after(self, after_id: int, limit: int = 1000) -> list[tuple[int, str, str]]:
        """Sessions ended since `after_id`, oldest first: (id, session key, reason)."""
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

    async def log_room_event(self, room_id: int, user_id: int | None, kind: str, now_ms: int) -> None:
        """Record a room change made outside the servers (kind: see live/room_changes.py)."""
        async with self.transaction() as tx:
            await tx.insert(
                "INSERT INTO room_events (room_id, user_id, kind, created_at) VALUES (%s, %s, %s, %s)",
                (room_id, user_id, kind, now_ms),
            )

    async def room_events_after(self, after_id: int, limit: int = 1000) -> list[tuple[int, int, int | None, str]]:
        """Room changes since `after_id`, oldest first: (id, room_id, user_id, kind)."""
        async with self.read() as tx:
            rows = await tx.fetchall(
                "SELECT id, room_id, user_id, kind FROM room_events WHERE id > %s ORDER BY id LIMIT %s",
                (after_id, limit),
            )
        return [(int(r[0]), int(r[1]), None if r[2] is None else int(r[2]), r[3]) for r in rows]

    async def last_room_event_id(self) -> int:
        async with self.read() as tx:
            row = await tx.fetchone("SELECT COALESCE(MAX(id), 0) FROM room_events")
        return int(row[0]) if row else 0

    async def prune_room_events(self, before_ms: int) -> int:
        async with self.transaction() as tx:
            return await tx.execute("DELETE FROM room_events WHERE created_at < %s", (before_ms,))

    async def prune_sessions(self, before_ms: int) -> int:
        """Delete sessions created before the cut-off (already refused by `session_user`)."""
        async with self.transaction() as tx:
            return await tx.execute("DELETE FROM sessions WHERE created_at < %s", (before_ms,))

    # -- rooms --------------------------------------------------------------------------------------------

    async def create_room(
        self,
        name: str,
        topic: str,
        private: bool,
        creator_id: int | None,
        now_ms: int,
        *,
        quota: tuple[int, int] | None = None,
    ) -> Room:
        """Create a room with its creator as first member. Conflict if the name is taken.

        With `quota` (most, since_ms): QuotaExceeded if the creator already made `most` rooms since `since_ms`,
        counted under a lock on the creator's row, so concurrent creates cannot both slip under it.
        """
        async with self.transaction() as tx:
            if quota is not None and creator_id is not None:
                await tx.fetchone("SELECT id FROM users WHERE id = %s" + self.for_update, (creator_id,))
                row = await tx.fetchone(
                    "SELECT COUNT(*), MIN(created_at) FROM rooms WHERE created_by = %s AND created_at >= %s",
                    (creator_id, quota[1]),
                )
                if row is not None and int(row[0]) >= quota[0]:
                    raise QuotaExceeded(int(row[1]))
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

    async def room_by_name(self, name: str) -> Room | None:
        async with self.read() as tx:
            row = await tx.fetchone(f"SELECT {ROOM_COLUMNS} FROM rooms r WHERE r.name_key = %s", (room_name_key(name),))
        return None if row is None else room_from_row(row)

    async def visible_rooms(self, user_id: int) -> list[tuple[Room, bool]]:
        """Every public room and every private room the user is in, by name, each with 'joined'."""
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {ROOM_COLUMNS}, m.user_id FROM rooms r"
                " LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = %s"
                " WHERE r.is_private = 0 OR m.user_id IS NOT NULL ORDER BY r.name_key",
                (user_id,),
            )
        rooms = await self.with_members([room_from_row(r) for r in rows])
        return [(room, r[-1] is not None) for room, r in zip(rooms, rows, strict=True)]

    async def user_rooms(self, user_id: int) -> list[Room]:
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {ROOM_COLUMNS} FROM room_members m JOIN rooms r ON r.id = m.room_id"
                " WHERE m.user_id = %s ORDER BY r.name_key",
                (user_id,),
            )
        return await self.with_members([room_from_row(r) for r in rows])

    async def all_rooms(self) -> list[Room]:
        async with self.read() as tx:
            rows = await tx.fetchall(f"SELECT {ROOM_COLUMNS} FROM rooms r ORDER BY r.name_key")
        return await self.with_members([room_from_row(r) for r in rows])

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
            # The marker starts at the room's newest message, as for general in create_user.
            await tx.insert(
                "INSERT INTO room_members (room_id, user_id, joined_at, last_read_seq)"
                " SELECT id, %s, %s, last_seq FROM rooms WHERE id = %s",
                (user_id, now_ms, room_id),
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
        self, room_id: int, author: User, body: str, client_id: str, now_ms: int, mentions: Sequence[int] = ()
    ) -> tuple[Message, bool]:
        """Store a message with the room's next seq, and the users it mentions; return after its commit.

        Returns (message, True), or (the earlier message, False) when this user already sent this client_id.
        Raises NotFound for a missing room, RoomArchived for a read-only one. Concurrent sends share a
        transaction (group_commit.py).
        """
        return await self.group_commit.submit(Send(room_id, author, body, client_id, now_ms, tuple(mentions)))

    async def store_sends(self, sends: list[Send]) -> list[tuple[Message, bool] | StoreError]:
        """Store a batch of sends in one transaction; one by one when that cannot be done at once.

        A batch fails as a whole when one of its sends repeats a stored client_id (or another in the batch) or
        a room is missing or archived; each send then goes alone and gets its own answer (or refusal).
        """
        if len(sends) > 1:
            try:
                return [(m, True) for m in await self._insert_new(sends)]
            except (Conflict, NotFound, RoomArchived):
                pass
        answers: list[tuple[Message, bool] | StoreError] = []
        for send in sends:
            try:
                answers.append(await self._insert_one(send))
            except (Conflict, NotFound, RoomArchived) as refused:
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
        deadlock; each room's last_seq moves by its count of sends at once.
        """
        counts: dict[int, int] = {}
        for send in sends:
            counts[send.room_id] = counts.get(send.room_id, 0) + 1
        rooms = sorted(counts)
        marks = ", ".join(["%s"] * len(rooms))
        async with self.transaction() as tx:
            rows = await tx.fetchall(
                f"SELECT id, last_seq, archived FROM rooms WHERE id IN ({marks}) ORDER BY id" + self.for_update, rooms
            )
            if len(rows) < len(rooms):
                raise NotFound("room")
            if any(row[2] for row in rows):
                raise RoomArchived("room")
            next_seq = {int(row[0]): int(row[1]) + 1 for row in rows}
            if len(rooms) == 1:
                await tx.execute(
                    "UPDATE rooms SET last_seq = %s WHERE id = %s", (next_seq[rooms[0]] - 1 + len(sends), rooms[0])
                )
            else:
                cases = " ".join(["WHEN %s THEN %s"] * len(rooms))
                args: list[Any] = []
                for room_id in rooms:
                    args += (room_id, next_seq[room_id] - 1 + counts[room_id])
                await tx.execute(
                    f"UPDATE rooms SET last_seq = CASE id {cases} END WHERE id IN ({marks})", [*args, *rooms]
                )
            first_seqs = dict(next_seq)
            seqs = []
            for send in sends:
                seqs.append(next_seq[send.room_id])
                next_seq[send.room_id] += 1
            ids = await self._insert_rows(tx, sends, seqs, first_seqs, counts)
            messages = []
            for message_id, seq, send in zip(ids, seqs, sends, strict=True):
                if send.mentions:
                    await self.insert_mentions(tx, message_id, send.room_id, seq, send.mentions)
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
                    )
                )
        return messages

    async def _insert_rows(
        self, tx: Tx, sends: list[Send], seqs: list[int], first_seqs: dict[int, int], counts: dict[int, int]
    ) -> list[int]:
        """The message rows, one statement for the lot; their ids in the order of `sends`."""
        columns = "INSERT INTO messages (room_id, seq, user_id, body, client_id, created_at) VALUES "
        if len(sends) == 1:
            send = sends[0]
            row = (send.room_id, seqs[0], send.author.id, send.body, send.client_id, send.now_ms)
            return [await tx.insert(columns + "(%s, %s, %s, %s, %s, %s)", row)]
        values: list[Any] = []
        for seq, send in zip(seqs, sends, strict=True):
            values += (send.room_id, seq, send.author.id, send.body, send.client_id, send.now_ms)
        await tx.execute(columns + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(sends)), values)
        # Auto-increment ids of a multi-row insert are not promised consecutive (MySQL 8's default interleaved
        # lock mode): read them back by (room, seq), which this transaction owns.
        ranges: list[Any] = []
        for room_id, count in counts.items():
            ranges += (room_id, first_seqs[room_id], first_seqs[room_id] + count - 1)
        rows = await tx.fetchall(
            "SELECT id, room_id, seq FROM messages WHERE "
            + " OR ".join(["(room_id = %s AND seq BETWEEN %s AND %s)"] * len(counts)),
            ranges,
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
        """Every message (of one room or all), by id, fetched in batches so memory stays flat."""
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
            for row in rows:
                yield message_from_row(row)
            if len(rows) < batch:
                return
            last_id = int(rows[-1][0])
