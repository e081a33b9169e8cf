"""Auto-lock: notice when nobody has touched the keyboard or mouse for a while.

Input only notes the time on the clock (mouse moves come by the hundred; restarting a
timer for each is wasted work). A single-shot timer wakes when the user could first
have been away long enough, and `check` asks the clock whether they were; if not, it
sleeps again for the rest. Tests move an injected clock and call `check` themselves.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from liaison_desk.core.clock import Clock, SystemClock

_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class IdleWatcher(QObject):
    """Emits `idle` once after `timeout_ms` without user input anywhere in the application."""

    idle = Signal()

    def __init__(
        self, timeout_ms: int, parent: QObject | None = None, *, clock: Clock | None = None
    ) -> None:
        super().__init__(parent)
        self._clock = clock or SystemClock()
        self._timeout_ms = 0
        self._last_input_ms = 0
        self._watching = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.check)
        self.set_timeout(timeout_ms)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_timeout(self, timeout_ms: int) -> None:
        """0 turns auto-lock off."""
        self._timeout_ms = timeout_ms
        self.restart()

    def restart(self) -> None:
        """Count the quiet from now (after unlocking, or with a new timeout)."""
        self._last_input_ms = self._clock.now_ms()
        self._watching = self._timeout_ms > 0
        if self._watching:
            self._timer.start(self._timeout_ms)
        else:
            self._timer.stop()

    def pause(self) -> None:
        self._watching = False
        self._timer.stop()

    def check(self) -> None:
        """Emit `idle` if the whole timeout passed without input; else wait for the rest."""
        if not self._watching:
            return
        now_ms = self._clock.now_ms()
        if now_ms < self._last_input_ms:  # the clock was set back: count from now
            self._last_input_ms = now_ms
        quiet_ms = now_ms - self._last_input_ms
        if quiet_ms >= self._timeout_ms:
            self.pause()
            self.idle.emit()
        else:
            self._timer.start(self._timeout_ms - quiet_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._watching and event.type() in _ACTIVITY:
            self._last_input_ms = self._clock.now_ms()
        return False
