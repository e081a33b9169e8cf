"""A token bucket per station: bursts are fine, a flood is not.

Each relay process keeps its own buckets; behind a load balancer with N
processes a station may get up to N times the rate, which still bounds it.
"""

from __future__ import annotations

from dataclasses import dataclass

from liaison_desk.core.clock import IntervalClock


@dataclass(frozen=True)
class RateLimit:
    per_second: float = 10.0
    burst: int = 120


class TokenBuckets:
    def __init__(self, limit: RateLimit, clock: IntervalClock) -> None:
        self.limit = limit
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)

    def take(self, key: str) -> float:
        """0 if a request may go now; else the seconds until one may."""
        now = self._clock.monotonic_s()
        tokens, then = self._buckets.get(key, (float(self.limit.burst), now))
        tokens = min(float(self.limit.burst), tokens + (now - then) * self.limit.per_second)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.limit.per_second
