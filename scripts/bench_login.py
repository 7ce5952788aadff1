#!/usr/bin/env python3
"""Login throughput and memory: what argon2id costs a `parley serve` process, and whether it gives memory back.

    .venv/bin/python scripts/bench_login.py --users 40 --logins 200 --concurrency 16

Registers `--users` accounts (each registration hashes once), lets the server settle, then sends `--logins`
correct logins from `--concurrency` clients at once. Reports logins per second, server CPU per login and
logins per second per core of server CPU, and the server's RSS: at start, after the registrations settled,
the peak during the login burst (sampled every 50 ms) and after it settled. The server is pinned to core 0 and
this process to core 1 (scripts/bench.py's `server`). Only 127.0.0.1 is contacted; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # the sibling script: server start-up, pinning and /proc readers

SETTLE_S = 3.0


async def _peak_rss(pid: int, stop: asyncio.Event) -> int:
    peak = 0
    while not stop.is_set():
        peak = max(peak, bench.rss_bytes(pid))
        await asyncio.sleep(0.05)
    return peak


async def run(args: argparse.Namespace) -> dict[str, Any]:
    async with bench.server(args.database_url) as (url, pid):
        start_rss = bench.rss_bytes(pid)
        names = [f"login{n}" for n in range(args.users)]
        for http in await bench.sessions(url, "login", args.users):
            await http.close()
        await asyncio.sleep(SETTLE_S)
        settled_rss = bench.rss_bytes(pid)
        jar_free = aiohttp.DummyCookieJar()
        async with aiohttp.ClientSession(url, cookie_jar=jar_free) as http:
            queue = [names[n % len(names)] for n in range(args.logins)]
            failures = 0

            async def client() -> None:
                nonlocal failures
                while queue:
                    name = queue.pop()
                    resp = await http.post("/api/auth/login", json={"username": name, "password": "benchmark-password"})
                    failures += resp.status != 200
                    resp.release()

            stop = asyncio.Event()
            sampler = asyncio.ensure_future(_peak_rss(pid, stop))
            cpu0, t0 = bench.cpu_seconds(pid), time.perf_counter()
            await asyncio.wait_for(asyncio.gather(*(client() for _ in range(args.concurrency))), timeout=600)
            wall, cpu = time.perf_counter() - t0, bench.cpu_seconds(pid) - cpu0
            stop.set()
            peak_rss = await sampler
        await asyncio.sleep(SETTLE_S)
        after_rss = bench.rss_bytes(pid)
    mib = 2**20
    return {
        "logins": args.logins,
        "failed": failures,
        "concurrency": args.concurrency,
        "logins_per_s": round(args.logins / wall, 1),
        "server_cpu_ms_per_login": round(cpu / args.logins * 1000, 1),
        "logins_per_s_per_core": round(args.logins / cpu, 1),
        "rss_start_mib": round(start_rss / mib, 1),
        "rss_settled_mib": round(settled_rss / mib, 1),
        "rss_peak_mib": round(peak_rss / mib, 1),
        "rss_after_mib": round(after_rss / mib, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--no-pin", action="store_true")
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    if not args.no_pin and len(cores) >= 2:
        bench.PIN = (cores[0], cores[1])
        os.sched_setaffinity(0, {cores[1]})
    print(json.dumps(asyncio.run(run(args)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
