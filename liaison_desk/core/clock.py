"""Time as a parameter, so tests can move it instead of sleeping."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch."""
        ...


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


@functools.lru_cache(maxsize=64)  # bulk writes stamp many rows in the same millisecond
def iso_from_ms(ms: int) -> str:
    """UTC timestamp as stored in records: ISO 8601 with milliseconds and a Z."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
