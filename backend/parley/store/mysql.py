"""MySQL / MariaDB backend: an aiomysql pool; rooms are locked with SELECT ... FOR UPDATE."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiomysql
import pymysql
from pymysql.constants import SERVER_STATUS

from ..counters import PoolMeter
from ..settings import DatabaseUrl
from .base import Args, Conflict, DatabaseUnavailable, Row, Store, Tx
from .group_commit import MAX_BATCH, GroupCommit

# MySQL error numbers that mean "the server is not there" rather than "your SQL is wrong".
log = logging.getLogger(__name__)

# Seconds a closing store waits for its connections to come back before closing them by force.
CLOSE_WAIT_S = 5.0
_UNREACHABLE = {2003, 2006, 2013, 2002, 2055}
_DUPLICATE_KEY = 1062
# One group commit lane per this many pooled connections.
LANE_SHARE = 5
# Characters of one room in a packed room lock at most: "id last_seq archived " (two BIGINTs and a flag).
PACKED_ROOM_CHARS = 20 + 1 + 20 + 1 + 1 + 1


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, pymysql.err.IntegrityError) and exc.args and exc.args[0] == _DUPLICATE_KEY:
        return Conflict(str(exc.args[1]) if len(exc.args) > 1 else "duplicate key")
    if isinstance(exc, pymysql.err.OperationalError) and exc.args and exc.args[0] in _UNREACHABLE:
        return DatabaseUnavailable(str(exc))
    return exc


# What a string literal escapes, as pymysql's escape_string does (backslash escapes, the server's default mode).
_ESCAPES = str.maketrans({"\0": "\\0", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\032": "\\Z", '"': '\\"', "'": "\\'"})


def _quoted(value: str) -> str:
    return "'" + value.translate(_ESCAPES) + "'"


def _quoted_without_backslashes(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _format(conn: Any, sql: str, args: Args) -> str:
    """The statement with its arguments quoted in, as aiomysql would (its `escape`), ints, strings and NULL done
    here directly: a group-committed batch has thousands of arguments, and aiomysql's generic path (a converter
    looked up per value, a call per character class) was a tenth of the server's CPU per stored message."""
    quote = (
        _quoted_without_backslashes
        if conn.server_status & SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES
        else _quoted
    )
    return sql % tuple(
        [
            str(v) if type(v) is int else quote(v) if type(v) is str else "NULL" if v is None else conn.escape(v)
            for v in args
        ]
    )


class _MysqlTx(Tx):
    """A cursor's statements. In a transaction, BEGIN goes out with the first statement and a pipeline may take
    the COMMIT along: every round trip to the server costs the process a send and a wake-up, which was most of its
    CPU per group-committed batch. (aiomysql always connects with multi-statements on; the arguments are quoted
    in by `_format`, as aiomysql itself would.)"""

    def __init__(self, cursor: Any, *, in_transaction: bool = False) -> None:
        self._cursor = cursor
        self._begin = in_transaction
        # Set when a pipeline committed the transaction: the context manager must not commit again.
        self.committed = False

    def _with_begin(self, query: str) -> tuple[str, bool]:
        if not self._begin:
            return query, False
        self._begin = False
        return "BEGIN;" + query, True

    async def _run(self, query: str) -> int:
        """Run one formatted statement (no arguments to aiomysql, so it is not formatted again)."""
        query, began = self._with_begin(query)
        cursor = self._cursor
        changed = int(await cursor.execute(query, None))
        if began:  # the first result was BEGIN's; the statement's is next
            await cursor.nextset()
            changed = int(cursor.rowcount)
        return changed

    async def fetchone(self, sql: str, args: Args = ()) -> Row | None:
        try:
            await self._run(_format(self._cursor.connection, sql, args))
        except pymysql.err.MySQLError as exc:
            raise _translate(exc) from exc
        row: Row | None = await self._cursor.fetchone()
        return row

    async def fetchall(self, sql: str, args: Args = ()) -> list[Row]:
        try:
            await self._run(_format(self._cursor.connection, sql, args))
        except pymysql.err.MySQLError as exc:
            raise _translate(exc) from exc
        return list(await self._cursor.fetchall())

    async def execute(self, sql: str, args: Args = ()) -> int:
        try:
            return await self._run(_format(self._cursor.connection, sql, args))
        except pymysql.err.MySQLError as exc:
            raise _translate(exc) from exc

    async def execute_script_statement(self, sql: str) -> None:
        try:
            await self._run(sql)
        except pymysql.err.MySQLError as exc:
            raise _translate(exc) from exc

    async def insert(self, sql: str, args: Args = ()) -> int:
        await self.execute(sql, args)
        return int(self._cursor.lastrowid)

    async def pipeline(self, statements: Sequence[tuple[str, Args]], *, commit: bool = False) -> list[int]:
        cursor = self._cursor
        conn = cursor.connection
        parts = [_format(conn, sql, args) for sql, args in statements]
        if commit:
            parts.append("COMMIT")
        query, began = self._with_begin(";".join(parts))
        ids: list[int] = []
        try:
            await cursor.execute(query, None)
            if began:
                await cursor.nextset()
            ids.append(int(cursor.lastrowid))
            # Every result is read, so the connection is left with none pending (and its transaction state known).
            while await cursor.nextset():
                ids.append(int(cursor.lastrowid))
        except pymysql.err.MySQLError as exc:
            raise _translate(exc) from exc
        if commit:
            ids.pop()
            self.committed = True
        return ids


class MysqlStore(Store):
    for_update = " FOR UPDATE"
    # MariaDB 10.6+ and MySQL 8 (the supported versions).
    skip_locked = " FOR UPDATE SKIP LOCKED"
    for_share = " LOCK IN SHARE MODE"
    straight_join = "STRAIGHT_JOIN"
    kind = "mysql"

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self.meter = PoolMeter()
        # A fifth of the pool flushes sends (each lane holds a connection while it commits; two of the default ten);
        # the rest serves reads. Few lanes: however many there are, the sends in flight are the senders', so more
        # lanes only cut them into smaller batches, and a batch's round trips cost this process about as much CPU
        # as its rows (issue 14: 5 lanes 115 µs, 2 lanes 82 µs, 1 lane 57 µs per stored message, in
        # scripts/bench_ingest.py with 50 senders).
        self.group_commit = GroupCommit(self.store_sends, lanes=max(1, pool.maxsize // LANE_SHARE))
        # Set after a commit added sends to the search backlog: wakes this process's indexer (live/search_indexer.py).
        self.backlog_added = asyncio.Event()

    @classmethod
    async def open(cls, url: DatabaseUrl, *, pool_max: int = 10, connect_timeout_s: float = 5.0) -> MysqlStore:
        kwargs: dict[str, Any] = {
            "user": url.user,
            "password": url.password,
            "db": url.name,
            "charset": "utf8mb4",
            "autocommit": True,
            "connect_timeout": connect_timeout_s,
            "minsize": 1,
            "maxsize": pool_max,
            # Seconds; reconnect before the server's wait_timeout silently drops idle pool members.
            "pool_recycle": 3600,
            # Row locks decide seq order; READ COMMITTED keeps plain reads from holding snapshots open.
            "init_command": "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
        }
        if url.unix_socket:
            kwargs["unix_socket"] = url.unix_socket
        else:
            kwargs["host"] = url.host
            kwargs["port"] = url.port
        try:
            pool = await aiomysql.create_pool(**kwargs)
        except (TimeoutError, pymysql.err.MySQLError, OSError) as exc:
            where = url.unix_socket or f"{url.host}:{url.port}"
            reason = exc.args[1] if isinstance(exc, pymysql.err.MySQLError) and len(exc.args) > 1 else exc
            raise DatabaseUnavailable(f"cannot connect to MySQL at {where} (database {url.name!r}): {reason}") from None
        store = cls(pool)
        try:
            await store._read_settings()
        except BaseException:
            pool.close()
            await pool.wait_closed()
            raise
        return store

    async def _read_settings(self) -> None:
        """What the group commit may rely on of this server's settings.

        Consecutive ids: lock mode 0 ("traditional") or 1 ("consecutive", MariaDB's default) hands a plain
        INSERT ... VALUES consecutive ids; mode 2 ("interleaved", MySQL 8's default) may put another
        transaction's between them. Packed reads: GROUP_CONCAT must hold a whole batch's rooms (MariaDB's
        default 1 MiB does; MySQL's 1,024 bytes does not)."""
        async with self.read() as tx:
            row = await tx.fetchone(
                "SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment, @@group_concat_max_len"
            )
        if row is None:
            return
        self.consecutive_id_step = int(row[1]) if int(row[0]) in (0, 1) else None
        self.packed_reads = int(row[2]) >= MAX_BATCH * PACKED_ROOM_CHARS

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        meter = self.meter
        meter.waiting += 1
        try:
            conn = await self._pool.acquire()
        except BaseException as exc:
            meter.waiting -= 1
            if isinstance(exc, (pymysql.err.MySQLError, OSError)):
                raise DatabaseUnavailable(str(exc)) from exc
            raise
        since = meter.got()
        try:
            async with conn.cursor() as cursor:
                yield _MysqlTx(cursor)
        except DatabaseUnavailable:
            conn.close()
            raise
        finally:
            self._pool.release(conn)
            meter.gave_back(since)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        meter = self.meter
        meter.waiting += 1
        try:
            conn = await self._pool.acquire()
        except BaseException as exc:
            meter.waiting -= 1
            if isinstance(exc, (pymysql.err.MySQLError, OSError)):
                raise DatabaseUnavailable(str(exc)) from exc
            raise
        since = meter.got()
        try:
            try:
                async with conn.cursor() as cursor:
                    tx = _MysqlTx(cursor, in_transaction=True)
                    yield tx
                if not tx.committed:
                    await conn.commit()
            except BaseException:
                # A cancelled or failed transaction must not return to the pool half-open.
                try:
                    await asyncio.shield(conn.rollback())
                except Exception:
                    conn.close()
                raise
        except pymysql.err.MySQLError as exc:
            raise _translate(exc) from exc
        finally:
            self._pool.release(conn)
            meter.gave_back(since)

    async def close(self) -> None:
        # Sends already queued are stored (and their senders answered) before the connections go.
        await self.group_commit.drain()
        self._pool.close()
        try:
            # aiomysql waits for every connection to come back; one still held (or an acquire it lost count of)
            # would keep a stopping process alive forever, so after this long the rest are closed by force.
            async with asyncio.timeout(CLOSE_WAIT_S):
                await self._pool.wait_closed()
        except TimeoutError:
            log.warning("database connections still in use after %s s at shutdown: closing them", CLOSE_WAIT_S)
            self._pool.terminate()

    async def apply_migration(self, version: int, name: str, statements: list[str], now_ms: int) -> None:
        # MySQL commits DDL implicitly: each statement stands alone, then the version is recorded.
        async with self.read() as tx:
            for statement in statements:
                await tx.execute_script_statement(statement)
            await tx.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (%s, %s, %s)", (version, name, now_ms)
            )

    async def ensure_version_table(self) -> None:
        async with self.read() as tx:
            # Look first: CREATE TABLE IF NOT EXISTS on an existing table raises a MySQL warning.
            if await tx.fetchone("SHOW TABLES LIKE 'schema_version'") is not None:
                return
            await tx.execute(
                "CREATE TABLE schema_version (version INT NOT NULL PRIMARY KEY,"
                " name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
            )

    async def clock_s(self) -> float | None:
        async with self.read() as tx:
            row = await tx.fetchone("SELECT UNIX_TIMESTAMP(NOW(3))")
        return float(row[0]) if row else None

    async def database_size_bytes(self) -> int:
        async with self.read() as tx:
            row = await tx.fetchone(
                "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables"
                " WHERE table_schema = DATABASE()"
            )
        return int(row[0]) if row else 0
