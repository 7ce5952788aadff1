"""The login throttle's counters in Redis, shared by every process (REDIS_URL set).

The same records and arithmetic as login_counters.MemoryThrottle, each step one Lua script so that two processes
counting the same key at once cannot both slip through. Every key expires when it no longer matters (a backoff
record after `memory_ms`, a budget when it is full again), so Redis holds only what is current.

While Redis is unreachable the process counts in its own memory and says so in the log once; the budgets are
then per process until Redis answers again. Logins keep working either way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from parley.live.login_counters import Backoff, Budget, MemoryThrottle

log = logging.getLogger(__name__)
T = TypeVar("T")

# KEYS[1]: the record. ARGV: now_ms, free, base_ms, max_ms, memory_ms. Returns 0 (counted) or the ms to wait.
_BEGIN = """
local now = tonumber(ARGV[1])
local free = tonumber(ARGV[2])
local base = tonumber(ARGV[3])
local cap = tonumber(ARGV[4])
local memory = tonumber(ARGV[5])
local record = redis.call('HMGET', KEYS[1], 'n', 't')
local n = tonumber(record[1]) or 0
local last = tonumber(record[2]) or 0
if n > 0 and now - last >= memory then n = 0 end
if n >= free then
  local wait = math.min(base * 2 ^ math.min(n - free, 40), cap)
  local left = last + wait - now
  if left > 0 then return math.ceil(left) end
end
redis.call('HSET', KEYS[1], 'n', n + 1, 't', now)
redis.call('PEXPIRE', KEYS[1], memory)
return 0
"""

# KEYS[1]: the bucket's full-again time. ARGV: now_ms, interval_ms, burst. Returns 0 (taken) or the ms to wait.
_TAKE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local full_at = math.max(tonumber(redis.call('GET', KEYS[1])) or 0, now)
local over = full_at - now - interval * (burst - 1)
if over > 0 then return over end
full_at = full_at + interval
redis.call('SET', KEYS[1], full_at, 'PX', full_at - now)
return 0
"""

# KEYS[1]: as above. ARGV: now_ms, interval_ms.
_GIVE_BACK = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local full_at = tonumber(redis.call('GET', KEYS[1]))
if not full_at then return 0 end
full_at = full_at - interval
if full_at <= now then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], full_at, 'PX', full_at - now)
end
return 0
"""


class RedisThrottle:
    def __init__(self, url: str, *, namespace: str = "parley") -> None:
        self._prefix = f"{namespace}:login:"
        # Creating the client does no I/O: the connection opens on first use.
        self._redis = aioredis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._begin = self._redis.register_script(_BEGIN)
        self._take = self._redis.register_script(_TAKE)
        self._give_back = self._redis.register_script(_GIVE_BACK)
        self._fallback = MemoryThrottle()
        self._failing = False

    async def begin(self, key: str, backoff: Backoff, now_ms: int) -> int:
        args = [now_ms, backoff.free, backoff.base_ms, backoff.max_ms, backoff.memory_ms]
        return await self._run(
            lambda: self._begin(keys=[self._prefix + key], args=args),
            lambda: self._fallback.begin(key, backoff, now_ms),
        )

    async def clear(self, key: str) -> None:
        await self._run(lambda: self._redis.delete(self._prefix + key), lambda: self._fallback.clear(key))

    async def take(self, key: str, budget: Budget, now_ms: int) -> int:
        return await self._run(
            lambda: self._take(keys=[self._prefix + key], args=[now_ms, budget.interval_ms, budget.burst]),
            lambda: self._fallback.take(key, budget, now_ms),
        )

    async def give_back(self, key: str, budget: Budget, now_ms: int) -> None:
        await self._run(
            lambda: self._give_back(keys=[self._prefix + key], args=[now_ms, budget.interval_ms]),
            lambda: self._fallback.give_back(key, budget, now_ms),
        )

    async def close(self) -> None:
        await self._redis.aclose()

    async def _run(self, remote: Callable[[], Awaitable[Any]], local: Callable[[], Awaitable[T]]) -> T:
        try:
            result = await remote()
        except (RedisError, OSError) as exc:
            if not self._failing:
                self._failing = True
                log.warning("login throttle: Redis unavailable (%s); counting in this process", type(exc).__name__)
            return await local()
        if self._failing:
            self._failing = False
            log.warning("login throttle: Redis is back; counting in Redis again")
        return result  # type: ignore[no-any-return]
