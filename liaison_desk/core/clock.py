"""Time as a parameter, so tests can move it instead of sleeping."""

from __future__ import annotations

import functools
import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch."""
        ...


class IntervalClock(Clock, Protocol):
    """A clock that also measures intervals, on a reading that never jumps (the relay's)."""

    def monotonic_s(self) -> float:
        """Seconds since an arbitrary start; only differences between readings mean anything."""
        ...


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def monotonic_s(self) -> float:
        return time.monotonic()


@functools.lru_cache(maxsize=64)  # bulk writes stamp many rows in the same millisecond
def iso_from_ms(ms: int) -> str:
    """UTC timestamp as stored in records: ISO 8601 with milliseconds and a Z."""
    seconds, millis = divmod(ms, 1000)
    t = time.gmtime(seconds)  # a third cheaper than datetime.strftime, on every row written
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{millis:03d}Z"
    )
