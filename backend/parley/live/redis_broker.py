"""Several app processes as one server: events travel between them over Redis pub/sub.

Policy:
- Every event is delivered to this process's hub at once and published for the others; a process ignores
  its own publications coming back. A frame is encoded once by the process that made it: the envelope is a
  small JSON header, a newline, then the frame's bytes, passed on untouched.
- One publisher task sends envelopes in the order they were made (pipelined in batches), so typing-stopped
  still precedes the message it belongs to on every process. Room messages are put in seq order by each
  hub, which also reads a gap back from the database if a publish is lost (Redis down for a moment).
- Presence: each process keeps its own users' statuses in a Redis hash and announces changes; a process's
  liveness is a key with a TTL (`process_ttl_ms`) refreshed three times per TTL. When a process's key is
  gone, the others drop it from their boards, so its users go offline everywhere within
  process_ttl_ms + one check interval (process_ttl_ms / 3) of its death. A process that stops cleanly says
  goodbye and is dropped at once.
- A process judges the others only on a Redis it has seen for a full TTL: after a failed round, or when Redis
  turns out to be a new one (restarted or flushed: the `epoch` key, set by whoever writes first, has changed),
  it writes its own key and presence at once and waits process_ttl_ms before finding anyone gone, so every live
  process has written its key again by then (three times per TTL) and nobody is announced offline by mistake.
- Redis is not trusted (signing.py): every envelope and presence entry is signed with a key derived from
  SECRET_KEY; what does not verify is dropped and counted (`rejected_events`), and an envelope whose number is
  not above the last one accepted from its process is dropped as a replay (`replayed_events`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import deque
from collections.abc import Iterable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from parley.clock import Clock, SystemClock
from parley.counters import LATENCY_BUCKETS_S, Histogram
from parley.live.broker import LinkState, PresenceListener
from parley.live.hub import Hub
from parley.live.presence import Status
from parley.live.signing import RejectLog, Signer, event_key
from parley.models import User
from parley.settings import redact_url
from parley.store import DatabaseUnavailable

log = logging.getLogger(__name__)

# Envelopes per pipeline round trip: large enough to amortize, small enough to keep latency flat.
PUBLISH_BATCH = 256
# Seconds between reconnection attempts while Redis is unreachable.
RETRY_S = 1.0
# Seconds /api/ready waits for Redis to answer a PING before calling it down (a load balancer polls every few s).
READY_TIMEOUT_S = 1.0
# Envelopes kept while Redis is unreachable. Beyond it the oldest go: other processes read lost room messages
# back from the database (a seq gap) and re-read presence when Redis returns, so memory stays bounded.
OUTBOX_MAX = 10_000

Header = dict[str, Any]


def pack(header: Header, frame: bytes | None = None) -> bytes:
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + (frame or b"")


def unpack(data: bytes) -> tuple[Header, bytes]:
    head, _, frame = data.partition(b"\n")
    header: Header = json.loads(head)
    return header, frame


class RedisBroker:
    def __init__(
        self,
        hub: Hub,
        url: str,
        *,
        secret_key: bytes,
        namespace: str = "parley",
        process_ttl_ms: int = 6_000,
        clock: Clock | None = None,
    ) -> None:
        # Pub/sub channels ignore Redis database numbers: the namespace keeps installations apart.
        self._channel = f"{namespace}:events"
        self._signer = Signer(event_key(secret_key, namespace))
        self._clock = clock or SystemClock()
        self._reject_log = RejectLog()
        # Events dropped for a missing or wrong signature (or a signed one that makes no sense); for metrics.
        self.rejected_events = 0
        # Validly signed events dropped because their process already sent that number (replayed or resent).
        self.replayed_events = 0
        self._sent = 0
        # The last number accepted from each process (an entry per process start seen: a few bytes each).
        self._last_from: dict[str, int] = {}
        # Envelopes dropped from the outbox while Redis was unreachable too long.
        self.dropped_events = 0
        # Seconds per pipelined batch of publishes.
        self.publish_latency = Histogram(LATENCY_BUCKETS_S)
        # The subscription is live: events from the other processes arrive.
        self.connected = False
        self._epoch_key = f"{namespace}:epoch"
        self._epoch: bytes | None = None
        # Monotonic ms before which no other process is judged gone (see the module docstring).
        self._judge_after_ms = 0
        self._recovering = False
        self._process_key = f"{namespace}:process:{{}}"
        self._presence_key = f"{namespace}:presence:{{}}"
        self._hub = hub
        self._url = url
        self._me = hub.process_id
        self._ttl_ms = process_ttl_ms
        # Creating the client does no I/O: connections open on first use, in start().
        self._redis = aioredis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        self._listener: PresenceListener | None = None
        self._outbox: deque[bytes] = deque()
        self._wake = asyncio.Event()
        self._flushing = asyncio.Lock()
        self._overflowed = False
        self._tasks: list[asyncio.Task[None]] = []
        self._known: set[str] = set()

    # -- lifecycle ----------------------------------------------------------------------------------------

    async def start(self, listener: PresenceListener) -> None:
        self._listener = listener
        try:
            await self._redis.ping()
        except (RedisError, OSError) as exc:
            await self._redis.aclose()
            raise DatabaseUnavailable(f"cannot reach Redis at {redact_url(self._url)}: {exc}") from None
        await self._heartbeat()
        # Subscribe before reading the others' presence, so no change falls between the two.
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._channel)
        await self._load_others()
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._subscribe_loop(pubsub)),
            loop.create_task(self._publish_loop()),
            loop.create_task(self._liveness_loop()),
        ]

    async def stop(self) -> None:
        self._enqueue({"k": "bye"})
        with contextlib.suppress(asyncio.TimeoutError, RedisError, OSError):
            await asyncio.wait_for(self._flush_now(), 2)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(RedisError, OSError):
            await self._redis.delete(self._process_key.format(self._me), self._presence_key.format(self._me))
        await self._redis.aclose()

    async def link_state(self) -> LinkState:
        if not self.connected:
            return "down"
        try:
            async with asyncio.timeout(READY_TIMEOUT_S):
                await self._redis.ping()
        except (RedisError, OSError, TimeoutError):
            return "down"
        return "ok"

    def outbox_depth(self) -> int:
        return len(self._outbox)

    # -- the Broker interface: here at once, and to everyone else -----------------------------------------

    def message(self, room_id: int, seq: int, new: bytes, ack: bytes | None, origin: str | None) -> None:
        self._hub.message(room_id, seq, new, ack, origin)
        self._enqueue({"k": "msg", "r": room_id, "s": seq}, new)

    def change(self, room_id: int, change_seq: int, frame: bytes) -> None:
        self._hub.change(room_id, change_seq, frame)
        self._enqueue({"k": "chg", "r": room_id, "s": change_seq}, frame)

    def to_room(self, room_id: int, frame: bytes, *, exclude_user: int | None = None) -> None:
        self._hub.to_room(room_id, frame, exclude_user=exclude_user)
        self._enqueue({"k": "room", "r": room_id, "x": exclude_user}, frame)

    def to_rooms(self, room_ids: Iterable[int], frame: bytes, *, exclude_user: int | None = None) -> None:
        rooms = list(room_ids)
        self._hub.to_rooms(rooms, frame, exclude_user=exclude_user)
        self._enqueue({"k": "rooms", "r": rooms, "x": exclude_user}, frame)

    def to_user(self, user_id: int, frame: bytes) -> None:
        self._hub.to_user(user_id, frame)
        self._enqueue({"k": "user", "u": user_id}, frame)

    def joined(self, user_id: int, room_id: int, frame: bytes | None) -> None:
        self._hub.joined(user_id, room_id, frame)
        self._enqueue({"k": "join", "u": user_id, "r": room_id}, frame)

    def left(self, user_id: int, room_id: int, frame: bytes | None) -> None:
        self._hub.left(user_id, room_id, frame)
        self._enqueue({"k": "leave", "u": user_id, "r": room_id}, frame)

    def close_sessions(self, session_ids: Iterable[str], code: int, reason: str) -> None:
        ids = list(session_ids)
        self._hub.close_sessions(ids, code, reason)
        self._enqueue({"k": "close", "ids": ids, "c": code, "why": reason})

    def close_user(self, user_id: int, code: int, reason: str) -> None:
        self._hub.close_user(user_id, code, reason)
        self._enqueue({"k": "close_user", "u": user_id, "c": code, "why": reason})

    def presence(
        self, process: str, user: User, rooms: frozenset[int], status: Status, at_ms: int, last_seen: int | None
    ) -> None:
        self._enqueue(
            {
                "k": "presence",
                "u": user.id,
                "n": user.username,
                "r": sorted(rooms),
                "st": status,
                "at": at_ms,
                "ls": last_seen,
            }
        )

    # -- sending ------------------------------------------------------------------------------------------

    def _enqueue(self, header: Header, frame: bytes | None = None) -> None:
        header["p"] = self._me
        self._sent += 1
        header["q"] = self._sent
        if len(self._outbox) >= OUTBOX_MAX:
            self._outbox.popleft()
            self.dropped_events += 1
            if not self._overflowed:
                self._overflowed = True
                log.warning("Redis unreachable for long: dropping the oldest events for other processes")
        self._outbox.append(self._signer.sign(pack(header, frame)))
        self._wake.set()

    async def _publish_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._flush_now()
            except (RedisError, OSError) as exc:
                log.warning("publishing to Redis failed (%s); retrying", exc)
                await asyncio.sleep(RETRY_S)
                self._wake.set()

    async def _flush_now(self) -> None:
        async with self._flushing:
            await self._flush_locked()

    async def _flush_locked(self) -> None:
        while self._outbox:
            batch = [self._outbox[i] for i in range(min(PUBLISH_BATCH, len(self._outbox)))]
            started = self._clock.monotonic_ms()
            async with self._redis.pipeline(transaction=False) as pipe:
                for data in batch:
                    pipe.publish(self._channel, data)
                await pipe.execute()
            self.publish_latency.observe((self._clock.monotonic_ms() - started) / 1000)
            # Only what was really sent leaves the queue: a failed batch is retried whole, in order. (By identity:
            # an overflow may have dropped some of this batch from the front meanwhile.)
            for data in batch:
                if self._outbox and self._outbox[0] is data:
                    self._outbox.popleft()
            self._overflowed = False

    # -- receiving ----------------------------------------------------------------------------------------

    async def _subscribe_loop(self, pubsub: Any) -> None:
        while True:
            try:
                if pubsub is None:
                    pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                    await pubsub.subscribe(self._channel)
                    # Whatever was said meanwhile is lost: re-read everyone's presence; seq gaps fill from the DB.
                    await self._load_others()
                self.connected = True
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message["type"] == "message":
                        self._receive(message["data"])
            except (RedisError, OSError) as exc:
                self.connected = False
                log.warning("Redis subscription lost (%s); reconnecting", exc)
                if pubsub is not None:
                    with contextlib.suppress(RedisError, OSError):
                        await pubsub.aclose()
                pubsub = None
                await asyncio.sleep(RETRY_S)

    def _receive(self, data: bytes) -> None:
        payload = self._signer.verify(data)
        if payload is None:
            self._reject("not signed with this installation's key")
            return
        try:
            header, frame = unpack(payload)
            process, number = header["p"], header["q"]
            if not isinstance(process, str) or not isinstance(number, int):
                raise TypeError("bad p or q")
        except (ValueError, KeyError, TypeError):
            self._reject("signed, but not an envelope")
            return
        if process == self._me:
            return
        if number <= self._last_from.get(process, 0):
            self.replayed_events += 1
            return
        self._last_from[process] = number
        try:
            self._dispatch(process, header, frame)
        except (KeyError, TypeError, ValueError):
            self._reject(f"signed, but a malformed {header.get('k')!r} event")

    def _dispatch(self, process: str, header: Header, frame: bytes) -> None:
        kind = header["k"]
        hub = self._hub
        if kind == "msg":
            hub.message(header["r"], header["s"], frame, None, None)
        elif kind == "chg":
            hub.change(header["r"], header["s"], frame)
        elif kind == "room":
            hub.to_room(header["r"], frame, exclude_user=header["x"])
        elif kind == "rooms":
            hub.to_rooms(header["r"], frame, exclude_user=header["x"])
        elif kind == "user":
            hub.to_user(header["u"], frame)
        elif kind == "join":
            hub.joined(header["u"], header["r"], frame or None)
        elif kind == "leave":
            hub.left(header["u"], header["r"], frame or None)
        elif kind == "close":
            hub.close_sessions(header["ids"], header["c"], header["why"])
        elif kind == "close_user":
            hub.close_user(header["u"], header["c"], header["why"])
        elif kind == "presence" and self._listener is not None:
            self._known.add(process)
            user = User(header["u"], header["n"])
            self._listener.remote_presence(
                process, user, frozenset(header["r"]), header["st"], header["at"], header["ls"]
            )
        elif kind == "bye" and self._listener is not None:
            # _last_from keeps its number: a replay of its events after its goodbye is still a replay.
            self._known.discard(process)
            self._listener.process_gone(process)

    def _reject(self, why: str) -> None:
        self.rejected_events += 1
        count = self._reject_log.rejected(self._clock.monotonic_ms())
        if count is not None:
            log.warning(
                "dropped %d event(s) from Redis (%s; %d in all since start): is something else publishing on %s,"
                " or is SECRET_KEY not the same on every process?",
                count, why, self.rejected_events, self._channel,
            )

    def _started(self) -> PresenceListener:
        if self._listener is None:
            raise RuntimeError("the broker has not been started")
        return self._listener

    # -- liveness and the presence snapshot ---------------------------------------------------------------

    async def _heartbeat(self) -> None:
        listener = self._started()
        # Each entry names its process and user under the signature, so none can be moved to another.
        me = self._me
        states: dict[Any, Any] = {
            str(user.id): self._signer.sign(
                json.dumps({"p": me, "u": user.id, "n": user.username, "r": sorted(rooms), "st": status}).encode()
            )
            for user, rooms, status in listener.local_states()
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            # Whoever writes first on a new (restarted, flushed) Redis names its epoch; the others read it.
            pipe.set(self._epoch_key, secrets.token_hex(8), nx=True)
            pipe.get(self._epoch_key)
            pipe.set(self._process_key.format(self._me), "1", px=self._ttl_ms)
            key = self._presence_key.format(self._me)
            pipe.delete(key)
            if states:
                pipe.hset(key, mapping=states)
                pipe.pexpire(key, self._ttl_ms)
            results = await pipe.execute()
        epoch = results[1]
        if self._recovering or (self._epoch is not None and epoch != self._epoch):
            # Our key and presence are written again; give every other process a full TTL to do the same.
            self._judge_after_ms = self._clock.monotonic_ms() + self._ttl_ms
            self._recovering = False
        self._epoch = epoch

    async def _load_others(self) -> None:
        """Read every live process's presence: how a process that starts (or reconnects) learns the picture."""
        listener = self._started()
        async for key in self._redis.scan_iter(match=self._process_key.format("*"), count=100):
            process = (key.decode() if isinstance(key, bytes) else key).rsplit(":", 1)[1]
            if process == self._me:
                continue
            self._known.add(process)
            entries = await self._redis.hgetall(self._presence_key.format(process))
            for raw in entries.values():
                payload = self._signer.verify(raw if isinstance(raw, bytes) else raw.encode())
                if payload is None:
                    self._reject("a presence entry not signed with this installation's key")
                    continue
                try:
                    state = json.loads(payload)
                    if state["p"] != process:
                        raise ValueError("another process's entry")
                    user = User(int(state["u"]), state["n"])
                    rooms, status = frozenset(state["r"]), state["st"]
                except (ValueError, KeyError, TypeError):
                    self._reject("a signed presence entry out of place")
                    continue
                listener.remote_presence(process, user, rooms, status, 0, None)

    async def _liveness_loop(self) -> None:
        listener = self._started()
        interval_s = self._ttl_ms / 3000
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self._heartbeat()
                if self._clock.monotonic_ms() < self._judge_after_ms:
                    continue
                for process in list(self._known | listener.processes()):
                    if process != self._me and not await self._redis.exists(self._process_key.format(process)):
                        self._known.discard(process)
                        listener.process_gone(process)
            except (RedisError, OSError) as exc:
                self._recovering = True
                log.warning("Redis liveness check failed: %s", exc)
