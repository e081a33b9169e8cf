"""A progress line on stderr for long imports and exports, only when stderr is a terminal.

Scripts and logs get nothing but the final sentence; a person at a terminal sees
`Reading cards  4,000/10,000  40%` redrawn in place, at most ten times a second.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

_WIDTH = 24
_INTERVAL = 0.1


class ProgressLine:
    """`terse`: the label says the figures itself (a transfer's bytes and rate); the line adds
    only the percentage, and a new label overwrites the old in place."""

    def __init__(self, label: str, stream: TextIO | None = None, terse: bool = False) -> None:
        self.label = label
        self.terse = terse
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last = 0.0
        self._shown = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < _INTERVAL:
            return
        self._last = now
        fraction = min(done, total) / total if total > 0 else 1.0
        if self.terse:
            text = f"{self.label}  {fraction:.0%}"
        else:
            bar = "#" * round(fraction * _WIDTH)
            text = f"{self.label}  [{bar:<{_WIDTH}}] {done:,}/{total:,}  {fraction:.0%}"
        padding = " " * max(0, self._shown - len(text))  # what a longer line left behind
        self._shown = max(self._shown, len(text))
        self.stream.write(f"\r{text}{padding}")
        self.stream.flush()

    def clear(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0


@contextmanager
def progress_line(label: str) -> Iterator[ProgressLine]:
    """A ProgressLine that wipes itself when the block ends, however it ends."""
    line = ProgressLine(label)
    try:
        yield line
    finally:
        line.clear()
