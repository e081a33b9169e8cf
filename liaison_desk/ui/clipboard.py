"""Copying a contact's details, then clearing the clipboard (as KeePassXC does for passwords).

A single-shot timer wakes when the time is up and `clear_if_due` asks the clock whether
it is; tests move an injected clock and call `clear_if_due` themselves.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication

from liaison_desk.core.clock import Clock, SystemClock

CLEAR_AFTER_MS = 30_000


class ClearingClipboard(QObject):
    """Puts text on the clipboard and takes it off again unless the user copied something else."""

    def __init__(
        self,
        clear_after_ms: int = CLEAR_AFTER_MS,
        parent: QObject | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock or SystemClock()
        self._clear_after_ms = clear_after_ms
        self._copied: str | None = None
        self._copied_at_ms = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_if_due)

    def copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self._copied = text
        self._copied_at_ms = self._clock.now_ms()
        self._timer.start(self._clear_after_ms)

    def clear_if_due(self) -> None:
        """Clear once the time since the last copy is up; else wait for the rest."""
        if self._copied is None:
            return
        now_ms = self._clock.now_ms()
        if now_ms < self._copied_at_ms:  # the clock was set back: count from now
            self._copied_at_ms = now_ms
        left_ms = self._copied_at_ms + self._clear_after_ms - now_ms
        if left_ms > 0:
            self._timer.start(left_ms)
            return
        self.clear_if_ours()

    def clear_if_ours(self) -> None:
        """Clear only our own value: never destroy what the officer copied since."""
        clipboard = QGuiApplication.clipboard()
        if self._copied is not None and clipboard.text() == self._copied:
            clipboard.clear()
        self._copied = None
        self._timer.stop()
