"""The benchmark harness end to end at its smoke sizes (`python -m scripts.benchmarks all --smoke`): every scenario
against Parley (on MariaDB), the Socket.IO tutorial server and the naive aiohttp loop, with permessage-deflate
offered. It checks that the run produced well-formed results (JSON, tables, plots) and that the figures are
consistent with each other; never how fast anything was.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import service_missing

ROOT = Path(__file__).resolve().parents[1]
SERVERS = {"parley", "socketio", "naive"}
SCENARIOS = {"fanout", "max", "idle", "storm", "ingest4", "ingest1"}


def _numbers(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [float(value)] if isinstance(value, int | float) and not isinstance(value, bool) else []


def test_bench_smoke_runs_every_scenario_against_every_server(tmp_path: Path, mysql_available: bool) -> None:
    if not mysql_available:
        service_missing("MariaDB")
    out = tmp_path / "bench"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "backend")}
    proc = subprocess.run(
        [sys.executable, "-m", "scripts.benchmarks", "all", "--smoke", "--deflate", "on", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=220,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]

    data = json.loads((out / "results.json").read_text())
    records = data["records"]
    assert {(r["scenario"], r["server"]) for r in records} == {(s, n) for s in SCENARIOS for n in SERVERS}
    assert all(r["deflate"] is True for r in records)
    for record in records:
        result = record["result"]
        assert "error" not in result, (record["scenario"], record["server"], result, proc.stderr[-4000:])
        numbers = _numbers(result)
        assert numbers and all(math.isfinite(n) and n >= 0 for n in numbers), record
        assert result["closed_by_server"] == 0, record
    # The naive aiohttp server accepts the offered deflate (aiohttp's default); Parley and Socket.IO do not.
    by = {(r["scenario"], r["server"]): r["result"] for r in records}
    assert by["idle", "naive"]["deflate_negotiated"] is True
    assert by["idle", "parley"]["deflate_negotiated"] is False
    assert by["idle", "socketio"]["deflate_negotiated"] is False

    for server in SERVERS:
        (step,) = by["fanout", server]["steps"]
        assert step["offered_msgs_per_s"] == data["sizes"]["fanout_rate"]
        assert 0 < step["deliveries"] <= step["deliveries_expected"]
        assert step["delivered_fraction"] == step["deliveries"] / step["deliveries_expected"]
        latency = step["latency_ms"]
        assert latency["n"] == step["deliveries"] and latency["p50"] <= latency["p99"]
        rates = [s["offered_msgs_per_s"] for s in by["max", server]["steps"]]
        assert rates == data["sizes"]["max_rates"][: len(rates)] and rates

        idle = by["idle", server]
        assert idle["connections"] == data["sizes"]["idle_connections"]
        counts = [c for c, _ in idle["rss_curve"]]
        assert counts[0] == 0 and counts == sorted(counts) and counts[-1] == idle["connections"]

        storm = by["storm", server]
        assert storm["connections"] == data["sizes"]["storm_users"]
        for rooms in ("ingest4", "ingest1"):
            ingest = by[rooms, server]
            assert ingest["acked_per_s"] > 0 and ingest["senders"] == data["sizes"]["ingest_senders"]
    # Only Parley has presence: every member heard of others coming online; the baselines send none.
    assert by["storm", "parley"]["presence_frames"] > 0 and by["storm", "parley"]["hello_bytes_mean"] > 0
    assert by["storm", "socketio"]["presence_frames"] == by["storm", "naive"]["presence_frames"] == 0
    assert by["ingest4", "parley"]["rooms"] == 4 and by["ingest1", "parley"]["rooms"] == 1
    # Parley refused no send: the bench's accounts and frames are within what it accepts.
    assert by["fanout", "parley"]["steps"][0]["refused"] == 0
    assert by["ingest4", "parley"]["refused"] == by["ingest1", "parley"]["refused"] == 0

    tables = (out / "results.md").read_text()
    for heading in (
        "Fan-out at a fixed offered rate",
        "Maximum fan-out",
        "Idle connections",
        "Connect storm",
        "Ingest over 4 rooms",
        "Ingest into one room",
    ):
        assert f"### {heading}" in tables
    assert tables.count("| *Parley / Socket.IO (tutorial)* |") == 6
    assert tables.count("| *Parley / naive aiohttp loop* |") == 6
    for png in ("fanout_load.png", "memory_connections.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
