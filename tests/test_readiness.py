"""Readiness in the production shape (nginx, two processes, MariaDB, a throwaway Redis that is really stopped):
with Redis gone, messages no longer cross between processes, so every process says it is not ready (503 naming
redis) while its liveness check (/api/health) still answers 200; once Redis is back, every process is ready
again without a restart."""

from __future__ import annotations

import asyncio
from typing import Any

from nginx_fixtures import Client, cluster
from throwaway_redis import throwaway_redis_server

# Bound on how long a process may take to notice Redis going or coming back (it retries every second).
NOTICE_S = 15.0


async def _ready(client: Client) -> tuple[int, dict[str, Any]]:
    resp = await client.get("/api/ready")
    return resp.status, await resp.json()


async def _until(client: Client, status: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + NOTICE_S
    while True:
        got, body = await _ready(client)
        if got == status:
            return body
        assert loop.time() < deadline, f"{client.base_url}/api/ready still {got} {body}, expected {status}"
        await asyncio.sleep(0.2)


async def test_ready_names_redis_while_it_is_down_on_every_process() -> None:
    with throwaway_redis_server() as redis, cluster(2, redis_url=redis.url) as running:
        direct = [Client(running.app_url(i)) for i in range(len(running.apps))]
        proxy = Client(running.url)
        try:
            for client in [*direct, proxy]:
                assert await _ready(client) == (200, {"checks": {"database": "ok", "redis": "ok"}})
            await asyncio.to_thread(redis.kill)
            for client in direct:
                assert await _until(client, 503) == {"checks": {"database": "ok", "redis": "down"}}
                # Liveness stays cheap and says only that the process is up.
                assert (await client.get("/api/health")).status == 200
            await asyncio.to_thread(redis.start)
            for client in direct:
                assert await _until(client, 200) == {"checks": {"database": "ok", "redis": "ok"}}
            assert await _ready(proxy) == (200, {"checks": {"database": "ok", "redis": "ok"}})
        finally:
            for client in [*direct, proxy]:
                await client.close()
