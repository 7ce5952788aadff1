"""Per-account rate limits: how often one account may send messages, chatter (typing and presence.set) and
change rooms over REST, counted across all of its sockets, and across all processes when they share Redis.

Policy (docs/protocol.md, "Limits"): each kind of action has one token bucket per account, `burst` tokens at
once and `per_min` more every minute; an action takes one token or is refused, and a refusal says how many
milliseconds until one would pass. One process keeps the buckets in memory (LocalLimits, here). Several
processes keep them in Redis (live/redis_limits.py); there each process leases a few tokens per round trip
(`Rate.lease`), so most messages cost no round trip, and a lease unused for `Rate.lease_ttl_ms` is dropped, so
leases never add up to more than the bucket gave out.

The pure parts (AccountBuckets, Leases) take `now_ms` on every call and never read a clock, so tests use literal
times; LocalLimits reads the injected Clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from parley.clock import Clock
from parley.live.ratelimit import TokenBucket
from parley.settings import Settings

Kind = Literal["message", "chatter", "rest_write"]
KINDS: tuple[Kind, ...] = ("message", "chatter", "rest_write")

# Accounts remembered per kind; beyond it the least recently active are forgotten (a forgotten account starts
# with a full bucket again, which only errs towards letting a quiet account act).
MAX_ACCOUNTS = 100_000
# A lease is at most this share of the burst, so leases parked in other processes leave most of it usable.
LEASE_SHARE_OF_BURST = 4


@dataclass(frozen=True, slots=True)
class Rate:
    burst: int
    per_min: int

    @property
    def refill_per_s(self) -> float:
        return self.per_min / 60

    @property
    def lease(self) -> int:
        """Tokens a process takes from the shared bucket per round trip: at most a quarter of the burst and half
        a second's refill (1 for slow kinds, where every action asks Redis)."""
        return max(1, min(self.burst // LEASE_SHARE_OF_BURST, self.per_min // 120))

    @property
    def lease_ttl_ms(self) -> int:
        """How long leased tokens stay usable: as long as the bucket takes to refill them."""
        return math.ceil(self.lease * 60_000 / self.per_min)


def rates_from(settings: Settings) -> dict[Kind, Rate]:
    return {
        "message": Rate(settings.message_burst, settings.message_per_min),
        "chatter": Rate(settings.chatter_burst, settings.chatter_per_min),
        "rest_write": Rate(settings.rest_write_burst, settings.rest_write_per_min),
    }


class Limits(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def take(self, kind: Kind, user_id: int) -> int:
        """Take one token of `kind` for the account: 0 when allowed, else the milliseconds until one would be."""
        ...


class AccountBuckets:
    """One token bucket per account for one kind of action, with a bounded number of accounts."""

    def __init__(self, rate: Rate, *, max_accounts: int = MAX_ACCOUNTS) -> None:
        self._rate = rate
        self._max = max_accounts
        # Insertion order is touch order: an account is moved to the end whenever it acts.
        self._buckets: dict[int, TokenBucket] = {}

    def take(self, user_id: int, now_ms: int) -> int:
        bucket = self._buckets.pop(user_id, None)
        if bucket is None:
            bucket = TokenBucket(capacity=self._rate.burst, refill_per_s=self._rate.refill_per_s, now_ms=now_ms)
            while len(self._buckets) >= self._max:
                del self._buckets[next(iter(self._buckets))]
        self._buckets[user_id] = bucket
        if bucket.take(now_ms):
            return 0
        return max(1, bucket.retry_after_ms(now_ms) or 1)

    def __len__(self) -> int:
        return len(self._buckets)


class LocalLimits:
    """This process's buckets, in memory: the whole truth with one process, the fallback while Redis is away."""

    def __init__(self, rates: Mapping[Kind, Rate], clock: Clock, *, max_accounts: int = MAX_ACCOUNTS) -> None:
        self._clock = clock
        self._buckets = {kind: AccountBuckets(rate, max_accounts=max_accounts) for kind, rate in rates.items()}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def take(self, kind: Kind, user_id: int) -> int:
        return self.take_now(kind, user_id)

    def take_now(self, kind: Kind, user_id: int) -> int:
        return self._buckets[kind].take(user_id, self._clock.monotonic_ms())


class Leases:
    """Tokens this process took from a shared bucket and has not used yet, per (kind, account), each batch usable
    until its deadline. Bounded like AccountBuckets; a forgotten lease is tokens lost, never tokens gained."""

    def __init__(self, *, max_keys: int = MAX_ACCOUNTS) -> None:
        self._max = max_keys
        self._held: dict[tuple[Kind, int], tuple[int, int]] = {}

    def use(self, kind: Kind, user_id: int, now_ms: int) -> bool:
        key = (kind, user_id)
        held = self._held.get(key)
        if held is None:
            return False
        count, until_ms = held
        if now_ms >= until_ms:
            del self._held[key]
            return False
        if count > 1:
            self._held[key] = (count - 1, until_ms)
        else:
            del self._held[key]
        return True

    def add(self, kind: Kind, user_id: int, count: int, now_ms: int, ttl_ms: int) -> None:
        if count <= 0:
            return
        key = (kind, user_id)
        until_ms = now_ms + ttl_ms
        held = self._held.pop(key, None)
        if held is not None and held[1] > now_ms:
            # Two leases at once (concurrent misses): together they live only as long as the older one.
            count, until_ms = count + held[0], min(until_ms, held[1])
        while len(self._held) >= self._max:
            del self._held[next(iter(self._held))]
        self._held[key] = (count, until_ms)

    def held(self, kind: Kind, user_id: int, now_ms: int) -> int:
        held = self._held.get((kind, user_id))
        return 0 if held is None or now_ms >= held[1] else held[0]

    def __len__(self) -> int:
        return len(self._held)
