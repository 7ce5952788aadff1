"""The Grafana dashboard and the alert rules in docs/ name only metrics a real server exports (scraped with
Redis on, after some traffic), and both files parse."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from test_metrics import scrape

from conftest import REDIS_URL, Chat, connect, frame_of
from throwaway_redis import free_port

DOCS = Path(__file__).resolve().parents[2] / "docs"
# What Prometheus itself provides, and the process collector's names.
NOT_OURS = {"up"}
_NAME = re.compile(r"\b((?:parley|process)_[a-z_]+|up)\b")
_SUFFIXES = ("_bucket", "_sum", "_count")


def dashboard_exprs() -> list[str]:
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def alert_exprs() -> list[str]:
    rules = yaml.safe_load((DOCS / "prometheus-alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def names_in(exprs: list[str]) -> set[str]:
    return {name for expr in exprs for name in _NAME.findall(expr)} - NOT_OURS


def test_both_files_name_the_panels_and_alerts_the_issue_asks_for() -> None:
    titles = " ".join(p["title"] for p in json.loads((DOCS / "grafana-dashboard.json").read_text())["panels"])
    for word in ("WebSockets", "Messages", "Deliveries", "latency", "Errors", "Database", "Redis"):
        assert word in titles, word
    alerts = {rule["alert"] for group in yaml.safe_load((DOCS / "prometheus-alerts.yml").read_text())["groups"]
              for rule in group["rules"]}
    assert alerts == {"ParleyProcessDown", "ParleyRedisDown", "ParleyDatabaseErrors", "ParleySendAckSlow",
                      "ParleySlowReceivers"}


async def test_every_metric_they_name_is_exported(chat: Chat, redis_namespace: str) -> None:
    port = free_port()
    server = await chat.server(redis_url=REDIS_URL, redis_namespace=redis_namespace, metrics_port=port)
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    await ws.send_json({"type": "message.send", "room_id": 1, "body": "hello", "client_id": "m1"})
    await frame_of(ws, "message.ack")
    text, _ = await scrape(port)
    exported = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            exported.add(name)
            if kind == "counter":
                exported.add(name + "_total")
            if kind == "histogram":
                exported.update(name + suffix for suffix in _SUFFIXES)
    named = names_in(dashboard_exprs() + alert_exprs())
    assert named - exported == set()
    await ws.close()
