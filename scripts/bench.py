#!/usr/bin/env python3
"""Benchmarks of a real `parley serve` process over real sockets on 127.0.0.1.

    .venv/bin/python scripts/bench.py idle   --connections 1000
    .venv/bin/python scripts/bench.py fanout --receivers 500 --senders 10 --rate 100 --seconds 10
    .venv/bin/python scripts/bench.py sign
    .venv/bin/python scripts/bench.py --database-url mysql://... hello --rooms 50 --messages 10000
    .venv/bin/python scripts/bench.py limits --accounts 10000 [--redis-url redis://127.0.0.1:6379/0]
    .venv/bin/python scripts/bench.py search --messages 1000000 --rooms 200 [--mariadb]

idle:   memory per idle WebSocket connection (server RSS after N connected and settled, minus before, over N),
        and the connect storm itself: connections per second, server CPU per connection, and the frames every
        socket got after its hello (presence and presence.batch: all of them join `general`). With
        `--sockets-per-user 1` every connection is a distinct user. `--census` runs the server under tracemalloc
        and prints where its memory went (top allocation sites, and live objects by type) once all are connected.
fanout: server CPU per delivered message (utime+stime of the server process over the run, divided by the
        number of message.new frames the receivers got), deliveries per second, and send-to-receive latency
        percentiles under that load (each body carries its send time; the receivers note their receive time).
sign:   µs to sign and to verify one Redis envelope (live/signing.py), for a typical message.new and the
        largest frame; in this process, no server (best of several timeit runs).
hello:  the time a `hello` (and a `GET /api/rooms`) takes for a user in many rooms with long histories: the rooms
        and messages are written straight into the database before the server starts (every 20th message
        mentions the reader), then the reader connects `--repeat` times; with `--unread N` their read marker sits
        N messages before the end of every room (default: they never read anything, the costliest case).
limits: what the per-account message limit costs each message.send, in this process: the in-memory buckets, and
        the Redis-shared ones (default rates: a Redis round trip per lease of 5). Each account sends 10, within
        its burst, so every take is granted and the cost is the steady one.
search: p50/p95 of message searches over a large history (English and Chinese), and the µs the search index adds
        to storing a message: scripts/bench_search.py, in this process against the store; on a throwaway SQLite
        file, a throwaway MariaDB server (--mariadb) or an empty database at --database-url.

The server runs on a throwaway SQLite file (or --database-url) with a fresh SECRET_KEY. Each fanout sender is an
account of its own, so the per-account message limit (10/s) holds for each. On a machine with two or
more cores the server is pinned to core 0 and the bench clients (this process) to core 1, so the load generator
never takes the server's CPU (--no-pin to turn that off).
Every loop is bounded in count and time; only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
# BENCH_PARLEY: another command for the server (a profiler wrapping `parley`, say).
PARLEY = os.environ.get("BENCH_PARLEY") or str(Path(sys.executable).with_name("parley"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
# (server core, client core), set by main() when the machine has two cores to give.
PIN: tuple[int, int] | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    return cpu_seconds_of(Path(f"/proc/{pid}/stat"))


def loop_cpu_seconds(pid: int) -> float:
    """The CPU of the server's main thread (its event loop) alone, without its database threads'."""
    return cpu_seconds_of(Path(f"/proc/{pid}/task/{pid}/stat"))


def cpu_seconds_of(stat: Path) -> float:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


@contextlib.asynccontextmanager
async def server(
    database_url: str | None, seed: Callable[[str], Awaitable[None]] | None = None, census: Path | None = None
) -> AsyncIterator[tuple[str, int]]:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        port = _free_port()
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url or f"sqlite:///{tmp}/bench.db",
            SECRET_KEY=secrets.token_urlsafe(48),
            PORT=str(port),
            HOST="127.0.0.1",
            # The bench registers many accounts from one address, as no real client would.
            REGISTRATIONS_PER_HOUR="1000000",
            # Registering thousands of accounts for a storm must not take minutes: the bench measures connecting,
            # not password hashing.
            ARGON2_TIME_COST="1",
            ARGON2_MEMORY_KIB="1024",
        )
        # Blocking on purpose: nothing else runs yet in this harness.
        subprocess.run([PARLEY, "migrate"], env=env, cwd=tmp, check=True, stdout=subprocess.DEVNULL)  # noqa: ASYNC221
        if seed is not None:
            await seed(env["DATABASE_URL"])
        command = [PARLEY, "serve"]
        if census is not None:
            env["BENCH_CENSUS_FILE"] = str(census)
            command = [sys.executable, "-c", CENSUS_SERVER, "serve"]
        proc = subprocess.Popen(  # noqa: ASYNC220
            command, env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{port}"
        if PIN is not None:
            os.sched_setaffinity(proc.pid, {PIN[0]})
        try:
            async with aiohttp.ClientSession() as http:
                for _ in range(100):
                    with contextlib.suppress(aiohttp.ClientError):
                        if (await http.get(f"{url}/api/health")).status == 200:
                            break
                    await asyncio.sleep(0.1)
                else:
                    raise RuntimeError("the server did not come up")
            yield url, proc.pid
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# `parley serve` under tracemalloc: a first SIGUSR1 takes a snapshot, a second writes what grew since (by
# allocation site, and live objects by type) to $BENCH_CENSUS_FILE.
CENSUS_SERVER = """
import collections, gc, os, signal, sys, tracemalloc
tracemalloc.start(1)
first = []
def census(*_):
    gc.collect()
    snap = tracemalloc.take_snapshot()
    kinds = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
    if not first:
        first.extend([snap, kinds])
        return
    stats = snap.compare_to(first[0], "lineno")[:30]
    lines = [f"{s.size_diff / 1024:10.1f} KiB {s.count_diff:8d} {s.traceback[0].filename}:{s.traceback[0].lineno}"
             for s in stats]
    grown = (kinds - first[1]).most_common(30)
    lines += [f"{n:10d} {k}" for k, n in grown]
    with open(os.environ["BENCH_CENSUS_FILE"], "w") as f:
        f.write(f"traced now {tracemalloc.get_traced_memory()[0] / 2**20:.1f} MiB\\n" + "\\n".join(lines) + "\\n")
signal.signal(signal.SIGUSR1, census)
from parley.cli import main
sys.argv = ["parley", *sys.argv[1:]]
sys.exit(main())
"""


async def session(url: str, username: str) -> aiohttp.ClientSession:
    # limit=0: every WebSocket holds its connection, and the default pool stops at 100.
    jar = aiohttp.CookieJar(unsafe=True)
    http = aiohttp.ClientSession(url, cookie_jar=jar, connector=aiohttp.TCPConnector(limit=0))
    creds = {"username": username, "password": "benchmark-password"}
    resp = await http.post("/api/auth/register", json=creds)
    if resp.status == 409:
        resp = await http.post("/api/auth/login", json=creds)
    if resp.status not in (200, 201):
        raise RuntimeError(await resp.text())
    return http


async def open_sockets(http: aiohttp.ClientSession, count: int) -> list[aiohttp.ClientWebSocketResponse]:
    sockets = []
    for start in range(0, count, 100):
        batch = await asyncio.gather(*(http.ws_connect("/ws", autoping=True) for _ in range(min(100, count - start))))
        for ws in batch:
            hello = await ws.receive_json(timeout=10)
            assert hello["type"] == "hello"
        sockets.extend(batch)
    return sockets


async def sessions(url: str, prefix: str, users: int) -> list[aiohttp.ClientSession]:
    return list(await asyncio.gather(*(session(url, f"{prefix}{n}") for n in range(users))))


async def open_spread(https: list[aiohttp.ClientSession], count: int) -> list[aiohttp.ClientWebSocketResponse]:
    """`count` sockets spread evenly over the accounts (each account's connections are capped), up to 100
    handshakes at a time (below the server's accept backlog)."""
    shares = [count // len(https) + (1 if i < count % len(https) else 0) for i in range(len(https))]
    gate = asyncio.Semaphore(max(1, 100 // max(1, min(100, max(shares)))))

    async def open_share(http: aiohttp.ClientSession, share: int) -> list[aiohttp.ClientWebSocketResponse]:
        async with gate:
            return await open_sockets(http, share)

    opened = await asyncio.gather(*(open_share(http, share) for http, share in zip(https, shares, strict=True)))
    return [ws for batch in opened for ws in batch]


async def bench_idle(args: argparse.Namespace) -> dict[str, Any]:
    census = Path(tempfile.mkstemp(prefix="parley-census-")[1]) if args.census else None
    frames: dict[str, int] = {}
    async with server(args.database_url, census=census) as (url, pid):
        https = await sessions(url, "idle", -(-args.connections // args.sockets_per_user))
        readers: list[asyncio.Task[None]] = []

        async def read(ws: aiohttp.ClientWebSocketResponse) -> None:
            async for msg in ws:
                kind = json.loads(msg.data)["type"]
                frames[kind] = frames.get(kind, 0) + 1

        try:
            await asyncio.sleep(1)
            if census is not None:
                os.kill(pid, signal.SIGUSR1)
                await asyncio.sleep(2)
            before, cpu_before, wall_before = rss_bytes(pid), cpu_seconds(pid), time.perf_counter()
            loop_before = loop_cpu_seconds(pid)
            sockets = await open_spread(https, args.connections)
            connect_s, connect_cpu = time.perf_counter() - wall_before, cpu_seconds(pid) - cpu_before
            loop_cpu = loop_cpu_seconds(pid) - loop_before
            readers = [asyncio.create_task(read(ws)) for ws in sockets]
            await asyncio.sleep(2)
            after = rss_bytes(pid)
            if census is not None:
                os.kill(pid, signal.SIGUSR1)
                await asyncio.sleep(3)
            for ws in sockets:
                await ws.close()
        finally:
            for task in readers:
                task.cancel()
            for http in https:
                await http.close()
    if census is not None:
        print(census.read_text(), file=sys.stderr)
        census.unlink()
    return {
        "connections": args.connections,
        "accounts": len(https),
        "rss_before_mib": round(before / 2**20, 1),
        "rss_after_mib": round(after / 2**20, 1),
        "bytes_per_idle_connection": round((after - before) / args.connections),
        "connections_per_s": round(args.connections / connect_s),
        "server_cpu_ms_per_connection": round(connect_cpu / args.connections * 1000, 3),
        # The rest is the server's other threads: aiosqlite's, one per database connection.
        "event_loop_thread_cpu_ms_per_connection": round(loop_cpu / args.connections * 1000, 3),
        "frames_after_hello_per_connection": round(sum(frames.values()) / args.connections, 2),
        "frames_after_hello": frames,
    }


async def bench_fanout(args: argparse.Namespace) -> dict[str, Any]:
    async with server(args.database_url) as (url, pid):
        receiver_https = await sessions(url, "receiver", -(-args.receivers // args.sockets_per_user))
        # One account per sending socket: a real sender is a person, and limits are per account.
        sender_https = await sessions(url, "sender", args.senders)
        try:
            receivers = await open_spread(receiver_https, args.receivers)
            senders = await open_spread(sender_https, args.senders)
            latencies: list[float] = []
            delivered = 0
            expected = args.rate * args.seconds
            done = asyncio.Event()

            async def receive(ws: aiohttp.ClientWebSocketResponse) -> None:
                nonlocal delivered
                async for msg in ws:
                    frame = json.loads(msg.data)
                    if frame["type"] == "message.new":
                        latencies.append(time.perf_counter() - float(frame["message"]["body"]))
                        delivered += 1
                        if delivered >= expected * len(receivers):
                            done.set()

            async def drain(ws: aiohttp.ClientWebSocketResponse) -> None:
                async for _ in ws:
                    pass

            tasks = [asyncio.create_task(receive(ws)) for ws in receivers]
            tasks += [asyncio.create_task(drain(ws)) for ws in senders]
            cpu_before, wall_before = cpu_seconds(pid), time.perf_counter()
            interval = 1 / args.rate
            for n in range(expected):
                ws = senders[n % len(senders)]
                body = repr(time.perf_counter())
                frame = {"type": "message.send", "room_id": 1, "body": body, "client_id": f"b{n}"}
                await ws.send_str(json.dumps(frame))
                await asyncio.sleep(max(0.0, wall_before + (n + 1) * interval - time.perf_counter()))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(done.wait(), 30)
            cpu_used, wall = cpu_seconds(pid) - cpu_before, time.perf_counter() - wall_before
            for task in tasks:
                task.cancel()
            for ws in receivers + senders:
                await ws.close()
        finally:
            for http in receiver_https + sender_https:
                await http.close()
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2) if latencies else -1.0

    return {
        "receivers": args.receivers,
        "senders": args.senders,
        "messages_sent": expected,
        "deliveries": delivered,
        "deliveries_expected": expected * args.receivers,
        "deliveries_per_s": round(delivered / wall),
        "server_cpu_s": round(cpu_used, 3),
        "server_cpu_us_per_delivery": round(cpu_used / max(delivered, 1) * 1e6, 2),
        "latency_ms_p50": pct(0.50),
        "latency_ms_p95": pct(0.95),
        "latency_ms_p99": pct(0.99),
        "latency_ms_max": round(latencies[-1] * 1000, 2) if latencies else -1.0,
        "median_ms": round(statistics.median(latencies) * 1000, 2) if latencies else -1.0,
    }


async def seed_history(database_url: str, rooms: int, messages: int, unread: int | None) -> None:
    """Two users ("reader", "author") in `rooms` rooms of `messages` messages each, written in bulk."""
    import argon2

    from parley.settings import DatabaseUrl
    from parley.store import open_store

    store = await open_store(DatabaseUrl.parse(database_url))
    try:
        password_hash = argon2.PasswordHasher(time_cost=1, memory_cost=1024).hash("benchmark-password")
        reader = await store.create_user("reader", password_hash, 0)
        author = await store.create_user("author", password_hash, 0)
        for r in range(rooms):
            room = await store.create_room(f"room{r:03}", "", False, author.id, 0)
            await store.add_member(room.id, reader.id, 0)
            for start in range(1, messages + 1, 1000):
                seqs = range(start, min(messages, start + 999) + 1)
                rows = [(room.id, seq, author.id, f"message {seq}", f"r{room.id}s{seq}", seq) for seq in seqs]
                async with store.transaction() as tx:
                    await tx.execute(
                        "INSERT INTO messages (room_id, seq, user_id, body, client_id, created_at) VALUES "
                        + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows)),
                        [v for row in rows for v in row],
                    )
            async with store.transaction() as tx:
                await tx.execute("UPDATE rooms SET last_seq = %s WHERE id = %s", (messages, room.id))
                stored = await tx.fetchall("SELECT id, seq FROM messages WHERE room_id = %s", (room.id,))
                for message_id, seq in (row for row in stored if int(row[1]) % 20 == 0):
                    await tx.execute(
                        "INSERT INTO message_mentions (user_id, room_id, seq, message_id) VALUES (%s, %s, %s, %s)",
                        (reader.id, room.id, seq, message_id),
                    )
                marker = 0 if unread is None else max(0, messages - unread)
                await tx.execute(
                    "UPDATE room_members SET last_read_seq = %s WHERE room_id = %s AND user_id = %s",
                    (marker, room.id, reader.id),
                )
    finally:
        await store.close()


async def bench_hello(args: argparse.Namespace) -> dict[str, Any]:
    async def seed(url: str) -> None:
        await seed_history(url, args.rooms, args.messages, args.unread)

    seed_started = time.perf_counter()
    async with server(args.database_url, seed) as (url, _pid):
        seeded_s = time.perf_counter() - seed_started
        http = await session(url, "reader")
        try:
            hello_ms, rooms_ms = [], []
            hello: dict[str, Any] = {}
            for _ in range(args.repeat):
                started = time.perf_counter()
                ws = await http.ws_connect("/ws")
                hello = await ws.receive_json(timeout=30)
                hello_ms.append((time.perf_counter() - started) * 1000)
                await ws.close()
                started = time.perf_counter()
                resp = await http.get("/api/rooms")
                await resp.json()
                rooms_ms.append((time.perf_counter() - started) * 1000)
        finally:
            await http.close()
    counted = [r for r in hello["rooms"] if r["name"].startswith("room")]
    return {
        "rooms": args.rooms,
        "messages_per_room": args.messages,
        "unread_per_room": counted[0]["unread"] if counted else None,
        "mentions_per_room": counted[0]["mentions"] if counted else None,
        "seed_and_start_s": round(seeded_s, 1),
        "hello_ms_median": round(statistics.median(hello_ms), 2),
        "hello_ms_max": round(max(hello_ms), 2),
        "get_rooms_ms_median": round(statistics.median(rooms_ms), 2),
        "get_rooms_ms_max": round(max(rooms_ms), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: a throwaway SQLite file")
    sub = parser.add_subparsers(dest="what", required=True)
    idle = sub.add_parser("idle", help="memory per idle connection")
    idle.add_argument("--connections", type=int, default=1000)
    idle.add_argument("--census", action="store_true", help="print the server's memory census (tracemalloc)")
    fan = sub.add_parser("fanout", help="CPU per delivered message and latency under load")
    fan.add_argument("--receivers", type=int, default=500)
    fan.add_argument("--senders", type=int, default=10, help="sending accounts, one socket each (10/s each at most)")
    fan.add_argument("--rate", type=int, default=50, help="messages per second in total")
    fan.add_argument("--seconds", type=int, default=10)
    hello = sub.add_parser("hello", help="hello and GET /api/rooms time for a user in many long rooms")
    hello.add_argument("--rooms", type=int, default=50)
    hello.add_argument("--messages", type=int, default=10_000, help="messages per room")
    hello.add_argument("--unread", type=int, default=None, help="unread per room (default: all of them)")
    hello.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--sockets-per-user", type=int, default=25, help="connections per receiving account (capped per account)"
    )
    sub.add_parser("sign", help="µs to sign and verify one Redis envelope")
    lim = sub.add_parser("limits", help="per-message cost of the per-account message limit")
    lim.add_argument("--accounts", type=int, default=10_000)
    lim.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    search = sub.add_parser("search", help="search latency over a large history and the index's ingest cost")
    search.add_argument("--messages", type=int, default=100_000)
    search.add_argument("--rooms", type=int, default=200)
    search.add_argument("--queries", type=int, default=200)
    search.add_argument(
        "--ingest", type=int, default=2000, help="messages stored (one by one, then 20 at once), half without index"
    )
    search.add_argument("--mariadb", action="store_true", help="on a throwaway MariaDB server of its own")
    search.add_argument("--buffer-pool", default="1G", help="the throwaway MariaDB's innodb_buffer_pool_size")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the server and the clients to cores")
    args = parser.parse_args()
    global PIN
    cores = sorted(os.sched_getaffinity(0))
    # The search bench runs in this process (and its own MariaDB, which would inherit this process's core).
    if not args.no_pin and len(cores) >= 2 and args.what != "search":
        PIN = (cores[0], cores[1])
        os.sched_setaffinity(0, {PIN[1]})
    if args.what == "fanout" and args.rate > 10 * args.senders:
        parser.error("each sender account may send 10 messages/s: raise --senders or lower --rate")
    if args.what == "idle" and not 1 <= args.connections <= 20_000:
        parser.error("--connections must be between 1 and 20000")
    if args.what == "hello" and not (1 <= args.rooms <= 1000 and 1 <= args.messages <= 1_000_000):
        parser.error("--rooms must be 1-1000 and --messages 1-1000000")
    if args.what == "limits" and not 1 <= args.accounts <= 1_000_000:
        parser.error("--accounts must be between 1 and 1000000")
    if args.what == "search" and not (1 <= args.rooms <= 10_000 and 1 <= args.messages <= 10_000_000):
        parser.error("--rooms must be 1-10000 and --messages 1-10000000")
    if args.what == "search" and not (1 <= args.queries <= 100_000 and 40 <= args.ingest <= 1_000_000):
        parser.error("--queries must be 1-100000 and --ingest 40-1000000")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if args.what == "sign":
        from bench_inprocess import bench_sign

        result = bench_sign()
    elif args.what == "limits":
        from bench_inprocess import bench_limits

        result = asyncio.run(bench_limits(args.accounts, args.redis_url))
    elif args.what == "search":
        from bench_search import bench_search

        result = asyncio.run(
            bench_search(
                database_url=args.database_url,
                mariadb=args.mariadb,
                buffer_pool=args.buffer_pool,
                messages=args.messages,
                rooms=args.rooms,
                query_count=args.queries,
                ingest=args.ingest,
                log=lambda line: print(line, file=sys.stderr, flush=True),
            )
        )
    else:
        benches = {"idle": bench_idle, "fanout": bench_fanout, "hello": bench_hello}
        result = asyncio.run(benches[args.what](args))
    print(json.dumps({"bench": args.what, "pinned": PIN is not None, **result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
