"""Token buckets: the arithmetic every rate limit here shares, and KeyedLimiter (one bucket per key, bounded).

The per-account limits on messages, chatter and REST writes are in live/limits.py (and live/redis_limits.py).

The bucket holds up to ``capacity`` tokens and gains ``refill_per_s`` per second; each frame takes ``cost``
tokens or is refused, and a refused frame takes nothing. The caller passes a monotonic ``now_ms`` on every call
(``Clock.monotonic_ms``); the bucket never reads a clock, so tests use literal times. Plain state, no aiohttp.
"""

from __future__ import annotations

import math


class TokenBucket:
    def __init__(self, *, capacity: float, refill_per_s: float, now_ms: int) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        if refill_per_s < 0:
            raise ValueError("refill_per_s must not be negative")
        # Counted in thousandths of a token: a bucket refilling r tokens/s gains exactly r per millisecond, so
        # with whole-number rates the arithmetic stays exact and ten refills of 0.1 make a whole token.
        self._capacity_milli = capacity * 1000
        self._refill_milli_per_ms = refill_per_s
        # A new bucket starts full: a fresh connection may burst at once.
        self._milli = self._capacity_milli
        self._last_ms = now_ms

    def take(self, now_ms: int, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens if there are enough and say so; otherwise take nothing and return False."""
        if cost < 0:
            raise ValueError("cost must not be negative")
        self._refill(now_ms)
        cost_milli = cost * 1000
        if self._milli >= cost_milli:
            self._milli -= cost_milli
            return True
        return False

    def tokens(self, now_ms: int) -> float:
        """Tokens available at ``now_ms`` (for tests and metrics)."""
        self._refill(now_ms)
        return self._milli / 1000

    def retry_after_ms(self, now_ms: int, cost: float = 1.0) -> int | None:
        """Milliseconds until ``take(cost)`` would pass: 0 if it would now, None if it never can."""
        self._refill(now_ms)
        missing_milli = cost * 1000 - self._milli
        if missing_milli <= 0:
            return 0
        if cost * 1000 > self._capacity_milli or self._refill_milli_per_ms == 0:
            return None
        # Round up, so waiting exactly this long is enough.
        return math.ceil(missing_milli / self._refill_milli_per_ms)

    def _refill(self, now_ms: int) -> None:
        # A clock that stepped back (it should be monotonic) adds nothing rather than removing tokens.
        elapsed_ms = now_ms - self._last_ms
        if elapsed_ms <= 0:
            return
        self._milli = min(self._capacity_milli, self._milli + elapsed_ms * self._refill_milli_per_ms)
        self._last_ms = now_ms


class KeyedLimiter:
    """One token bucket per key, with a bounded number of keys: beyond `max_keys` the longest-untouched are
    forgotten (a forgotten key starts full again, which only ever errs on the side of letting someone in)."""

    def __init__(self, *, capacity: float, refill_per_s: float, max_keys: int) -> None:
        self._capacity = capacity
        self._refill_per_s = refill_per_s
        self._max_keys = max_keys
        # Insertion order is touch order: a key is moved to the end whenever it is used.
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, key: str, now_ms: int) -> bool:
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = TokenBucket(capacity=self._capacity, refill_per_s=self._refill_per_s, now_ms=now_ms)
            while len(self._buckets) >= self._max_keys:
                del self._buckets[next(iter(self._buckets))]
        self._buckets[key] = bucket
        return bucket.take(now_ms)

    def retry_after_ms(self, key: str, now_ms: int) -> int:
        bucket = self._buckets.get(key)
        return 0 if bucket is None else bucket.retry_after_ms(now_ms) or 0

    def __len__(self) -> int:
        return len(self._buckets)
