"""The scenarios, each run against every server, with and without permessage-deflate offered by the clients.

fanout  a fixed offered rate into one room of `receivers` connections from `senders` sockets (one step).
max     the same, ramping the offered rate until p99 > 200 ms or under 99% delivered (or the rates run out).
idle    `connections` idle sockets: connect rate, server CPU per connect, and RSS against connections.
storm   `users` distinct accounts connect at once into one room: presence frames per member, connect rate,
        server CPU per connection, RSS (the baselines have no presence: connect rate, CPU and RSS only).
ingest  `senders` send as fast as each's acks return (a window of unacked sends each), over 100 rooms and
        into one room; Parley on MariaDB by default. A baseline's "ack" is the sender's own message coming back.

A scenario returns one record per (server, deflate): {"scenario", "server", "deflate", "params", "result"}.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from . import servers
from .servers import Population, Server

CLK_TCK = os.sysconf("SC_CLK_TCK")
LOADGEN = servers.NODE_DIR / "loadgen.js"
SERVERS = ("parley", "socketio", "naive")
# Parley accounts hold this many receiving sockets each (the per-account cap is 50 per process).
SOCKETS_PER_ACCOUNT = 25


@dataclass
class Sizes:
    """What one run does; `full` is the recorded run, `smoke` the CI check (seconds, not minutes)."""

    receivers: int = 1000
    senders: int = 20
    fanout_rate: int = 100  # messages/s: 100,000 deliveries/s to 1,000 receivers
    fanout_seconds: float = 10
    warmup_s: float = 2
    drain_s: float = 5
    max_rates: list[int] = field(default_factory=lambda: [20, 28, 40, 55, 77, 108, 150, 210, 295, 410, 575, 800])
    max_seconds: float = 4
    stop_p99_ms: float = 200
    stop_delivered: float = 0.99
    idle_connections: int = 5000
    storm_users: int = 1000
    ingest_senders: int = 50
    ingest_rooms: int = 100
    ingest_window: int = 1
    ingest_seconds: float = 10
    connect_concurrency: int = 50
    start_settle_s: float = 1  # after a server starts, before anything is measured
    idle_settle_s: float = 2
    storm_quiet_s: float = 1.5  # the storm has settled when no presence frame came for this long
    pause_s: float = 0.5  # between two steps of the ramp
    db: str = "mysql"  # Parley's database for fanout, max and ingest ("sqlite" or "mysql")

    @classmethod
    def smoke(cls) -> Sizes:
        return cls(
            receivers=20,
            senders=2,
            fanout_rate=10,
            fanout_seconds=0.5,
            warmup_s=0.2,
            drain_s=2,
            max_rates=[5, 10],
            max_seconds=0.4,
            idle_connections=30,
            storm_users=10,
            ingest_senders=3,
            ingest_rooms=4,
            ingest_seconds=1,
            connect_concurrency=10,
            start_settle_s=0,
            idle_settle_s=0.2,
            storm_quiet_s=1.0,  # more than Parley's presence_batch_ms (500): batches trail the handshakes
            pause_s=0.1,
        )


@dataclass(frozen=True)
class Cores:
    server: int | None
    loadgen: int | None

    @classmethod
    def pick(cls, pin: bool) -> Cores:
        cores = sorted(os.sched_getaffinity(0))
        if not pin or len(cores) < 2:
            return cls(None, None)
        return cls(cores[0], cores[1])


def run_loadgen(config: dict[str, Any], cores: Cores) -> dict[str, Any]:
    # The load generator needs ws and socket.io-client whichever server it drives (a fresh clone has none yet).
    servers.ensure_node_modules()
    # PARLEY_BENCH_WS_PACKAGE=1: plain connections use the `ws` package too (to compare the clients' own cost).
    config = {"clk_tck": CLK_TCK, "ws_package": os.environ.get("PARLEY_BENCH_WS_PACKAGE") == "1", **config}
    # PARLEY_BENCH_NODE_FLAGS: extra node flags for the load generator (e.g. --cpu-prof to profile it).
    flags = os.environ.get("PARLEY_BENCH_NODE_FLAGS", "").split()
    argv = servers.pinned(cores.loadgen, ["node", *flags, str(LOADGEN)])
    proc = subprocess.run(
        argv, input=json.dumps(config).encode(), capture_output=True, timeout=config["max_s"] + 30, check=False
    )
    sys.stderr.write(proc.stderr.decode(errors="replace"))
    lines = proc.stdout.decode().strip().splitlines()
    result: dict[str, Any] = json.loads(lines[-1]) if lines else {"error": f"no output (exit {proc.returncode})"}
    return result


@contextlib.contextmanager
def started(name: str, cores: Cores, population: Population, db: str, settle_s: float) -> Iterator[Server]:
    if name == "parley":
        with servers.start_parley(cores.server, population, db) as server:
            time.sleep(settle_s)  # let the start-up settle before measuring
            yield server
    else:
        with servers.STARTERS[name](cores.server) as server:
            time.sleep(settle_s)
            yield server


def _record(scenario: str, name: str, deflate: bool, params: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    status = "error" if "error" in result else "ok"
    print(f"  {scenario:7} {name:8} deflate={'on ' if deflate else 'off'} {status}", file=sys.stderr, flush=True)
    return {"scenario": scenario, "server": name, "deflate": deflate, "params": params, "result": result}


def _accounts(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{n}" for n in range(count))


def _fanout(
    scenario: str, name: str, deflate: bool, sizes: Sizes, cores: Cores, rates: list[int], seconds: float
) -> dict[str, Any]:
    receivers = _accounts("r", -(-sizes.receivers // SOCKETS_PER_ACCOUNT))
    senders = _accounts("s", sizes.senders)
    params = {
        "receivers": sizes.receivers,
        "senders": sizes.senders,
        "rates": rates,
        "seconds": seconds,
        "warmup_s": sizes.warmup_s,
        "db": sizes.db if name == "parley" else None,
    }
    with started(name, cores, Population(receivers + senders), sizes.db, sizes.start_settle_s) as server:
        config = {
            "mode": "fanout",
            "target": name,
            "url": server.url,
            "server_pid": server.pid,
            "deflate": deflate,
            "receivers": sizes.receivers,
            "senders": sizes.senders,
            "rates": rates,
            "seconds": seconds,
            "warmup_s": sizes.warmup_s,
            "drain_s": sizes.drain_s,
            "pause_s": sizes.pause_s,
            "stop_p99_ms": sizes.stop_p99_ms,
            "stop_delivered": sizes.stop_delivered,
            "room_id": server.rooms.get("general", 1),
            "cookies": [server.cookies[u] for u in receivers] if server.cookies else [],
            "sender_cookies": [server.cookies[u] for u in senders] if server.cookies else [],
            "connect_concurrency": sizes.connect_concurrency,
            "max_s": 120 + len(rates) * (sizes.warmup_s + seconds + sizes.drain_s + 1),
        }
        before = server.counters()
        result = run_loadgen(config, cores)
        after = server.counters()
        if before and after and "error" not in result:
            result["frames_per_write"] = _frames_per_write(before, after)
        return _record(scenario, name, deflate, params, result)


def _frames_per_write(before: dict[str, float], after: dict[str, float]) -> float | None:
    """Frames handed to connections per socket write over the whole run (warm-up and drain included): above 1
    where the write batch put several frames in one write."""

    def frames(values: dict[str, float]) -> float:
        return sum(v for k, v in values.items() if k.startswith("parley_frames_out_total{"))

    writes = after.get("parley_ws_writes_total", 0.0) - before.get("parley_ws_writes_total", 0.0)
    return (frames(after) - frames(before)) / writes if writes > 0 else None


def fanout(name: str, deflate: bool, sizes: Sizes, cores: Cores) -> list[dict[str, Any]]:
    return [_fanout("fanout", name, deflate, sizes, cores, [sizes.fanout_rate], sizes.fanout_seconds)]


def ramp(name: str, deflate: bool, sizes: Sizes, cores: Cores) -> list[dict[str, Any]]:
    return [_fanout("max", name, deflate, sizes, cores, sizes.max_rates, sizes.max_seconds)]


def idle(name: str, deflate: bool, sizes: Sizes, cores: Cores) -> list[dict[str, Any]]:
    # One socket per account, every account in general: the target is per idle connection of distinct
    # users in one room (sockets sharing an account share its hub and presence entries, and cost less each).
    accounts = _accounts("idle", sizes.idle_connections)
    params = {"connections": sizes.idle_connections, "accounts": len(accounts) if name == "parley" else None}
    with started(name, cores, Population(accounts), "sqlite", sizes.start_settle_s) as server:
        config = {
            "mode": "idle",
            "target": name,
            "url": server.url,
            "server_pid": server.pid,
            "deflate": deflate,
            "connections": sizes.idle_connections,
            "cookies": [server.cookies[u] for u in accounts] if server.cookies else [],
            "sample_every": max(1, sizes.idle_connections // 20),
            "settle_s": sizes.idle_settle_s,
            "connect_concurrency": sizes.connect_concurrency,
            "max_s": 300,
        }
        return [_record("idle", name, deflate, params, run_loadgen(config, cores))]


def storm(name: str, deflate: bool, sizes: Sizes, cores: Cores) -> list[dict[str, Any]]:
    users = _accounts("u", sizes.storm_users)
    params = {"users": sizes.storm_users, "room": "general"}
    with started(name, cores, Population(users), "sqlite", sizes.start_settle_s) as server:
        config = {
            "mode": "storm",
            "target": name,
            "url": server.url,
            "server_pid": server.pid,
            "deflate": deflate,
            "connections": sizes.storm_users,
            "cookies": [server.cookies[u] for u in users] if server.cookies else [],
            "quiet_s": sizes.storm_quiet_s,
            "max_wait_s": 60,
            "connect_concurrency": sizes.connect_concurrency,
            "max_s": 300,
        }
        return [_record("storm", name, deflate, params, run_loadgen(config, cores))]


def _ingest(name: str, deflate: bool, sizes: Sizes, cores: Cores, room_count: int) -> dict[str, Any]:
    senders = _accounts("w", sizes.ingest_senders)
    if room_count == 1:
        rooms: tuple[tuple[str, tuple[str, ...]], ...] = (("ingest-one", senders),)
        owner = [["ingest-one"] for _ in senders]
    else:
        # Each room has one member, its sender: this measures storing, not fan-out.
        rooms = tuple((f"ingest-{r}", (senders[r % len(senders)],)) for r in range(room_count))
        owner = [
            [f"ingest-{r}" for r in range(room_count) if r % len(senders) == i] or ["general"]
            for i in range(len(senders))
        ]
    params = {
        "senders": len(senders),
        "rooms": room_count,
        "window": sizes.ingest_window,
        "seconds": sizes.ingest_seconds,
        "db": sizes.db if name == "parley" else None,
    }
    with started(name, cores, Population(senders, rooms), sizes.db, sizes.start_settle_s) as server:
        sender_rooms = [[server.rooms.get(r, 0) for r in names] for names in owner]
        config = {
            "mode": "ingest",
            "target": name,
            "url": server.url,
            "server_pid": server.pid,
            "deflate": deflate,
            "senders": len(senders),
            "cookies": [server.cookies[u] for u in senders] if server.cookies else [],
            "sender_rooms": sender_rooms,
            "window": sizes.ingest_window,
            "seconds": sizes.ingest_seconds,
            "warmup_s": sizes.warmup_s,
            "connect_concurrency": sizes.connect_concurrency,
            "max_s": 120 + sizes.warmup_s + sizes.ingest_seconds,
        }
        return _record(f"ingest{room_count}", name, deflate, params, run_loadgen(config, cores))


def ingest(name: str, deflate: bool, sizes: Sizes, cores: Cores) -> list[dict[str, Any]]:
    return [_ingest(name, deflate, sizes, cores, sizes.ingest_rooms), _ingest(name, deflate, sizes, cores, 1)]


SCENARIOS: dict[str, Callable[[str, bool, Sizes, Cores], list[dict[str, Any]]]] = {
    "fanout": fanout,
    "max": ramp,
    "idle": idle,
    "storm": storm,
    "ingest": ingest,
}


def run(
    names: list[str], server_names: list[str], deflates: list[bool], sizes: Sizes, cores: Cores
) -> list[dict[str, Any]]:
    records = []
    for scenario in names:
        for deflate in deflates:
            for name in server_names:
                started_at = time.monotonic()
                made = SCENARIOS[scenario](name, deflate, sizes, cores)
                for record in made:  # the server's start-up and the load generator's set-up included
                    record["elapsed_s"] = round((time.monotonic() - started_at) / len(made), 1)
                records.extend(made)
    return records


def describe(sizes: Sizes) -> dict[str, Any]:
    return asdict(sizes)
