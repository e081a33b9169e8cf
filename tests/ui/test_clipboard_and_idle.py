"""Copied details leave the clipboard after a while; idleness is noticed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit

from liaison_desk.ui.clipboard import ClearingClipboard
from liaison_desk.ui.idle import IdleWatcher


def test_clipboard_is_cleared_if_it_still_holds_our_value(qtbot: Any) -> None:
    clip = ClearingClipboard(clear_after_ms=50)
    clip.copy("+33 1 23 45 67 89")
    assert QGuiApplication.clipboard().text() == "+33 1 23 45 67 89"
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "", timeout=2_000)


def test_clipboard_keeps_what_the_user_copied_since(qtbot: Any) -> None:
    clip = ClearingClipboard(clear_after_ms=50)
    clip.copy("h.girard@example.fr")
    QGuiApplication.clipboard().setText("something of mine")
    qtbot.wait(150)  # let the 50 ms timer fire
    assert QGuiApplication.clipboard().text() == "something of mine"


def test_idle_fires_after_quiet_and_typing_postpones_it(qtbot: Any) -> None:
    watcher = IdleWatcher(timeout_ms=300)
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    with qtbot.assertNotEmitted(watcher.idle, wait=150):
        qtbot.keyClick(field, Qt.Key.Key_A)
    with qtbot.waitSignal(watcher.idle, timeout=2_000):
        pass
    watcher.set_timeout(0)
    with qtbot.assertNotEmitted(watcher.idle, wait=400):
        pass
