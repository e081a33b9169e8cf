"""Hybrid logical clock: wall time that never runs backwards, with a tie-breaking origin.

A stamp is text of fixed width, ``<ms:13>.<counter:05>.<origin>``, so comparing
two stamps as strings orders them by time, then counter, then origin: every
vault sorts the same edits the same way, which is what last-writer-wins needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from liaison_desk.core.clock import Clock

_COUNTER_LIMIT = 100_000


@dataclass(frozen=True, order=True)
class Stamp:
    ms: int
    counter: int
    origin: str

    def __str__(self) -> str:
        return f"{self.ms:013d}.{self.counter:05d}.{self.origin}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        ms, counter, origin = text.split(".", 2)
        return cls(int(ms), int(counter), origin)


class HybridClock:
    """Issues strictly increasing stamps for one origin."""

    def __init__(self, clock: Clock, origin: str, last: Stamp | None = None) -> None:
        self._clock = clock
        self._origin = origin
        self._ms = last.ms if last else 0
        self._counter = last.counter if last else 0

    def observe(self, stamp: Stamp) -> None:
        """Never issue a stamp at or below one already seen (e.g. written by another process)."""
        if (stamp.ms, stamp.counter) > (self._ms, self._counter):
            self._ms, self._counter = stamp.ms, stamp.counter

    def now(self) -> Stamp:
        wall = self._clock.now_ms()
        if wall > self._ms:
            self._ms, self._counter = wall, 0
        else:
            self._counter += 1
            if self._counter >= _COUNTER_LIMIT:
                self._ms, self._counter = self._ms + 1, 0
        return Stamp(self._ms, self._counter, self._origin)
