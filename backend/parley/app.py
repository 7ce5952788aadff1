"""The application factory: wires settings, clock and parts together. No I/O here; resources open in
cleanup contexts when the app starts and close in reverse order when it stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from aiohttp_session import setup as setup_session

from parley import keys
from parley.actions.accounts import Accounts
from parley.actions.administration import Administration, BrokerAnnouncer
from parley.actions.chatter import Chatter
from parley.actions.dms import Dms
from parley.actions.files import Files
from parley.actions.invites import Invites
from parley.actions.mentions import Mentions
from parley.actions.messages import Messages
from parley.actions.mutes import Mutes
from parley.actions.reactions import Reactions
from parley.actions.reads import Reads
from parley.actions.rooms import Rooms
from parley.actions.search import Search
from parley.clock import Clock, SystemClock
from parley.counters import EdgeMeter
from parley.live import wire
from parley.live.broker import Broker, LocalBroker
from parley.live.hub import CLOSE_GOING_AWAY, Hub
from parley.live.limits import Limits, LocalLimits, rates_from
from parley.live.login_counters import MemoryThrottle, ThrottleState
from parley.live.read_markers import ReadMarkers
from parley.live.revocations import RevocationWatcher
from parley.live.room_changes import RoomChangeWatcher
from parley.live.search_indexer import SearchIndexer
from parley.live.state import Live
from parley.settings import Settings
from parley.store import Store, open_store
from parley.store.blobs import Blobs
from parley.web import admin_rest, files, openapi, rest, search
from parley.web.access_log import access_logger_for
from parley.web.bodies import MAX_BODY_BYTES
from parley.web.headers import add_security_headers
from parley.web.metrics import metrics_server
from parley.web.middlewares import check_host, check_origin, json_errors, trusted_proxy
from parley.web.request_ids import request_ids
from parley.web.sessions import SessionCookies, require_user
from parley.web.static import add_frontend
from parley.web.ws import websocket

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    app = web.Application(
        middlewares=[trusted_proxy, request_ids, json_errors, check_host, check_origin],
        client_max_size=MAX_BODY_BYTES,
    )
    app[keys.SETTINGS] = settings
    app[keys.CLOCK] = clock or SystemClock()
    # Session middleware sits after the proxy/error/origin ones and before require_user, which reads the session.
    setup_session(app, SessionCookies(settings.secret_key, always_secure=settings.cookie_secure))
    app.middlewares.append(require_user)
    app.on_response_prepare.append(add_security_headers)
    app.cleanup_ctx.append(_parts)
    # After _parts, so it stops first: the last batch of read markers is written while the store is still open.
    app.cleanup_ctx.append(_read_markers)
    # After _parts: the backlog is indexed (as far as time allows) while the store is still open.
    app.cleanup_ctx.append(_search_indexer)
    # After _parts: the collector reads the parts, so it is stopped before they are.
    app[keys.EDGE_METER] = EdgeMeter()
    app.cleanup_ctx.append(metrics_server)
    app.on_shutdown.append(_close_sockets)
    app.router.add_routes(rest.routes)
    app.router.add_routes(files.routes)
    app.router.add_routes(search.routes)
    app.router.add_routes(admin_rest.routes)
    app.router.add_routes(openapi.routes)
    app.router.add_get("/ws", websocket)
    add_frontend(app, settings.frontend_dir)
    return app


def server_options(settings: Settings) -> dict[str, Any]:
    """web.run_app's arguments beside the app and the address."""
    return {
        "print": None,
        "shutdown_timeout": settings.shutdown_timeout_s,
        "access_log_class": access_logger_for(settings.trusted_proxies),
        # aiohttp closes a connection that has not sent a whole request head within this of connecting or of its
        # last response: it is the only bound on idle and slow-header connections before any handler runs.
        "keepalive_timeout": settings.http_idle_timeout_s,
    }


# How long stopping waits for the background jobs (presence sweeps, polls, the heartbeat) once cancelled.
JOBS_STOP_S = 5.0


async def _parts(app: web.Application) -> AsyncIterator[None]:
    settings, clock = app[keys.SETTINGS], app[keys.CLOCK]
    store: Store = await open_store(settings.database, pool_max=settings.db_pool_max)
    hub = Hub(
        fill_gap=lambda room, after, upto: _read_gap(store, room, after, upto),
        fill_changes=lambda room, after, upto: _read_changes(store, room, after, upto),
        write_linger_s=settings.ws_write_linger_ms / 1000,
    )
    broker = make_broker(settings, hub, clock)
    live = Live(store=store, hub=hub, broker=broker, clock=clock, settings=settings)
    limits = make_limits(settings, clock)
    app[keys.STORE] = store
    app[keys.HUB] = hub
    app[keys.BROKER] = broker
    app[keys.LIVE] = live
    throttle_state = make_throttle_state(settings)
    app[keys.ACCOUNTS] = Accounts(
        store=store, broker=broker, clock=clock, settings=settings, throttle_state=throttle_state
    )
    app[keys.INVITES] = Invites(store=store, clock=clock)
    app[keys.ADMINISTRATION] = Administration(store=store, clock=clock, announcer=BrokerAnnouncer(broker, live))
    markers = ReadMarkers(store=store, clock=clock, flush_ms=settings.read_flush_ms)
    app[keys.READ_MARKERS] = markers
    reads = Reads(store=store, broker=broker, hub=hub, markers=markers)
    app[keys.READS] = reads
    rooms = Rooms(store=store, broker=broker, live=live, reads=reads, limits=limits, clock=clock, settings=settings)
    app[keys.ROOMS] = rooms
    app[keys.MUTES] = Mutes(store=store, broker=broker, rooms=rooms)
    mentions = Mentions(store=store)
    blobs = Blobs(settings.files_dir, shared_with_proxy=settings.files_accel_redirect is not None)
    uploads = Files(store=store, blobs=blobs, rooms=rooms, clock=clock, settings=settings)
    app[keys.FILES] = uploads
    messages = Messages(
        store=store,
        broker=broker,
        live=live,
        rooms=rooms,
        mentions=mentions,
        files=uploads,
        limits=limits,
        clock=clock,
        settings=settings,
    )
    app[keys.MESSAGES] = messages
    app[keys.DMS] = Dms(store=store, broker=broker, live=live, rooms=rooms, reads=reads, clock=clock)
    app[keys.REACTIONS] = Reactions(store=store, broker=broker, messages=messages, clock=clock)
    app[keys.CHATTER] = Chatter(live=live, limits=limits)
    app[keys.SEARCH] = Search(store=store, rooms=rooms)
    poll_s = settings.revocation_poll_ms / 1000
    watcher = RevocationWatcher(store=store, hub=hub, clock=clock, poll_s=poll_s)
    room_changes = RoomChangeWatcher(store=store, hub=hub, live=live, clock=clock, poll_s=poll_s)
    try:
        await limits.start()
        await broker.start(live)
        hub.seed(await store.room_seqs())
        hub.seed_changes(await store.room_change_seqs())
        await watcher.start()
        await room_changes.start()
        loop = asyncio.get_running_loop()
        jobs = (live.run_sweeper(), watcher.run(), room_changes.run(), hub.run_heartbeat(settings.heartbeat_s))
        tasks = [loop.create_task(job) for job in jobs]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            # Bounded: a job that let its cancellation be swallowed (by a library mid-await) must not keep the
            # process from stopping.
            _, stuck = await asyncio.wait(tasks, timeout=JOBS_STOP_S)
            if stuck:
                log.warning("%d background job(s) did not stop within %s s", len(stuck), JOBS_STOP_S)
            await hub.stop()
            try:
                async with asyncio.timeout(JOBS_STOP_S):
                    await live.stop()
            except TimeoutError:
                log.warning("presence announcements still pending after %s s at shutdown", JOBS_STOP_S)
            await broker.stop()
    finally:
        await throttle_state.close()
        await limits.stop()
        await store.close()


async def _read_markers(app: web.Application) -> AsyncIterator[None]:
    """The batch writer of read markers: a periodic flush, and the last batch written on the way out."""
    markers = app[keys.READ_MARKERS]
    task = asyncio.get_running_loop().create_task(markers.run())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.wait({task}, timeout=JOBS_STOP_S)
        try:
            await markers.flush()
        except Exception:
            log.exception("writing the last read markers failed; %d are lost", markers.waiting())


async def _search_indexer(app: web.Application) -> AsyncIterator[None]:
    """Indexes sent messages for search after their commit; on the way out, what is left while time allows."""
    clock = app[keys.CLOCK]
    indexer = SearchIndexer(store=app[keys.STORE], clock=clock)
    task = asyncio.get_running_loop().create_task(indexer.run())
    limit_s = app[keys.SETTINGS].shutdown_timeout_s
    try:
        yield
    finally:
        # Stopped between batches, not cancelled inside a transaction; cancelled only if a batch hangs that long.
        indexer.stop()
        await asyncio.wait({task}, timeout=limit_s)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        try:
            # The deadline is checked between batches; wait_for also bounds one stuck on a lock.
            await asyncio.wait_for(indexer.drain(clock.monotonic_ms() + int(limit_s * 1000)), limit_s)
        except TimeoutError:
            log.warning("indexing the last sent messages for search did not finish; the next start indexes them")
        except Exception:
            log.exception("indexing the last sent messages for search failed; the next start indexes them")


def make_broker(settings: Settings, hub: Hub, clock: Clock) -> Broker:
    if settings.redis_url:
        from parley.live.redis_broker import RedisBroker

        return RedisBroker(
            hub,
            settings.redis_url,
            secret_key=settings.secret_key,
            namespace=settings.redis_namespace,
            process_ttl_ms=settings.process_ttl_ms,
            clock=clock,
        )
    return LocalBroker(hub)


def make_throttle_state(settings: Settings) -> ThrottleState:
    """The login throttle's counters: in Redis, shared by every process, when there is one; else in memory."""
    if settings.redis_url:
        from parley.live.redis_login_counters import RedisThrottle

        return RedisThrottle(settings.redis_url, namespace=settings.redis_namespace)
    return MemoryThrottle()


def make_limits(settings: Settings, clock: Clock) -> Limits:
    """Per-account limits: shared through Redis when processes share it, else this process's own."""
    rates = rates_from(settings)
    if settings.redis_url:
        from parley.live.redis_limits import RedisLimits

        return RedisLimits(settings.redis_url, namespace=settings.redis_namespace, rates=rates, clock=clock)
    return LocalLimits(rates, clock)


async def _read_gap(store: Store, room_id: int, after: int, upto: int) -> list[tuple[int, bytes]]:
    messages = await store.messages_between(room_id, after, upto)
    return [(m.seq, wire.encode({"type": "message.new", "message": wire.message(m)})) for m in messages]


async def _read_changes(store: Store, room_id: int, after: int, upto: int) -> list[tuple[int, bytes]]:
    return [(m.change_seq, wire.changed(m)) for m in await store.changes_between(room_id, after, upto)]


async def _close_sockets(app: web.Application) -> None:
    hub = app.get(keys.HUB)
    if hub is None:
        return
    hub.close_all(CLOSE_GOING_AWAY, "server shutting down")
    tasks = [c.close_task for c in hub.connections.values() if c.close_task is not None]
    if tasks:
        await asyncio.wait(tasks, timeout=2)
