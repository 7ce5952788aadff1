"""Plain-number instruments for the hot path: components count into these, and the metrics endpoint reads them
when scraped. Counting costs an addition (a bisect more for a histogram); nothing here knows about Prometheus."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from time import perf_counter


class Histogram:
    """Bucketed observations (upper bounds, inclusive), their sum and their count."""

    __slots__ = ("bounds", "count", "counts", "total")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = tuple(sorted(bounds))
        self.counts = [0] * (len(self.bounds) + 1)  # the last one is +Inf
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value
        self.count += 1

    def cumulative(self) -> list[tuple[float, int]]:
        """(upper bound, observations at or below it), ending with (inf, count)."""
        out: list[tuple[float, int]] = []
        running = 0
        for bound, n in zip((*self.bounds, float("inf")), self.counts, strict=True):
            running += n
            out.append((bound, running))
        return out


# Seconds: from well under a millisecond (a warm local send) to the 250 ms an alert fires at, and beyond.
LATENCY_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


# Distinct frame types counted by name; beyond it they count as "other" (label values stay few whatever comes).
MAX_FRAME_TYPES = 64
_TYPE_PREFIX = b'{"type":"'


def frame_type(frame: bytes) -> str:
    """A frame's type from its already-encoded bytes (wire.encode puts it first), without parsing JSON."""
    if frame.startswith(_TYPE_PREFIX):
        end = frame.find(b'"', 9)
        if 9 < end <= 41:
            return frame[9:end].decode("ascii", "replace")
    return "other"


class Tally:
    """Counts by a short label value (frame type, close code, outcome), with the number of values bounded."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, key: str, n: int = 1) -> None:
        counts = self.counts
        if key not in counts and len(counts) >= MAX_FRAME_TYPES:
            key = "other"
        counts[key] = counts.get(key, 0) + n


class PoolMeter:
    """A database pool: connections in use and callers waiting for one, and how long each use held it."""

    __slots__ = ("in_use", "latency", "waiting")

    def __init__(self) -> None:
        self.in_use = 0
        self.waiting = 0
        self.latency = Histogram(LATENCY_BUCKETS_S)

    # A measurement, not a timer: the wall of a performance counter, not the injected Clock that decisions use.
    def got(self) -> float:
        """A caller that was waiting (`waiting += 1` before it asked) holds a connection now."""
        self.waiting -= 1
        self.in_use += 1
        return perf_counter()

    def gave_back(self, since: float) -> None:
        self.in_use -= 1
        self.latency.observe(perf_counter() - since)


class EdgeMeter:
    """What the web edge counts: WebSockets opened and closed (by close code), frames in by type, the send->ack
    time, rate-limit refusals by kind, and login outcomes."""

    __slots__ = ("closed", "db_errors", "frames_in", "logins", "opened", "rate_limited", "send_ack")

    def __init__(self) -> None:
        self.opened = 0
        self.closed = Tally()
        self.frames_in = Tally()
        self.send_ack = Histogram(LATENCY_BUCKETS_S)
        self.rate_limited = Tally()
        self.logins = Tally()
        # Requests and frames answered database_unavailable.
        self.db_errors = 0
