"""Test fixtures: real databases (a fresh MariaDB database or SQLite file per test), the real app on a real
socket, and real WebSocket clients.

MariaDB is reached as root over the Unix socket (how this machine and CI run it). Without it a MySQL test
skips on a developer machine and fails under CI=true: CI must never count a missing service as a pass.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pymysql
import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer

from parley.app import create_app
from parley.clock import Clock, SystemClock
from parley.settings import DatabaseUrl, Settings
from parley.store import Store, migrations, open_store

MYSQL_SOCKET = os.environ.get("PARLEY_TEST_MYSQL_SOCKET", "/run/mysqld/mysqld.sock")
REDIS_URL = "redis://127.0.0.1:6379/0"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "correct horse battery"


def service_missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is not available, and under CI a missing service is a failure")
    pytest.skip(f"{what} is not available")


def _mysql_root() -> Any:
    return pymysql.connect(unix_socket=MYSQL_SOCKET, user="root", password="", charset="utf8mb4", autocommit=True)


@pytest.fixture(scope="session")
def mysql_available() -> bool:
    try:
        _mysql_root().close()
    except (pymysql.err.MySQLError, OSError):
        return False
    return True


@pytest.fixture
def mysql_url(mysql_available: bool) -> Iterator[DatabaseUrl]:
    """A fresh, empty MariaDB database for one test, dropped afterwards."""
    if not mysql_available:
        service_missing(f"MariaDB at {MYSQL_SOCKET}")
    name = f"parley_test_{uuid.uuid4().hex[:12]}"
    conn = _mysql_root()
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        yield DatabaseUrl(scheme="mysql", user="root", name=name, unix_socket=MYSQL_SOCKET)
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()
        shutil.rmtree(_files_dir(DatabaseUrl(scheme="mysql", name=name)), ignore_errors=True)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> DatabaseUrl:
    return DatabaseUrl(scheme="sqlite", path=str(tmp_path / "parley.db"))


@pytest.fixture(params=["sqlite", "mysql"])
def database_url(request: pytest.FixtureRequest) -> DatabaseUrl:
    """Each test using this runs once per backend."""
    name = "sqlite_url" if request.param == "sqlite" else "mysql_url"
    url: DatabaseUrl = request.getfixturevalue(name)
    return url


async def migrated(url: DatabaseUrl) -> None:
    store = await open_store(url, create=True)
    try:
        await migrations.migrate(store, SystemClock().now_ms())
    finally:
        await store.close()


@pytest.fixture
async def store(database_url: DatabaseUrl) -> AsyncIterator[Store]:
    await migrated(database_url)
    s = await open_store(database_url)
    try:
        yield s
    finally:
        await s.close()


def make_settings(url: DatabaseUrl, **overrides: Any) -> Settings:
    base = Settings(
        database=url,
        secret_key=b"test-secret-key-that-is-long-enough-0123456789",
        frontend_dir=None,
        # Cheap hashing: tests create many users; production keeps the real cost.
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        sweep_interval_ms=50,
        # Tests register many users (and mistype passwords) from 127.0.0.1; tests/actions/test_login_throttle.py
        # checks the throttle with the real defaults.
        registrations_per_hour=100_000,
        login_address_failures=100_000,
        revocation_poll_ms=100,
        files_dir=_files_dir(url),
    )
    return replace(base, **overrides)


def _files_dir(url: DatabaseUrl) -> Path:
    """Uploads of a test: beside its SQLite database (in its tmp_path), or beside its MariaDB database: a directory
    named after it, removed with it (mysql_url)."""
    if url.scheme == "sqlite":
        return Path(url.path).parent / "files"
    return Path(tempfile.gettempdir()) / f"parley-test-files-{url.name}"


# Longer than any stop Parley bounds itself (the store's, the indexer's, the sockets' closes).
SHUTDOWN_LIMIT_S = 60


class Chat:
    """Builds running apps and logged-in clients for a test."""

    def __init__(self, url: DatabaseUrl) -> None:
        self.url = url
        self.servers: list[TestServer] = []
        self.clients: list[TestClient[Any, Any]] = []

    async def server(self, clock: Clock | None = None, **overrides: Any) -> TestServer:
        await migrated(self.url)
        server = TestServer(create_app(make_settings(self.url, **overrides), clock=clock))
        await server.start_server()
        self.servers.append(server)
        return server

    async def client(self, server: TestServer) -> TestClient[Any, Any]:
        client: TestClient[Any, Any] = TestClient(server, cookie_jar=aiohttp.CookieJar(unsafe=True))
        await client.start_server()
        self.clients.append(client)
        return client

    async def user(self, server: TestServer, username: str, password: str = PASSWORD) -> TestClient[Any, Any]:
        client = await self.client(server)
        resp = await client.post("/api/auth/register", json={"username": username, "password": password})
        assert resp.status == 201, await resp.text()
        return client

    async def close(self) -> None:
        for client in self.clients:
            await client.close()
        for server in self.servers:
            try:
                # A server that cannot stop is a bug of ours: fail with what every task is waiting on, in far less
                # than pytest-timeout's limit (whose dump shows only threads, not the tasks).
                async with asyncio.timeout(SHUTDOWN_LIMIT_S):
                    await server.close()
            except TimeoutError:
                for task in asyncio.all_tasks():
                    task.print_stack(file=sys.stderr)
                stuck = f"a test server did not stop within {SHUTDOWN_LIMIT_S} s (task stacks above)"
                raise AssertionError(stuck) from None

    async def __aenter__(self) -> Chat:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


@pytest.fixture
async def chat(database_url: DatabaseUrl) -> AsyncIterator[Chat]:
    async with Chat(database_url) as c:
        yield c


@pytest.fixture
async def redis_namespace() -> AsyncIterator[str]:
    """A Redis namespace of its own for one test (several app instances as one server), cleaned afterwards."""
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception:
        await client.aclose()
        service_missing("Redis at 127.0.0.1:6379")
    namespace = f"parley-test-{uuid.uuid4().hex[:8]}"
    try:
        yield namespace
    finally:
        async for key in client.scan_iter(match=f"{namespace}:*"):
            await client.delete(key)
        await client.aclose()


async def server_pair(chat: Chat, namespace: str, **overrides: Any) -> tuple[TestServer, TestServer]:
    """Two app instances sharing the database and a Redis namespace."""
    settings = {"redis_url": REDIS_URL, "redis_namespace": namespace} | overrides
    return await chat.server(**settings), await chat.server(**settings)


@pytest.fixture
async def mysql_chat(mysql_url: DatabaseUrl) -> AsyncIterator[Chat]:
    async with Chat(mysql_url) as c:
        yield c


async def next_frame(ws: aiohttp.ClientWebSocketResponse, timeout: float = 5.0) -> dict[str, Any]:
    msg = await asyncio.wait_for(ws.receive(), timeout)
    assert msg.type == aiohttp.WSMsgType.TEXT, f"expected a text frame, got {msg.type} {msg.data!r}"
    frame: dict[str, Any] = msg.json()
    return frame


def presence_changes(frame: dict[str, Any]) -> list[dict[str, Any]]:
    """The presence changes a frame carries: the frame itself (`presence`), each of its `changes`
    (`presence.batch`: several changes held for presence_batch_ms go out together), or none."""
    if frame["type"] == "presence":
        return [frame]
    if frame["type"] == "presence.batch":
        changes: list[dict[str, Any]] = frame["changes"]
        return changes
    return []


async def frame_of(
    ws: aiohttp.ClientWebSocketResponse,
    kind: str,
    timeout: float = 5.0,
    skip: tuple[str, ...] = ("presence",),
) -> dict[str, Any]:
    """The next frame of type `kind`, passing over frames of the types in `skip` (presence, by default; skipping
    presence skips presence.batch too: one change is a presence frame, several at once are a batch)."""
    if "presence" in skip:
        skip = (*skip, "presence.batch")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await next_frame(ws, max(0.01, deadline - loop.time()))
        if frame["type"] == kind:
            return frame
        assert frame["type"] in skip, f"expected {kind}, got {frame}"


async def connect(
    client: TestClient[Any, Any], **kwargs: Any
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    """Open /ws; return the socket and its hello frame (always the first)."""
    ws = await client.ws_connect("/ws", **kwargs)
    hello = await next_frame(ws)
    assert hello["type"] == "hello", hello
    return ws, hello


Poll = Callable[[], Awaitable[bool]]


async def eventually(check: Poll, timeout: float = 5.0, interval: float = 0.02) -> None:
    """Wait for a condition the server reaches asynchronously, bounded in time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(interval)


async def close_code(ws: aiohttp.ClientWebSocketResponse, timeout: float = 5.0) -> int:
    """Read until the server's close frame (skipping presence/typing); return the code it carried."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        msg = await asyncio.wait_for(ws.receive(), max(0.01, deadline - loop.time()))
        if msg.type == aiohttp.WSMsgType.CLOSE:
            return int(msg.data)
        if msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            raise AssertionError(f"socket ended without a close frame: {msg}")
        assert msg.type == aiohttp.WSMsgType.TEXT
        assert msg.json()["type"] in ("presence", "presence.batch", "typing"), msg.data
