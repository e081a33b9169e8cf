"""Rate limits: a token bucket per key (a station, or a client's address); bursts are fine, a
flood is not.

Each relay process keeps its own buckets; behind a load balancer with N
processes a key may get up to N times the rate, which still bounds it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from liaison_desk.core.clock import IntervalClock

MAX_KEYS = (
    100_000  # past this many, buckets back to full are forgotten (a full bucket is no bucket)
)


@dataclass(frozen=True)
class RateLimit:
    per_second: float = 10.0
    burst: int = 120


STATION_RATE = RateLimit()
ADDRESS_RATE = RateLimit(per_second=20.0, burst=240)  # before any signature is checked


class TokenBuckets:
    def __init__(self, limit: RateLimit, clock: IntervalClock, max_keys: int = MAX_KEYS) -> None:
        self.limit = limit
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)

    def __len__(self) -> int:
        """How many keys are remembered (a key not remembered has a full bucket)."""
        return len(self._buckets)

    def take(self, key: str) -> float:
        """0 if a request may go now; else the seconds until one may."""
        now = self._clock.monotonic_s()
        if len(self._buckets) >= self._max_keys:
            self._forget_full(now)
        tokens, then = self._buckets.get(key, (float(self.limit.burst), now))
        tokens = min(float(self.limit.burst), tokens + (now - then) * self.limit.per_second)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.limit.per_second

    def _forget_full(self, now: float) -> None:
        refill = self.limit.burst / self.limit.per_second
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill}


def address_key(host: str) -> str:
    """The address a limit counts by: an IPv4 address, or an IPv6 address's /64 network.

    One machine on IPv6 usually has a whole /64 to pick its addresses from.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class PartialLimits:
    """How much of a relay's room one sender's unfinished uploads may take, and for how long.

    Shared by every relay process on the store: they are counted there, not per process.
    """

    per_sender: int = 4
    bytes_per_sender: int = 1024 * 1024 * 1024  # the sizes they announced, in all
    max_age_s: float = 48 * 3600  # since their last byte came
