"""results.json -> the markdown tables (each Parley figure also as a ratio to each baseline) and the PNG plots.

Ratios are Parley's figure divided by the baseline's, measured in the same run with the same deflate setting:
for costs (CPU, memory, latency) under 1 means Parley is cheaper; for rates (deliveries/s, connects/s, acks/s)
over 1 means Parley is faster.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Record = dict[str, Any]
NAMES = {"parley": "Parley", "socketio": "Socket.IO (tutorial)", "naive": "naive aiohttp loop"}


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"  # noqa: RUF001
    if isinstance(value, bool):
        return "yes" if value else "no"
    if digits == 0 or abs(value) >= 1000:
        return f"{round(value):,}"
    return f"{value:,.{digits}f}"


def _ratio(a: Any, b: Any) -> str:
    if not isinstance(a, int | float) or not isinstance(b, int | float) or not b:
        return "–"  # noqa: RUF001
    return f"{a / b:.2f}×"  # noqa: RUF001


def _find(records: list[Record], scenario: str, server: str, deflate: bool) -> Record | None:
    return next(
        (r for r in records if r["scenario"] == scenario and r["server"] == server and r["deflate"] == deflate), None
    )


def _last_ok_step(result: dict[str, Any], stop_p99: float, stop_delivered: float) -> dict[str, Any] | None:
    """The highest offered rate that still met both criteria (the max scenario's answer)."""
    ok = [
        s
        for s in result.get("steps", [])
        if s["latency_ms"]["p99"] is not None
        and s["latency_ms"]["p99"] <= stop_p99
        and s["delivered_fraction"] >= stop_delivered
    ]
    return ok[-1] if ok else None


Column = tuple[str, Callable[[dict[str, Any]], Any], int]


def _fanout_step(result: dict[str, Any]) -> dict[str, Any]:
    steps = result.get("steps") or [{}]
    step = dict(steps[0])
    if "frames_per_write" in result:  # Parley's, over the whole run
        step["frames_per_write"] = result["frames_per_write"]
    return step


FANOUT: list[Column] = [
    ("deliveries/s", lambda s: s.get("deliveries_per_s"), 0),
    ("delivered (%)", lambda s: None if "delivered_fraction" not in s else s["delivered_fraction"] * 100, 2),
    ("server CPU per delivery (µs)", lambda s: s.get("server_cpu_us_per_delivery"), 2),
    ("server CPU share", lambda s: s.get("server_cpu_share"), 2),
    ("p50 (ms)", lambda s: (s.get("latency_ms") or {}).get("p50"), 1),
    ("p99 (ms)", lambda s: (s.get("latency_ms") or {}).get("p99"), 1),
    ("RSS (MiB)", lambda s: s.get("server_rss_mib"), 1),
    ("load generator CPU per delivery (µs)", lambda s: s.get("loadgen_cpu_us_per_delivery"), 2),
    ("load generator CPU share", lambda s: s.get("loadgen_cpu_share"), 2),
    ("frames per socket write (Parley)", lambda s: s.get("frames_per_write"), 2),
]
IDLE: list[Column] = [
    ("connects/s", lambda r: r.get("connects_per_s"), 0),
    ("server CPU per connect (µs)", lambda r: r.get("server_cpu_us_per_connect"), 0),
    ("RSS before (MiB)", lambda r: r.get("rss_before_mib"), 1),
    ("RSS after (MiB)", lambda r: r.get("rss_after_mib"), 1),
    ("bytes per connection", lambda r: r.get("bytes_per_connection"), 0),
]
STORM: list[Column] = [
    ("connects/s", lambda r: r.get("connects_per_s"), 0),
    ("settled after (s)", lambda r: r.get("settled_s"), 2),
    ("server CPU per connection (ms)", lambda r: r.get("server_cpu_ms_per_connection"), 2),
    ("RSS after (MiB)", lambda r: r.get("rss_after_mib"), 1),
    ("presence frames per member", lambda r: (r.get("presence_per_member") or {}).get("mean"), 1),
    ("hello bytes (mean)", lambda r: r.get("hello_bytes_mean"), 0),
]
INGEST: list[Column] = [
    ("messages/s acked", lambda r: r.get("acked_per_s"), 0),
    ("server CPU per message (µs)", lambda r: r.get("server_cpu_us_per_message"), 1),
    ("server CPU share", lambda r: r.get("server_cpu_share"), 2),
    ("ack p50 (ms)", lambda r: (r.get("ack_latency_ms") or {}).get("p50"), 2),
    ("ack p99 (ms)", lambda r: (r.get("ack_latency_ms") or {}).get("p99"), 2),
]


def _table(
    records: list[Record],
    scenario: str,
    columns: list[Column],
    pick: Callable[[Record], dict[str, Any]],
    servers: list[str],
) -> list[str]:
    lines = [
        "| server | deflate offered (negotiated) | " + " | ".join(c[0] for c in columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for deflate in (False, True):
        base = {name: _find(records, scenario, name, deflate) for name in servers}
        for name in servers:
            rec = base[name]
            if rec is None:
                continue
            res = rec["result"]
            negotiated = "yes" if res.get("deflate_negotiated") else "no"
            label = f"{'on' if deflate else 'off'} ({negotiated})"
            if "error" in res:
                lines.append(f"| {NAMES[name]} | {label} | error: {str(res['error'])[:80]} |")
                continue
            values = pick(res)
            lines.append(f"| {NAMES[name]} | {label} | " + " | ".join(_num(f(values), d) for _, f, d in columns) + " |")
        parley = base.get("parley")
        for other in [s for s in servers if s != "parley"]:
            if (
                parley is None
                or base.get(other) is None
                or "error" in parley["result"]
                or "error" in base[other]["result"]
            ):
                continue
            mine, theirs = pick(parley["result"]), pick(base[other]["result"])  # type: ignore[index]
            ratios = " | ".join(_ratio(f(mine), f(theirs)) for _, f, _ in columns)
            lines.append(f"| *Parley / {NAMES[other]}* | {'on' if deflate else 'off'} | {ratios} |")
    return lines


def _max_pick(sizes: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def pick(result: dict[str, Any]) -> dict[str, Any]:
        best = _last_ok_step(result, sizes["stop_p99_ms"], sizes["stop_delivered"])
        steps = result["steps"]
        if best is None:  # already the first step failed: the maximum is below it
            return {"stopped_at": steps[0]["offered_deliveries_per_s"]} if steps else {}
        stopped = steps[-1] if steps[-1] is not best else None
        return {**best, "stopped_at": stopped["offered_deliveries_per_s"] if stopped else None}

    return pick


MAX: list[Column] = [
    ("max deliveries/s (p99 ≤ 200 ms, ≥ 99 %)", lambda s: s.get("deliveries_per_s"), 0),
    ("offered msgs/s there", lambda s: s.get("offered_msgs_per_s"), 0),
    ("server CPU per delivery there (µs)", lambda s: s.get("server_cpu_us_per_delivery"), 2),
    ("p99 there (ms)", lambda s: (s.get("latency_ms") or {}).get("p99"), 1),
    ("first failing step (deliveries/s offered)", lambda s: s.get("stopped_at"), 0),
    ("load generator CPU share there", lambda s: s.get("loadgen_cpu_share"), 2),
]


def markdown(data: dict[str, Any]) -> str:
    records: list[Record] = data["records"]
    sizes = data["sizes"]
    servers = [s for s in NAMES if any(r["server"] == s for r in records)]
    m = data["machine"]
    commands = "; ".join(data.get("commands") or [data.get("command", "")])
    out = [f"<!-- generated by scripts/benchmarks/report.py from {commands} -->"]
    if data.get("label"):
        out += [f"**{data['label']}**", ""]
    out += [
        f"Parley at {m.get('parley_commit') or '?'}."
        f" Machine: {m['cpu']}, {m['cores']} cores, Linux {m['kernel']}, Python {m['python']}, Node {m['node']},"
        f" {m['mariadb'] or 'MariaDB ?'}; {m['date_utc']} UTC,"
        f" load average at start {' '.join(m['load_average_at_start'])};"
        f" server on core {data['cores']['server']}, load generator on core {data['cores']['loadgen']};"
        f" whole run {data.get('duration_s', '?')} s.",
        "",
    ]
    sections: list[tuple[str, str, list[Column], Callable[[Record], dict[str, Any]], str]] = [
        (
            "fanout",
            "Fan-out at a fixed offered rate",
            FANOUT,
            _fanout_step,
            f"{sizes['receivers']:,} receivers and {sizes['senders']} senders in one room,"
            f" {sizes['fanout_rate']} messages/s"
            f" offered ({sizes['fanout_rate'] * sizes['receivers']:,} deliveries/s),"
            f" {sizes['fanout_seconds']} s measured"
            f" after {sizes['warmup_s']} s; Parley on {sizes['db']}.",
        ),
        (
            "max",
            "Maximum fan-out",
            MAX,
            _max_pick(sizes),
            f"The same room, the offered rate stepped through {sizes['max_rates']} messages/s ({sizes['max_seconds']} s"
            " each) until p99 > 200 ms or under 99 % delivered.",
        ),
        (
            "idle",
            "Idle connections",
            IDLE,
            lambda r: r,
            f"{sizes['idle_connections']:,} connections opened {sizes['connect_concurrency']} at a time, then"
            f" {sizes['idle_settle_s']} s idle. RSS is sampled as they open (the plot).",
        ),
        (
            "storm",
            "Connect storm with presence",
            STORM,
            lambda r: r,
            f"{sizes['storm_users']:,} distinct users connect into one room,"
            f" {sizes['connect_concurrency']} handshakes at"
            " a time; settled when no presence frame came for"
            f" {sizes['storm_quiet_s']} s. The baselines have no presence or login.",
        ),
        (
            f"ingest{sizes['ingest_rooms']}",
            f"Ingest over {sizes['ingest_rooms']} rooms",
            INGEST,
            lambda r: r,
            f"{sizes['ingest_senders']} senders, {sizes['ingest_window']} unacked send(s) each,"
            f" {sizes['ingest_seconds']} s;"
            f" one member per room; Parley on {sizes['db']} (every message stored and acked). A baseline has no"
            " rooms and stores nothing: every message goes to all the senders, and a sender's 'ack' is its own"
            " message coming back (so its CPU per message includes that broadcast).",
        ),
        (
            "ingest1",
            "Ingest into one room",
            INGEST,
            lambda r: r,
            f"The same senders, all in one room (each message also goes to the {sizes['ingest_senders'] - 1} others).",
        ),
    ]
    for scenario, title, columns, pick, what in sections:
        if not any(r["scenario"] == scenario for r in records):
            continue
        out += [f"### {title}", "", what, ""]
        out += _table(records, scenario, columns, pick, servers)
        out.append("")
    return "\n".join(out) + "\n"


def plots(data: dict[str, Any], out_dir: Path) -> list[Path]:
    """CPU per delivery and p99 against offered load (the max ramp), RSS against connections (idle)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    records: list[Record] = data["records"]
    made: list[Path] = []
    styles = {"parley": "C0", "socketio": "C1", "naive": "C2"}
    ramps = [r for r in records if r["scenario"] == "max" and "steps" in r["result"]]
    if ramps:
        fig, (cpu, p99) = plt.subplots(1, 2, figsize=(11, 4.2))
        for rec in ramps:
            steps = rec["result"]["steps"]
            x = [s["offered_deliveries_per_s"] for s in steps]
            ls = "--" if rec["deflate"] else "-"
            label = f"{NAMES[rec['server']]}{', deflate offered' if rec['deflate'] else ''}"
            cpu.plot(
                x,
                [s["server_cpu_us_per_delivery"] for s in steps],
                ls,
                marker="o",
                color=styles[rec["server"]],
                label=label,
            )
            color = styles[rec["server"]]
            p99.plot(x, [s["latency_ms"]["p99"] for s in steps], ls, marker="o", color=color, label=label)
        cpu.set(xlabel="offered deliveries/s", ylabel="server CPU per delivery (µs)", title="CPU per delivery")
        p99.set(xlabel="offered deliveries/s", ylabel="p99 latency (ms)", yscale="log", title="p99 latency")
        p99.axhline(200, color="grey", lw=0.8)
        cpu.legend(fontsize=8)
        for ax in (cpu, p99):
            ax.grid(alpha=0.3)
        fig.tight_layout()
        made.append(out_dir / "fanout_load.png")
        fig.savefig(made[-1], dpi=110)
        plt.close(fig)
    idles = [r for r in records if r["scenario"] == "idle" and "rss_curve" in r["result"]]
    if idles:
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        for rec in idles:
            curve = rec["result"]["rss_curve"]
            ax.plot(
                [c for c, _ in curve],
                [m for _, m in curve],
                "--" if rec["deflate"] else "-",
                color=styles[rec["server"]],
                label=f"{NAMES[rec['server']]}{', deflate offered' if rec['deflate'] else ''}",
            )
        ax.set(xlabel="open connections", ylabel="server RSS (MiB)", title="Memory against connections")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        made.append(out_dir / "memory_connections.png")
        fig.savefig(made[-1], dpi=110)
        plt.close(fig)
    return made
