#!/usr/bin/env python3
"""What metrics cost: the counters on the fan-out path, and a Prometheus scrape.

    .venv/bin/python scripts/bench_metrics.py --connections 1000 --scrapes 200

Two figures, each measured apart from the noise of a whole fan-out run (whose CPU per delivery varies by a few
per cent between identical runs on a shared machine, more than the cost sought):
- counters: the bookkeeping the hub does per broadcast (frame type, Tally.add, the deliveries sum), timed in this
  process with timeit, then divided by the receivers of one broadcast: their cost per delivery.
- high-water: the per-connection queue high-water mark kept at enqueue (one compare per queued frame), timed
  the same way against an empty call.
- scrape: server CPU (utime+stime from /proc) spent answering `--scrapes` GET /metrics on METRICS_PORT while
  `--connections` idle WebSockets are open, per scrape; and that as a share of one core at a 15 s interval.
The server is pinned to core 0 and this process to core 1 (scripts/bench.py's `server`); 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import timeit
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # the sibling script: server start-up, pinning and /proc readers

from parley.counters import Tally, frame_type
from parley.live import wire

SCRAPE_INTERVAL_S = 15


def counters_per_broadcast_ns() -> float:
    """The hub's counting for one broadcast (hub.py's to_room / room delivery), in ns."""
    tally = Tally()
    frame = wire.encode({"type": "message.new", "message": {"id": 1, "body": "x" * 40}})
    state = {"deliveries": 0}

    def once() -> None:
        tally.add(frame_type(frame), 500)
        state["deliveries"] += 500

    runs = 200_000
    best = min(timeit.repeat(once, number=runs, repeat=5))
    return best / runs * 1e9


def high_water_ns() -> float:
    """The queue high-water bookkeeping of one queued frame (live/connection.py push): a compare, rarely a store."""

    class Conn:
        __slots__ = ("high_water",)

        def __init__(self) -> None:
            self.high_water = 64

    conn, depth = Conn(), 10

    def with_mark() -> None:
        if depth >= conn.high_water:
            conn.high_water = depth + 1

    def without() -> None:
        pass

    runs = 1_000_000
    marked = min(timeit.repeat(with_mark, number=runs, repeat=5))
    bare = min(timeit.repeat(without, number=runs, repeat=5))
    return max(0.0, marked - bare) / runs * 1e9


async def scrape_cost(args: argparse.Namespace) -> dict[str, Any]:
    metrics_port = bench._free_port()
    os.environ["METRICS_PORT"] = str(metrics_port)
    async with bench.server(args.database_url) as (url, pid):
        https = await bench.sessions(url, "scrape", -(-args.connections // 50))
        try:
            sockets = await bench.open_spread(https, args.connections)
            await asyncio.sleep(1)
            async with aiohttp.ClientSession() as http:
                body = await (await http.get(f"http://127.0.0.1:{metrics_port}/metrics")).read()
                cpu0 = bench.cpu_seconds(pid)
                for _ in range(args.scrapes):
                    resp = await http.get(f"http://127.0.0.1:{metrics_port}/metrics")
                    assert resp.status == 200
                    await resp.read()
                cpu = bench.cpu_seconds(pid) - cpu0
            for ws in sockets:
                await ws.close()
        finally:
            for h in https:
                await h.close()
    per_scrape_ms = cpu / args.scrapes * 1000
    return {
        "connections": args.connections,
        "scrapes": args.scrapes,
        "exposition_bytes": len(body),
        "server_cpu_ms_per_scrape": round(per_scrape_ms, 2),
        "share_of_a_core_at_15s": f"{per_scrape_ms / (SCRAPE_INTERVAL_S * 1000):.4%}",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--scrapes", type=int, default=200)
    parser.add_argument(
        "--receivers", type=int, default=500, help="receivers per broadcast, for the per-delivery share"
    )
    parser.add_argument("--no-pin", action="store_true")
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    if not args.no_pin and len(cores) >= 2:
        bench.PIN = (cores[0], cores[1])
        os.sched_setaffinity(0, {cores[1]})
    per_broadcast = counters_per_broadcast_ns()
    result = {
        "counters_ns_per_broadcast": round(per_broadcast, 1),
        "counters_ns_per_delivery": round(per_broadcast / args.receivers, 3),
        "high_water_ns_per_queued_frame": round(high_water_ns(), 1),
        **asyncio.run(scrape_cost(args)),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
