"""Full-text search over messages: one token table, the same on SQLite and MySQL/MariaDB.

Policy (docs/search.md says why):
- MySQL: `search_tokens(token, message_id, room_id)`, primary key (token, message_id); SQLite: `search_docs` and
  FTS5 over it. An edit replaces a message's tokens and a deletion (and a purge) removes them in the transaction
  that changes the message, so search never sees a deleted message or an edited message's old words.
- A send only adds its id to `search_backlog` in its transaction; `index_backlog` (called by the indexer in
  live/search_indexer.py, in batches, after the commit) writes the tokens of the messages' current bodies and
  removes their backlog rows in one transaction. A message is never lost to the index: its row goes only with
  the transaction that indexed it. Backlogged messages are read with a shared lock (MySQL), so an edit or deletion
  in flight commits first (and the indexer reads the new body) or waits for the indexer (and then replaces the
  tokens the indexer wrote); SQLite has one writer.
- A text's tokens are made from its NFKC, case-folded form: each word of letters and digits (cut at TOKEN_MAX
  characters), and for runs of Chinese and Japanese characters (which have no spaces between words) every
  character and every pair of adjacent characters.
- A query matches the messages holding all of its terms. A word term is a whole word. A CJK term of one or two
  characters is one token; a longer one needs the pairs that cover it and is then confirmed as a substring of the
  body (LIKE), so 预算 and 会 are found as well as 预算会议.
- The rarest token drives the query: its postings are read newest first by the primary key, each joined to the
  other tokens by a primary-key look-up, so a page costs about `limit` look-ups per term in the common case.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..models import Message, Room
from .core import MESSAGE_COLUMNS, ROOM_COLUMNS, Database, Row, Tx, message_from_row, room_from_row

# Characters kept of a long word (a URL, a hash): longer words are cut, in the index and in queries alike.
TOKEN_MAX = 32
# Rows per INSERT (SQLite allows 32,766 bound variables; three a row).
INSERT_CHUNK = 500
# Postings counted per token when choosing the driving one: enough to tell rare from common, cheap to count.
RARITY_PROBE = 2000

# Han (with extensions and compatibility ideographs), hiragana and katakana: scripts written without spaces.
_CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# A CJK run, or a word: letters and digits of any other script (\w without the underscore and CJK).
_PIECE = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def tokens(text: str) -> set[str]:
    """The index's tokens of a message body."""
    found: set[str] = set()
    for piece in _PIECE.findall(fold(text)):
        if _CJK_RUN.fullmatch(piece):
            found.update(piece)
            found.update(piece[i : i + 2] for i in range(len(piece) - 1))
        else:
            found.add(piece[:TOKEN_MAX])
    return found


@dataclass(frozen=True, slots=True)
class Terms:
    """What a query needs: every token (all must be in a message) and the CJK runs to confirm as substrings."""

    tokens: tuple[str, ...]
    substrings: tuple[str, ...]


def query_terms(text: str) -> Terms:
    """The tokens and substrings of a query's search words (filters already taken out)."""
    needed: list[str] = []
    confirm: list[str] = []
    for piece in _PIECE.findall(fold(text)):
        if not _CJK_RUN.fullmatch(piece):
            needed.append(piece[:TOKEN_MAX])
        elif len(piece) <= 2:
            needed.append(piece)
        else:
            # Pairs at even offsets and the last pair cover the run; LIKE then checks they are in this order.
            needed.extend(piece[i : i + 2] for i in range(0, len(piece) - 1, 2))
            needed.append(piece[-2:])
            confirm.append(piece)
    return Terms(tuple(dict.fromkeys(needed)), tuple(dict.fromkeys(confirm)))


def _confirm(terms: Terms, args: list[object]) -> list[str]:
    """The LIKE conditions that confirm the long CJK terms (their pairs are in the message: are they in order?)."""
    for substring in terms.substrings:
        args.append(_like(substring))
    return ["m.body LIKE %s ESCAPE '!'"] * len(terms.substrings)


def _like(substring: str) -> str:
    escaped = substring.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def fts_word(token: str) -> str:
    """A token as SQLite's FTS5 stores it: 16 hex digits (64 bits of BLAKE2b), which FTS5's tokenizer keeps whole
    whatever the script, so FTS5 holds exactly our tokens. A collision (about 1 in 10^19 per pair) could only add
    a hit, never lose one."""
    return hashlib.blake2b(token.encode(), digest_size=8).hexdigest()


async def index_message(tx: Tx, kind: str, message_id: int, room_id: int, body: str) -> None:
    """Add a message's tokens (in the transaction that stores or edits it)."""
    await index_messages(tx, kind, [(message_id, room_id, body)])


async def index_messages(tx: Tx, kind: str, messages: Sequence[tuple[int, int, str]]) -> None:
    """Add the tokens of these (message id, room id, body)."""
    for sql, args in index_statements(kind, messages):
        await tx.execute(sql, args)


def index_statements(kind: str, messages: Sequence[tuple[int, int, str]]) -> list[tuple[str, list[Any]]]:
    """The statements adding the tokens of these (message id, room id, body): one per INSERT_CHUNK rows. SQLite:
    one `search_docs` row per message (its trigger feeds FTS5); MySQL: one `search_tokens` row per token, in token
    order."""
    statements: list[tuple[str, list[Any]]] = []
    if kind == "sqlite":
        made = [(i, room_id, " ".join(sorted(fts_word(t) for t in tokens(body)))) for i, room_id, body in messages]
        docs = [doc for doc in made if doc[2]]
        for start in range(0, len(docs), INSERT_CHUNK):
            chunk = docs[start : start + INSERT_CHUNK]
            statements.append(
                (
                    "INSERT INTO search_docs (message_id, room_id, words) VALUES "
                    + ", ".join(["(%s, %s, %s)"] * len(chunk)),
                    [value for row in chunk for value in row],
                )
            )
        return statements
    rows = sorted((token, message_id, room_id) for message_id, room_id, body in messages for token in tokens(body))
    for start in range(0, len(rows), INSERT_CHUNK):
        part = rows[start : start + INSERT_CHUNK]
        statements.append(
            (
                "INSERT INTO search_tokens (token, message_id, room_id) VALUES "
                + ", ".join(["(%s, %s, %s)"] * len(part)),
                [value for row in part for value in row],
            )
        )
    return statements


def placed(count: int) -> str:
    """A WHERE condition for messages at `count` places, each (room_id, first seq, last seq) in the arguments."""
    return " OR ".join(["(room_id = %s AND seq BETWEEN %s AND %s)"] * count)


def backlog_statement(places: Sequence[tuple[int, int, int]]) -> tuple[str, list[int]]:
    """Mark just-stored messages for the indexer, by their places (room_id, first seq, last seq), which their
    transaction holds: one statement for a group-committed batch, and no need to know the new ids first."""
    return (
        "INSERT INTO search_backlog (message_id) SELECT id FROM messages WHERE " + placed(len(places)),
        [x for place in places for x in place],
    )


async def unindex_messages(tx: Tx, kind: str, message_ids: Sequence[int]) -> None:
    """Remove the tokens of these messages (edited, deleted or purged)."""
    for sql, args in unindex_statements(kind, message_ids):
        await tx.execute(sql, args)


def unindex_statements(kind: str, message_ids: Sequence[int]) -> list[tuple[str, list[Any]]]:
    table = "search_docs" if kind == "sqlite" else "search_tokens"
    statements: list[tuple[str, list[Any]]] = []
    for start in range(0, len(message_ids), INSERT_CHUNK):
        chunk = message_ids[start : start + INSERT_CHUNK]
        statements.append((f"DELETE FROM {table} WHERE message_id IN ({', '.join(['%s'] * len(chunk))})", list(chunk)))
    return statements


@dataclass(frozen=True, slots=True)
class Hit:
    message: Message
    room: Room


class SearchQueries(Database):
    #: makes MySQL join in the order written (SQLite keeps the order of CROSS JOINs)
    straight_join: str = ""

    async def search(
        self,
        terms: Terms,
        room_ids: Sequence[int],
        *,
        author_id: int | None = None,
        before_id: int | None = None,
        limit: int = 20,
    ) -> tuple[list[Hit], bool]:
        """The newest `limit` live messages of these rooms holding every term (ids below `before_id` if given),
        newest first, each with its room; and whether there are more."""
        if not terms.tokens or not room_ids:
            return [], False
        if self.kind == "sqlite":
            return await self._search_fts(terms, room_ids, author_id, before_id, limit)
        async with self.read() as tx:
            counts = [await self._postings(tx, token) for token in terms.tokens]
            if min(counts) == 0:
                return [], False
            ordered = [t for _, t in sorted(zip(counts, terms.tokens, strict=True))]
            driver, others = ordered[0], ordered[1:]
            joins = "".join(
                f" CROSS JOIN search_tokens t{i} ON t{i}.token = %s AND t{i}.message_id = t0.message_id"
                for i in range(1, len(others) + 1)
            )
            where = [f"t0.token = %s AND t0.room_id IN ({', '.join(['%s'] * len(room_ids))})", "m.deleted = 0"]
            args: list[object] = [*others, driver, *room_ids]
            if before_id is not None:
                where.append("t0.message_id < %s")
                args.append(before_id)
            if author_id is not None:
                where.append("m.user_id = %s")
                args.append(author_id)
            where += _confirm(terms, args)
            rows = await tx.fetchall(
                f"SELECT {self.straight_join} {MESSAGE_COLUMNS} FROM search_tokens t0{joins}"
                " CROSS JOIN messages m ON m.id = t0.message_id CROSS JOIN users u ON u.id = m.user_id"
                f" WHERE {' AND '.join(where)} ORDER BY t0.message_id DESC LIMIT %s",
                (*args, limit + 1),
            )
            return await self._hits(tx, rows, limit)

    async def _search_fts(
        self, terms: Terms, room_ids: Sequence[int], author_id: int | None, before_id: int | None, limit: int
    ) -> tuple[list[Hit], bool]:
        """SQLite: FTS5 intersects the tokens' postings and hands them over newest first (rowid descending)."""
        match = " AND ".join(f'"{fts_word(t)}"' for t in terms.tokens)
        where = ["search_fts MATCH %s", f"m.room_id IN ({', '.join(['%s'] * len(room_ids))})", "m.deleted = 0"]
        args: list[object] = [match, *room_ids]
        if before_id is not None:
            where.append("f.rowid < %s")
            args.append(before_id)
        if author_id is not None:
            where.append("m.user_id = %s")
            args.append(author_id)
        where += _confirm(terms, args)
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {MESSAGE_COLUMNS} FROM search_fts f CROSS JOIN messages m ON m.id = f.rowid"
                f" CROSS JOIN users u ON u.id = m.user_id WHERE {' AND '.join(where)} ORDER BY f.rowid DESC LIMIT %s",
                (*args, limit + 1),
            )
            return await self._hits(tx, rows, limit)

    async def _hits(self, tx: Tx, rows: list[Row], limit: int) -> tuple[list[Hit], bool]:
        messages = await self.complete(tx, [message_from_row(r) for r in rows[:limit]])
        rooms = await self._rooms_by_id(tx, {m.room_id for m in messages})
        rooms = {r.id: r for r in await self.with_members(list(rooms.values()))}
        return [Hit(m, rooms[m.room_id]) for m in messages], len(rows) > limit

    async def _postings(self, tx: Tx, token: str) -> int:
        row = await tx.fetchone(
            "SELECT COUNT(*) FROM (SELECT 1 FROM search_tokens WHERE token = %s LIMIT %s) p", (token, RARITY_PROBE)
        )
        return int(row[0]) if row else 0

    async def _rooms_by_id(self, tx: Tx, ids: Iterable[int]) -> dict[int, Room]:
        wanted = sorted(ids)
        if not wanted:
            return {}
        rows = await tx.fetchall(
            f"SELECT {ROOM_COLUMNS} FROM rooms r WHERE r.id IN ({', '.join(['%s'] * len(wanted))})", tuple(wanted)
        )
        return {int(r[0]): room_from_row(r) for r in rows}

    async def complete(self, tx: Tx, messages: list[Message]) -> list[Message]:
        raise NotImplementedError

    async def with_members(self, rooms: list[Room]) -> list[Room]:
        raise NotImplementedError

    async def index_backlog(self, limit: int = INSERT_CHUNK) -> int:
        """Index up to `limit` backlogged messages (oldest first) from their current bodies and remove their backlog
        rows, in one transaction; return how many rows were taken (0: the backlog is empty, or every row is being
        indexed by another process). Deleted and purged messages are only removed from the backlog."""
        async with self.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT message_id FROM search_backlog ORDER BY message_id LIMIT %s" + self.skip_locked, (limit,)
            )
            ids = [int(r[0]) for r in rows]
            if not ids:
                return 0
            marks = ", ".join(["%s"] * len(ids))
            messages = await self._backlogged(tx, ids, marks)
            # An edit may have indexed a backlogged message already (it does not look at the backlog): replace.
            statements = unindex_statements(self.kind, ids)
            statements += index_statements(self.kind, messages)
            # ORDER BY ... LIMIT: on a table this small InnoDB may plan `IN (...)` as a scan of the whole table,
            # which would wait for the rows another process's indexer holds above ours, while it waits for ours
            # (a deadlock seen in the tests). In key order, stopping at our last row, the scan only ever waits for
            # rows below it. (Only rows committed out of order between two indexers' SELECTs can still interleave
            # their sets; InnoDB then rolls one back and its rows wait for the next round: nothing is lost.)
            # (SQLite: one writer, and DELETE ... LIMIT is a compile-time option there.)
            bounded = "" if self.kind == "sqlite" else f" ORDER BY message_id LIMIT {len(ids)}"
            statements.append((f"DELETE FROM search_backlog WHERE message_id IN ({marks}){bounded}", ids))
            # One round trip on MySQL, the COMMIT with it.
            await tx.pipeline(statements, commit=True)
        return len(ids)

    async def _backlogged(self, tx: Tx, ids: list[int], marks: str) -> list[tuple[int, int, str]]:
        """(id, room_id, body) of the live messages of `ids`, read under a shared lock; as one packed JSON value
        where the backend reads so, unless it was cut at group_concat_max_len (then the rows below are read, under
        the locks already taken)."""
        where = f" FROM messages WHERE id IN ({marks}) AND deleted = 0"
        if self.packed_reads:
            row = await tx.fetchone("SELECT JSON_ARRAYAGG(JSON_ARRAY(id, room_id, body))" + where + self.for_share, ids)
            try:
                packed = json.loads(row[0]) if row is not None and row[0] is not None else []
            except ValueError:
                packed = None
            if packed is not None:
                return [(int(i), int(room_id), str(body)) for i, room_id, body in packed]
        rows = await tx.fetchall("SELECT id, room_id, body" + where + " ORDER BY id" + self.for_share, ids)
        return [(int(r[0]), int(r[1]), r[2]) for r in rows]

    async def reindex(self, batch: int = 1000) -> int:
        """Index every live message again from its body (after migration 0010, or `parley reindex`); return how
        many. Each batch is one transaction, so a running server keeps writing between them; its rows are locked
        (MySQL), so an edit waits instead of racing the batch that re-reads its body."""
        last_id, done = 0, 0
        while True:
            async with self.transaction() as tx:
                rows = await tx.fetchall(
                    "SELECT id, room_id, body, deleted FROM messages WHERE id > %s ORDER BY id LIMIT %s"
                    + self.for_update,
                    (last_id, batch),
                )
                ids = [int(r[0]) for r in rows]
                await unindex_messages(tx, self.kind, ids)
                live = [(int(r[0]), int(r[1]), r[2]) for r in rows if not r[3]]
                await index_messages(tx, self.kind, live)
                done += len(live)
            if len(rows) < batch:
                return done
            last_id = ids[-1]
