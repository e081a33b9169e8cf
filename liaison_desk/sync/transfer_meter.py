"""A bundle's transfer as a person watching it wants it said: bytes, the rate, and resumption.

`sync online` (the CLI's progress line, the window's Sync progress) shows
"Sending bundle 1 of 2: 12.0 of 50.0 MiB, 1.4 MiB/s (resumed at 8.0 MiB)".
The rate is over the last few seconds, so it follows a link that slows or
drops; bytes a resumed transfer did not have to move again are not counted in it.
"""

from __future__ import annotations

from collections import deque

from liaison_desk.core.clock import IntervalClock, SystemClock
from liaison_desk.sync.transfer import StepProgress

WINDOW_S = 5.0  # the rate is over this many seconds
_EVERY_S = 0.25  # the words change at most this often (the figures with them)


def amount(size: float) -> str:
    """12.0 MiB, 640 KiB, 312 bytes."""
    if size < 1024:
        return f"{int(size)} bytes"
    for unit, scale in (("KiB", 1 << 10), ("MiB", 1 << 20)):
        if size < scale * 1024:
            return f"{size / scale:.1f} {unit}"
    return f"{size / (1 << 30):.1f} GiB"


class Meter:
    """Reports one transfer to a StepProgress under `label`, with its figures in the words."""

    def __init__(
        self,
        progress: StepProgress | None,
        label: str,
        total: int,
        clock: IntervalClock | None = None,
    ) -> None:
        self._progress = progress
        self._label = label
        self.total = total
        self._clock = clock or SystemClock()
        self._seen: deque[tuple[float, int]] = deque()
        self._resumed: int | None = None
        self._said = -_EVERY_S
        self._words = label

    def resuming(self, at: int) -> None:
        """The transfer goes on from byte `at` (of an earlier attempt, or an earlier sync)."""
        self._resumed = at
        self._seen.clear()
        self._said = -_EVERY_S
        self(at)

    def __call__(self, done: int) -> None:
        now = self._clock.monotonic_s()
        seen = self._seen
        seen.append((now, done))
        while len(seen) > 2 and now - seen[1][0] >= WINDOW_S:
            seen.popleft()
        if self._progress is None:
            return
        if now - self._said >= _EVERY_S or done >= self.total:
            self._said = now
            self._words = self.words(done)
        self._progress(self._words, done, self.total)

    def rate(self) -> float | None:
        """Bytes a second over the last few seconds; None until there is a second to go by."""
        if len(self._seen) < 2:
            return None
        (then, before), (now, done) = self._seen[0], self._seen[-1]
        return (done - before) / (now - then) if now - then >= 0.5 else None

    def words(self, done: int) -> str:
        moved, whole = amount(done), amount(self.total)
        number, _, unit = moved.partition(" ")
        if whole.endswith(f" {unit}"):
            moved = number  # "12.0 of 50.0 MiB"
        text = f"{self._label}: {moved} of {whole}"
        rate = self.rate()
        if rate is not None:
            text += f", {amount(rate)}/s"
        if self._resumed:
            text += f" (resumed at {amount(self._resumed)})"
        return text
