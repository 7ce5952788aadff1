"""The in-process benches of scripts/bench.py (no server): `sign` (µs to sign and verify one Redis envelope) and
`limits` (what the per-account message limit costs each message.send, in memory and shared through Redis).

    .venv/bin/python scripts/bench.py sign
    .venv/bin/python scripts/bench.py limits --accounts 10000 [--redis-url redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import functools
import json
import secrets
import time
from typing import Any


def bench_sign() -> dict[str, Any]:
    import timeit

    from parley.live.signing import Signer, event_key

    signer = Signer(event_key(secrets.token_bytes(48), "parley"))
    message = {
        "id": 123_456, "room_id": 1, "seq": 4_567, "user": {"id": 42, "username": "alice"},
        "body": "x" * 200, "created_at": 1_700_000_000_000, "client_id": "c" * 36,
    }
    header = b'{"k":"msg","r":1,"s":4567,"p":"12345.abcdef","q":99}\n'
    envelopes = {
        "typical": header + json.dumps({"type": "message.new", "message": message}).encode(),
        "64KiB": header + b"x" * 65_536,
    }
    result: dict[str, Any] = {}
    for name, payload in envelopes.items():
        signed = signer.sign(payload)
        number = 100_000 if name == "typical" else 2_000
        calls = {"sign": functools.partial(signer.sign, payload), "verify": functools.partial(signer.verify, signed)}
        for verb, call in calls.items():
            best = min(timeit.repeat(call, number=number, repeat=7))
            result[f"{name}_{verb}_us"] = round(best / number * 1e6, 2)
        result[f"{name}_bytes"] = len(payload)
    return result


async def bench_limits(accounts: int, redis_url: str) -> dict[str, Any]:
    from parley.clock import SystemClock
    from parley.live.limits import LocalLimits, Rate
    from parley.live.redis_limits import RedisLimits

    rates: dict[Any, Rate] = {"message": Rate(20, 600), "chatter": Rate(10, 120), "rest_write": Rate(20, 30)}
    clock = SystemClock()
    takes = [user_id for user_id in range(1, accounts + 1) for _ in range(10)]

    async def timed(limits: Any) -> float:
        start = time.perf_counter()
        for user_id in takes:
            if await limits.take("message", user_id):
                raise RuntimeError("a take was refused: the bench must stay within the burst")
        return (time.perf_counter() - start) / len(takes) * 1e6

    local_us = await timed(LocalLimits(rates, clock))
    result: dict[str, Any] = {"takes": len(takes), "local_us_per_message": round(local_us, 2)}
    namespace = f"parley-bench-{secrets.token_hex(4)}"
    shared = RedisLimits(redis_url, namespace=namespace, rates=rates, clock=clock)
    try:
        result["redis_us_per_message"] = round(await timed(shared), 2)
        result["redis_round_trips"] = shared.round_trips
    finally:
        await shared.stop()
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(redis_url)
        async for key in client.scan_iter(match=f"{namespace}:*", count=1000):
            await client.delete(key)
        await client.aclose()
    return result
