"""Per-account limits shared by every process through Redis (the policy is in live/limits.py).

Each (kind, account) bucket is a Redis hash, changed only by one Lua script, so concurrent takes from many
processes are atomic. A process asks for `Rate.lease` tokens at a time and spends them locally; tokens it has
not spent within `Rate.lease_ttl_ms` are dropped (never handed back), so the tokens spent over any stretch of
time never exceed what the shared bucket gave out. Times are the Clock's wall time (`now_ms`), the one clock
processes share; a clock that steps back refills nothing.

Redis failing (down, slow beyond REDIS_TIMEOUT_S) must not stop anyone chatting: the process falls back to its
own in-memory buckets (per-process limits) and asks Redis again after RETRY_MS.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from parley.clock import Clock
from parley.live.limits import Kind, Leases, LocalLimits, Rate

log = logging.getLogger(__name__)

# A limit check waits at most this long for Redis before falling back to this process's own buckets: longer
# than a healthy round trip by far, short enough that a hung Redis only slows a send a little.
REDIS_TIMEOUT_S = 0.5
# After a failure, Redis is left alone this long (every check uses the local buckets meanwhile).
RETRY_MS = 1_000

# KEYS[1]: the bucket. ARGV: capacity (thousandths of a token), refill (thousandths per ms), now_ms, tokens
# wanted. Returns {granted, ms until one token}. Kept in thousandths as in TokenBucket, so the two agree.
_TAKE = """
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'milli', 'at')
local milli = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then
  milli = math.min(capacity, milli + (now - at) * refill)
  at = now
end
local granted = math.min(want, math.floor(milli / 1000))
local wait = 0
if granted < 1 then
  wait = math.ceil((1000 - milli) / refill)
end
milli = milli - granted * 1000
redis.call('HSET', KEYS[1], 'milli', tostring(milli), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - milli) / refill) + 1000)
return {granted, wait}
"""


class RedisLimits:
    def __init__(self, url: str, *, namespace: str, rates: Mapping[Kind, Rate], clock: Clock) -> None:
        self._key = f"{namespace}:limit:{{}}:{{}}"
        self._rates = dict(rates)
        self._clock = clock
        # Creating the client does no I/O: connections open on first use.
        self._redis = aioredis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
        )
        self._take = self._redis.register_script(_TAKE)
        self._leases = Leases()
        self._local = LocalLimits(rates, clock)
        self._down_until_ms = 0
        self.round_trips = 0

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self._redis.aclose()

    async def take(self, kind: Kind, user_id: int) -> int:
        now_ms = self._clock.now_ms()
        if self._leases.use(kind, user_id, now_ms):
            return 0
        if self._clock.monotonic_ms() < self._down_until_ms:
            return self._local.take_now(kind, user_id)
        rate = self._rates[kind]
        try:
            self.round_trips += 1
            granted, wait_ms = await self._take(
                keys=[self._key.format(kind, user_id)],
                args=[rate.burst * 1000, rate.per_min / 60, now_ms, rate.lease],
            )
        except (RedisError, OSError) as exc:
            if self._down_until_ms == 0:
                log.warning("rate limits: Redis unavailable (%s); limiting per process until it is back", exc)
            self._down_until_ms = self._clock.monotonic_ms() + RETRY_MS
            return self._local.take_now(kind, user_id)
        if self._down_until_ms:
            log.info("rate limits: Redis is back; limits are shared again")
            self._down_until_ms = 0
        granted = int(granted)
        if granted < 1:
            return max(1, int(wait_ms))
        self._leases.add(kind, user_id, granted - 1, now_ms, rate.lease_ttl_ms)
        return 0
