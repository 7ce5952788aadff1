"""The servers under test, each started pinned to the server core: Parley (`parley serve` on a throwaway SQLite file
or MariaDB database, Redis off), the Socket.IO tutorial server (node/socketio_server.js) and the naive aiohttp loop
(naive_server.py). Each `start_*` is a context manager yielding a `Server`; leaving it stops the process and
drops what it made (temporary directory, database).

Parley's users and rooms are written through its store before it starts (cheap argon2 hashes: the bench measures
the chat, not password hashing, and registration is throttled per address), then each user logs in over REST once
and the session cookie is handed to the load generator.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NODE_DIR = HERE / "node"
MYSQL_SOCKET = os.environ.get("PARLEY_BENCH_MYSQL_SOCKET", "/run/mysqld/mysqld.sock")
PASSWORD = "benchmark-password"
# The bench drives a few accounts far past what the per-account limits let a person do; the limits' own cost is
# measured apart (`scripts/bench.py limits`). Connections per account: 50 is the default and what the bench uses.
PARLEY_ENV = {
    "MESSAGE_BURST": "1000000",
    "MESSAGE_RATE_PER_MIN": "60000000",
    "REGISTRATIONS_PER_HOUR": "1000000",
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_KIB": "1024",
    "LOG_LEVEL": "WARNING",
}


@dataclass
class Server:
    name: str  # parley | socketio | naive
    url: str
    pid: int
    cookies: dict[str, str] = field(default_factory=dict)  # username -> Cookie header (Parley only)
    rooms: dict[str, int] = field(default_factory=dict)  # room name -> id (Parley only)
    metrics_url: str | None = None  # Parley's /metrics (its own listener), read before and after a fan-out

    def counters(self) -> dict[str, float]:
        """Parley's counters now (name{labels} -> value), or {} for a baseline: the socket writes, to report how
        many frames each carried."""
        if self.metrics_url is None:
            return {}
        with urllib.request.urlopen(self.metrics_url, timeout=10) as resp:
            text = resp.read().decode()
        values: dict[str, float] = {}
        for line in text.splitlines():
            if line.startswith("parley_") and " " in line:
                key, _, value = line.rpartition(" ")
                values[key] = float(value)
        return values


@dataclass(frozen=True)
class Population:
    """Parley's accounts and rooms for one run: `rooms` maps a room name to its members (every user is also in
    general, as a registered user would be)."""

    users: tuple[str, ...]
    rooms: tuple[tuple[str, tuple[str, ...]], ...] = ()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(core: int | None, argv: list[str]) -> list[str]:
    return argv if core is None else ["taskset", "-c", str(core), *argv]


def ensure_node_modules() -> None:
    """npm ci into node/ the first time (or when the lock changed): the bench installs its own Node packages."""
    lock, stamp = NODE_DIR / "package-lock.json", NODE_DIR / "node_modules" / ".package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=NODE_DIR, check=True, timeout=300)


def _wait_listening(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} while starting")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within 30 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def _process(
    argv: list[str], port: int, what: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    # stderr to a file, not a pipe: a server that logs more than a pipe holds must never block on it mid-run.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=log)
        try:
            _wait_listening(port, proc, what)
            yield proc
        except BaseException:
            _stop(proc)
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
            raise
        _stop(proc)


@contextlib.contextmanager
def start_socketio(core: int | None) -> Iterator[Server]:
    ensure_node_modules()
    port = free_port()
    with _process(pinned(core, ["node", str(NODE_DIR / "socketio_server.js"), str(port)]), port, "socket.io") as p:
        yield Server("socketio", f"http://127.0.0.1:{port}", p.pid)


@contextlib.contextmanager
def start_naive(core: int | None) -> Iterator[Server]:
    port = free_port()
    argv = pinned(core, [sys.executable, str(HERE / "naive_server.py"), str(port)])
    with _process(argv, port, "the naive aiohttp server") as p:
        yield Server("naive", f"http://127.0.0.1:{port}", p.pid)


@contextlib.contextmanager
def _database(kind: str, tmp: str) -> Iterator[str]:
    """A DATABASE_URL that exists only for this run."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/bench.db"
        return
    import pymysql

    name = f"parley_bench_{uuid.uuid4().hex[:10]}"
    root = pymysql.connect(unix_socket=MYSQL_SOCKET, user="root", password="", charset="utf8mb4", autocommit=True)
    try:
        with root.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        try:
            yield f"mysql://root@localhost/{name}?unix_socket={MYSQL_SOCKET}"
        finally:
            with root.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        root.close()


async def _seed(database_url: str, population: Population) -> dict[str, int]:
    import argon2

    from parley.settings import DatabaseUrl
    from parley.store import open_store

    store = await open_store(DatabaseUrl.parse(database_url))
    try:
        password_hash = argon2.PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)
        now = int(time.time() * 1000)
        ids = {}
        for name in population.users:
            ids[name] = (await store.create_user(name, password_hash, now)).id
        rooms = {}
        general = await store.room_by_name("general")
        if general is not None:
            rooms["general"] = general.id
        for room_name, members in population.rooms:
            room = await store.create_room(room_name, "", False, ids[members[0]], now)
            rooms[room_name] = room.id
            for member in members[1:]:
                await store.add_member(room.id, ids[member], now)
        return rooms
    finally:
        await store.close()


async def _login_all(url: str, users: tuple[str, ...]) -> dict[str, str]:
    cookies: dict[str, str] = {}
    gate = asyncio.Semaphore(16)
    async with aiohttp.ClientSession(url, cookie_jar=aiohttp.DummyCookieJar()) as http:

        async def login(name: str) -> None:
            async with gate, http.post("/api/auth/login", json={"username": name, "password": PASSWORD}) as resp:
                if resp.status != 200:
                    raise RuntimeError(f"login {name}: {resp.status} {await resp.text()}")
                cookies[name] = f"parley_session={resp.cookies['parley_session'].value}"

        await asyncio.gather(*(login(name) for name in users))
    return cookies


@contextlib.contextmanager
def start_parley(core: int | None, population: Population, db: str = "sqlite") -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp, _database(db, tmp) as database_url:
        port, metrics_port = free_port(), free_port()
        env = dict(os.environ)
        env.update(PARLEY_ENV)
        env["METRICS_PORT"] = str(metrics_port)
        # The tree being measured is this checkout's, whatever is installed in the venv.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "backend"), env.get("PYTHONPATH", "")) if p)
        env.update(DATABASE_URL=database_url, SECRET_KEY=secrets.token_urlsafe(48), PORT=str(port), HOST="127.0.0.1")
        env.pop("REDIS_URL", None)
        parley = [sys.executable, "-m", "parley"]
        subprocess.run([*parley, "migrate"], env=env, cwd=tmp, check=True, stdout=subprocess.DEVNULL, timeout=120)
        rooms = asyncio.run(_seed(database_url, population))
        serve = [*parley, "serve"]
        # PARLEY_BENCH_PROFILE=DIR: the server runs under cProfile, timed by its own CPU clock (wall time would
        # count its waits for the database), and writes DIR/parley-PORT.prof when it stops (SIGINT ends it
        # normally). Its CPU figures then include the profiler's own cost.
        profile_dir = os.environ.get("PARLEY_BENCH_PROFILE")
        if profile_dir:
            out = Path(profile_dir).resolve() / f"parley-{port}.prof"
            serve = [sys.executable, "-c", _PROFILED, str(out), "serve"]
        with _process(pinned(core, serve), port, "parley serve", env=env, cwd=Path(tmp)) as proc:
            url = f"http://127.0.0.1:{port}"
            cookies = asyncio.run(_login_all(url, population.users))
            yield Server("parley", url, proc.pid, cookies, rooms, f"http://127.0.0.1:{metrics_port}/metrics")


# `python -c _PROFILED OUT ARGS...`: `python -m parley ARGS...` under cProfile with the process's CPU clock.
_PROFILED = """
import cProfile, runpy, sys, time
out = sys.argv[1]
sys.argv = ["parley", *sys.argv[2:]]
profile = cProfile.Profile(time.process_time)
profile.enable()
try:
    runpy.run_module("parley", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
finally:
    profile.disable()
    profile.dump_stats(out)
"""

STARTERS = {"socketio": start_socketio, "naive": start_naive}
