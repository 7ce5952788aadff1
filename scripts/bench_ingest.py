#!/usr/bin/env python3
"""Durable ingest in the store: messages stored per second, each send waiting for its own commit, with group
commit (store/group_commit.py) against one transaction per send (the same code with batches of one) in one run.

    .venv/bin/python scripts/bench_ingest.py --database mysql --rooms 100 --senders 200 --seconds 8
    .venv/bin/python scripts/bench_ingest.py --database sqlite --rooms 1 --senders 200 --seconds 8

`--senders` coroutines each send, wait for the answer, and send again (as a WebSocket does: the next frame after
the ack) to room `i % rooms`, for `--seconds`. This measures the store alone (no HTTP, no fan-out): what the
database path allows a process. The throwaway database is created and dropped here (MariaDB as root over the
Unix socket; SQLite in a temporary directory). This process is pinned to core 0 when there are two or more.
Modes alternate (batch, single, batch, single …) for `--rounds` rounds so both see the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pymysql

from parley.models import User
from parley.settings import DatabaseUrl
from parley.store import Store, open_store
from parley.store.group_commit import GroupCommit
from parley.store.migrations import migrate

SOCKET = "/run/mysqld/mysqld.sock"


async def one_run(store: Store, rooms: list[int], users: list[User], seconds: float, tag: str) -> dict[str, Any]:
    done = 0
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def sender(i: int) -> None:
        nonlocal done
        n = 0
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            await store.insert_message(
                rooms[i % len(rooms)], users[i], "deploy done ✓ 预算会议 hello", f"{tag}-{i}-{n}", 1
            )
            latencies.append(time.perf_counter() - t0)
            n += 1
            done += 1

    t0, cpu0, used0 = time.perf_counter(), time.process_time(), store.meter.latency.count
    await asyncio.gather(*(sender(i) for i in range(len(users))))
    elapsed, cpu, transactions = (
        time.perf_counter() - t0,
        time.process_time() - cpu0,
        store.meter.latency.count - used0,
    )
    latencies.sort()
    return {
        "messages_per_s": round(done / elapsed),
        # This process's CPU (the store path: group commit, SQL, the driver) per stored message, and the sends per
        # transaction the batching reached.
        "cpu_us_per_message": round(cpu / done * 1e6, 1),
        "messages_per_transaction": round(done / max(1, transactions), 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    name = f"parley_ingest_{uuid.uuid4().hex[:8]}"
    tmp = tempfile.TemporaryDirectory(prefix="parley-ingest-")
    if args.database == "mysql":
        root = pymysql.connect(unix_socket=SOCKET, user="root", autocommit=True)
        root.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        url = DatabaseUrl(scheme="mysql", user="root", name=name, unix_socket=SOCKET)
    else:
        url = DatabaseUrl(scheme="sqlite", path=str(Path(tmp.name) / "ingest.db"))
    store = await open_store(url, pool_max=args.pool, create=True)
    grouped = store.group_commit if args.lanes is None else GroupCommit(store.store_sends, lanes=args.lanes)
    single = GroupCommit(store.store_sends, lanes=args.pool, max_batch=1)
    try:
        await migrate(store, 0)
        accounts = [await store.create_user(f"sender{i}", "x", 0) for i in range(args.senders)]
        users = [User(a.id, a.username) for a in accounts]
        rooms = [(await store.create_room(f"room{i}", "", False, users[0].id, 0)).id for i in range(args.rooms)]
        runs: dict[str, list[dict[str, Any]]] = (
            {"group commit": []}
            if args.group_only
            else {
                "group commit": [],
                "one transaction per send": [],
            }
        )
        modes = [("group commit", grouped), ("one transaction per send", single)][: 1 if args.group_only else 2]
        for r in range(args.rounds):
            for mode, commit in modes:
                store.group_commit = commit
                runs[mode].append(await one_run(store, rooms, users, args.seconds, f"{r}{mode[0]}"))
        store.group_commit = grouped
    finally:
        await store.close()
        if args.database == "mysql":
            root.cursor().execute(f"DROP DATABASE `{name}`")
        tmp.cleanup()
    return {
        "database": args.database,
        "rooms": args.rooms,
        "senders": args.senders,
        "pool": args.pool,
        "lanes": args.lanes,
        "seconds": args.seconds,
        "median": {mode: statistics.median(x["messages_per_s"] for x in rs) for mode, rs in runs.items()},
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["mysql", "sqlite"], default="mysql")
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--group-only", action="store_true", help="skip the one-transaction-per-send runs")
    parser.add_argument("--lanes", type=int, help="group commit lanes (default: the store's own choice)")
    parser.add_argument("--pool", type=int, default=10, help="database connections (DB_POOL_MAX)")
    args = parser.parse_args()
    if not (1 <= args.rooms <= 1000 and 1 <= args.senders <= 2000 and 0 < args.seconds <= 120 and args.rounds <= 10):
        parser.error("rooms 1-1000, senders 1-2000, seconds up to 120, rounds up to 10")
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) >= 2:
        os.sched_setaffinity(0, {cores[0]})
    print(json.dumps(asyncio.run(run(args)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
