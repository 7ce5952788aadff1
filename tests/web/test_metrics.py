"""Prometheus /metrics: off by default and never on the public app; on its own port, present and moving under
real traffic (a real server, real sockets, both databases; with Redis for the Redis figures); label values
from small fixed sets only (no user id, room id, name or address)."""

from __future__ import annotations

import ipaddress
import re

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from conftest import REDIS_URL, Chat, connect, eventually, frame_of
from parley.settings import Settings
from throwaway_redis import free_port

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]

# Label names the server uses, and what their values may look like (a WebSocket close code is four digits).
LABEL_VALUES = {
    "type": re.compile(r"^[a-z][a-z._]*$"),
    "kind": re.compile(r"^[a-z][a-z._]*$"),
    "outcome": re.compile(r"^[a-z]+$"),
    "status": re.compile(r"^(online|idle)$"),
    "code": re.compile(r"^([1-4]\d{3}|none|other)$"),
    "le": re.compile(r"^(\+Inf|\d+(\.\d+)?(e-?\d+)?)$"),
}


async def scrape(port: int) -> tuple[str, Samples]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_off_by_default() -> None:
    settings = Settings.from_env({"SECRET_KEY": "k" * 40})
    assert settings.metrics_port is None
    assert settings.metrics_host == "127.0.0.1"


async def test_never_on_the_public_app(chat: Chat) -> None:
    port = free_port()
    server = await chat.server(metrics_port=port)
    client = await chat.client(server)
    assert (await client.get("/metrics")).status == 404
    # ...while the metrics listener, on its own port, answers.
    await scrape(port)


async def test_present_and_moving_under_traffic(chat: Chat) -> None:
    port = free_port()
    server = await chat.server(metrics_port=port)
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    assert (await bob.post("/api/auth/login", json={"username": "bob", "password": "wrong password"})).status == 401
    _, before = await scrape(port)
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    for i in range(3):
        await ana_ws.send_json({"type": "message.send", "room_id": 1, "body": f"hi {i}", "client_id": f"c{i}"})
        await frame_of(ana_ws, "message.ack")
        await frame_of(bob_ws, "message.new")
    # A frame type the server does not know counts as "other", whatever the client wrote.
    await ana_ws.send_json({"type": "user-2-room-1", "room_id": 1})
    await frame_of(ana_ws, "error")
    text, after = await scrape(port)

    def grew(name: str, by: float, **labels: str) -> None:
        assert value(after, name, **labels) - value(before, name, **labels) == by, (name, labels)

    grew("parley_messages_stored_total", 3)
    grew("parley_frames_in_total", 3, type="message.send")
    grew("parley_frames_in_total", 1, type="other")
    grew("parley_frames_out_total", 3, type="message.ack")
    grew("parley_frames_out_total", 3, type="message.new")
    grew("parley_deliveries_total", 6)
    # Socket writes are counted (how many frames each carries depends on what shares a loop turn).
    assert value(after, "parley_ws_writes_total") > value(before, "parley_ws_writes_total")
    grew("parley_send_ack_seconds_count", 3)
    grew("parley_websocket_connections_opened_total", 2)
    assert value(after, "parley_websockets_open") == 2
    assert value(after, "parley_presence_users", status="online") == 2
    assert value(after, "parley_logins_total", outcome="failure") == 1
    assert value(after, "parley_db_query_seconds_count") > value(before, "parley_db_query_seconds_count")
    assert value(after, "parley_db_connections_in_use") == 0
    assert value(after, "process_resident_memory_bytes") > 0
    assert "parley_redis_connected" not in text  # no Redis configured
    await ana_ws.close()
    await bob_ws.close()
    closed: Samples = {}

    async def counted() -> bool:  # close codes are counted when the handler ends
        nonlocal closed
        _, closed = await scrape(port)
        return value(closed, "parley_websocket_connections_closed_total", code="1000") == 2

    await eventually(counted)
    assert value(closed, "parley_websockets_open") == 0
    check_labels(closed, usernames=("ana", "bob"))


async def test_redis_figures(chat: Chat, redis_namespace: str) -> None:
    port = free_port()
    a = await chat.server(redis_url=REDIS_URL, redis_namespace=redis_namespace, metrics_port=port)
    ana = await chat.user(a, "ana")
    ws, _ = await connect(ana)
    await ws.send_json({"type": "message.send", "room_id": 1, "body": "over redis", "client_id": "r1"})
    await frame_of(ws, "message.ack")
    _, samples = await scrape(port)
    assert value(samples, "parley_redis_connected") == 1
    assert value(samples, "parley_redis_publish_seconds_count") >= 1
    assert value(samples, "parley_redis_events_dropped_total") == 0
    assert ("parley_redis_outbox_events", ()) in samples
    check_labels(samples, usernames=("ana",))


def check_labels(samples: Samples, *, usernames: tuple[str, ...]) -> None:
    """Every label is one the server means to use, with a value from its small set: nothing per user or room."""
    for name, labels in samples:
        for label, label_value in labels:
            assert label in LABEL_VALUES, (name, label)
            assert LABEL_VALUES[label].match(label_value), (name, label, label_value)
            assert label_value not in usernames, (name, label)
            try:
                ipaddress.ip_address(label_value)
            except ValueError:
                continue
            raise AssertionError(f"{name} has an address as a label value: {label_value}")
