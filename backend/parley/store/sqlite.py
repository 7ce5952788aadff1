"""SQLite backend (the embedded default): one writer connection behind a lock, a few readers, WAL mode.

SQLite allows one writer at a time anyway; serializing write transactions in-process with an asyncio.Lock
keeps concurrent coroutines from interleaving statements on the shared connection, and makes seq order
commit order exactly as the row lock does on MySQL.

Reads take a reader connection for themselves, as a MySQL read takes one from the pool. A reader shared by
overlapping reads (as it once was) never ends its implicit read transaction while one read's statement is
still open when the next begins, so under load it kept reading a WAL snapshot older than the last commit: a
session created by a login was not yet there for the request right after it. A reader used by one read at a
time has no statement open between reads, so every read sees every commit made before it began.

Only `parley migrate` (and `parley serve --migrate`) creates the database file, and only in a directory that
exists: everything else opens an existing database, so a typo in DATABASE_URL fails instead of starting empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import aiosqlite

from ..counters import PoolMeter
from .base import Args, Conflict, DatabaseUnavailable, Row, Store, Tx, session_key
from .group_commit import GroupCommit

_T = TypeVar("_T")


def _sql(sql: str) -> str:
    return sql.replace("%s", "?")


def _fetchone(conn: sqlite3.Connection, sql: str, args: Args) -> Row | None:
    cursor = conn.execute(sql, args)
    try:
        row: Row | None = cursor.fetchone()
        return row
    finally:
        cursor.close()


def _fetchall(conn: sqlite3.Connection, sql: str, args: Args) -> list[Row]:
    cursor = conn.execute(sql, args)
    try:
        rows: list[Row] = cursor.fetchall()
        return rows
    finally:
        cursor.close()


def _fetch_batch(conn: sqlite3.Connection, statements: list[tuple[str, Args]]) -> list[list[Row]]:
    return [_fetchall(conn, sql, args) for sql, args in statements]


def _execute(conn: sqlite3.Connection, sql: str, args: Args) -> int:
    cursor = conn.execute(sql, args)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _insert(conn: sqlite3.Connection, sql: str, args: Args) -> int:
    cursor = conn.execute(sql, args)
    try:
        return int(cursor.lastrowid or 0)
    finally:
        cursor.close()


class _SqliteTx(Tx):
    """Each statement is one trip to the connection's thread: run, fetch and close the cursor there together.
    (aiosqlite's cursor API makes three, for the execute, the fetch and the close; each trip is a queue put, a
    thread wake-up and a callback back on the loop, and a WebSocket handshake makes several queries: issue 14.)
    Rows come back as tuples: no row factory is set on these connections."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        # aiosqlite's own way to run a function in its connection's thread (what its execute and cursor use).
        conn = self._conn
        result: _T = await conn._execute(fn, conn._conn, *args)  # type: ignore[no-untyped-call]
        return result

    async def fetchone(self, sql: str, args: Args = ()) -> Row | None:
        return await self._run(_fetchone, _sql(sql), tuple(args))

    async def fetchall(self, sql: str, args: Args = ()) -> list[Row]:
        return await self._run(_fetchall, _sql(sql), tuple(args))

    async def fetch_batch(self, statements: Sequence[tuple[str, Args]]) -> list[list[Row]]:
        return await self._run(_fetch_batch, [(_sql(sql), tuple(args)) for sql, args in statements])

    async def execute(self, sql: str, args: Args = ()) -> int:
        try:
            return await self._run(_execute, _sql(sql), tuple(args))
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc) or "PRIMARY KEY" in str(exc):
                raise Conflict(str(exc)) from exc
            raise

    async def execute_script_statement(self, sql: str) -> None:
        await self._run(_execute, sql, ())

    async def insert(self, sql: str, args: Args = ()) -> int:
        try:
            return await self._run(_insert, _sql(sql), tuple(args))
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc) or "PRIMARY KEY" in str(exc):
                raise Conflict(str(exc)) from exc
            raise


# Reader connections: reads run in parallel under WAL (each connection has its own thread), and past the
# cores of a small server more readers only queue in SQLite; a read waits for a free one.
READERS = 4


async def _connect(path: str, mode: str = "rw") -> aiosqlite.Connection:
    # mode=rw never creates the file; rwc (only when SqliteStore.open was asked to create) does.
    conn = await aiosqlite.connect(f"file:{quote(path)}?mode={mode}", uri=True, isolation_level=None)
    # For migration 0007 (sessions by key): SQLite has no SHA-256 of its own.
    await conn.create_function("parley_session_key", 1, session_key, deterministic=True)
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA foreign_keys=ON",
        # Milliseconds to wait for another process's write (the admin CLI beside a running server).
        "PRAGMA busy_timeout=5000",
        "PRAGMA synchronous=NORMAL",
    ):
        await conn.execute(pragma)
    return conn


def _check_can_open(file: Path, create: bool) -> None:
    if file.exists():
        return
    if not create:
        raise DatabaseUnavailable(
            f"no SQLite database at {file}: check DATABASE_URL, or create it with `parley migrate`"
        )
    if not file.parent.is_dir():
        raise DatabaseUnavailable(
            f"cannot create the SQLite database {file}: the directory {file.parent} does not exist"
            " (check DATABASE_URL, or create the directory first)"
        )
    # Created here, owner-only, before SQLite writes a byte (it holds password hashes and sessions); SQLite gives
    # its -wal and -shm files the database file's mode.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


class SqliteStore(Store):
    kind = "sqlite"

    def __init__(self, writer: aiosqlite.Connection, readers: list[aiosqlite.Connection], path: str) -> None:
        self._writer = writer
        self._readers = readers
        self._idle = list(readers)
        # First come, first served (asyncio.Semaphore is fair; an asyncio.Queue let a busy reader starve others).
        self._free = asyncio.Semaphore(len(readers))
        self._write_lock = asyncio.Lock()
        self.path = path
        self.meter = PoolMeter()
        # One writer connection: a second lane would only queue on it.
        self.group_commit = GroupCommit(self.store_sends)
        # Set after a commit added sends to the search backlog: wakes this process's indexer (live/search_indexer.py).
        self.backlog_added = asyncio.Event()

    @classmethod
    async def open(cls, path: str, *, create: bool = False) -> SqliteStore:
        """Open the database at `path`; with `create`, make an empty one if the file is missing."""
        await asyncio.to_thread(_check_can_open, Path(path), create)
        conns: list[aiosqlite.Connection] = []
        try:
            conns.append(await _connect(path, "rwc" if create else "rw"))
            for _ in range(READERS):
                conns.append(await _connect(path))
        except (OSError, sqlite3.Error) as exc:
            for conn in conns:
                await conn.close()
            raise DatabaseUnavailable(f"cannot open SQLite database {path}: {exc}") from None
        return cls(conns[0], conns[1:], path)

    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[aiosqlite.Connection]:
        # One user at a time per reader: see the module docstring for what sharing one cost.
        meter = self.meter
        meter.waiting += 1
        try:
            await self._free.acquire()
        except BaseException:
            meter.waiting -= 1
            raise
        since = meter.got()
        reader = self._idle.pop()
        try:
            yield reader
        finally:
            self._idle.append(reader)
            self._free.release()
            meter.gave_back(since)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        async with self._reader() as reader:
            yield _SqliteTx(reader)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        meter = self.meter
        meter.waiting += 1
        try:
            await self._write_lock.acquire()
        except BaseException:
            meter.waiting -= 1
            raise
        since = meter.got()
        try:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(self._writer)
            except BaseException:
                await asyncio.shield(self._writer.execute("ROLLBACK"))
                raise
            await self._writer.execute("COMMIT")
        finally:
            self._write_lock.release()
            meter.gave_back(since)

    async def close(self) -> None:
        # Sends already queued are stored (and their senders answered) before the connections go.
        await self.group_commit.drain()
        for reader in self._readers:
            await reader.close()
        await self._writer.close()

    async def apply_migration(self, version: int, name: str, statements: list[str], now_ms: int) -> None:
        async with self.transaction() as tx:
            for statement in statements:
                await tx.execute_script_statement(statement)
            await tx.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (%s, %s, %s)", (version, name, now_ms)
            )

    async def ensure_version_table(self) -> None:
        async with self.transaction() as tx:
            await tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                " name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
            )

    async def database_size_bytes(self) -> int:
        def size() -> int:
            paths = (Path(self.path + suffix) for suffix in ("", "-wal"))
            return sum(p.stat().st_size for p in paths if p.exists())

        return await asyncio.to_thread(size)

    async def backup_to(self, path: str) -> None:
        """SQLite's online backup API: a consistent copy while the server keeps writing (it copies in steps,
        and restarts a step that a concurrent write changed)."""
        target = await aiosqlite.connect(path)
        try:
            async with self._reader() as reader:
                await reader.backup(target)
        finally:
            await target.close()
