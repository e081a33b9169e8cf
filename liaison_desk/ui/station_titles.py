"""The station's name in the title of every dialog the main window opens.

An officer may run the demo beside the real vault, or HQ's vault beside a
station's for training: each question, file picker and report dialog says
which vault it is about. One event filter does it for every dialog, Qt's own
message boxes included, so no dialog can forget.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QDialog, QWidget


class StationTitles(QObject):
    """Adds " — <station>" to the title of each dialog shown over `window`."""

    def __init__(self, window: QWidget, station: Callable[[], str]) -> None:
        super().__init__(window)
        self._window = window
        self._station = station
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QDialog):
            parent = watched.parentWidget()
            if parent is not None and parent.window() is self._window:
                self._title(watched)
        return False

    def _title(self, dialog: QDialog) -> None:
        station = self._station()
        suffix = f" — {station}"
        title = dialog.windowTitle() or "Liaison Desk"
        if station and not title.endswith(suffix):
            dialog.setWindowTitle(title + suffix)
