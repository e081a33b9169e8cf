"""Hybrid logical clock: wall time that never runs backwards, with a tie-breaking origin.

A stamp is text of fixed width, ``<ms:13>.<counter:05>.<origin>``, so comparing
two stamps as strings orders them by time, then counter, then origin: every
vault sorts the same edits the same way, which is what last-writer-wins needs.
This module is the only one that knows that layout: `Stamp` parses and formats
it, and `stamp_ms`, `stamp_origin` and `stamp_ms_origin` read parts of a stamp's
text without parsing the rest (a merge does so for every record it creates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from liaison_desk.core.clock import Clock
from liaison_desk.core.errors import ClockRanOut

_COUNTER_LIMIT = 100_000
# The last millisecond a stamp's 13 digits can hold (in the year 2286).
_LAST_MS = 10**13 - 1
# How far ahead of a vault's own clock a stamp from elsewhere may be. Clocks drift, and
# time zones are a classic mistake; a day covers both. Further ahead, a stamp would hold
# every field it touches against all later edits, and a clock that adopted it would issue
# stamps past the format's end (see `docs/bundle-format.md`, "Clocks").
MAX_AHEAD_MS = 24 * 3600 * 1000
# An origin is 8 random bytes in hex (see core.vault); a stamp ends with one.
_ORIGIN = re.compile(r"[0-9a-f]{16}")
_STAMP = re.compile(rf"[0-9]{{13}}\.[0-9]{{5}}\.{_ORIGIN.pattern}")
_ORIGIN_AT = 20  # len("<ms:13>.<counter:05>.")


def is_origin(value: object) -> bool:
    """Whether `value` is an origin id (from a peer: checked before it is used)."""
    return type(value) is str and _ORIGIN.fullmatch(value) is not None


def is_stamp(value: object) -> bool:
    """Whether `value` is a stamp's text (from a peer: checked before it is used)."""
    return type(value) is str and _STAMP.fullmatch(value) is not None


def stamp_ms(text: str) -> int:
    """The wall-clock milliseconds of a stamp's text."""
    return int(text[:13])


def stamp_origin(text: str) -> str:
    """The origin that issued a stamp, from its text."""
    return text[_ORIGIN_AT:]


def stamp_ms_origin(text: str) -> tuple[int, str]:
    """Both at once (one call, for a merge creating 100,000 records)."""
    return int(text[:13]), text[_ORIGIN_AT:]


def latest_at(ms: int) -> str:
    """Text that every stamp of millisecond `ms` or before sorts at or below."""
    return f"{ms:013d}.{_COUNTER_LIMIT - 1:05d}.g"


def ahead_limit(now_ms: int) -> str:
    """Text that every stamp at most `MAX_AHEAD_MS` ahead of `now_ms` sorts at or below.

    Stamps compare as text, so a received stamp is checked with one comparison:
    ``stamp > ahead_limit(now)`` means it is too far ahead ("g" sorts after every
    hex digit of an origin).
    """
    return latest_at(now_ms + MAX_AHEAD_MS)


@dataclass(frozen=True, order=True)
class Stamp:
    ms: int
    counter: int
    origin: str

    def __str__(self) -> str:
        return f"{self.ms:013d}.{self.counter:05d}.{self.origin}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        return cls(int(text[:13]), int(text[14:19]), text[_ORIGIN_AT:])


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
        if self._ms > _LAST_MS:
            raise ClockRanOut(
                "This vault's clock has run past the last time a change can be stamped (a "
                "broken clock set it centuries ahead), so nothing can be saved here. Check "
                "this computer's date and time; if they are right, restore the vault from a "
                "backup made before the jump."
            )
        return Stamp(self._ms, self._counter, self._origin)
