"""A throwaway Redis server (its own port, nothing saved) that a test may stop and start again, so an outage
touches nothing else: the machine's shared Redis on 127.0.0.1:6379 is never stopped."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from conftest import service_missing

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
# Polls of 50 ms while a fresh server opens its port: 5 s in all, far above the ~10 ms it takes.
START_POLLS = 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayRedis:
    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(START_POLLS):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            time.sleep(0.05)
        raise RuntimeError("throwaway Redis did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@contextlib.contextmanager
def throwaway_redis_server() -> Iterator[ThrowawayRedis]:
    if not Path(REDIS_SERVER).exists():
        service_missing("redis-server")
    server = ThrowawayRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()
