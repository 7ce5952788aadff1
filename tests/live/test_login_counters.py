"""The login throttle's counters with literal times, in memory and in Redis (the same scenarios on both, so the
Lua scripts and the Python agree), plus the memory bound and Redis falling away."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from conftest import service_missing
from parley.live.login_counters import Backoff, Budget, MemoryThrottle, ThrottleState
from parley.live.redis_login_counters import RedisThrottle

REDIS_URL = "redis://127.0.0.1:6379/0"
T0 = 1_700_000_000_000
# The production numbers (actions/login_throttle.py and the settings' defaults).
BACKOFF = Backoff(free=5, base_ms=1_000, max_ms=900_000, memory_ms=86_400_000)
FAILURES = Budget(burst=20, interval_ms=3_000)


@pytest.fixture(params=["memory", "redis"])
async def state(request: pytest.FixtureRequest) -> AsyncIterator[ThrottleState]:
    if request.param == "memory":
        yield MemoryThrottle()
        return
    probe = aioredis.Redis.from_url(REDIS_URL)
    try:
        await probe.ping()
    except Exception:
        await probe.aclose()
        service_missing("Redis at 127.0.0.1:6379")
    namespace = f"parley-test-{uuid.uuid4().hex[:8]}"
    throttle = RedisThrottle(REDIS_URL, namespace=namespace)
    try:
        yield throttle
    finally:
        await throttle.close()
        async for key in probe.scan_iter(match=f"{namespace}:*"):
            await probe.delete(key)
        await probe.aclose()


def test_the_backoff_doubles_from_1_s_to_the_cap() -> None:
    waits = [BACKOFF.wait_ms(n) for n in range(18)]
    assert waits[:5] == [0] * 5
    assert waits[5:16] == [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 900_000]
    assert waits[16:] == [900_000, 900_000]
    assert BACKOFF.wait_ms(10**6) == 900_000


async def test_five_attempts_pass_then_each_waits_longer(state: ThrottleState) -> None:
    assert [await state.begin("a", BACKOFF, T0) for _ in range(5)] == [0] * 5
    assert await state.begin("a", BACKOFF, T0) == 1_000
    assert await state.begin("a", BACKOFF, T0 + 999) == 1
    # A refused attempt is not counted: waiting the second out is enough.
    assert await state.begin("a", BACKOFF, T0 + 1_000) == 0
    assert await state.begin("a", BACKOFF, T0 + 1_000) == 2_000
    assert await state.begin("a", BACKOFF, T0 + 3_000) == 0
    assert await state.begin("a", BACKOFF, T0 + 3_000) == 4_000
    # Other keys are untouched.
    assert await state.begin("b", BACKOFF, T0 + 3_000) == 0


async def test_a_success_clears_and_a_quiet_day_forgets(state: ThrottleState) -> None:
    for _ in range(6):
        await state.begin("a", BACKOFF, T0)
    await state.clear("a")
    assert [await state.begin("a", BACKOFF, T0) for _ in range(5)] == [0] * 5
    assert await state.begin("a", BACKOFF, T0) > 0
    day = BACKOFF.memory_ms
    assert [await state.begin("a", BACKOFF, T0 + day) for _ in range(5)] == [0] * 5
    assert await state.begin("a", BACKOFF, T0 + day) == 1_000


async def test_the_budget_bursts_then_refills_one_per_interval(state: ThrottleState) -> None:
    assert [await state.take("x", FAILURES, T0) for _ in range(20)] == [0] * 20
    assert await state.take("x", FAILURES, T0) == 3_000
    assert await state.take("x", FAILURES, T0 + 2_000) == 1_000
    assert await state.take("x", FAILURES, T0 + 3_000) == 0
    assert await state.take("x", FAILURES, T0 + 3_000) == 3_000
    # A minute later the bucket is full again: twenty more.
    later = T0 + 3_000 + 60_000
    assert [await state.take("x", FAILURES, later) for _ in range(20)] == [0] * 20
    assert await state.take("x", FAILURES, later) > 0


async def test_given_back_tokens_cost_nothing(state: ThrottleState) -> None:
    """Successes give their token back: a thousand of them never empty the bucket."""
    for _ in range(1_000):
        assert await state.take("x", FAILURES, T0) == 0
        await state.give_back("x", FAILURES, T0)
    assert [await state.take("x", FAILURES, T0) for _ in range(20)] == [0] * 20
    assert await state.take("x", FAILURES, T0) == 3_000
    await state.give_back("never-taken", FAILURES, T0)
    assert await state.take("never-taken", FAILURES, T0) == 0


async def test_one_token_an_hour_budget() -> None:
    registrations = Budget(burst=50, interval_ms=72_000)
    state = MemoryThrottle()
    assert [await state.take("r", registrations, T0) for _ in range(50)] == [0] * 50
    assert await state.take("r", registrations, T0) == 72_000
    assert [await state.take("r", registrations, T0 + 3_600_000) for _ in range(50)] == [0] * 50


async def test_memory_keeps_a_bounded_number_of_keys() -> None:
    state = MemoryThrottle(max_keys=100)
    for i in range(1_000):
        await state.begin(f"account:{i}", BACKOFF, T0)
        await state.take(f"address:{i}", FAILURES, T0)
    assert len(state) == 200
    # The most recent keys are still counted.
    for _ in range(4):
        await state.begin("account:999", BACKOFF, T0)
    assert await state.begin("account:999", BACKOFF, T0) == 1_000


async def test_without_redis_the_process_counts_alone() -> None:
    """Redis unreachable (nothing listens on port 1): logins still work, throttled per process."""
    state = RedisThrottle("redis://127.0.0.1:1/0", namespace="parley-test-down")
    try:
        assert [await state.begin("a", BACKOFF, T0) for _ in range(5)] == [0] * 5
        assert await state.begin("a", BACKOFF, T0) == 1_000
        assert await state.take("x", FAILURES, T0) == 0
        await state.clear("a")
        assert await state.begin("a", BACKOFF, T0) == 0
    finally:
        await state.close()
