"""What is on screen besides the main window, and an auto-lock that comes while a modal
dialog waits for an answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QToolTip, QWidget

from liaison_desk.ui.main_window import MainWindow

T = TypeVar("T")
STUCK_MS = 10_000
AUTO_LOCK_MS = 300
# The real one: tests/ui/conftest.py swaps it for a failure before each test runs.
REAL_QUESTION = QMessageBox.question


def shown_besides(*keep: QWidget) -> list[str]:
    """Every visible window, popup or tooltip but `keep`, by title or class."""
    shown = [
        widget.windowTitle() or type(widget).__name__
        for widget in QApplication.topLevelWidgets()
        if widget.isVisible() and not any(widget is kept for kept in keep)
    ]
    return shown + (["tooltip"] if QToolTip.isVisible() else [])


def auto_lock_inside(
    window: MainWindow, ask: Callable[[], T], *keep: QWidget, arm: bool = True
) -> T:
    """Call `ask`, which opens a modal dialog and waits in its event loop, with auto-lock due
    in AUTO_LOCK_MS (`arm=False`: something else sets it, as `questions_under_auto_lock`
    does); returns what `ask` returned once the dialog is gone.

    Should the lock leave the dialog open, it is closed after STUCK_MS and the test
    fails naming it, rather than waiting for ever.
    """
    stuck: list[str] = []

    def close_what_stayed() -> None:
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible() and widget is not window and not any(widget is k for k in keep):
                stuck.append(widget.windowTitle() or type(widget).__name__)
                if isinstance(widget, QDialog):
                    widget.reject()
                else:
                    widget.close()

    watchdog = QTimer(window, singleShot=True, interval=STUCK_MS)
    watchdog.timeout.connect(close_what_stayed)
    watchdog.start()
    if arm:
        window.idle.set_timeout(AUTO_LOCK_MS)
    try:
        answer = ask()
    finally:
        watchdog.stop()
    assert stuck == [], f"still on screen after the lock: {stuck}"
    return answer


def questions_under_auto_lock(
    monkeypatch: pytest.MonkeyPatch, window: MainWindow
) -> list[tuple[str, QMessageBox.StandardButton]]:
    """Real questions from now on, with auto-lock due AUTO_LOCK_MS after each one opens (for
    a question that opens when a worker's result arrives); returns each text and answer."""
    asked: list[tuple[str, QMessageBox.StandardButton]] = []

    def question(parent: QWidget, title: str, text: str, *args: object) -> object:
        window.idle.set_timeout(AUTO_LOCK_MS)
        answer = REAL_QUESTION(parent, title, text, *args)  # type: ignore[arg-type]
        asked.append((text, answer))
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked
