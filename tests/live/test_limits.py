"""Per-account limits on literal times: the buckets, the lease sizes, and leases that only ever lose tokens."""

from __future__ import annotations

from parley.clock import FakeClock
from parley.live.limits import AccountBuckets, Leases, LocalLimits, Rate


def test_each_account_has_its_own_bucket() -> None:
    buckets = AccountBuckets(Rate(burst=3, per_min=60))
    assert [buckets.take(1, 0) for _ in range(4)] == [0, 0, 0, 1000]
    assert buckets.take(2, 0) == 0  # another account is untouched
    assert buckets.take(1, 400) == 600  # one token a second: 600 ms still to wait
    assert buckets.take(1, 1000) == 0


def test_a_refusal_always_says_to_wait_at_least_a_millisecond() -> None:
    buckets = AccountBuckets(Rate(burst=1, per_min=60_000))  # 1,000 a second: one per millisecond
    assert buckets.take(7, 0) == 0
    assert buckets.take(7, 0) == 1


def test_the_least_recently_active_account_is_forgotten() -> None:
    buckets = AccountBuckets(Rate(burst=1, per_min=1), max_accounts=2)
    assert buckets.take(1, 0) == 0
    assert buckets.take(2, 0) == 0
    assert buckets.take(1, 0) > 0  # 1 is now the most recently active
    assert buckets.take(3, 0) == 0  # forgets 2
    assert len(buckets) == 2
    assert buckets.take(2, 0) == 0  # forgotten, so full again


def test_local_limits_read_the_clock() -> None:
    clock = FakeClock()
    limits = LocalLimits({"message": Rate(20, 600), "chatter": Rate(10, 120), "rest_write": Rate(20, 30)}, clock)
    assert [limits.take_now("message", 1) for _ in range(21)] == [0] * 20 + [100]
    clock.advance(100)
    assert limits.take_now("message", 1) == 0
    assert limits.take_now("rest_write", 1) == 0  # kinds are apart


def test_lease_sizes_follow_the_rate() -> None:
    """Messages lease 5 tokens per Redis round trip, usable for 500 ms; slow kinds ask Redis every time."""
    assert (Rate(20, 600).lease, Rate(20, 600).lease_ttl_ms) == (5, 500)
    assert Rate(10, 120).lease == 1
    assert Rate(20, 30).lease == 1
    assert Rate(2, 6000).lease == 1  # never more than a quarter of the burst (at least 1)
    assert Rate(400, 60_000).lease == 100


def test_leases_are_spent_then_gone() -> None:
    leases = Leases()
    assert not leases.use("message", 1, 0)
    leases.add("message", 1, 3, 0, 500)
    assert [leases.use("message", 1, 10) for _ in range(4)] == [True, True, True, False]
    assert not leases.use("message", 2, 10)  # per account


def test_a_lease_expires_unspent() -> None:
    leases = Leases()
    leases.add("message", 1, 4, 1_000, 500)
    assert leases.use("message", 1, 1_499)
    assert not leases.use("message", 1, 1_500)  # at the deadline it is over
    assert leases.held("message", 1, 1_500) == 0
    assert len(leases) == 0


def test_two_leases_at_once_live_as_long_as_the_older() -> None:
    leases = Leases()
    leases.add("message", 1, 2, 0, 500)
    leases.add("message", 1, 4, 300, 500)
    assert leases.held("message", 1, 300) == 6
    assert not leases.use("message", 1, 500)


def test_leases_are_bounded() -> None:
    leases = Leases(max_keys=2)
    for user_id in (1, 2, 3):
        leases.add("message", user_id, 1, 0, 500)
    assert len(leases) == 2
    assert not leases.use("message", 1, 0)  # the oldest was dropped: tokens lost, never gained
