"""Helpers for tests that run the real deployment shape: nginx (the repository's nginx.conf, rendered by
scripts/cluster.py) in front of real `parley serve` processes, a fresh MariaDB database and Redis.

Clusters start through scripts/cluster.py's `running_cluster`, the code path an operator uses. A missing nginx,
MariaDB, Redis or built web app skips a test here and fails it under CI=true (conftest.service_missing).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import random
import socket
import ssl
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import pymysql

from conftest import MYSQL_SOCKET, next_frame, presence_changes, service_missing

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "frontend" / "dist"
REDIS_URL = "redis://127.0.0.1:6379/0"

# Fast timings so presence assertions take seconds, with the same relations as the defaults. The heartbeat stays
# longer than a test leaves a socket unread (the client answers a ping only when the test reads): an unread socket
# is dropped 1.5 heartbeats after its last frame, and a kill -9 test waits about 3 s without reading some.
FAST_APP_ENV = {
    "HEARTBEAT_S": "6",
    "PRESENCE_GRACE_MS": "1000",
    "PROCESS_TTL_MS": "2000",
}
# live/redis_broker.py: a dead process's users go offline within process_ttl_ms + process_ttl_ms / 3.
DEAD_PROCESS_OFFLINE_S = 2.0 * 4 / 3


def _load_cluster() -> ModuleType:
    spec = importlib.util.spec_from_file_location("parley_cluster", ROOT / "scripts" / "cluster.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up by name while the class bodies run.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


cluster_mod = _load_cluster()


def require_nginx() -> str:
    binary: str | None = cluster_mod.nginx_binary()
    if binary is None:
        service_missing("nginx")
    assert binary is not None
    return binary


def require_dist() -> Path:
    if not (DIST / "index.html").is_file():
        service_missing(f"the built web app ({DIST}/index.html; run `make frontend`)")
    return DIST


def require_redis() -> None:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            if not s.recv(16).startswith(b"+PONG"):
                raise OSError("no PONG")
    except OSError:
        service_missing("Redis at 127.0.0.1:6379")


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty MariaDB database (as conftest.mysql_url makes), as a DATABASE_URL; dropped afterwards."""
    try:
        conn = pymysql.connect(unix_socket=MYSQL_SOCKET, user="root", password="", charset="utf8mb4",
                               autocommit=True)
    except (pymysql.err.MySQLError, OSError):
        service_missing(f"MariaDB at {MYSQL_SOCKET}")
    name = f"parley_test_{uuid.uuid4().hex[:12]}"
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        yield f"mysql://root@localhost/{name}?unix_socket={MYSQL_SOCKET}"
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


def free_port_run(count: int) -> int:
    """The first of `count` consecutive free ports on 127.0.0.1 (bounded number of tries)."""
    for _ in range(50):
        base = random.randrange(20_000, 60_000 - count)
        sockets: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError(f"no run of {count} free ports found")


@contextlib.contextmanager
def cluster(processes: int = 2, *, tls: bool = False, redis_url: str = REDIS_URL, **config: Any) -> Iterator[Any]:
    """A running cluster on a fresh database and its own Redis namespace, stopped and dropped afterwards.
    `redis_url` points it at another Redis (a throwaway one a test may stop); the shared one by default."""
    require_nginx()
    dist = require_dist()
    if redis_url == REDIS_URL:
        require_redis()
    with fresh_database() as database_url:
        base = free_port_run(processes + 2)
        # Pub/sub ignores Redis database numbers: a namespace of its own keeps concurrent runs apart.
        namespace = f"parley-test-{uuid.uuid4().hex[:8]}"
        app_env = {**FAST_APP_ENV, "REDIS_NAMESPACE": namespace, **config.pop("app_env", {})}
        cfg = cluster_mod.ClusterConfig(
            database_url=database_url, redis_url=redis_url, processes=processes, port=base,
            http_port=base + processes + 1 if tls else None, dist=dist, tls=tls, app_env=app_env, **config,
        )
        with cluster_mod.running_cluster(cfg) as running:
            yield running


class Client:
    """One browser-like client: its own cookie jar, optionally its own source address (127.0.0.x)."""

    def __init__(self, base_url: str, *, cafile: Path | None = None, local_addr: str | None = None,
                 cookie: str | None = None) -> None:
        """`cookie` ("parley_session=...") is sent as is: the way to use a Secure cookie over plain http, as a
        session made through the https proxy is then used on a process directly."""
        self.base_url = base_url
        context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
        connector = aiohttp.TCPConnector(ssl=context if context else True,
                                         local_addr=(local_addr, 0) if local_addr else None)
        self.session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True),
                                             headers={"Cookie": cookie} if cookie else None)

    def url(self, path: str) -> str:
        return self.base_url + path

    async def post(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.session.post(self.url(path), **kwargs)

    async def get(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.session.get(self.url(path), **kwargs)

    async def ws(self, path: str = "/ws", **kwargs: Any) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
        """Open /ws (through nginx or straight to a process, per base_url); return it with its hello frame."""
        ws = await self.session.ws_connect(self.url(path).replace("http", "ws", 1), **kwargs)
        hello = await next_frame(ws, timeout=10)
        assert hello["type"] == "hello", hello
        return ws, hello

    async def close(self) -> None:
        await self.session.close()


async def presence_of(ws: aiohttp.ClientWebSocketResponse, username: str, status: str,
                      timeout: float = 5.0) -> dict[str, Any]:
    """The next presence change (a frame, or one in a batch) saying `username` is `status`, passing over every
    other frame (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await next_frame(ws, max(0.01, deadline - loop.time()))
        for change in presence_changes(frame):
            if change["user"]["username"] == username and change["status"] == status:
                return change


async def presences_of(ws: aiohttp.ClientWebSocketResponse, wanted: dict[str, str], timeout: float = 5.0) -> None:
    """Wait until every `username: status` of `wanted` was announced (in frames or batches, in any order)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    left = dict(wanted)
    while left:
        frame = await next_frame(ws, max(0.01, deadline - loop.time()))
        for change in presence_changes(frame):
            if left.get(change["user"]["username"]) == change["status"]:
                del left[change["user"]["username"]]


async def silence(ws: aiohttp.ClientWebSocketResponse, seconds: float, kinds: tuple[str, ...]) -> None:
    """Assert no frame of the given types arrives for `seconds` (other frames are allowed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        try:
            msg = await asyncio.wait_for(ws.receive(), left)
        except TimeoutError:
            return
        if msg.type != aiohttp.WSMsgType.TEXT:
            return
        frame = msg.json()
        assert frame["type"] not in kinds, f"unexpected frame {frame}"
