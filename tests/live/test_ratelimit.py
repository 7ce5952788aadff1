"""TokenBucket on literal times."""

from __future__ import annotations

import pytest

from parley.live.ratelimit import KeyedLimiter, TokenBucket


def message_bucket(now_ms: int) -> TokenBucket:
    """The default message.send budget (bursts of 20, 10 a second)."""
    return TokenBucket(capacity=20, refill_per_s=10, now_ms=now_ms)


def typing_bucket(now_ms: int) -> TokenBucket:
    """The default chatter budget (bursts of 10, 2 a second)."""
    return TokenBucket(capacity=10, refill_per_s=2, now_ms=now_ms)


def test_burst_of_capacity_then_refused() -> None:
    """A fresh bucket is full: 20 message.send pass at once, the 21st is refused."""
    bucket = message_bucket(now_ms=0)
    assert [bucket.take(0) for _ in range(21)] == [True] * 20 + [False]


def test_refill_after_burst() -> None:
    """10 per second: one token every 100 ms, and a refused take costs nothing."""
    bucket = message_bucket(now_ms=0)
    for _ in range(20):
        bucket.take(0)
    assert bucket.take(99) is False
    assert bucket.take(100) is True
    assert bucket.take(100) is False
    assert bucket.take(1_100) is True  # a full second later: 10 more tokens
    assert [bucket.take(1_100) for _ in range(10)] == [True] * 9 + [False]


def test_many_small_refills_add_up_exactly() -> None:
    """Ten refills of a tenth of a token make a whole one (no floating-point shortfall)."""
    bucket = message_bucket(now_ms=0)
    for _ in range(20):
        bucket.take(0)
    assert [bucket.take(t) for t in range(10, 101, 10)] == [False] * 9 + [True]


def test_sustained_rate_passes_and_faster_does_not() -> None:
    """After the burst, one send every 100 ms passes forever; one every 50 ms drains to every other one."""
    bucket = message_bucket(now_ms=0)
    for _ in range(20):
        bucket.take(0)
    assert all(bucket.take(t) for t in range(100, 10_001, 100))
    assert [bucket.take(t) for t in range(10_050, 11_001, 50)] == [False, True] * 10


def test_refill_is_capped_at_capacity() -> None:
    bucket = TokenBucket(capacity=5, refill_per_s=1, now_ms=0)
    assert bucket.tokens(1_000_000) == 5
    assert [bucket.take(1_000_000) for _ in range(6)] == [True] * 5 + [False]


def test_cost_takes_several_tokens_or_none() -> None:
    bucket = TokenBucket(capacity=5, refill_per_s=1, now_ms=0)
    assert bucket.take(0, cost=3) is True
    assert bucket.take(0, cost=3) is False
    assert bucket.tokens(0) == 2
    assert bucket.take(1_000, cost=3) is True
    assert bucket.tokens(1_000) == 0


def test_clock_stepping_back_adds_nothing() -> None:
    bucket = TokenBucket(capacity=2, refill_per_s=1, now_ms=10_000)
    bucket.take(10_000)
    bucket.take(10_000)
    assert bucket.take(5_000) is False
    assert bucket.take(10_999) is False
    assert bucket.take(11_000) is True


def test_retry_after_ms() -> None:
    bucket = message_bucket(now_ms=0)
    assert bucket.retry_after_ms(0) == 0
    for _ in range(20):
        bucket.take(0)
    assert bucket.retry_after_ms(0) == 100
    assert bucket.retry_after_ms(30) == 70
    assert bucket.retry_after_ms(30, cost=21) is None
    assert TokenBucket(capacity=1, refill_per_s=0, now_ms=0).retry_after_ms(0, cost=0.5) == 0


def test_typing_bucket_drops_a_flood_but_allows_normal_use() -> None:
    """A client refreshing every 3 s in a few rooms never hits the limit; a flood is cut to the burst."""
    bucket = typing_bucket(now_ms=0)
    assert all(bucket.take(t) for t in range(0, 60_000, 1_000))
    flood = [bucket.take(60_000) for _ in range(50)]
    assert flood.count(True) == 10


@pytest.mark.parametrize(
    ("capacity", "refill_per_s", "match"),
    [(0, 1, "capacity"), (-1, 1, "capacity"), (1, -1, "refill_per_s")],
)
def test_bad_parameters_are_refused(capacity: float, refill_per_s: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TokenBucket(capacity=capacity, refill_per_s=refill_per_s, now_ms=0)


def test_keyed_limiter_limits_each_key_apart() -> None:
    limiter = KeyedLimiter(capacity=2, refill_per_s=1, max_keys=100)
    assert [limiter.take("a", 0) for _ in range(3)] == [True, True, False]
    assert limiter.take("b", 0)
    assert limiter.retry_after_ms("a", 0) == 1000
    assert limiter.take("a", 1000)


def test_keyed_limiter_forgets_the_least_recently_used_key() -> None:
    limiter = KeyedLimiter(capacity=1, refill_per_s=0, max_keys=2)
    assert limiter.take("a", 0)
    assert limiter.take("b", 0)
    assert not limiter.take("a", 0)  # "a" is now the most recently used
    assert limiter.take("c", 0)  # evicts "b"
    assert len(limiter) == 2
    assert limiter.take("b", 0)  # forgotten, so full again
