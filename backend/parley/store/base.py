"""The store: every SQL statement of the chat itself, written once for both databases.

Backends (mysql.py, sqlite.py) supply connections and transactions; the classes here supply the queries. SQL is
written with %s placeholders; the SQLite backend rewrites them to ?. Dialect differences are the few
attributes a backend sets (`for_update`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..counters import PoolMeter
from ..models import Account, Member, Room, User
from .admin import AdminQueries, ImportOutcome
from .conversations import MessageDeleted, TooManyReactions
from .core import (
    ACCOUNT_COLUMNS,
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
    room_from_row,
    room_name_key,
    session_key,
    username_key,
)
from .files import FileNotAttachable
from .invites import InviteInvalid, InviteQueries, record_invitee, use_invite
from .messages import MessageQueries
from .search import Hit, SearchQueries, Terms, query_terms

__all__ = [
    "NAME_KEY_MAX",
    "Args",
    "Conflict",
    "Database",
    "DatabaseUnavailable",
    "FileNotAttachable",
    "Hit",
    "ImportOutcome",
    "InviteInvalid",
    "MessageDeleted",
    "NotFound",
    "QuotaExceeded",
    "RoomArchived",
    "Row",
    "Store",
    "StoreError",
    "Terms",
    "TooManyReactions",
    "Tx",
    "query_terms",
    "room_name_key",
    "session_key",
    "username_key",
]


class Store(MessageQueries, AdminQueries, InviteQueries, SearchQueries):
    """Parley's persistence: the chat's queries on top of the messages and conversations (with read-state and
    mention), admin, invite and search ones and a backend's plumbing."""

    # Connections in use and waited for, and how long each use held one (read by the metrics at scrape time).
    meter: PoolMeter

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

    async def end_user_sessions(self, user_id: int, now_ms: int) -> list[str]:
        """End every session of the user (an admin's "log out everywhere"); return the ended sessions' keys."""
        async with self.transaction() as tx:
            return await self._end_sessions(tx, user_id, "reset", now_ms)

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
