"""Prometheus metrics on a listener of their own (METRICS_PORT, bound to METRICS_HOST), never on the public app.

Policy: the hot path only adds to plain numbers its components own (parley/counters.py); this collector reads
them when Prometheus scrapes. One CollectorRegistry per application (no global registry), holding this
collector and the client's process collector (CPU, RSS, descriptors). Label values come from small fixed sets
(frame types the server knows, close codes, outcomes, kinds); never a user id, room id or address.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from parley import keys
from parley.counters import Histogram, Tally

METRICS_REGISTRY: web.AppKey[CollectorRegistry] = web.AppKey("metrics_registry")


def _counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, value=value)


def _tally(name: str, doc: str, label: str, tally: Tally) -> CounterMetricFamily:
    family = CounterMetricFamily(name, doc, labels=[label])
    for key, value in sorted(tally.counts.items()):
        family.add_metric([key], value)
    return family


def _histogram(name: str, doc: str, hist: Histogram) -> HistogramMetricFamily:
    buckets = [("+Inf" if bound == float("inf") else repr(bound), count) for bound, count in hist.cumulative()]
    return HistogramMetricFamily(name, doc, buckets=buckets, sum_value=hist.total)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


class ParleyCollector(Collector):
    """Reads the application's components at scrape time."""

    def __init__(self, app: web.Application) -> None:
        self._app = app

    def collect(self) -> Iterator[Metric]:
        app = self._app
        edge, hub = app[keys.EDGE_METER], app.get(keys.HUB)
        yield _counter("parley_websocket_connections_opened", "WebSockets opened (upgraded).", edge.opened)
        yield _tally("parley_websocket_connections_closed", "WebSockets closed, by close code.", "code", edge.closed)
        yield _tally("parley_frames_in", "Client frames received, by type.", "type", edge.frames_in)
        yield _histogram("parley_send_ack_seconds", "message.send frame receipt to its ack.", edge.send_ack)
        refused = Tally()
        for source in (edge.rate_limited.counts, app[keys.CHATTER].dropped.counts if keys.CHATTER in app else {}):
            for kind, count in source.items():
                refused.add(kind, count)
        yield _tally("parley_rate_limited", "Frames refused or dropped for a rate limit, by frame type.", "kind",
                     refused)
        yield _tally("parley_logins", "Login attempts, by outcome (success, failure, throttled).", "outcome",
                     edge.logins)
        yield _counter("parley_db_errors", "Requests and frames answered database_unavailable.", edge.db_errors)
        if hub is None:  # not started yet, or stopped
            return
        yield _gauge("parley_websockets_open", "Open WebSockets on this process.", len(hub.connections))
        yield _gauge("parley_ws_queue_depth_max_frames", "Frames queued on the most backed-up connection now.",
                     max((c.queued() for c in hub.connections.values()), default=0))
        yield _gauge("parley_ws_queue_high_water_frames",
                     "The most frames any connection's send queue has held at once since the process started.",
                     hub.queue_high_water())
        yield _tally("parley_frames_out", "Frames handed to connections, by type.", "type", hub.frames_out)
        yield _counter("parley_deliveries", "Room messages handed to connections (message.new and acks).",
                       hub.deliveries)
        yield _counter("parley_ws_writes", "Socket writes: each carries every frame a connection got in one loop turn.",
                       hub.writes.writes)
        yield _counter("parley_messages_stored", "Messages stored by this process.", app[keys.MESSAGES].stored)
        meter = app[keys.STORE].meter
        yield _gauge("parley_db_connections_in_use", "Database connections held now.", meter.in_use)
        yield _gauge("parley_db_connections_waiting", "Callers waiting for a database connection.", meter.waiting)
        yield _histogram("parley_db_query_seconds", "Time each read or transaction held a connection.",
                         meter.latency)
        presence = _gauge_family("parley_presence_users", "Users on this process's board, by status.", "status")
        for status, count in app[keys.LIVE].board.status_counts().items():
            presence.add_metric([status], count)
        yield presence
        yield from self._redis(app)

    def _redis(self, app: web.Application) -> Iterator[Metric]:
        from parley.live.redis_broker import RedisBroker

        broker = app[keys.BROKER]
        if not isinstance(broker, RedisBroker):
            return
        yield _gauge("parley_redis_connected", "1 while the subscription to other processes' events is live.",
                     1 if broker.connected else 0)
        yield _gauge("parley_redis_outbox_events", "Events waiting to be published.", broker.outbox_depth())
        yield _histogram("parley_redis_publish_seconds", "Time per pipelined batch of publishes.",
                         broker.publish_latency)
        yield _counter("parley_redis_events_dropped", "Events dropped from a full outbox (Redis down long).",
                       broker.dropped_events)
        yield _counter("parley_redis_events_rejected", "Events from Redis dropped for a bad signature.",
                       broker.rejected_events)
        yield _counter("parley_redis_events_replayed", "Signed events from Redis dropped as replays.",
                       broker.replayed_events)


def _gauge_family(name: str, doc: str, label: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=[label])


def make_registry(app: web.Application) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    ProcessCollector(registry=registry)
    registry.register(ParleyCollector(app))
    return registry


async def _scrape(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS_REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def metrics_server(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the metrics listener, when METRICS_PORT is set; nothing otherwise."""
    settings = app[keys.SETTINGS]
    if settings.metrics_port is None:
        yield
        return
    metrics_app = web.Application()
    metrics_app[METRICS_REGISTRY] = make_registry(app)
    metrics_app.router.add_get("/metrics", _scrape)
    runner = web.AppRunner(metrics_app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.metrics_host, settings.metrics_port).start()
        yield
    finally:
        await runner.cleanup()
