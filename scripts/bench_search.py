"""The search benchmark (`scripts/bench.py search`): latency of searches over a large history, and what the index
adds to storing a message. Runs in this process against the store (SQL, tokenising and completing the hits; no
HTTP), on a throwaway SQLite file, a throwaway MariaDB server (--mariadb) or a given empty MySQL database.

1. Build: `--messages` messages in `--rooms` rooms (round robin), half English, two fifths Chinese, the rest both,
   drawn from fixed vocabularies with Zipf-like weights (seeded: every run builds the same history). Written in
   bulk, 1,000 messages a transaction, indexed by the store's own `index_messages` (what the indexer
   calls for each batch of sends).
2. Search: `--queries` queries (English words common and rare, two words, Chinese of one, two, three and four
   characters, mixed, with from:/room filters) as a reader who is a member of every room, the costliest case for
   the room filter; p50/p95/p99/max in ms over all, and p95 per kind.
3. Ingest: `--ingest` messages stored through `Store.insert_message`, in alternating blocks with the index on and
   off (`backlog_statement` replaced by a no-op for the "off" blocks; with it on, the indexer runs beside the senders
   as in a server, and what it has not indexed by the end of a block is timed apart as the catch-up); µs per
   message each way and the overhead in percent, without and with the catch-up. Once one message after another
   (each its own transaction), once from 20 senders at once (group commit stores what arrives together in one
   transaction, the backlog rows in one statement).

Every loop is bounded by the sizes given; nothing but 127.0.0.1 and local files is touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

# Messages per bulk transaction while building.
BUILD_BATCH = 1000
SEED = 20261130
# A reader joins every room; a few authors write.
AUTHORS = 20

_SYLLABLES = [a + b for a in "bcdfghjklmnprstvwz" for b in ("a", "e", "i", "o", "u", "ai", "ou", "ee")]
# Real words the queries look for, at known frequencies among the generated ones.
_ENGLISH_MARKERS = ["budget", "deploy", "release", "meeting", "incident", "friday", "invoice", "roadmap"]
_HANZI = [chr(c) for c in range(0x4E00, 0x4E00 + 1200)]
_CHINESE_MARKERS = ["预算", "会议", "会", "发布", "上线", "问题", "明天", "客户", "预算会议"]


class Corpus:
    """A seeded generator of message bodies."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        rng = self.rng
        english = sorted({"".join(rng.choices(_SYLLABLES, k=rng.randint(1, 3))) for _ in range(8000)})
        self.english = _ENGLISH_MARKERS + english
        self.english_weights = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(self.english))))
        # Chinese "words" of one to three characters from 1,200 characters: common pairs recur, as in real text.
        chinese = {"".join(rng.choices(_HANZI, k=rng.choice((1, 2, 2, 2, 3)))) for _ in range(6000)}
        self.chinese = _CHINESE_MARKERS + sorted(chinese)
        self.chinese_weights = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(self.chinese))))

    def english_text(self) -> str:
        words = self.rng.choices(self.english, cum_weights=self.english_weights, k=self.rng.randint(4, 18))
        return " ".join(words).capitalize() + self.rng.choice((".", "?", "!", ""))

    def chinese_text(self) -> str:
        words = self.rng.choices(self.chinese, cum_weights=self.chinese_weights, k=self.rng.randint(4, 14))
        return "".join(words) + self.rng.choice(("。", "\uff1f", "\uff01", ""))

    def body(self) -> str:
        roll = self.rng.random()
        if roll < 0.5:
            return self.english_text()
        if roll < 0.9:
            return self.chinese_text()
        return f"{self.english_text()} {self.chinese_text()}"


def queries(corpus: Corpus, count: int, rooms: list[int], authors: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, query text, extra filters) in a seeded mix."""
    rng = random.Random(SEED + 1)
    made: list[tuple[str, str, dict[str, Any]]] = []
    for n in range(count):
        kind = n % 10
        if kind == 0:
            made.append(("en common", rng.choice(corpus.english[8:40]), {}))
        elif kind == 1:
            made.append(("en rare", rng.choice(corpus.english[2000:]), {}))
        elif kind == 2:
            made.append(("en two words", f"{rng.choice(_ENGLISH_MARKERS)} {rng.choice(corpus.english[8:200])}", {}))
        elif kind == 3:
            made.append(("zh 1 char", rng.choice(["会", "问", rng.choice(_HANZI[:300])]), {}))
        elif kind == 4:
            made.append(("zh 2 chars", rng.choice(["预算", "会议", "发布", "客户", *corpus.chinese[9:60]]), {}))
        elif kind == 5:
            made.append(("zh 3-4 chars", rng.choice(["预算会议", "上线问题", "明天发布", "客户会议"]), {}))
        elif kind == 6:
            made.append(("mixed", f"{rng.choice(_ENGLISH_MARKERS)} {rng.choice(_CHINESE_MARKERS)}", {}))
        elif kind == 7:
            made.append(("from:", f"{rng.choice(_ENGLISH_MARKERS)} from:{rng.choice(authors)}", {}))
        elif kind == 8:
            made.append(("one room", rng.choice(_ENGLISH_MARKERS + _CHINESE_MARKERS), {"room": rng.choice(rooms)}))
        else:
            made.append(("absent", "zzyzxq", {}))
    return made


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)


async def build(store: Any, messages: int, rooms: int, corpus: Corpus) -> dict[str, Any]:
    """The rooms, the users and `messages` messages with their tokens, written in bulk."""
    from parley.store.search import index_messages, tokens

    reader = await store.create_user("reader", "x", 0)
    authors = [await store.create_user(f"author{n}", "x", 0) for n in range(AUTHORS)]
    room_ids = []
    for r in range(rooms):
        room = await store.create_room(f"room{r:03}", "", False, authors[0].id, 0)
        await store.add_member(room.id, reader.id, 0)
        room_ids.append(room.id)
    async with store.read() as tx:
        row = await tx.fetchone("SELECT COALESCE(MAX(id), 0) FROM messages")
    first_id = int(row[0]) + 1
    if store.kind == "sqlite":
        # The writer's page cache for the build only (the default 2 MiB makes a large build crawl); the readers the
        # searches use keep the default, as a server has them.
        async with store.transaction() as tx:
            await tx.execute("PRAGMA cache_size = -1048576")
    started = time.perf_counter()
    token_rows_total = 0
    for start in range(0, messages, BUILD_BATCH):
        count = min(BUILD_BATCH, messages - start)
        rows, indexed = [], []
        for n in range(start, start + count):
            message_id, room_id = first_id + n, room_ids[n % rooms]
            body = corpus.body()
            rows.append((message_id, room_id, n // rooms + 1, authors[n % AUTHORS].id, body, f"b{n}", n))
            indexed.append((message_id, room_id, body))
            token_rows_total += len(tokens(body))
        async with store.transaction() as tx:
            await tx.execute(
                "INSERT INTO messages (id, room_id, seq, user_id, body, client_id, created_at) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows)),
                [v for row in rows for v in row],
            )
            await index_messages(tx, store.kind, indexed)
    if store.kind == "sqlite":
        async with store.transaction() as tx:
            await tx.execute("PRAGMA cache_size = -2000")
    async with store.transaction() as tx:
        for r, room_id in enumerate(room_ids):
            top = messages // rooms + (1 if r < messages % rooms else 0)
            await tx.execute("UPDATE rooms SET last_seq = %s WHERE id = %s", (top, room_id))
    return {
        "build_s": round(time.perf_counter() - started, 1),
        "token_rows": token_rows_total,
        "tokens_per_message": round(token_rows_total / max(messages, 1), 1),
        "reader_id": reader.id,
        "room_ids": room_ids,
        "authors": [a.username for a in authors],
    }


async def run_queries(store: Any, reader_id: int, mix: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    from parley.actions.search import parse
    from parley.store import query_terms

    my_rooms = await store.room_ids_of(reader_id)
    timings: dict[str, list[float]] = {}
    hits = 0
    for kind, text, extra in mix:
        started = time.perf_counter()
        parsed = parse(text)
        author_id = None
        if parsed.author is not None:
            account = await store.account_by_name(parsed.author)
            author_id = account.id
        rooms = [extra["room"]] if "room" in extra else my_rooms
        found, _ = await store.search(query_terms(parsed.words), rooms, author_id=author_id, limit=20)
        timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        hits += len(found)
    every = [t for ts in timings.values() for t in ts]
    return {
        "queries": len(every),
        "hits_returned": hits,
        "search_ms_p50": _pct(every, 0.50),
        "search_ms_p95": _pct(every, 0.95),
        "search_ms_p99": _pct(every, 0.99),
        "search_ms_max": round(max(every), 2),
        "p95_ms_by_kind": {kind: _pct(ts, 0.95) for kind, ts in timings.items()},
    }


async def measure_ingest(
    store: Any, count: int, corpus: Corpus, rooms: list[int], *, senders: int = 1, tag: str = ""
) -> dict[str, Any]:
    """µs per stored message with the index and without, in alternating blocks. `senders` send at once (each one
    message after another), so group commit stores their sends together, as on a busy server.

    With the index: each send adds its backlog row, and the server's indexer (live/search_indexer.py) runs beside
    the senders, as in a server; after each block the time to index what is still waiting (the catch-up) is
    measured apart. Without: no backlog row (`backlog_statement` replaced by a no-op), so the indexer idles."""
    from parley.clock import SystemClock
    from parley.live.search_indexer import SearchIndexer
    from parley.models import User
    from parley.store import messages as stored

    real = stored.backlog_statement

    def no_backlog(*_: Any) -> tuple[str, list[int]]:
        return "UPDATE rooms SET id = id WHERE 0 = 1", []

    accounts = [await store.account_by_name(f"author{n % AUTHORS}") for n in range(senders)]
    users = [User(a.id, a.username) for a in accounts]
    spent = {"on": 0.0, "off": 0.0, "catchup": 0.0}
    done = {"on": 0, "off": 0}
    # Blocks of 100 (fewer for a short run, so both ways are measured).
    block = max(senders, min(100, count // 10))

    async def send(sender: int, bodies: list[tuple[int, str]], mode: str) -> None:
        for n, body in bodies:
            room = rooms[n % len(rooms)]
            await store.insert_message(room, users[sender], body, f"i{tag}{mode}{n}", n)

    indexer = SearchIndexer(store=store, clock=SystemClock())
    task = asyncio.get_running_loop().create_task(indexer.run())
    try:
        for n in range(0, count, block):
            mode = "on" if (n // block) % 2 == 0 else "off"
            stored.backlog_statement = real if mode == "on" else no_backlog  # type: ignore[assignment]
            bodies = [(n + i, corpus.body()) for i in range(min(block, count - n))]
            started = time.perf_counter()
            await asyncio.gather(*(send(s, bodies[s::senders], mode) for s in range(senders)))
            spent[mode] += time.perf_counter() - started
            done[mode] += len(bodies)
            if mode == "on":
                started = time.perf_counter()
                await indexer.drain()
                spent["catchup"] += time.perf_counter() - started
    finally:
        stored.backlog_statement = real  # type: ignore[assignment]
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    on = spent["on"] / max(done["on"], 1) * 1e6
    off = spent["off"] / max(done["off"], 1) * 1e6
    whole = (spent["on"] + spent["catchup"]) / max(done["on"], 1) * 1e6
    return {
        f"{tag}ingest_messages": done["on"] + done["off"],
        f"{tag}insert_us_with_index": round(on, 1),
        f"{tag}insert_us_without_index": round(off, 1),
        f"{tag}index_overhead_pct": round((on - off) / off * 100, 1) if off else None,
        f"{tag}insert_us_with_index_and_catchup": round(whole, 1),
        f"{tag}index_overhead_with_catchup_pct": round((whole - off) / off * 100, 1) if off else None,
    }


@contextlib.asynccontextmanager
async def throwaway_mariadb(buffer_pool: str) -> AsyncIterator[str]:
    """A private MariaDB server in a temporary directory (root, empty password, 127.0.0.1 only), removed after."""
    with tempfile.TemporaryDirectory(prefix="parley-bench-mariadb-") as tmp:
        data = Path(tmp) / "data"
        subprocess.run(  # noqa: ASYNC221
            ["mariadb-install-db", "--no-defaults", "--user=root", f"--datadir={data}",
             "--auth-root-authentication-method=normal", "--skip-test-db"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        server = subprocess.Popen(  # noqa: ASYNC220
            ["mariadbd", "--no-defaults", "--user=root", f"--datadir={data}", f"--socket={tmp}/s.sock",
             f"--port={port}", "--bind-address=127.0.0.1", "--skip-name-resolve", "--character-set-server=utf8mb4",
             "--collation-server=utf8mb4_unicode_ci", f"--innodb-buffer-pool-size={buffer_pool}",
             f"--log-error={tmp}/error.log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(200):
                done = subprocess.run(  # noqa: ASYNC221
                    ["mariadb", "--no-defaults", "-uroot", f"--socket={tmp}/s.sock", "-e",
                     "CREATE DATABASE IF NOT EXISTS bench CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                if done.returncode == 0:
                    break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the throwaway MariaDB did not come up")
            yield f"mysql://root@127.0.0.1:{port}/bench"
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@contextlib.asynccontextmanager
async def database(url: str | None, mariadb: bool, buffer_pool: str) -> AsyncIterator[str]:
    if mariadb:
        if shutil.which("mariadbd") is None:
            raise RuntimeError("--mariadb needs mariadbd and mariadb-install-db on PATH")
        async with throwaway_mariadb(buffer_pool) as made:
            yield made
    elif url is not None:
        yield url
    else:
        with tempfile.TemporaryDirectory(prefix="parley-bench-search-") as tmp:
            yield f"sqlite:///{tmp}/bench.db"


async def bench_search(
    *,
    database_url: str | None = None,
    mariadb: bool = False,
    buffer_pool: str = "1G",
    messages: int = 100_000,
    rooms: int = 200,
    query_count: int = 200,
    ingest: int = 2000,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Build, search, measure ingest; return the figures (database_url: an empty MySQL database or None)."""
    from parley.clock import SystemClock
    from parley.settings import DatabaseUrl
    from parley.store import migrations, open_store

    async with database(database_url, mariadb, buffer_pool) as url:
        parsed = DatabaseUrl.parse(url)
        store = await open_store(parsed, create=True)
        try:
            await migrations.migrate(store, SystemClock().now_ms())
            corpus = Corpus()
            log(f"building {messages} messages in {rooms} rooms on {parsed.scheme}")
            built = await build(store, messages, rooms, corpus)
            log(f"built in {built['build_s']} s; searching")
            # One untimed pass first: the figures are of a warm cache, as on a running server.
            mix = queries(corpus, query_count, built["room_ids"], built["authors"])
            await run_queries(store, built["reader_id"], mix[: min(len(mix), 50)])
            searched = await run_queries(store, built["reader_id"], mix)
            log("measuring ingest")
            ingested = await measure_ingest(store, ingest, corpus, built["room_ids"])
            # 20 senders at once: group commit stores their sends (and their tokens) together.
            ingested |= await measure_ingest(store, ingest, corpus, built["room_ids"], senders=20, tag="concurrent_")
            size = await store.database_size_bytes()
        finally:
            await store.close()
    return {
        "database": parsed.scheme if not mariadb else f"mariadb (throwaway, buffer pool {buffer_pool})",
        "messages": messages,
        "rooms": rooms,
        "build_s": built["build_s"],
        "token_rows": built["token_rows"],
        "tokens_per_message": built["tokens_per_message"],
        "database_mib": round(size / 2**20),
        **searched,
        **ingested,
    }
