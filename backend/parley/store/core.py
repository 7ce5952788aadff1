"""The store's foundations: errors, the connection interface (Tx), row mapping, and the plumbing every
backend provides (connections, transactions, migrations). The queries live in admin.py and base.py.
"""

from __future__ import annotations

import abc
import hashlib
import unicodedata
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from ..models import Account, Message, Room

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


class QuotaExceeded(StoreError):
    """The account already made as many as allowed within the window; `oldest_ms` is when the oldest of those was."""

    def __init__(self, oldest_ms: int) -> None:
        super().__init__(f"quota reached (oldest at {oldest_ms})")
        self.oldest_ms = oldest_ms


class DatabaseUnavailable(StoreError):
    """The database cannot be reached (down, refused, timed out)."""


class Tx(abc.ABC):
    """One connection, inside or outside a transaction."""

    @abc.abstractmethod
    async def fetchone(self, sql: str, args: Args = ()) -> Row | None: ...

    @abc.abstractmethod
    async def fetchall(self, sql: str, args: Args = ()) -> list[Row]: ...

    async def fetch_batch(self, statements: Sequence[tuple[str, Args]]) -> list[list[Row]]:
        """Several independent SELECTs, each one's rows. A backend that can send them together does (SQLite: one
        trip to its connection's thread); this one runs them in turn."""
        return [await self.fetchall(sql, args) for sql, args in statements]

    @abc.abstractmethod
    async def execute(self, sql: str, args: Args = ()) -> int:
        """Run a statement; return the number of rows it changed. Raises Conflict on a unique key."""

    @abc.abstractmethod
    async def execute_script_statement(self, sql: str) -> None:
        """Run one statement of a migration as written: no placeholders, so a literal % stays a %."""

    @abc.abstractmethod
    async def insert(self, sql: str, args: Args = ()) -> int:
        """Run an INSERT; return the new row's id. Raises Conflict on a unique key."""

    async def pipeline(self, statements: Sequence[tuple[str, Args]], *, commit: bool = False) -> list[int]:
        """Run statements that return no rows, in order; return each one's insert id (0 for what inserted none).
        With `commit`, the transaction commits with them and nothing may run in it after. A backend may send them
        together (MySQL: one round trip for the lot). Raises Conflict on a unique key (those after it do not run).
        """
        return [await self.insert(sql, args) for sql, args in statements]


MESSAGE_COLUMNS = (
    "m.id, m.room_id, m.seq, m.user_id, u.username, m.body, m.created_at, m.client_id,"
    " m.edited_at, m.deleted, m.change_seq"
)
ROOM_COLUMNS = "r.id, r.name, r.topic, r.is_private, r.archived, r.last_seq, r.created_at, r.kind, r.change_seq"
ACCOUNT_COLUMNS = "id, username, password_hash, is_admin, disabled, created_at, last_seen"


def message_from_row(row: Row) -> Message:
    return Message(
        id=int(row[0]),
        room_id=int(row[1]),
        seq=int(row[2]),
        user_id=int(row[3]),
        username=row[4],
        body=row[5],
        created_at=int(row[6]),
        client_id=row[7],
        edited_at=None if row[8] is None else int(row[8]),
        deleted=bool(row[9]),
        change_seq=int(row[10]),
    )


def room_from_row(row: Row) -> Room:
    return Room(
        id=int(row[0]),
        name=row[1],
        topic=row[2],
        private=bool(row[3]),
        archived=bool(row[4]),
        last_seq=int(row[5]),
        created_at=int(row[6]),
        kind=row[7],
        change_seq=int(row[8]),
    )


def account_from_row(row: Row) -> Account:
    return Account(
        id=int(row[0]),
        username=row[1],
        password_hash=row[2],
        is_admin=bool(row[3]),
        disabled=bool(row[4]),
        created_at=int(row[5]),
        last_seen=None if row[6] is None else int(row[6]),
    )


# Characters of a name's key: the width of rooms.name_key on MySQL (NFKC may expand one character into 18).
NAME_KEY_MAX = 255


def name_key(name: str) -> str:
    """A name as uniqueness sees it: compatibility forms folded (NFKC: full-width and mathematical letters,
    ligatures) and case folded, so full-width `GENERAL`, `General` and `general` are one name."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def username_key(username: str) -> str:
    return name_key(username)


def room_name_key(name: str) -> str:
    return name_key(name)


def session_key(session_id: str) -> str:
    """What the database keeps of a session id: its SHA-256, so a copy of the database (a backup, a leaked
    dump) holds no usable session. Hub, revocations log and broker name sessions by this key too."""
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


class Database(abc.ABC):
    """A connected database: backends (mysql.py, sqlite.py) implement the abstract plumbing."""

    """Parley's persistence. Subclasses provide `read`, `transaction`, `close` and the dialect bits."""

    #: appended to the SELECT that locks a room row before a message takes the next seq
    for_update: str = ""
    #: appended to the SELECT that takes search backlog rows: rows another process holds are skipped, not waited for
    skip_locked: str = ""
    #: appended to the SELECT that reads backlogged messages: waits for an edit or deletion in flight to commit
    for_share: str = ""
    #: rows read as one packed value where a batch's are many (MySQL's GROUP_CONCAT and JSON_ARRAYAGG, when the
    #: session's group_concat_max_len holds a batch's rooms): a result row costs the pure-Python driver more than
    #: what is in it
    packed_reads: bool = False
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

    async def clock_s(self) -> float | None:
        """The database server's clock, where it has its own (None: it is this process's, as for SQLite)."""
        return None

    async def backup_to(self, path: str) -> None:
        """Copy the whole database, consistently, into a new file (SQLite); others have their own tools."""
        raise StoreError(f"{self.kind} databases are backed up with their own tools: see docs/operating.md")

    async def applied_versions(self) -> set[int]:
        async with self.read() as tx:
            rows = await tx.fetchall("SELECT version FROM schema_version")
        return {int(r[0]) for r in rows}

    # A lookup every query class needs.

    async def room(self, room_id: int) -> Room | None:
        async with self.read() as tx:
            row = await tx.fetchone(f"SELECT {ROOM_COLUMNS} FROM rooms r WHERE r.id = %s", (room_id,))
        return None if row is None else room_from_row(row)
