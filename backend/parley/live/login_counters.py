"""The login throttle's counters: a failure backoff per key and a failure budget per key, kept in this process.

What the keys are and when to consult which counter is decided in actions/login_throttle.py; this module only
counts. Two kinds of record, each keyed by the caller's string:

- Backoff: consecutive failures. Below `free` an attempt goes ahead; from then on the next attempt must wait
  base_ms * 2^(failures - free) after the last one, capped at max_ms. An attempt is counted when it *begins*,
  so parallel guesses cannot all pass the check before the first failure is recorded; a success clears the
  record; a record untouched for memory_ms is forgotten.
- Budget: a token bucket spent one token per attempt, refilled one token per `interval_ms`, holding at most
  `burst`; a success gives its token back, so only failures (and whatever the caller never gives back) spend.
  Kept as one number per key, the time at which the bucket will be full again (GCRA, the generic cell rate
  algorithm: a token bucket in a single value, which is what Redis stores too, see redis_login_counters.py).

Times are wall-clock milliseconds (Clock.now_ms) passed in by the caller: with Redis, several processes compare
them, and a monotonic clock means nothing outside its own process. The number of keys kept here is bounded;
the longest-untouched go first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

V = TypeVar("V")

# Keys remembered per table in one process: 100,000 records are ~20 MB at most. An attacker must fail this many
# times from fresh keys (each spending an address budget) to make a record be forgotten early.
MAX_KEYS = 100_000
# Doubling stops growing here; 2^40 seconds is far past any cap.
_MAX_EXPONENT = 40


@dataclass(frozen=True, slots=True)
class Backoff:
    free: int
    base_ms: int
    max_ms: int
    memory_ms: int

    def wait_ms(self, failures: int) -> int:
        """How long after the last failure the next attempt must wait, with `failures` on record."""
        if failures < self.free:
            return 0
        return min(self.base_ms << min(failures - self.free, _MAX_EXPONENT), self.max_ms)


@dataclass(frozen=True, slots=True)
class Budget:
    burst: int
    interval_ms: int


class ThrottleState(Protocol):
    """Where the counters live: this process (MemoryThrottle) or Redis, shared by every process."""

    async def begin(self, key: str, backoff: Backoff, now_ms: int) -> int:
        """Count an attempt under `key` and return 0, or count nothing and return the milliseconds to wait."""
        ...

    async def clear(self, key: str) -> None:
        """A success: forget the key's failures."""
        ...

    async def take(self, key: str, budget: Budget, now_ms: int) -> int:
        """Take a token and return 0, or take nothing and return the milliseconds until one is there."""
        ...

    async def give_back(self, key: str, budget: Budget, now_ms: int) -> None:
        """Return a token taken for an attempt that succeeded."""
        ...

    async def close(self) -> None: ...


class _Lru(Generic[V]):
    """A dict that forgets its longest-untouched entries beyond `max_keys`."""

    def __init__(self, max_keys: int) -> None:
        self._max_keys = max_keys
        # Insertion order is touch order: an entry is moved to the end whenever it is written.
        self._items: dict[str, V] = {}

    def get(self, key: str) -> V | None:
        return self._items.get(key)

    def put(self, key: str, value: V) -> None:
        self._items.pop(key, None)
        while len(self._items) >= self._max_keys:
            del self._items[next(iter(self._items))]
        self._items[key] = value

    def drop(self, key: str) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


class MemoryThrottle:
    """The counters of one process (no REDIS_URL). Plain state; `now_ms` comes from the caller."""

    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        # key -> (failures, time of the last one)
        self._backoffs: _Lru[tuple[int, int]] = _Lru(max_keys)
        # key -> the time the bucket is full again (GCRA's "theoretical arrival time")
        self._budgets: _Lru[int] = _Lru(max_keys)

    async def begin(self, key: str, backoff: Backoff, now_ms: int) -> int:
        failures, last_ms = self._backoffs.get(key) or (0, 0)
        if failures and now_ms - last_ms >= backoff.memory_ms:
            failures = 0
        left_ms = last_ms + backoff.wait_ms(failures) - now_ms
        if failures >= backoff.free and left_ms > 0:
            return left_ms
        self._backoffs.put(key, (failures + 1, now_ms))
        return 0

    async def clear(self, key: str) -> None:
        self._backoffs.drop(key)

    async def take(self, key: str, budget: Budget, now_ms: int) -> int:
        full_at = max(self._budgets.get(key) or 0, now_ms)
        over_ms = full_at - now_ms - budget.interval_ms * (budget.burst - 1)
        if over_ms > 0:
            return over_ms
        self._budgets.put(key, full_at + budget.interval_ms)
        return 0

    async def give_back(self, key: str, budget: Budget, now_ms: int) -> None:
        full_at = self._budgets.get(key)
        if full_at is None:
            return
        if full_at - budget.interval_ms <= now_ms:
            self._budgets.drop(key)
        else:
            self._budgets.put(key, full_at - budget.interval_ms)

    async def close(self) -> None:
        return None

    def __len__(self) -> int:
        return len(self._backoffs) + len(self._budgets)
