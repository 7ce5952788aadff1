#!/usr/bin/env python3
"""Run a Parley cluster on one machine: N `parley serve` processes behind nginx, sharing MySQL and Redis.

    .venv/bin/python scripts/cluster.py --processes 2 --port 8000 \\
        --database-url "mysql://parley:$DB_PASSWORD@127.0.0.1:3306/parley" --redis-url redis://127.0.0.1:6379/0

nginx listens on 127.0.0.1:PORT and runs the repository's own nginx.conf, rendered for this machine (its
`# parley:NAME` lines point at a scratch directory and at the app processes); the app processes listen on
127.0.0.1:PORT+1 ... PORT+N. Migrations are applied once, before any process starts. Ctrl-C (or SIGTERM)
stops nginx, then every app process, by the pids this script started; nothing is left running.

tests/test_nginx.py imports this file and starts clusters with `running_cluster()`, the same code path.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

# The sibling module, also when tests load this file by path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from nginx_conf import (
    HOST,
    ClusterError,
    Tls,
    check_nginx_conf,
    local_values,
    nginx_binary,
    render_conf,
    self_signed,
)

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "nginx.conf"
DEFAULT_DIST = ROOT / "frontend" / "dist"
# The first start of a process imports everything and opens its database pool: seconds, not tens of them.
START_TIMEOUT_S = 30.0
# SIGTERM lets aiohttp close every WebSocket with 1001 (its shutdown_timeout is 5 s); after this, SIGKILL.
STOP_TIMEOUT_S = 8.0

# ---------------------------------------------------------------------------------------------------------
# Processes


@dataclasses.dataclass
class Process:
    """One child this script started: its real pid (no shell in between) and where its output goes."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal this process (kill -9 by default), then reap it."""
        if self.alive():
            os.kill(self.pid, sig)
        if sig == signal.SIGKILL:
            self.popen.wait(timeout=STOP_TIMEOUT_S)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Ask politely, wait, then SIGKILL: this returns only once the process is gone."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)
            try:
                self.popen.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(timeout=STOP_TIMEOUT_S)


def _spawn(name: str, argv: Sequence[str], env: Mapping[str, str], log: Path, port: int) -> Process:
    with log.open("ab") as out:
        # Own session: a Ctrl-C in the terminal reaches only this script, which then stops children in order.
        popen = subprocess.Popen(
            list(argv), env=dict(env), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=ROOT,
        )
    return Process(name=name, popen=popen, log=log, port=port)


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def wait_healthy(process: Process, url: str, timeout_s: float = START_TIMEOUT_S) -> None:
    """Poll `url` until it answers 200; fail early (with the log's tail) if the process exits."""
    deadline = time.monotonic() + timeout_s
    while True:
        if not process.alive():
            raise ClusterError(f"{process.name} exited with {process.popen.returncode}:\n{_tail(process.log_text())}")
        try:
            # Our own throwaway certificate on 127.0.0.1: nothing to verify it against.
            context = ssl._create_unverified_context() if url.startswith("https:") else None
            with urllib.request.urlopen(url, timeout=2, context=context) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise ClusterError(f"{process.name} not healthy at {url} after {timeout_s:.0f} s:\n"
                               f"{_tail(process.log_text())}")
        time.sleep(0.1)


# ---------------------------------------------------------------------------------------------------------
# The cluster


@dataclasses.dataclass(frozen=True)
class ClusterConfig:
    database_url: str
    redis_url: str
    processes: int = 2
    port: int = 8000
    # First app port; default port+1.
    app_port: int | None = None
    secret_key: str = dataclasses.field(default_factory=lambda: secrets.token_urlsafe(48), repr=False)
    dist: Path = DEFAULT_DIST
    # https on `port` with a throwaway certificate; `http_port` then serves the redirect.
    tls: bool = False
    http_port: int | None = None
    trusted_proxies: str = HOST
    # Extra environment for every app process (HEARTBEAT_S, PRESENCE_GRACE_MS, ...).
    app_env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # Where configs, logs and the pid file go; default a fresh temporary directory, removed afterwards.
    scratch: Path | None = None
    python: str = sys.executable


@dataclasses.dataclass
class Cluster:
    config: ClusterConfig
    scratch: Path
    conf_path: Path
    apps: list[Process]
    nginx: Process | None = None
    tls: Tls | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{HOST}:{self.config.port}"

    def app_url(self, index: int) -> str:
        return f"http://{HOST}:{self.apps[index].port}"


def _app_env(config: ClusterConfig, port: int, scratch: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _APP_SETTINGS}
    env.update(
        DATABASE_URL=config.database_url,
        REDIS_URL=config.redis_url,
        SECRET_KEY=config.secret_key,
        HOST=HOST,
        PORT=str(port),
        TRUSTED_PROXIES=config.trusted_proxies,
        FRONTEND_DIR=str(config.dist),
        PYTHONUNBUFFERED="1",
        # A cluster on this machine for trying things and tests: anyone may register (TRUSTED_PROXIES alone
        # would make the default "invite"). app_env (or the caller's REGISTRATION) overrides it.
        REGISTRATION="open",
    )
    if scratch is not None:
        # Uploads in the scratch directory, which nginx's /_files/ location aliases: nginx sends the bytes.
        env.update(FILES_DIR=str(scratch / "files"), FILES_ACCEL_REDIRECT="/_files/")
    env.update(config.app_env)
    return env


# Settings a caller's environment must not leak into the processes unless given in app_env explicitly.
_APP_SETTINGS = frozenset({
    "DATABASE_URL", "REDIS_URL", "REDIS_NAMESPACE", "SECRET_KEY", "HOST", "PORT", "TRUSTED_PROXIES", "FRONTEND_DIR",
    "COOKIE_SECURE", "ALLOWED_ORIGINS", "HEARTBEAT_S", "PRESENCE_GRACE_MS", "TYPING_EXPIRY_MS", "IDLE_AFTER_MS",
    "DB_POOL_MAX", "PROCESS_TTL_MS", "REGISTRATION", "ARGON2_CONCURRENCY", "LOGIN_FREE_FAILURES",
    "LOGIN_BACKOFF_MAX_S", "LOGIN_ADDRESS_FAILURES", "REGISTRATIONS_PER_HOUR", "ALLOWED_HOSTS", "HTTP_IDLE_TIMEOUT_S",
    "FILES_DIR", "FILES_ACCEL_REDIRECT", "MAX_UPLOAD_MB", "UPLOAD_QUOTA_MB",
})
# Those this script decides itself for every process.
_OWN_SETTINGS = frozenset(
    {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "HOST", "PORT", "TRUSTED_PROXIES", "FRONTEND_DIR"}
)


def migrate(config: ClusterConfig) -> str:
    """`parley migrate`, once, before any process starts (processes then refuse to start on a stale schema)."""
    result = subprocess.run(
        [config.python, "-m", "parley", "migrate"], env=_app_env(config, config.port + 1),
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=120,
    )
    if result.returncode != 0:
        raise ClusterError(f"parley migrate failed: {(result.stderr or result.stdout).strip()}")
    return result.stdout.strip()


def start_app(cluster: Cluster, index: int, *, wait: bool = True) -> Process:
    """(Re)start app process `index` on its port; with `wait`, return once its /api/ready answers 200."""
    port = cluster.apps[index].port if index < len(cluster.apps) else _app_ports(cluster.config)[index]
    process = _spawn(
        f"app {index} (port {port})", [cluster.config.python, "-m", "parley", "serve"],
        _app_env(cluster.config, port, cluster.scratch), cluster.scratch / f"app-{index}.log", port,
    )
    if index < len(cluster.apps):
        cluster.apps[index] = process
    else:
        cluster.apps.append(process)
    if wait:
        wait_healthy(process, f"http://{HOST}:{port}/api/ready")
    return process


def _app_ports(config: ClusterConfig) -> list[int]:
    first = config.app_port if config.app_port is not None else config.port + 1
    return [first + i for i in range(config.processes)]


@contextlib.contextmanager
def running_nginx(
    *, port: int, upstreams: Sequence[int], dist: Path, scratch: Path, tls: Tls | None = None,
    http_port: int | None = None, ready_path: str = "/",
) -> Iterator[Process]:
    """nginx in the foreground (its master's pid is ours to stop) on the rendered nginx.conf; stopped after."""
    binary = nginx_binary()
    if binary is None:
        raise ClusterError("nginx is not installed (Debian: apt-get install nginx)")
    conf = scratch / "nginx.conf"
    values = local_values(port=port, upstreams=upstreams, root=dist.resolve(), scratch=scratch, tls=tls,
                          http_port=http_port)
    conf.write_text(render_conf(NGINX_CONF.read_text(), values))
    check_nginx_conf(binary, conf, scratch)
    nginx = _spawn(
        "nginx",
        [binary, "-p", str(scratch), "-e", str(scratch / "error.log"), "-c", str(conf), "-g", "daemon off;"],
        os.environ, scratch / "nginx.out", port,
    )
    try:
        wait_healthy(nginx, f"{'https' if tls else 'http'}://{HOST}:{port}{ready_path}")
        yield nginx
    finally:
        with _signals_held():
            nginx.stop(signal.SIGTERM)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """A second Ctrl-C must not cut a clean-up short and orphan children: hold the signals until it is done."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextlib.contextmanager
def running_cluster(config: ClusterConfig) -> Iterator[Cluster]:
    """Migrate, start the app processes, then nginx; yield; stop nginx first, then every app process.

    Every child is stopped in `finally`, whatever failed in between, by the pid this function started.
    """
    if nginx_binary() is None:
        raise ClusterError("nginx is not installed (Debian: apt-get install nginx)")
    if not (config.dist / "index.html").is_file():
        raise ClusterError(f"{config.dist}/index.html is missing: build the web app (make frontend)")
    if config.processes < 1:
        raise ClusterError("--processes must be at least 1")
    own_scratch = config.scratch is None
    scratch = Path(tempfile.mkdtemp(prefix="parley-cluster-")) if config.scratch is None else config.scratch
    scratch.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(config=config, scratch=scratch, conf_path=scratch / "nginx.conf", apps=[])
    try:
        migrate(config)
        # Start them all, then wait for each: the start-up costs overlap.
        for index, _port in enumerate(_app_ports(config)):
            start_app(cluster, index, wait=False)
        for app in cluster.apps:
            wait_healthy(app, f"http://{HOST}:{app.port}/api/ready")
        cluster.tls = self_signed(scratch) if config.tls else None
        with running_nginx(
            port=config.port, upstreams=[p.port for p in cluster.apps], dist=config.dist, scratch=scratch,
            tls=cluster.tls, http_port=config.http_port, ready_path="/api/ready",
        ) as nginx:
            cluster.nginx = nginx
            yield cluster
    finally:
        with _signals_held():
            # nginx has stopped by now (first, so no new request reaches a process that is stopping).
            for app in cluster.apps:
                app.stop(signal.SIGTERM)
        if own_scratch:
            shutil.rmtree(scratch, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------
# Command line


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run N Parley processes behind nginx on this machine.")
    parser.add_argument("--processes", type=int, default=2, help="app processes (default 2)")
    parser.add_argument("--port", type=int, default=8000, help="nginx port (default 8000); apps use the next ones")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="shared database, mysql://... (default $DATABASE_URL)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                        help="shared Redis (default $REDIS_URL or redis://127.0.0.1:6379/0)")
    parser.add_argument("--dist", type=Path, default=DEFAULT_DIST, help="the built web app (frontend/dist)")
    parser.add_argument("--tls", action="store_true", help="https with a throwaway self-signed certificate")
    parser.add_argument("--keep", type=Path, help="keep configs and logs in this directory instead of a temporary one")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    if not args.database_url:
        print("cluster: give --database-url (or DATABASE_URL): every process must share one database",
              file=sys.stderr)
        return 2
    if args.database_url.startswith("sqlite"):
        print("cluster: several processes need a shared MySQL/MariaDB database, not SQLite", file=sys.stderr)
        return 2
    # Each process must decrypt every other's cookies: one key for all, from SECRET_KEY when set, so a restart
    # of the cluster keeps everyone logged in; otherwise a fresh one for this run.
    secret = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48)
    # Tuning the operator exported (HEARTBEAT_S, REDIS_NAMESPACE, ...) reaches every process; the rest is ours.
    tuning = {k: v for k, v in os.environ.items() if k in _APP_SETTINGS - _OWN_SETTINGS}
    config = ClusterConfig(
        database_url=args.database_url, redis_url=args.redis_url, processes=args.processes, port=args.port,
        secret_key=secret, dist=args.dist, tls=args.tls, scratch=args.keep, app_env=tuning,
    )
    # SIGTERM (kill, a process manager) takes the same path as Ctrl-C: out of the `with`, children stopped.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        with running_cluster(config) as cluster:
            for index, app in enumerate(cluster.apps):
                print(f"app {index}: pid {app.pid}, {cluster.app_url(index)}, log {app.log}")
            assert cluster.nginx is not None
            print(f"nginx: pid {cluster.nginx.pid}, config {cluster.conf_path}, logs in {cluster.scratch}")
            print(f"\nParley cluster ready: {cluster.url}   (Ctrl-C stops everything)", flush=True)
            while True:
                time.sleep(1)
                dead = [p for p in [cluster.nginx, *cluster.apps] if not p.alive()]
                if dead:
                    # A trial cluster does not restart anything: say so and keep serving with what is left.
                    for p in dead:
                        print(f"cluster: {p.name} exited with {p.popen.returncode}: {_tail(p.log_text(), 5)}",
                              file=sys.stderr)
                    if cluster.nginx in dead:
                        return 1
                    cluster.apps = [p for p in cluster.apps if p.alive()]
    except ClusterError as exc:
        print(f"cluster: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ncluster: stopped", file=sys.stderr)
        return 0


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
