"""Parley against the Socket.IO tutorial server and a naive aiohttp loop, over real sockets on 127.0.0.1.

    python -m scripts.benchmarks all --out docs/bench    # the recorded run (`make bench`)
    python -m scripts.benchmarks fanout max --servers parley socketio --deflate off --out /tmp/b
    python -m scripts.benchmarks all --smoke --out /tmp/b    # tiny sizes: what CI runs (tests/test_bench_harness.py)
    python -m scripts.benchmarks report --out docs/bench    # tables and plots again from results.json

Scenarios: fanout, max, idle, storm, ingest (see scenarios.py). The server runs pinned to the first core, the Node
load generator to the second (taskset); this process only orchestrates. Writes OUT/results.json, OUT/results.md
(the tables, every Parley figure also as a ratio to each baseline) and OUT/*.png (matplotlib, when installed).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "scripts.benchmarks"

ROOT = Path(__file__).resolve().parents[2]
# The tree being measured (the servers start from it; the bench's store seeding imports it too).
sys.path.insert(0, str(ROOT / "backend"))

from . import report, scenarios  # noqa: E402
from .scenarios import SERVERS, Cores, Sizes  # noqa: E402

ORDER = ["fanout", "max", "idle", "storm", "ingest"]


def machine() -> dict[str, Any]:
    def out(argv: list[str]) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False).stdout.strip()
        except OSError:
            return ""

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mariadb = next((w.rstrip(",") for w in out(["mariadb", "--version"]).split() if "MariaDB" in w), "")
    return {
        "cpu": cpu,
        "cores": len(__import__("os").sched_getaffinity(0)),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": out(["node", "--version"]),
        "mariadb": mariadb,
        "parley_commit": out(["git", "-C", str(ROOT), "describe", "--always", "--dirty"]),
        "load_average_at_start": Path("/proc/loadavg").read_text().split()[:3],
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", nargs="+", choices=["all", "report", *ORDER])
    parser.add_argument("--out", type=Path, default=Path("bench-results"))
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument(
        "--deflate", choices=["both", "off", "on"], default="both", help="permessage-deflate offered by the clients"
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds each (CI)")
    parser.add_argument("--db", choices=["mysql", "sqlite"], help="Parley's database for fanout, max, ingest")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the server and the load generator")
    parser.add_argument("--label", default="", help="a line printed above the tables (e.g. 'preliminary')")
    parser.add_argument(
        "--append", action="store_true", help="add to OUT/results.json (replacing the same scenario, server, deflate)"
    )
    sizes = Sizes()
    for name, value in vars(sizes).items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), dest=f"size_{name}")
    args = parser.parse_args(argv)
    if "report" in args.what and len(args.what) > 1:
        parser.error("report runs alone")
    return args


def sizes_of(args: argparse.Namespace) -> Sizes:
    sizes = Sizes.smoke() if args.smoke else Sizes()
    for name in vars(sizes):
        value = getattr(args, f"size_{name}", None)
        if value is not None:
            setattr(sizes, name, value)
    if args.db:
        sizes.db = args.db
    checks = {
        "receivers": (1, 20_000),
        "senders": (1, 1_000),
        "idle_connections": (1, 30_000),
        "storm_users": (1, 10_000),
        "ingest_senders": (1, 1_000),
        "ingest_rooms": (1, 1_000),
        "fanout_rate": (1, 100_000),
    }
    for name, (low, high) in checks.items():
        if not low <= getattr(sizes, name) <= high:
            raise SystemExit(f"--{name.replace('_', '-')} must be between {low} and {high}")
    if not 0 < sizes.fanout_seconds <= 120 or not 0 < sizes.max_seconds <= 60 or not 0 < sizes.ingest_seconds <= 120:
        raise SystemExit("a measuring window is at most 120 s (max: 60 s per step)")
    return sizes


def merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A run made in parts: the new records replace the old ones of the same scenario, server and deflate."""
    key = ("scenario", "server", "deflate")
    fresh = {tuple(r[k] for k in key) for r in new["records"]}
    records = [r for r in old["records"] if tuple(r[k] for k in key) not in fresh] + new["records"]
    commands = [*old.get("commands", [old.get("command", "")]), new["command"]]
    sizes = {**old["sizes"], **new["sizes"]}  # the tables describe the sizes of the latest part
    return {
        **new,
        "records": records,
        "commands": commands,
        "sizes": sizes,
        "duration_s": round(old.get("duration_s", 0) + new["duration_s"], 1),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results_path = args.out / "results.json"
    if args.what == ["report"]:
        data = json.loads(results_path.read_text())
    else:
        names = ORDER if "all" in args.what else [n for n in ORDER if n in args.what]
        sizes = sizes_of(args)
        deflates = {"both": [False, True], "off": [False], "on": [True]}[args.deflate]
        cores = Cores.pick(not args.no_pin)
        started = time.monotonic()
        data = {
            "label": args.label,
            "machine": machine(),
            "cores": {"server": cores.server, "loadgen": cores.loadgen},
            "command": "python -m scripts.benchmarks " + " ".join(sys.argv[1:] if argv is None else argv),
            "sizes": scenarios.describe(sizes),
            "records": scenarios.run(names, args.servers, deflates, sizes, cores),
        }
        data["duration_s"] = round(time.monotonic() - started, 1)
        if args.append and results_path.exists():
            data = merged(json.loads(results_path.read_text()), data)
        results_path.write_text(json.dumps(data, indent=1) + "\n")
    (args.out / "results.md").write_text(report.markdown(data))
    pngs = report.plots(data, args.out)
    print(f"wrote {results_path}, {args.out / 'results.md'}" + "".join(f", {p}" for p in pngs), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
